/** ExecutorHistory's completed tasks: bounded per executor, dropped with their executor, kept as copies. */
import { expect } from 'chai';
import type { TaskInfo } from '../../lib/codec/messages';
import {
  type CompletedExecutor,
  completedExecutorJson,
  ExecutorHistory,
  MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK,
  MAX_COMPLETED_TASKS_PER_EXECUTOR,
} from '../../lib/local/executor-history';

const info = (id: string): TaskInfo => ({ name: id, task_id: { value: id }, agent_id: { value: 'a1' }, resources: [] });
const task = (executorId: string, id: string) =>
  ({ frameworkId: 'f1', executorId, task: info(id), state: 'TASK_FINISHED' }) as const;
const executor = (id: string): CompletedExecutor => ({
  frameworkId: 'f1',
  id,
  name: id,
  source: id,
  containerId: `c-${id}`,
  directory: `/tmp/${id}`,
  status: 'exited with status 0',
  taskIds: [id],
});

describe('ExecutorHistory completed tasks', () => {
  it('keeps at most MAX_COMPLETED_TASKS_PER_EXECUTOR per executor, the oldest going first', () => {
    const history = new ExecutorHistory();
    for (let i = 0; i <= MAX_COMPLETED_TASKS_PER_EXECUTOR; i++) history.completeTask(task('e1', `t${i}`));
    history.completeTask(task('e2', 'other'));
    const kept = history.tasksOf('f1', 'e1').map((t) => t.task.task_id.value);
    expect(kept).to.have.length(MAX_COMPLETED_TASKS_PER_EXECUTOR);
    expect(kept[0]).to.equal('t1');
    expect(history.completedTasks().map((t) => t.task.task_id.value)).to.include('other');
  });

  it('forgets the tasks of an ended executor evicted from the history', () => {
    const history = new ExecutorHistory();
    history.completeTask(task('first', 'first'));
    for (let i = 0; i <= MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK; i++) history.add(executor(i === 0 ? 'first' : `e${i}`));
    expect(history.tasksOf('f1', 'first')).to.deep.equal([]);
    expect(history.completedTasks()).to.deep.equal([]);
  });

  it('keeps a copy of the fields it needs, not the caller record', () => {
    const history = new ExecutorHistory();
    history.completeTask({ ...task('e1', 't1'), process: { pid: 1 } } as never);
    expect(Object.keys(history.completedTasks()[0] ?? {})).to.have.members([
      'frameworkId',
      'executorId',
      'task',
      'state',
    ]);
  });

  it("/state's completed executor lists its completed tasks in full, others by id", () => {
    const history = new ExecutorHistory();
    history.completeTask(task('e1', 'e1'));
    const json = completedExecutorJson('a1', history, { ...executor('e1'), taskIds: ['e1', 'never-acked'] });
    expect(json.completed_tasks).to.deep.equal([
      {
        id: 'e1',
        name: 'e1',
        framework_id: 'f1',
        executor_id: 'e1',
        slave_id: 'a1',
        state: 'TASK_FINISHED',
        resources: [],
      },
      { id: 'never-acked' },
    ]);
  });
});

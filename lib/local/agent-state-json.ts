/**
 * `GET /state` of a LocalAgent, shaped like a Mesos agent's: each framework with its executors
 * (custom ones, and the command executors of running command tasks) and their sandbox
 * `directory` and `completed_tasks`, its `completed_executors`, its tasks; frameworks that left the
 * agent are listed under `completed_frameworks` with the executors they ran.
 */
import type { Attribute, ExecutorInfo, FrameworkInfo, Resource, TaskInfo, TaskState } from '../codec/messages';
import type { AgentLaunchSupport } from './agent-launch';
import { completedExecutorJson, completedTaskJson } from './executor-history';

/** What /state reads of an agent. */
export interface AgentStateView {
  readonly id: string;
  readonly hostname: string;
  readonly port: number;
  readonly resources: Resource[];
  readonly attributes: Attribute[];
  readonly frameworks: Iterable<{
    readonly id: string;
    readonly info: FrameworkInfo;
    readonly executors: ReadonlyMap<
      string,
      {
        readonly id: string;
        readonly info: ExecutorInfo;
        readonly containerId: string;
        readonly sandbox: string;
        readonly phase: string;
      }
    >;
  }>;
  readonly tasks: Iterable<{
    readonly frameworkId: string;
    readonly task: TaskInfo;
    readonly state: TaskState;
    readonly executorId: string;
  }>;
  readonly launcher: AgentLaunchSupport;
}

/** The agent's state document. */
export function agentStateJson(view: AgentStateView): Record<string, unknown> {
  const tasks = [...view.tasks];
  const live = new Set<string>();
  const { history } = view.launcher;
  const ended = (frameworkId: string) => history.of(frameworkId).map((e) => completedExecutorJson(view.id, history, e));
  const completedTasks = (frameworkId: string, executorId: string) =>
    history.tasksOf(frameworkId, executorId).map((t) => completedTaskJson(view.id, t));
  const frameworks = [...view.frameworks].map((f) => {
    live.add(f.id);
    const custom = [...f.executors.values()].map((e) => ({
      id: e.id,
      name: e.info.name ?? '',
      source: e.info.source ?? '',
      container: e.containerId,
      directory: e.sandbox,
      state: e.phase,
      completed_tasks: completedTasks(f.id, e.id),
    }));
    const commands = view.launcher.commandsOf(f.id).map((c) => ({
      id: c.executorId,
      name: `Command Executor (Task: ${c.taskId})`,
      source: c.taskId,
      container: c.containerId,
      directory: c.sandbox,
      state: 'RUNNING',
      completed_tasks: completedTasks(f.id, c.executorId),
    }));
    return {
      id: f.id,
      name: f.info.name,
      user: f.info.user,
      checkpoint: f.info.checkpoint ?? false,
      executors: [...custom, ...commands],
      completed_executors: ended(f.id),
      tasks: tasks
        .filter((t) => t.frameworkId === f.id)
        .map((t) => ({
          id: t.task.task_id.value,
          name: t.task.name,
          state: t.state,
          executor_id: t.executorId,
          resources: t.task.resources ?? [],
        })),
    };
  });
  const completed = history
    .frameworks()
    .filter((f) => !live.has(f.id))
    .map((f) => ({
      id: f.id,
      name: f.name,
      executors: [],
      completed_executors: ended(f.id),
    }));
  return {
    id: view.id,
    hostname: view.hostname,
    port: view.port,
    pid: `slave(1)@127.0.0.1:${view.port}`,
    resources: view.resources,
    attributes: view.attributes,
    frameworks,
    completed_frameworks: completed,
  };
}

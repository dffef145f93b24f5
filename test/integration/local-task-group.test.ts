/**
 * Task groups on the DEFAULT executor of a LocalAgent behave as Mesos's default executor: a task
 * that fails or is killed kills the rest of its group (each with a 3 s grace period, whatever its
 * KillPolicy); a task that finishes leaves the others running.
 */
import { expect } from 'chai';
import type { ExecutorInfo, TaskStatus } from '../../lib/codec/messages';
import { FRAMEWORK, task, useLocalAgent } from './local-task-helpers';

const DEFAULT_EXECUTOR: ExecutorInfo = { executor_id: { value: 'group-exec' }, type: 'DEFAULT' };
const FW = FRAMEWORK.id?.value as string;

describe('LocalAgent task groups on the DEFAULT executor', function () {
  this.timeout(20_000);
  const ctx = useLocalAgent();
  const last = (id: string): TaskStatus | undefined => ctx.updates.of(id).at(-1);
  const ended = (id: string) => ['TASK_KILLED', 'TASK_FAILED', 'TASK_FINISHED'].includes(last(id)?.state ?? '');

  it('killing one task kills the group; a task that finished earlier stays finished', async () => {
    ctx.agent.launch(FRAMEWORK, [task('a', 'exec sleep 30'), task('b', 'exec sleep 30'), task('done', 'exit 0')], {
      executor: DEFAULT_EXECUTOR,
    });
    await ctx.updates.until(
      'a and b running, done finished',
      () =>
        last('a')?.state === 'TASK_RUNNING' &&
        last('b')?.state === 'TASK_RUNNING' &&
        last('done')?.state === 'TASK_FINISHED',
    );
    // A finished task does not take its group down.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(last('a')?.state).to.equal('TASK_RUNNING');
    ctx.agent.kill(FW, 'a');
    await ctx.updates.until('both killed', () => ended('a') && ended('b'));
    expect(ctx.updates.of('b').map((s) => s.state)).to.deep.equal([
      'TASK_STARTING',
      'TASK_RUNNING',
      'TASK_KILLING',
      'TASK_KILLED',
    ]);
    expect(last('b')?.executor_id?.value).to.equal('group-exec');
  });

  it('a failed task fails its group: the others are killed with a 3 s grace period, not their own', async () => {
    const stubborn = 'trap "" TERM; while :; do sleep 0.05; done';
    ctx.agent.launch(
      FRAMEWORK,
      [
        task('crash', 'sleep 0.3; exit 3'),
        task('stubborn', stubborn, { kill_policy: { grace_period: { nanoseconds: 60e9 } } }),
      ],
      { executor: DEFAULT_EXECUTOR },
    );
    await ctx.updates.until('crash failed', () => last('crash')?.state === 'TASK_FAILED');
    const failedAt = Date.now();
    await ctx.updates.until('stubborn killed', () => last('stubborn')?.state === 'TASK_KILLED', 10_000);
    expect(Date.now() - failedAt).to.be.within(2500, 8000);
  });

  it('tasks launched one by one (not as a group) are independent', async () => {
    ctx.agent.launch(FRAMEWORK, [task('solo-1', 'exit 1'), task('solo-2', 'exec sleep 30')]);
    await ctx.updates.until('solo-1 failed', () => last('solo-1')?.state === 'TASK_FAILED');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(last('solo-2')?.state).to.equal('TASK_RUNNING');
  });
});

/**
 * A custom executor written with the concurrency pattern the README shows, for end-to-end tests on
 * LocalCluster (started through nodeExecutorInfo): launchTask starts the task's work and returns
 * its promise, which the driver does not wait for; killTask and shutdown end the work through an
 * AbortController and the task sends its own terminal update. A task's data chooses the work:
 * `work:<ms>` waits that long asynchronously; `block:<ms>` sends TASK_RUNNING, then blocks the
 * event loop with spawnSync for that long (an executor running a synchronous child).
 */
import { spawnSync } from 'node:child_process';
import type { TaskInfo } from '../../../lib/codec/messages';
import { MesosExecutorDriver } from '../../../lib/driver/executor-driver';
import type { Executor, ExecutorDriver } from '../../../lib/driver/executor-types';
import { Status } from '../../../lib/driver/status';

const running = new Map<string, AbortController>();

function waitOrAbort(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

async function runTask(driver: ExecutorDriver, task: TaskInfo): Promise<void> {
  const [kind, ms] = Buffer.from(task.data ?? '')
    .toString()
    .split(':');
  const stop = new AbortController();
  running.set(task.task_id.value, stop);
  driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_RUNNING' });
  let killed = false;
  if (kind === 'block') spawnSync('sleep', [String(Number(ms) / 1000)]);
  else killed = await waitOrAbort(Number(ms), stop.signal);
  running.delete(task.task_id.value);
  driver.sendStatusUpdate({
    task_id: task.task_id,
    state: killed ? 'TASK_KILLED' : 'TASK_FINISHED',
    message: killed ? `killed (${stop.signal.reason})` : 'done',
  });
}

const executor: Executor = {
  launchTask: (driver, task) => runTask(driver, task),
  killTask: (_driver, taskId) => running.get(taskId.value)?.abort('killTask'),
  shutdown: () => {
    for (const stop of running.values()) stop.abort('shutdown');
  },
};

new MesosExecutorDriver(executor).run().then((status) => {
  process.exitCode = status === Status.DRIVER_STOPPED ? 0 : 1;
});

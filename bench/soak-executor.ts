/**
 * The executor of `npm run soak` (bench/soak-faults.ts), started by LocalCluster's agents through
 * nodeExecutorInfo: each task is reported TASK_RUNNING, then TASK_FINISHED after the number of ms
 * in its `data`; on SHUTDOWN its open tasks are reported TASK_KILLED. Tasks run concurrently.
 */
import type { TaskInfo } from '../lib';
import { type Executor, type ExecutorDriver, MesosExecutorDriver, Status } from '../lib';

const open = new Map<string, NodeJS.Timeout>();

const executor: Executor = {
  launchTask(driver: ExecutorDriver, task: TaskInfo): void {
    const id = task.task_id.value;
    driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_RUNNING', message: 'soak: running' });
    const ms = Number(Buffer.from(task.data ?? '').toString('utf8')) || 500;
    open.set(
      id,
      setTimeout(() => {
        open.delete(id);
        driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_FINISHED', message: 'soak: finished' });
      }, ms),
    );
  },
  killTask(driver: ExecutorDriver, taskId): void {
    const timer = open.get(taskId.value);
    if (timer) clearTimeout(timer);
    open.delete(taskId.value);
    driver.sendStatusUpdate({ task_id: taskId, state: 'TASK_KILLED' });
  },
  shutdown(driver: ExecutorDriver): void {
    for (const [id, timer] of open) {
      clearTimeout(timer);
      driver.sendStatusUpdate({ task_id: { value: id }, state: 'TASK_KILLED' });
    }
    open.clear();
  },
  error(_driver: ExecutorDriver, message: string): void {
    console.error(`soak executor error: ${message}`);
  },
};

new MesosExecutorDriver(executor).run().then(
  (status) => {
    process.exitCode = status === Status.DRIVER_STOPPED ? 0 : 1;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);

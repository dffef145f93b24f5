/**
 * A custom executor process for end-to-end tests on LocalCluster: tasks stay TASK_RUNNING until
 * killed; framework messages are echoed back; on shutdown every running task gets TASK_KILLED,
 * unless a task's data is "hang-on-shutdown", in which case the shutdown callback never returns
 * (so the grace period has to end the process). Exits 0 when the driver ends STOPPED.
 */
import type { TaskID } from '../../../lib/codec/messages';
import { MesosExecutorDriver } from '../../../lib/driver/executor-driver';
import type { Executor, ExecutorDriver } from '../../../lib/driver/executor-types';
import { Status } from '../../../lib/driver/status';

const running = new Map<string, TaskID>();
let hangOnShutdown = false;

const fixture: Executor = {
  launchTask(driver: ExecutorDriver, task) {
    running.set(task.task_id.value, task.task_id);
    if (task.data && Buffer.from(task.data).toString() === 'hang-on-shutdown') hangOnShutdown = true;
    driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_RUNNING' });
  },
  killTask(driver, taskId) {
    running.delete(taskId.value);
    driver.sendStatusUpdate({ task_id: taskId, state: 'TASK_KILLED', message: 'killed by request' });
  },
  frameworkMessage(driver, data) {
    driver.sendFrameworkMessage(`echo ${data.toString()}`);
  },
  async shutdown(driver) {
    for (const taskId of running.values())
      driver.sendStatusUpdate({ task_id: taskId, state: 'TASK_KILLED', message: 'executor shutdown' });
    running.clear();
    if (hangOnShutdown) await new Promise<never>(() => setInterval(() => undefined, 1_000));
  },
  error(_driver, message) {
    console.error(`executor error: ${message}`);
  },
};

new MesosExecutorDriver(fixture).run().then((status) => {
  process.exitCode = status === Status.DRIVER_STOPPED ? 0 : 1;
});

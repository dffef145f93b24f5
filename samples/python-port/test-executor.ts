/**
 * TypeScript port of Mesos's Python example executor (`src/examples/python/test_executor.py`), the
 * executor of ./test-framework.ts. Each task is reported TASK_RUNNING then TASK_FINISHED, both
 * carrying the bytes `data with a \0 byte`; a framework message is sent back to the scheduler.
 *
 * It is not run from here: bundle.ts packs it into one .js file (with the library's proto/ folder
 * beside it) that the framework ships through CommandInfo.uris, and the agent runs it in the
 * sandbox it fetched it into. Where the Python original starts a thread per task, launchTask
 * schedules the task's work and returns (the Node form of "do not work inside launchTask").
 */
import { type Executor, type ExecutorDriver, MesosExecutorDriver, Status, type TaskInfo } from '../../lib';

/** The payload the example sends through every update and message, with a NUL byte inside. */
const DATA = 'data with a \0 byte';

function runTask(driver: ExecutorDriver, task: TaskInfo): void {
  console.log(`Running task ${task.task_id.value}`);
  driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_RUNNING', data: DATA });

  // This is where one would perform the requested task.

  console.log('Sending status update...');
  driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_FINISHED', data: DATA });
  console.log('Sent status update');
}

const executor: Executor = {
  launchTask(driver, task) {
    // The task runs after launchTask has returned, as the Python original runs it on a new thread.
    setImmediate(() => runTask(driver, task));
  },
  frameworkMessage(driver, message) {
    // Send it back to the scheduler.
    driver.sendFrameworkMessage(message);
  },
};

console.log('Starting executor');
new MesosExecutorDriver(executor).run().then(
  (status) => process.exit(status === Status.DRIVER_STOPPED ? 0 : 1),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

/**
 * TypeScript port of Mesos's test_executor (src/examples/test_executor.cpp): the custom executor
 * of test_framework. Each launched task is reported TASK_RUNNING and at once TASK_FINISHED; the
 * executor stays up until the agent shuts it down, and exits 0 when the driver ends STOPPED.
 *
 * Run by an agent (it reads the MESOS_* environment the agent sets):
 *   node --import tsx samples/test-executor.ts      or, from the build,   node dist/samples/test-executor.js
 */

import type { AgentInfo, ExecutorInfo, FrameworkInfo, TaskInfo } from '../lib';
import { type Executor, type ExecutorDriver, MesosError, MesosExecutorDriver, Status } from '../lib';

/** The executor: every callback but launchTask does nothing, as in the C++ example. */
class TestExecutor implements Executor {
  registered(
    _driver: ExecutorDriver,
    _executorInfo: ExecutorInfo,
    _frameworkInfo: FrameworkInfo,
    agentInfo: AgentInfo,
  ): void {
    console.log(`Registered executor on ${agentInfo.hostname}`);
  }

  launchTask(driver: ExecutorDriver, task: TaskInfo): void {
    console.log(`Starting task ${task.task_id.value}`);
    driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_RUNNING' });
    // This is where one would perform the requested task.
    console.log(`Finishing task ${task.task_id.value}`);
    driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_FINISHED' });
  }

  error(_driver: ExecutorDriver, message: string): void {
    console.error(`Executor error: ${message}`);
  }
}

async function main(): Promise<number> {
  let driver: MesosExecutorDriver;
  try {
    driver = new MesosExecutorDriver(new TestExecutor());
  } catch (err) {
    // A missing or malformed MESOS_* variable: say which, and fail (libmesos exits too).
    console.error(err instanceof MesosError ? `${err.name}: ${err.message}` : err);
    return 1;
  }
  const status = await driver.run();
  return status === Status.DRIVER_STOPPED ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  },
);

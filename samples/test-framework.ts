/**
 * TypeScript port of Mesos's test_framework (`src/examples/test_framework.cpp`): runs five tasks
 * through the custom executor samples/test-executor.ts, then stops (TEARDOWN).
 *
 *   npx tsx samples/test-framework.ts                         # embedded LocalCluster
 *   npx tsx samples/test-framework.ts --master=10.0.0.1:5050  # a real master (the agents must be able to run node)
 *
 * Where it differs from the C++ example: without `--master` (or with `local`) it starts an
 * embedded LocalCluster; the executor command, built by nodeExecutorInfo, is
 * `node dist/samples/test-executor.js` when built, else `node --import tsx samples/test-executor.ts`
 * (`MESOS_HELPER_DIR` may name the folder that holds either); task resources are taken from the offer keeping their reservations, which covers
 * the C++ example's "statically reserved to the role" case.
 */
import {
  type ExecutorInfo,
  type FrameworkInfo,
  MesosSchedulerDriver,
  nodeExecutorInfo,
  type Offer,
  type Scheduler,
  type SchedulerDriver,
  Status,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
} from '../lib';
import { testExecutorScript } from './lib/executor-command';
import { COMMON_FLAGS, type FlagSpec, parseFlags, stringFlag, usage } from './lib/flags';
import { takeScalars } from './lib/resources';
import { credentialFrom, runCli, type SampleHooks, type SampleOutcome, withMaster } from './lib/run';

/** Flags of this sample: the shared example flags. */
export const TEST_FRAMEWORK_FLAGS: Record<string, FlagSpec> = { ...COMMON_FLAGS };

/** How many tasks test_framework runs. */
export const TOTAL_TASKS = 5;
/** Resources of each task, as in the C++ example. */
const TASK_RESOURCES = new Map([
  ['cpus', 1],
  ['mem', 128],
]);

/** The scheduler: the C++ example's callbacks, with counters the outcome reports. */
export class TestScheduler implements Scheduler {
  launched = 0;
  finished = 0;
  terminated = 0;
  frameworkId: string | undefined;
  /** Set when a task ended badly and the driver was aborted. */
  failure: string | undefined;
  readonly taskStates: Record<string, TaskState> = {};

  constructor(
    private readonly executor: ExecutorInfo,
    private readonly implicitAcknowledgements: boolean,
    private readonly hooks: SampleHooks,
  ) {}

  private log(line: string): void {
    (this.hooks.log ?? console.log)(line);
  }

  registered(_driver: SchedulerDriver, frameworkId: { value: string }): void {
    this.frameworkId = frameworkId.value;
    this.log('Registered!');
  }

  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void {
    for (const offer of offers) {
      const remaining = [...(offer.resources ?? [])];
      const tasks: TaskInfo[] = [];
      while (this.launched < TOTAL_TASKS) {
        const resources = takeScalars(remaining, TASK_RESOURCES);
        if (!resources) break;
        const taskId = String(this.launched++);
        this.log(`Launching task ${taskId} using offer ${offer.id.value}`);
        tasks.push({
          name: `Task ${taskId}`,
          task_id: { value: taskId },
          agent_id: offer.agent_id,
          executor: this.executor,
          resources,
        });
      }
      if (tasks.length > 0) this.hooks.onLaunch?.(tasks.map((t) => t.task_id.value));
      // For every offer, as the C++ example: an empty list declines it for 5 s.
      driver.launchTasks(offer.id, tasks);
    }
  }

  statusUpdate(driver: SchedulerDriver, status: TaskStatus): void {
    const taskId = status.task_id.value;
    this.hooks.onStatus?.(status);
    this.taskStates[taskId] = status.state;
    this.log(`Task ${taskId} is in state ${status.state}`);
    if (status.state === 'TASK_FINISHED') {
      this.finished++;
      this.terminated++;
    }
    if (status.state === 'TASK_LOST' || status.state === 'TASK_KILLED' || status.state === 'TASK_FAILED') {
      this.terminated++;
      this.failure = `Aborting because task ${taskId} is in unexpected state ${status.state} with reason ${status.reason ?? 'none'} from source ${status.source ?? 'none'} with message '${status.message ?? ''}'`;
      this.log(this.failure);
      driver.abort();
    }
    if (!this.implicitAcknowledgements) driver.acknowledgeStatusUpdate(status);
    if (this.finished === TOTAL_TASKS) driver.stop();
  }

  error(_driver: SchedulerDriver, message: string): void {
    this.log(message);
  }
}

/**
 * Runs the sample with command-line style arguments; resolves with its outcome (`'help'` after
 * printing `--help`). Throws MesosConfigError on bad flags or when the executor cannot be found.
 */
export async function runTestFramework(
  argv: readonly string[],
  hooks: SampleHooks = {},
): Promise<SampleOutcome | 'help'> {
  const log = hooks.log ?? console.log;
  const env = hooks.env ?? process.env;
  const values = parseFlags(argv, TEST_FRAMEWORK_FLAGS, env);
  if (values.help) {
    log(
      usage(
        'test-framework',
        'Runs five tasks through a custom TypeScript executor (port of Mesos test_framework).',
        TEST_FRAMEWORK_FLAGS,
      ),
    );
    return 'help';
  }
  const role = stringFlag(values, 'role') ?? '*';
  const credential = credentialFrom(values);
  const executor: ExecutorInfo = nodeExecutorInfo('default', {
    name: 'Test Executor (TypeScript)',
    script: testExecutorScript(env.MESOS_HELPER_DIR),
  });
  // As the C++ example: explicit acknowledgements when MESOS_EXPLICIT_ACKNOWLEDGEMENTS is set.
  const implicitAcknowledgements = env.MESOS_EXPLICIT_ACKNOWLEDGEMENTS === undefined;

  return withMaster(values, hooks, async (master) => {
    const framework: FrameworkInfo = {
      name: 'Test Framework (TypeScript)',
      user: '',
      principal: stringFlag(values, 'principal') ?? 'test',
      roles: [role],
      checkpoint: values.checkpoint === true,
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
    };
    const scheduler = new TestScheduler(executor, implicitAcknowledgements, hooks);
    const driver = new MesosSchedulerDriver(scheduler, framework, master, implicitAcknowledgements, credential);
    const onAbort = () => driver.stop();
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const status = await driver.run();
      // As the C++ main: stop() again, which after an abort still tears the framework down.
      driver.stop();
      await driver.join();
      const error = scheduler.failure ?? driver.abortReason?.message;
      return {
        exitCode: status === Status.DRIVER_STOPPED ? 0 : 1,
        driverStatus: Status[status],
        ...(scheduler.frameworkId !== undefined ? { frameworkId: scheduler.frameworkId } : {}),
        launched: scheduler.launched,
        finished: scheduler.finished,
        terminated: scheduler.terminated,
        taskStates: { ...scheduler.taskStates },
        master,
        ...(error !== undefined ? { error } : {}),
      };
    } finally {
      hooks.signal?.removeEventListener('abort', onAbort);
    }
  });
}

if (require.main === module) runCli(runTestFramework);

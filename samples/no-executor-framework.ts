/**
 * TypeScript port of Mesos's no_executor_framework (`src/examples/no_executor_framework.cpp`):
 * launches `--num_tasks` command tasks (`--command`, each with `--task_resources`) run by the
 * agent's command executor, and stops (TEARDOWN) once all have terminated.
 *
 *   npx tsx samples/no-executor-framework.ts --num_tasks=5                 # embedded LocalCluster
 *   npx tsx samples/no-executor-framework.ts --master=zk://zk1:2181/mesos --num_tasks=5
 *
 * Where it differs from the C++ example: without `--master` (or with `local`) it starts an
 * embedded LocalCluster rather than mesos-local; `--task_revocable_resources` is not supported;
 * an abnormal end aborts the driver and returns exit code 1 instead of calling exit() inside the
 * callback; an unexpected framework message aborts the driver instead of LOG(FATAL).
 */
import {
  type FrameworkInfo,
  MesosSchedulerDriver,
  type Offer,
  type Scheduler,
  type SchedulerDriver,
  Status,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
} from '../lib';
import { COMMON_FLAGS, type FlagSpec, parseFlags, positiveIntFlag, stringFlag, usage } from './lib/flags';
import { parseScalarResources, type ScalarDemand, takeScalars } from './lib/resources';
import { credentialFrom, runCli, type SampleHooks, type SampleOutcome, TERMINAL_STATES, withMaster } from './lib/run';

/** Flags of this sample (the shared example flags plus its own). */
export const NO_EXECUTOR_FLAGS: Record<string, FlagSpec> = {
  ...COMMON_FLAGS,
  command: { type: 'string', default: 'echo hello', description: 'shell command every task runs' },
  task_resources: { type: 'string', default: 'cpus:0.1;mem:32;disk:32', description: 'resources of each task' },
  num_tasks: {
    type: 'string',
    description: 'number of tasks to run; unset means launch as many as possible and never finish',
  },
};

/** The scheduler: the C++ example's callbacks, with counters the outcome reports. */
export class NoExecutorScheduler implements Scheduler {
  launched = 0;
  finished = 0;
  terminated = 0;
  frameworkId: string | undefined;
  /** Set when the run ends abnormally (the C++ example exits with failure there). */
  failure: string | undefined;
  readonly taskStates: Record<string, TaskState> = {};
  private readonly active = new Set<string>();

  constructor(
    private readonly command: string,
    private readonly taskResources: ScalarDemand,
    private readonly numTasks: number | undefined,
    private readonly hooks: SampleHooks,
  ) {}

  private log(line: string): void {
    (this.hooks.log ?? console.log)(line);
  }

  registered(_driver: SchedulerDriver, frameworkId: { value: string }): void {
    this.frameworkId = frameworkId.value;
    this.log(`Registered with framework ID ${frameworkId.value}`);
  }

  reregistered(): void {
    this.log('Re-registered');
  }

  disconnected(): void {
    this.log('Disconnected');
  }

  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void {
    for (const offer of offers) {
      const remaining = [...(offer.resources ?? [])];
      const tasks: TaskInfo[] = [];
      while (this.numTasks === undefined || this.launched < this.numTasks) {
        const resources = takeScalars(remaining, this.taskResources);
        if (!resources) break;
        const taskId = String(this.launched++);
        this.active.add(taskId);
        tasks.push({
          name: this.command,
          task_id: { value: taskId },
          agent_id: offer.agent_id,
          resources,
          command: { shell: true, value: this.command },
        });
      }
      if (tasks.length > 0) this.hooks.onLaunch?.(tasks.map((t) => t.task_id.value));
      // With no tasks this declines the offer (default filters: refuse for 5 s).
      driver.acceptOffers([offer.id], tasks.length > 0 ? [{ type: 'LAUNCH', launch: { task_infos: tasks } }] : []);
    }
  }

  offerRescinded(_driver: SchedulerDriver, offerId: { value: string }): void {
    this.log(`Offer ${offerId.value} rescinded`);
  }

  statusUpdate(driver: SchedulerDriver, status: TaskStatus): void {
    const taskId = status.task_id.value;
    this.hooks.onStatus?.(status);
    if (!this.active.has(taskId)) {
      this.log(`Unknown task ${taskId} is in state ${status.state}`);
      return;
    }
    this.taskStates[taskId] = status.state;
    if (status.state === 'TASK_LOST' || status.state === 'TASK_KILLED' || status.state === 'TASK_FAILED') {
      this.log(
        `Task ${taskId} is in unexpected state ${status.state}${status.reason ? ` with reason ${status.reason}` : ''}: ${status.message ?? ''}`,
      );
    } else {
      this.log(`Task ${taskId} is in state ${status.state}`);
    }
    if (!TERMINAL_STATES.has(status.state)) return;
    this.terminated++;
    if (status.state === 'TASK_FINISHED') this.finished++;
    this.active.delete(taskId);
    if (this.numTasks !== undefined && this.terminated === this.numTasks) {
      if (this.finished !== this.terminated) {
        this.failure = `Failed to complete successfully: ${this.terminated - this.finished} of ${this.terminated} terminated abnormally`;
        this.log(this.failure);
        driver.abort();
      } else {
        driver.stop();
      }
    }
  }

  frameworkMessage(): void {
    // The C++ example LOG(FATAL)s: a command task has no executor that could send one.
    throw new Error('Unexpected framework message');
  }

  slaveLost(_driver: SchedulerDriver, agentId: { value: string }): void {
    this.log(`Lost agent ${agentId.value}`);
  }

  executorLost(
    _driver: SchedulerDriver,
    executorId: { value: string },
    agentId: { value: string },
    status: number,
  ): void {
    this.log(`Lost executor ${executorId.value} on agent ${agentId.value} with status ${status}`);
  }

  error(_driver: SchedulerDriver, message: string): void {
    this.log(`Error: ${message}`);
  }
}

/**
 * Runs the sample with command-line style arguments; resolves with its outcome (`'help'` after
 * printing `--help`). Throws MesosConfigError on bad flags.
 */
export async function runNoExecutorFramework(
  argv: readonly string[],
  hooks: SampleHooks = {},
): Promise<SampleOutcome | 'help'> {
  const log = hooks.log ?? console.log;
  const values = parseFlags(argv, NO_EXECUTOR_FLAGS, hooks.env);
  if (values.help) {
    log(
      usage(
        'no-executor-framework',
        'Runs command tasks without a custom executor (port of Mesos no_executor_framework).',
        NO_EXECUTOR_FLAGS,
      ),
    );
    return 'help';
  }
  const command = stringFlag(values, 'command') ?? 'echo hello';
  const taskResources = parseScalarResources(stringFlag(values, 'task_resources') ?? '');
  const numTasks = positiveIntFlag(values, 'num_tasks');
  const role = stringFlag(values, 'role') ?? '*';
  const credential = credentialFrom(values);

  return withMaster(values, hooks, async (master) => {
    const framework: FrameworkInfo = {
      name: 'No Executor Framework',
      user: '', // the driver fills in the current user
      principal: stringFlag(values, 'principal') ?? 'test',
      roles: [role],
      checkpoint: values.checkpoint === true,
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }],
    };
    const scheduler = new NoExecutorScheduler(command, taskResources, numTasks, hooks);
    const driver = new MesosSchedulerDriver(scheduler, framework, master, true, credential);
    const onAbort = () => driver.stop();
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    if (hooks.signal?.aborted) return outcomeOf(scheduler, Status.DRIVER_STOPPED, master, 'Stopped before start');
    try {
      const status = await driver.run();
      // As the C++ main: stop() once more (a no-op unless the driver was aborted while connected).
      driver.stop();
      await driver.join();
      const error = scheduler.failure ?? driver.abortReason?.message;
      return outcomeOf(scheduler, status, master, error);
    } finally {
      hooks.signal?.removeEventListener('abort', onAbort);
    }
  });
}

function outcomeOf(
  scheduler: NoExecutorScheduler,
  status: Status,
  master: string,
  error: string | undefined,
): SampleOutcome {
  return {
    exitCode: status === Status.DRIVER_STOPPED && error === undefined ? 0 : 1,
    driverStatus: Status[status],
    ...(scheduler.frameworkId !== undefined ? { frameworkId: scheduler.frameworkId } : {}),
    launched: scheduler.launched,
    finished: scheduler.finished,
    terminated: scheduler.terminated,
    taskStates: { ...scheduler.taskStates },
    master,
    ...(error !== undefined ? { error } : {}),
  };
}

if (require.main === module) runCli(runNoExecutorFramework);

/**
 * A long-running service framework: keeps `--instances` copies of `--command` running, relaunches
 * failed ones with exponential backoff, reconciles after every (re-)registration, rides out master
 * failovers, and stops cleanly: on SIGTERM/SIGINT with `stop(true)` (tasks keep running for
 * `--failover_timeout`, so a new scheduler process started with `--framework_id` takes them over),
 * or with TEARDOWN (tasks killed, framework removed) when `--teardown` is given.
 *
 *   npx tsx samples/service-framework.ts --instances=3 --command='sleep 3600'
 *   npx tsx samples/service-framework.ts --master=zk://zk1:2181/mesos --framework_id=<id from the first run>
 */
import {
  ExponentialBackoff,
  type FrameworkInfo,
  MesosConfigError,
  MesosSchedulerDriver,
  type Offer,
  type Scheduler,
  type SchedulerDriver,
  Status,
  type TaskInfo,
  type TaskState,
  type TaskStatus,
} from '../lib';
import { COMMON_FLAGS, type FlagSpec, numberFlag, parseFlags, positiveIntFlag, stringFlag, usage } from './lib/flags';
import { parseScalarResources, type ScalarDemand, takeScalars } from './lib/resources';
import { credentialFrom, runCli, type SampleHooks, type SampleOutcome, TERMINAL_STATES, withMaster } from './lib/run';

/** Flags of this sample (the shared example flags plus its own). */
export const SERVICE_FLAGS: Record<string, FlagSpec> = {
  ...COMMON_FLAGS,
  name: { type: 'string', default: 'service', description: 'service name: framework name and task id prefix' },
  instances: { type: 'string', default: '3', description: 'number of instances to keep running' },
  command: { type: 'string', default: 'sleep 3600', description: 'shell command of each instance' },
  task_resources: { type: 'string', default: 'cpus:0.1;mem:32', description: 'resources of each instance' },
  framework_id: {
    type: 'string',
    description: 're-subscribe as this framework (scheduler failover) and adopt its tasks',
  },
  failover_timeout: {
    type: 'string',
    default: '604800',
    description: 'seconds the master keeps the tasks after this scheduler goes away',
  },
  relaunch_backoff_ms: {
    type: 'string',
    default: '1000',
    description: 'first relaunch delay of a failed instance, doubling per failure',
  },
  reconcile_wait_ms: {
    type: 'string',
    default: '2000',
    description: 'with --framework_id, how long reconciliation may take before new instances are launched',
  },
  relaunch_backoff_max_ms: { type: 'string', default: '60000', description: 'largest relaunch delay' },
  teardown: {
    type: 'boolean',
    default: false,
    description: 'on SIGTERM/SIGINT tear the framework down (kills its tasks) instead of stop(true)',
  },
};

/** A failed instance that has run this long counts as healthy: its backoff starts again from the beginning. */
const HEALTHY_AFTER_MS = 10_000;
/** How long offers are refused once every instance runs (offers are also suppressed then). */
const REFUSE_WHEN_FULL_SECONDS = 60;

/** One instance slot: which task fills it, and its relaunch state. */
interface Slot {
  readonly index: number;
  taskId: string | undefined;
  agentId: string | undefined;
  state: TaskState | undefined;
  generation: number;
  runningSince: number | undefined;
  relaunchAt: number;
  readonly backoff: ExponentialBackoff;
}

/** What a slot looks like from outside. */
export interface InstanceView {
  /** Slot number, 0 to instances - 1. */
  index: number;
  /** The task filling the slot, if any. */
  taskId?: string;
  /** Its last known state. */
  state?: TaskState;
}

/** The service scheduler; its counters and {@link ServiceScheduler.instances} are for tests and the demo. */
export class ServiceScheduler implements Scheduler {
  /** Tasks launched, including relaunches. */
  launches = 0;
  /** Instances that terminated without being asked to. */
  failures = 0;
  /** (Re-)registrations seen; each was followed by a reconciliation. */
  registrations = 0;
  frameworkId: string | undefined;
  fatalError: string | undefined;
  readonly taskStates: Record<string, TaskState> = {};
  private readonly slots: Slot[];
  private reviveTimer: ReturnType<typeof setTimeout> | undefined;
  /** No launches before this time: reconciliation must first say which old tasks still run. */
  private launchHoldUntil = 0;
  private suppressed = false;
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly name: string,
    instances: number,
    private readonly command: string,
    private readonly taskResources: ScalarDemand,
    backoff: { initialMs: number; maxMs: number },
    private readonly hooks: SampleHooks,
    private readonly resuming = false,
    private readonly reconcileWaitMs = 2000,
  ) {
    this.slots = Array.from({ length: instances }, (_, index) => ({
      index,
      taskId: undefined,
      agentId: undefined,
      state: undefined,
      generation: 0,
      runningSince: undefined,
      relaunchAt: 0,
      backoff: new ExponentialBackoff({ ...backoff, jitter: 0.2 }),
    }));
  }

  private log(line: string): void {
    (this.hooks.log ?? console.log)(line);
  }

  /** The instance slots and the tasks filling them. */
  instances(): InstanceView[] {
    return this.slots.map((slot) => ({
      index: slot.index,
      ...(slot.taskId !== undefined ? { taskId: slot.taskId } : {}),
      ...(slot.state !== undefined ? { state: slot.state } : {}),
    }));
  }

  /** Resolves once `predicate` holds; it is checked after every callback. */
  async until(predicate: (self: this) => boolean, signal?: AbortSignal): Promise<void> {
    while (!predicate(this)) {
      signal?.throwIfAborted();
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          signal?.removeEventListener('abort', wake);
          resolve();
        };
        this.waiters.add(wake);
        signal?.addEventListener('abort', wake, { once: true });
      });
    }
  }

  private changed(): void {
    for (const wake of [...this.waiters]) {
      this.waiters.delete(wake);
      wake();
    }
  }

  /** Clears timers; called when the driver ends. */
  dispose(): void {
    if (this.reviveTimer !== undefined) clearTimeout(this.reviveTimer);
    this.reviveTimer = undefined;
    this.changed();
  }

  registered(driver: SchedulerDriver, frameworkId: { value: string }): void {
    this.frameworkId = frameworkId.value;
    this.log(`Registered as framework ${frameworkId.value}`);
    // Taking over from a previous scheduler: its tasks are unknown until reconciliation answers.
    if (this.resuming) this.launchHoldUntil = Date.now() + this.reconcileWaitMs;
    this.reconcile(driver);
  }

  reregistered(driver: SchedulerDriver): void {
    this.log('Re-registered (master failover or reconnection)');
    this.reconcile(driver);
  }

  disconnected(): void {
    this.log('Disconnected from the master; the driver reconnects by itself');
  }

  /**
   * Explicit reconciliation of the tasks we know, then implicit (which also reports tasks a
   * previous scheduler instance launched). Answers arrive as status updates.
   */
  private reconcile(driver: SchedulerDriver): void {
    this.registrations++;
    const known = this.slots.filter((slot) => slot.taskId !== undefined);
    driver.reconcileTasks(
      known.map((slot) => ({
        task_id: { value: slot.taskId as string },
        state: slot.state ?? 'TASK_STAGING',
        ...(slot.agentId !== undefined ? { agent_id: { value: slot.agentId } } : {}),
      })),
    );
    driver.reconcileTasks([]);
    // Offers may have been suppressed by a previous subscription; ask again if anything is missing.
    this.reviveIfNeeded(driver);
    this.planRevive(driver);
    this.changed();
  }

  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void {
    const now = Date.now();
    for (const offer of offers) {
      const remaining = [...(offer.resources ?? [])];
      const tasks: TaskInfo[] = [];
      for (const slot of this.slots) {
        if (slot.taskId !== undefined || slot.relaunchAt > now || this.launchHoldUntil > now) continue;
        const resources = takeScalars(remaining, this.taskResources);
        if (!resources) break;
        slot.generation++;
        slot.taskId = `${this.name}.${slot.index}.${slot.generation}`;
        slot.agentId = offer.agent_id.value;
        slot.state = 'TASK_STAGING';
        slot.runningSince = undefined;
        tasks.push({
          name: `${this.name} instance ${slot.index}`,
          task_id: { value: slot.taskId },
          agent_id: offer.agent_id,
          resources,
          command: { shell: true, value: this.command },
        });
      }
      if (tasks.length === 0) {
        driver.declineOffer(offer.id, { refuse_seconds: this.refuseSeconds(now) });
        continue;
      }
      this.launches += tasks.length;
      this.log(`Launching ${tasks.map((t) => t.task_id.value).join(', ')} on agent ${offer.agent_id.value}`);
      this.hooks.onLaunch?.(tasks.map((t) => t.task_id.value));
      // The unused rest of the offer is declined with these filters: short while instances wait.
      driver.launchTasks(offer.id, tasks, { refuse_seconds: this.refuseSeconds(now) });
    }
    if (this.slots.every((slot) => slot.taskId !== undefined) && !this.suppressed) {
      this.suppressed = true;
      driver.suppressOffers();
    }
    this.planRevive(driver);
    this.changed();
  }

  /** How long to refuse unused offer resources: until the next relaunch is due, or long when all run. */
  private refuseSeconds(now: number): number {
    const due = this.slots
      .filter((slot) => slot.taskId === undefined)
      .map((slot) => Math.max(slot.relaunchAt, this.launchHoldUntil) - now);
    return due.length === 0 ? REFUSE_WHEN_FULL_SECONDS : Math.max(0.1, Math.min(...due) / 1000);
  }

  statusUpdate(driver: SchedulerDriver, status: TaskStatus): void {
    const taskId = status.task_id.value;
    this.hooks.onStatus?.(status);
    this.taskStates[taskId] = status.state;
    let slot = this.slots.find((candidate) => candidate.taskId === taskId);
    if (!slot && !TERMINAL_STATES.has(status.state)) slot = this.adopt(driver, status);
    if (!slot) {
      this.changed();
      return;
    }
    slot.state = status.state;
    if (status.agent_id) slot.agentId = status.agent_id.value;
    if (status.state === 'TASK_RUNNING' && slot.runningSince === undefined) slot.runningSince = Date.now();
    if (TERMINAL_STATES.has(status.state)) {
      this.failures++;
      const now = Date.now();
      if (slot.runningSince !== undefined && now - slot.runningSince >= HEALTHY_AFTER_MS) slot.backoff.reset();
      const delayMs = slot.backoff.next();
      this.log(
        `Instance ${slot.index} (${taskId}) ended ${status.state}${status.message ? `: ${status.message}` : ''}; relaunching in ${delayMs} ms`,
      );
      slot.taskId = undefined;
      slot.agentId = undefined;
      slot.runningSince = undefined;
      slot.relaunchAt = now + delayMs;
      this.planRevive(driver);
    }
    this.changed();
  }

  /** A live task we did not launch (a previous scheduler's, found by reconciliation): keep it if it fills an empty slot, else kill it. */
  private adopt(driver: SchedulerDriver, status: TaskStatus): Slot | undefined {
    const taskId = status.task_id.value;
    const match = new RegExp(`^${this.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(\\d+)\\.(\\d+)$`).exec(taskId);
    const slot = match ? this.slots[Number(match[1])] : undefined;
    if (slot && slot.taskId === undefined) {
      slot.taskId = taskId;
      slot.generation = Math.max(slot.generation, Number(match?.[2]));
      this.log(`Adopted running task ${taskId} as instance ${slot.index}`);
      return slot;
    }
    this.log(`Killing task ${taskId}: not one of ours, or its instance is already filled`);
    driver.killTask(status.task_id);
    return undefined;
  }

  /** Revives offers when the earliest waiting instance is due (offers were refused or suppressed until then). */
  private planRevive(driver: SchedulerDriver): void {
    if (this.reviveTimer !== undefined) clearTimeout(this.reviveTimer);
    this.reviveTimer = undefined;
    const waiting = this.slots.filter((slot) => slot.taskId === undefined);
    if (waiting.length === 0) return;
    const due = Math.max(this.launchHoldUntil, Math.min(...waiting.map((slot) => slot.relaunchAt)));
    this.reviveTimer = setTimeout(
      () => {
        this.reviveTimer = undefined;
        this.reviveIfNeeded(driver);
      },
      Math.max(0, due - Date.now()),
    );
    this.reviveTimer.unref?.();
  }

  private reviveIfNeeded(driver: SchedulerDriver): void {
    if (this.slots.every((slot) => slot.taskId !== undefined)) return;
    this.suppressed = false;
    driver.reviveOffers();
  }

  error(_driver: SchedulerDriver, message: string): void {
    this.fatalError = message;
    this.log(`Error: ${message}`);
    this.changed();
  }
}

/** Extra hooks of the service sample. */
export interface ServiceHooks extends SampleHooks {
  /** Called once the driver is started, with the scheduler (to watch instances) and the driver. */
  onStart?: (scheduler: ServiceScheduler, driver: MesosSchedulerDriver) => void;
}

/** Outcome of the service sample: a {@link SampleOutcome} plus the service's own counters. */
export interface ServiceOutcome extends SampleOutcome {
  /** Instance failures seen (each led to a relaunch). */
  failures: number;
  /** (Re-)registrations, each followed by a reconciliation. */
  registrations: number;
  /** Whether the framework was torn down (`--teardown`) rather than left for failover. */
  toreDown: boolean;
}

/**
 * Runs the service until the hooks' signal aborts (SIGTERM/SIGINT for the CLI) or the driver
 * fails; resolves with its outcome (`'help'` after printing `--help`). Throws MesosConfigError on bad flags.
 */
export async function runServiceFramework(
  argv: readonly string[],
  hooks: ServiceHooks = {},
): Promise<ServiceOutcome | 'help'> {
  const log = hooks.log ?? console.log;
  const values = parseFlags(argv, SERVICE_FLAGS, hooks.env);
  if (values.help) {
    log(
      usage(
        'service-framework',
        'Keeps N instances of a command running (a long-running service framework).',
        SERVICE_FLAGS,
      ),
    );
    return 'help';
  }
  const name = stringFlag(values, 'name') ?? 'service';
  if (!/^[\w-]+$/.test(name))
    throw new MesosConfigError(`--name may hold letters, digits, _ and - only, got '${name}'`);
  const instances = positiveIntFlag(values, 'instances') ?? 3;
  const command = stringFlag(values, 'command') ?? 'sleep 3600';
  const taskResources = parseScalarResources(stringFlag(values, 'task_resources') ?? '');
  const failoverTimeout = numberFlag(values, 'failover_timeout') ?? 604800;
  const backoff = {
    initialMs: numberFlag(values, 'relaunch_backoff_ms') ?? 1000,
    maxMs: numberFlag(values, 'relaunch_backoff_max_ms') ?? 60000,
  };
  const frameworkId = stringFlag(values, 'framework_id');
  const reconcileWaitMs = numberFlag(values, 'reconcile_wait_ms') ?? 2000;
  const teardown = values.teardown === true;
  const role = stringFlag(values, 'role') ?? '*';
  const credential = credentialFrom(values);

  return withMaster(values, hooks, async (master) => {
    const framework: FrameworkInfo = {
      name,
      user: '',
      principal: stringFlag(values, 'principal') ?? 'test',
      roles: [role],
      checkpoint: values.checkpoint === true,
      failover_timeout: failoverTimeout,
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'RESERVATION_REFINEMENT' }, { type: 'PARTITION_AWARE' }],
      ...(frameworkId !== undefined ? { id: { value: frameworkId } } : {}),
    };
    const scheduler = new ServiceScheduler(
      name,
      instances,
      command,
      taskResources,
      backoff,
      hooks,
      frameworkId !== undefined,
      reconcileWaitMs,
    );
    const driver = new MesosSchedulerDriver(scheduler, framework, master, true, credential);
    const onAbort = () => {
      log(teardown ? 'Stopping: tearing the framework down' : 'Stopping with failover: the tasks keep running');
      driver.stop(!teardown);
    };
    hooks.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      driver.start();
      hooks.onStart?.(scheduler, driver);
      if (hooks.signal?.aborted) onAbort();
      const status = await driver.join();
      const error = scheduler.fatalError ?? driver.abortReason?.message;
      const finished = Object.values(scheduler.taskStates).filter((state) => state === 'TASK_FINISHED').length;
      const terminated = Object.values(scheduler.taskStates).filter((state) => TERMINAL_STATES.has(state)).length;
      return {
        exitCode: status === Status.DRIVER_STOPPED && error === undefined ? 0 : 1,
        driverStatus: Status[status],
        ...(scheduler.frameworkId !== undefined ? { frameworkId: scheduler.frameworkId } : {}),
        launched: scheduler.launches,
        finished,
        terminated,
        taskStates: { ...scheduler.taskStates },
        master,
        failures: scheduler.failures,
        registrations: scheduler.registrations,
        toreDown: teardown && status === Status.DRIVER_STOPPED,
        ...(error !== undefined ? { error } : {}),
      };
    } finally {
      scheduler.dispose();
      hooks.signal?.removeEventListener('abort', onAbort);
    }
  });
}

if (require.main === module) runCli(runServiceFramework);

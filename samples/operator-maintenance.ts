/**
 * Draining an agent for maintenance, the way Mesos's maintenance primitives are meant to be used:
 * a framework (MesosSchedulerDriver) runs a long task; the operator (MesosMasterOperator) schedules
 * a maintenance window on the task's machine (UPDATE_MAINTENANCE_SCHEDULE); the framework gets an
 * inverse offer for it (`inverseOffers` callback) and accepts it; the operator sees the answer in
 * GET_MAINTENANCE_STATUS, takes the machine down (START_MAINTENANCE: its agent is removed and its
 * tasks are lost: TASK_LOST, REASON_AGENT_REMOVED, PARTITION_AWARE or not) and brings it back (STOP_MAINTENANCE: the agent registers again). Every step is
 * printed, with the events the operator's stream saw.
 *
 *   npx tsx samples/operator-maintenance.ts                         # embedded LocalCluster, two machines
 *   npx tsx samples/operator-maintenance.ts --master=10.0.0.1:5050  # a real cluster (drains a real machine!)
 *
 * Against a real cluster the machine is the one the task landed on (or `--machine`), and the
 * framework's task is lost with it: run it only on a cluster where that is fine.
 */
import {
  type FrameworkInfo,
  type InverseOffer,
  type MachineID,
  MesosMasterOperator,
  MesosSchedulerDriver,
  type master,
  type Offer,
  type Scheduler,
  type SchedulerDriver,
  type TaskState,
  type TaskStatus,
} from '../lib';
import { COMMON_FLAGS, type FlagSpec, numberFlag, parseFlags, stringFlag, usage } from './lib/flags';
import { parseScalarResources, takeScalars } from './lib/resources';
import { credentialFrom, runCli, type SampleHooks, type SampleOutcome, TERMINAL_STATES, withMaster } from './lib/run';
import { contentTypeFlag } from './operator-top';

/** Flags of this sample. */
export const MAINTENANCE_FLAGS: Record<string, FlagSpec> = {
  ...COMMON_FLAGS,
  machine: {
    type: 'string',
    description: 'hostname of the machine to drain (default: the one the framework task runs on)',
  },
  window: { type: 'string', default: '3600', description: 'length of the maintenance window, seconds' },
  timeout: { type: 'string', default: '60', description: 'give up (exit 1) when a step takes longer, seconds' },
  content_type: { type: 'string', default: 'protobuf', description: 'operator API encoding: protobuf or json' },
};

/** The embedded cluster of this sample: two agents on two "machines". */
const EMBEDDED_AGENTS = [{ hostname: 'node-a.local' }, { hostname: 'node-b.local' }];

/** What the run ended with. */
export interface MaintenanceOutcome extends SampleOutcome {
  /** The drained machine's hostname. */
  machine?: string;
  /** Steps done, in order (`scheduled`, `inverse-offer-accepted`, `status-accept`, `down`, `up`). */
  steps: string[];
  /** Event types the operator stream saw (no heartbeats), in order. */
  events: string[];
}

/** The framework: one long task; accepts every inverse offer and logs the offers' unavailability. */
class DrainedScheduler implements Scheduler {
  frameworkId: string | undefined;
  launched = 0;
  readonly states: Record<string, TaskState> = {};
  taskOffer: Offer | undefined;
  readonly accepted: InverseOffer[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly command: string,
  ) {}

  /** Resolves when `check()` holds (checked after every callback), or rejects after `ms`. */
  until(check: () => boolean, ms: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
      }, ms);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
  }

  private changed(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  registered(_driver: SchedulerDriver, id: { value: string }): void {
    this.frameworkId = id.value;
    this.log(`framework: registered as ${id.value}`);
    this.changed();
  }

  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void {
    for (const offer of offers) {
      if (offer.unavailability) {
        const start = Number(BigInt(offer.unavailability.start.nanoseconds) / 1_000_000n);
        this.log(`framework: offer from ${offer.hostname} is unavailable from ${new Date(start).toISOString()}`);
      }
      const resources =
        this.launched === 0
          ? takeScalars([...(offer.resources ?? [])], parseScalarResources('cpus:0.1;mem:16'))
          : undefined;
      if (!resources) {
        driver.declineOffer(offer.id, { refuse_seconds: 1 });
        continue;
      }
      this.launched++;
      this.taskOffer = offer;
      this.log(`framework: launching task 'long-task' on ${offer.hostname}`);
      driver.launchTasks(
        [offer.id],
        [
          {
            name: 'long-task',
            task_id: { value: 'long-task' },
            agent_id: offer.agent_id,
            resources,
            command: { value: this.command },
          },
        ],
      );
    }
    this.changed();
  }

  inverseOffers(driver: SchedulerDriver, offers: InverseOffer[]): void {
    for (const offer of offers) {
      const where = offer.url?.address.hostname ?? `agent ${offer.agent_id?.value ?? '?'}`;
      this.log(`framework: inverse offer ${offer.id.value} for ${where}: accepting (the task can go)`);
      this.accepted.push(offer);
    }
    driver.acceptInverseOffers(offers.map((offer) => offer.id));
    this.changed();
  }

  statusUpdate(_driver: SchedulerDriver, status: TaskStatus): void {
    this.states[status.task_id.value] = status.state;
    this.log(`framework: task ${status.task_id.value} is ${status.state}${status.reason ? ` (${status.reason})` : ''}`);
    this.changed();
  }

  slaveLost(_driver: SchedulerDriver, agentId: { value: string }): void {
    this.log(`framework: agent ${agentId.value} lost`);
    this.changed();
  }

  error(_driver: SchedulerDriver, message: string): void {
    this.log(`framework: error: ${message}`);
  }
}

/** Polls `read` every 100 ms until it gives a value, or rejects after `ms`. */
async function poll<T>(read: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Runs the sample with command-line style arguments; resolves with its outcome (`'help'` after
 * printing `--help`). Throws MesosConfigError on bad flags.
 */
export async function runOperatorMaintenance(
  argv: readonly string[],
  hooks: SampleHooks = {},
): Promise<MaintenanceOutcome | 'help'> {
  const log = hooks.log ?? console.log;
  const values = parseFlags(argv, MAINTENANCE_FLAGS, hooks.env);
  if (values.help) {
    log(
      usage(
        'operator-maintenance',
        'Drains a machine for maintenance while a framework accepts its inverse offers, then takes it down and up.',
        MAINTENANCE_FLAGS,
      ),
    );
    return 'help';
  }
  const windowSeconds = numberFlag(values, 'window') ?? 3600;
  const timeoutMs = (numberFlag(values, 'timeout') ?? 60) * 1000;
  const contentType = contentTypeFlag(values);
  const credential = credentialFrom(values);
  const withAgents: SampleHooks = { ...hooks, clusterOptions: { agents: EMBEDDED_AGENTS, ...hooks.clusterOptions } };

  return withMaster(values, withAgents, async (masterString) => {
    const steps: string[] = [];
    const events: string[] = [];
    const operator = new MesosMasterOperator(masterString, { contentType, ...(credential ? { credential } : {}) });
    const stream = operator.subscribe({
      event: (event: master.Event) => {
        if (event.type === 'HEARTBEAT' || event.type === 'SUBSCRIBED') return;
        events.push(event.type ?? 'UNKNOWN');
        if (event.type === 'AGENT_REMOVED') log(`operator: event AGENT_REMOVED ${event.agent_removed?.agent_id.value}`);
        if (event.type === 'AGENT_ADDED') {
          const info = event.agent_added?.agent.agent_info;
          log(`operator: event AGENT_ADDED ${info?.id?.value} (${info?.hostname})`);
        }
        if (event.type === 'TASK_UPDATED') {
          log(`operator: event TASK_UPDATED ${event.task_updated?.status.task_id.value} ${event.task_updated?.state}`);
        }
      },
    });
    const scheduler = new DrainedScheduler(log, 'sleep 3600');
    const framework: FrameworkInfo = {
      name: 'maintenance-aware',
      user: '',
      principal: stringFlag(values, 'principal') ?? 'test',
      roles: [stringFlag(values, 'role') ?? '*'],
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }],
      failover_timeout: 0,
    };
    const driver = new MesosSchedulerDriver(scheduler, framework, masterString, true, credential);
    const abort = new Promise<never>((_resolve, reject) => {
      const fail = () => reject(new Error('stopped'));
      if (hooks.signal?.aborted) fail();
      hooks.signal?.addEventListener('abort', fail, { once: true });
    });
    abort.catch(() => undefined);
    const step = <T>(promise: Promise<T>) => Promise.race([promise, abort]);
    let machine: MachineID | undefined;
    let error: string | undefined;
    try {
      driver.start();
      await step(scheduler.until(() => scheduler.states['long-task'] === 'TASK_RUNNING', timeoutMs, 'the task to run'));
      const hostname = stringFlag(values, 'machine') ?? scheduler.taskOffer?.hostname ?? '';
      machine = { hostname };
      const drained = machine;

      // 1. Schedule a window starting now: the machine is DRAINING.
      const start = BigInt(Date.now()) * 1_000_000n;
      await operator.updateMaintenanceSchedule({
        windows: [
          {
            machine_ids: [drained],
            unavailability: {
              start: { nanoseconds: start },
              duration: { nanoseconds: BigInt(windowSeconds) * 1_000_000_000n },
            },
          },
        ],
      });
      steps.push('scheduled');
      log(`operator: UPDATE_MAINTENANCE_SCHEDULE: ${hostname} unavailable from now for ${windowSeconds} s (DRAINING)`);

      // 2. The framework answers the inverse offer; the operator sees the answer.
      await step(scheduler.until(() => scheduler.accepted.length > 0, timeoutMs, 'an inverse offer'));
      steps.push('inverse-offer-accepted');
      const answer = await step(
        poll(
          async () => {
            const { status } = await operator.getMaintenanceStatus();
            const machineStatus = status.draining_machines?.find((m) => m.id.hostname === hostname);
            const mine = machineStatus?.statuses?.find((s) => s.framework_id.value === scheduler.frameworkId);
            return mine?.status === 'ACCEPT' ? mine : undefined;
          },
          timeoutMs,
          "the framework's answer in GET_MAINTENANCE_STATUS",
        ),
      );
      steps.push('status-accept');
      log(
        `operator: GET_MAINTENANCE_STATUS: ${hostname} DRAINING, framework ${answer.framework_id.value} answered ${answer.status}`,
      );

      // 3. Take the machine down: its agent is removed, the task is lost with it (TASK_LOST, though PARTITION_AWARE).
      await operator.startMaintenance([drained]);
      log(`operator: START_MAINTENANCE ${hostname}`);
      await step(
        scheduler.until(
          () => TERMINAL_STATES.has(scheduler.states['long-task'] as TaskState),
          timeoutMs,
          'the task to go',
        ),
      );
      const down = await operator.getMaintenanceStatus();
      const isDown = (down.status.down_machines ?? []).some((m) => m.hostname === hostname);
      const agents = await operator.getAgents();
      const left = (agents.agents ?? []).filter((a) => a.agent_info.hostname === hostname).length;
      log(`operator: ${hostname} is ${isDown ? 'DOWN' : 'not down?'}; ${left} agent(s) registered on it`);
      if (isDown) steps.push('down');

      // 4. Bring it back: the agent registers again.
      await operator.stopMaintenance([drained]);
      log(`operator: STOP_MAINTENANCE ${hostname}`);
      await step(
        poll(
          async () => {
            const { agents: now } = await operator.getAgents();
            return (now ?? []).find((a) => a.agent_info.hostname === hostname);
          },
          timeoutMs,
          `an agent on ${hostname} to register again`,
        ),
      );
      steps.push('up');
      const after = await operator.getMaintenanceStatus();
      const still = [...(after.status.draining_machines ?? []).map((m) => m.id), ...(after.status.down_machines ?? [])];
      log(`operator: ${hostname} is up again; machines in maintenance: ${still.length}`);
    } catch (err) {
      error = (err as Error).message;
      log(`failed: ${error}`);
    } finally {
      driver.stop();
      await driver.join().catch(() => undefined);
      await stream.stop();
      await operator.close();
    }
    const states = Object.values(scheduler.states);
    return {
      exitCode: error === undefined && steps.length === 5 ? 0 : 1,
      driverStatus: 'DRIVER_STOPPED',
      ...(scheduler.frameworkId !== undefined ? { frameworkId: scheduler.frameworkId } : {}),
      launched: scheduler.launched,
      finished: states.filter((s) => s === 'TASK_FINISHED').length,
      terminated: states.filter((s) => TERMINAL_STATES.has(s)).length,
      taskStates: { ...scheduler.states },
      master: masterString,
      ...(machine?.hostname !== undefined ? { machine: machine.hostname } : {}),
      steps,
      events,
      ...(error !== undefined ? { error } : {}),
    };
  });
}

if (require.main === module) runCli(runOperatorMaintenance);

/**
 * Harness for MesosSchedulerDriver end-to-end tests on LocalCluster: a scheduler that records
 * every callback in order, a bounded `waitFor`, a transport wrapper that records the calls the
 * driver sent and their outcome, per-test cluster and driver teardown, a scheduler that launches
 * one task from its first offer, and a small helper to read `/master/state`.
 */
import type { FrameworkInfo, Offer, Resource, TaskInfo, TaskStatus } from '../../../lib/codec/messages';
import { MesosSchedulerDriver } from '../../../lib/driver/scheduler-driver';
import type {
  SchedulerDriverOptions,
  SchedulerTransport,
  SchedulerTransportOptions,
} from '../../../lib/driver/scheduler-options';
import type { Scheduler } from '../../../lib/driver/scheduler-types';
import { LocalCluster, type LocalClusterOptions } from '../../../lib/local/cluster';
import { SchedulerClient } from '../../../lib/transport/scheduler-client';

/** One scheduler callback as the driver invoked it (the driver argument left out). */
export interface CallbackEntry {
  name: keyof Scheduler;
  args: unknown[];
}

const CALLBACK_NAMES: ReadonlyArray<keyof Scheduler> = [
  'registered',
  'reregistered',
  'disconnected',
  'resourceOffers',
  'offerRescinded',
  'statusUpdate',
  'frameworkMessage',
  'slaveLost',
  'executorLost',
  'error',
  'inverseOffers',
  'inverseOfferRescinded',
  'operationStatusUpdate',
  'heartbeat',
];

/** Every callback is defined (installed by the constructor). */
export interface RecordingScheduler extends Required<Scheduler> {}

/** A scheduler whose every callback is recorded before the test's own handler (if any) runs. */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above.
export class RecordingScheduler implements Scheduler {
  /** Every callback, in the order the driver made them. */
  readonly entries: CallbackEntry[] = [];

  constructor(handlers: Partial<Scheduler> = {}) {
    for (const name of CALLBACK_NAMES) {
      const handler = handlers[name] as ((...args: unknown[]) => unknown) | undefined;
      (this as Record<string, unknown>)[name] = (driver: unknown, ...args: unknown[]) => {
        this.entries.push({ name, args });
        return handler?.call(this, driver, ...args);
      };
    }
  }

  /** Callback names in order, without heartbeats and offers (the noisy ones) unless asked for. */
  names(options: { heartbeats?: boolean; offers?: boolean } = {}): string[] {
    return this.entries
      .filter((e) => (options.heartbeats || e.name !== 'heartbeat') && (options.offers || e.name !== 'resourceOffers'))
      .map((e) => e.name);
  }

  /** The arguments of the `index`-th call of a callback; throws when there was no such call. */
  argsOf(name: keyof Scheduler, index = 0): unknown[] {
    const entry = this.entries.filter((e) => e.name === name)[index];
    if (!entry) throw new Error(`No call #${index} of ${name}; callbacks: ${this.names().join(', ')}`);
    return entry.args;
  }

  /** How many times a callback ran. */
  count(name: keyof Scheduler): number {
    return this.entries.filter((e) => e.name === name).length;
  }

  /** Waits until `name` has run exactly `count` times (default once), naming the callbacks so far on timeout. */
  waitForCallback(name: keyof Scheduler, options: { count?: number; timeoutMs?: number } = {}): Promise<true> {
    const { count = 1, timeoutMs = 5000 } = options;
    const what = count === 1 ? name : `${count} calls of ${name}`;
    return waitFor(
      what,
      () => this.count(name) === count,
      timeoutMs,
      () => this.names(),
    );
  }

  /** Waits for the first status update in `state` and returns it. */
  waitForUpdate(state: TaskStatus['state'], timeoutMs = 5000): Promise<TaskStatus> {
    return waitFor(state, () => this.updates.find((s) => s.state === state), timeoutMs);
  }

  /** Every status update received, in order. */
  get updates(): TaskStatus[] {
    return this.entries.filter((e) => e.name === 'statusUpdate').map((e) => e.args[0] as TaskStatus);
  }

  /** Every offer received, in order. */
  get offers(): Offer[] {
    return this.entries.filter((e) => e.name === 'resourceOffers').flatMap((e) => e.args[0] as Offer[]);
  }
}

/** Polls `check` every 10 ms until it returns a truthy value; fails with `what` (and `detail()`) after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | null | false,
  timeoutMs = 5000,
  detail: () => unknown = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} ${JSON.stringify(detail())}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A call the driver sent through its transport, and how it ended. */
export interface SentCall {
  type: string;
  master: string;
  outcome: 'pending' | 'ok' | 'failed';
  error?: Error;
}

/** Wraps the default HTTP client to record every call and SUBSCRIBE the driver makes. */
export class CallRecorder {
  readonly calls: SentCall[] = [];

  /** A `transportFactory` option for the driver. */
  readonly factory = (url: string, options: SchedulerTransportOptions): SchedulerTransport => {
    const client = new SchedulerClient(url, options);
    const record = <R>(type: string, promise: Promise<R>): Promise<R> => {
      const entry: SentCall = { type, master: url, outcome: 'pending' };
      this.calls.push(entry);
      return promise.then(
        (value) => {
          entry.outcome = 'ok';
          return value;
        },
        (error: unknown) => {
          entry.outcome = 'failed';
          entry.error = error as Error;
          throw error;
        },
      );
    };
    return {
      subscribe: (call, o) => record('SUBSCRIBE', client.subscribe(call, o)),
      call: (call, o) => record(call.type ?? 'UNKNOWN', client.call(call, o)),
      close: () => client.close(),
    };
  };

  /** The recorded calls of one type. */
  ofType(type: string): SentCall[] {
    return this.calls.filter((c) => c.type === type);
  }
}

/** Options that keep a test within seconds: short backoff, short abort linger. */
export const FAST_DRIVER_OPTIONS: SchedulerDriverOptions = Object.freeze({
  backoff: { initialMs: 50, maxMs: 200 },
  abortLingerMs: 200,
  teardownTimeoutMs: 3000,
});

/** Tracks drivers so that `afterEach` can stop every one of them. */
export class DriverPool {
  private readonly drivers: MesosSchedulerDriver[] = [];

  /** A new driver with {@link FAST_DRIVER_OPTIONS} merged under `options`. */
  create(
    scheduler: Scheduler,
    framework: Partial<FrameworkInfo>,
    master: string,
    options: SchedulerDriverOptions & { implicitAcknowledgements?: boolean } = {},
  ): MesosSchedulerDriver {
    const { implicitAcknowledgements = true, ...rest } = options;
    const driver = new MesosSchedulerDriver(
      scheduler,
      { user: '', name: 'e2e', ...framework } as FrameworkInfo,
      master,
      implicitAcknowledgements,
      undefined,
      { ...FAST_DRIVER_OPTIONS, ...rest },
    );
    this.drivers.push(driver);
    return driver;
  }

  /** Stops (failover, so nothing is sent to a maybe-dead master) every driver and waits for each. */
  async stopAll(): Promise<void> {
    for (const driver of this.drivers.splice(0)) {
      driver.stop(true);
      await driver.join();
    }
  }
}

/**
 * Registers an `afterEach` (call it in a `describe` body) that stops every driver of the returned
 * pool and then the cluster the test started with `startCluster`.
 */
export function useDriverCluster(): {
  pool: DriverPool;
  startCluster(options?: LocalClusterOptions): Promise<LocalCluster>;
} {
  const pool = new DriverPool();
  let cluster: LocalCluster | undefined;
  afterEach(async () => {
    await pool.stopAll();
    await cluster?.stop();
    cluster = undefined;
  });
  return {
    pool,
    async startCluster(options) {
      // Quiet by default: the tests that read LocalCluster's diagnostics pass their own `log`.
      cluster = await LocalCluster.start({ log: false, ...options });
      return cluster;
    },
  };
}

/**
 * A recording scheduler that launches one task on its first offer and ignores later offers: `task`
 * builds it from the offer, or is the id of a `sleep 60` command task.
 */
export function launchOnce(
  task: string | ((offer: Offer) => TaskInfo),
  handlers: Partial<Scheduler> = {},
): RecordingScheduler {
  const build = typeof task === 'string' ? (offer: Offer) => commandTask(offer, task, 'sleep 60') : task;
  let launched = false;
  return new RecordingScheduler({
    ...handlers,
    resourceOffers(driver, offers) {
      const offer = offers[0] as Offer;
      if (launched) return;
      launched = true;
      driver.launchTasks(offer.id, [build(offer)]);
    },
  });
}

/** A status update's uuid as hex ('' when it has none), to compare updates. */
export function uuidHex(status: TaskStatus): string {
  return status.uuid ? Buffer.from(status.uuid).toString('hex') : '';
}

/** `cpus` and `mem` taken from an offer's unreserved resources, for a small task. */
export function smallTaskResources(offer: Offer, cpus = 0.1, mem = 16): Resource[] {
  const out: Resource[] = [];
  for (const name of ['cpus', 'mem']) {
    const source = (offer.resources ?? []).find((r) => r.name === name && !r.reservations?.length);
    if (source) out.push({ ...source, scalar: { value: name === 'cpus' ? cpus : mem } });
  }
  return out;
}

/** A command task on an offer's agent. */
export function commandTask(offer: Offer, id: string, command: string): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: smallTaskResources(offer),
    command: { value: command, shell: true },
  };
}

/** The JSON of `GET <masterUrl>/master/state`. */
export async function masterState(masterUrl: string): Promise<MasterStateJson> {
  const res = await fetch(`${masterUrl}/master/state`);
  if (!res.ok) throw new Error(`GET /master/state: ${res.status}`);
  return (await res.json()) as MasterStateJson;
}

/** The part of `/master/state` the tests read. */
export interface MasterStateJson {
  id: string;
  frameworks: Array<{ id: string; active: boolean; connected: boolean; tasks: Array<{ id: string; state: string }> }>;
  completed_frameworks: Array<{ id: string }>;
}

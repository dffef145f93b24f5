import { expect } from 'chai';
import sinon from 'sinon';
import type { FrameworkInfo, scheduler, TaskStatus } from '../../lib/codec/messages';
import {
  MesosMisuseError,
  MesosNoLeaderError,
  MesosProtocolError,
  MesosRedirectError,
  MesosStreamEndedError,
} from '../../lib/common/errors';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import { MesosNotSubscribedError, MesosSchedulerError } from '../../lib/driver/scheduler-errors';
import type {
  DetectedMaster,
  LeaderDetector,
  SchedulerDriverOptions,
  SchedulerSubscription,
  SchedulerTransport,
} from '../../lib/driver/scheduler-options';
import { CONNECTION_TRANSITIONS, STATUS_TRANSITIONS, StateMachine } from '../../lib/driver/scheduler-state';
import type { Scheduler } from '../../lib/driver/scheduler-types';
import { Status } from '../../lib/driver/status';

/** A push-driven event stream: the test feeds events, ends or breaks it. */
class EventFeed implements AsyncIterable<scheduler.Event> {
  private readonly buffered: scheduler.Event[] = [];
  private waiter: (() => void) | undefined;
  private done = false;
  private failure: Error | undefined;
  closed = false;

  /** Events pushed and not yet read by the driver. */
  get remaining(): number {
    return this.buffered.length;
  }

  push(event: scheduler.Event): void {
    this.buffered.push(event);
    this.wake();
  }
  fail(error: Error): void {
    this.failure = error;
    this.wake();
  }
  end(): void {
    this.done = true;
    this.wake();
  }
  close(): void {
    this.closed = true;
    this.done = true;
    this.wake();
  }
  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<scheduler.Event> {
    for (;;) {
      const next = this.buffered.shift();
      if (next) {
        yield next;
        continue;
      }
      if (this.closed) return;
      if (this.failure) throw this.failure;
      if (this.done) throw new MesosStreamEndedError('stream ended');
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}

/** One scripted master connection; records every call. */
class FakeTransport implements SchedulerTransport {
  readonly calls: scheduler.Call[] = [];
  readonly subscribes: scheduler.Call[] = [];
  feed = new EventFeed();
  closed = false;
  constructor(
    readonly url: string,
    private readonly subscribeResult: () => Promise<void>,
    private readonly callResult: (call: scheduler.Call) => Promise<scheduler.Response | undefined> = async () =>
      undefined,
  ) {}
  async subscribe(call: scheduler.Call, options: { signal: AbortSignal }): Promise<SchedulerSubscription> {
    this.subscribes.push(call);
    await this.subscribeResult();
    options.signal.addEventListener('abort', () => this.feed.close(), { once: true });
    return { streamId: `stream-${this.url}`, events: this.feed, close: () => this.feed.close() };
  }
  call(call: scheduler.Call): Promise<scheduler.Response | undefined> {
    this.calls.push(call);
    return this.callResult(call);
  }
  close(): void {
    this.closed = true;
  }
}

class FakeDetector implements LeaderDetector {
  leader: DetectedMaster | null = { url: 'http://m1:5050' };
  private changeWaiters: Array<() => void> = [];
  closed = false;
  async detect(previous: DetectedMaster | null, options?: { signal?: AbortSignal }): Promise<DetectedMaster | null> {
    while ((this.leader?.url ?? null) === (previous?.url ?? null)) {
      await new Promise<void>((resolve, reject) => {
        this.changeWaiters.push(resolve);
        options?.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
      });
    }
    return this.leader;
  }
  setLeader(leader: DetectedMaster | null): void {
    this.leader = leader;
    const waiters = this.changeWaiters;
    this.changeWaiters = [];
    for (const w of waiters) w();
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const FRAMEWORK: FrameworkInfo = { user: 'alice', name: 'unit', hostname: 'h', failover_timeout: 3600 };
const subscribed = (id = 'fw-1', interval = 1): scheduler.Event => ({
  type: 'SUBSCRIBED',
  subscribed: {
    framework_id: { value: id },
    heartbeat_interval_seconds: interval,
    master_info: { id: 'm', ip: 0, port: 5050, hostname: 'm1' },
  },
});
const UUID = new Uint8Array(16).fill(7);
const update = (task: string, uuid?: Uint8Array): scheduler.Event => ({
  type: 'UPDATE',
  update: {
    status: { task_id: { value: task }, state: 'TASK_RUNNING', agent_id: { value: 'a1' }, ...(uuid ? { uuid } : {}) },
  },
});

interface Harness {
  driver: MesosSchedulerDriver;
  transports: FakeTransport[];
  detector: FakeDetector;
  log: string[];
  clock: sinon.SinonFakeTimers;
}

function harness(
  scheduler: Scheduler & { log?: string[] } = {},
  opts: {
    implicit?: boolean;
    options?: SchedulerDriverOptions;
    subscribeResult?: (n: number) => Promise<void>;
    callResult?: (call: scheduler.Call) => Promise<scheduler.Response | undefined>;
    framework?: FrameworkInfo;
  } = {},
): Harness {
  const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  const transports: FakeTransport[] = [];
  const detector = new FakeDetector();
  const log: string[] = [];
  const recording: Scheduler = {
    registered: (_d, id) => void log.push(`registered ${id.value}`),
    reregistered: () => void log.push('reregistered'),
    disconnected: () => void log.push('disconnected'),
    resourceOffers: (_d, offers) => void log.push(`offers ${offers.map((o) => o.id.value).join(',')}`),
    offerRescinded: (_d, id) => void log.push(`rescinded ${id.value}`),
    statusUpdate: (_d, s) => void log.push(`update ${s.task_id.value} ${s.state}${s.reason ? ` ${s.reason}` : ''}`),
    frameworkMessage: (_d, e, a, data) => void log.push(`message ${e.value} ${a.value} ${data.toString()}`),
    slaveLost: (_d, a) => void log.push(`slaveLost ${a.value}`),
    executorLost: (_d, e, a, s) => void log.push(`executorLost ${e.value} ${a.value} ${s}`),
    error: (_d, m) => void log.push(`error ${m}`),
    heartbeat: () => void log.push('heartbeat'),
    ...scheduler,
  };
  const driver = new MesosSchedulerDriver(
    recording,
    opts.framework ?? FRAMEWORK,
    'm1:5050',
    opts.implicit ?? true,
    undefined,
    {
      detector,
      backoff: { initialMs: 100, maxMs: 100, jitter: 0 },
      reconnectDelayMaxMs: 100,
      abortLingerMs: 50,
      transportFactory: (url) => {
        const n = transports.length;
        const t = new FakeTransport(
          url,
          () => (opts.subscribeResult ? opts.subscribeResult(n) : Promise.resolve()),
          opts.callResult,
        );
        transports.push(t);
        return t;
      },
      ...opts.options,
    },
  );
  return { driver, transports, detector, log, clock };
}

async function settle(clock: sinon.SinonFakeTimers, ms = 0): Promise<void> {
  await clock.tickAsync(ms);
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('scheduler driver state tables', () => {
  it('allows only the documented transitions', () => {
    const seen: string[] = [];
    const machine = new StateMachine(
      'idle' as const as keyof typeof CONNECTION_TRANSITIONS,
      CONNECTION_TRANSITIONS,
      (f, t) => seen.push(`${f}->${t}`),
    );
    machine.transition('detecting');
    machine.transition('subscribing');
    machine.transition('subscribed');
    expect(() => machine.transition('subscribing')).to.throw(MesosMisuseError, /subscribed -> subscribing/);
    machine.transition('disconnected');
    machine.transition('waiting');
    expect(seen).to.deep.equal([
      'idle->detecting',
      'detecting->subscribing',
      'subscribing->subscribed',
      'subscribed->disconnected',
      'disconnected->waiting',
    ]);
    expect(STATUS_TRANSITIONS[Status.DRIVER_STOPPED]).to.deep.equal([]);
    expect(STATUS_TRANSITIONS[Status.DRIVER_ABORTED]).to.deep.equal([Status.DRIVER_STOPPED]);
  });
});

describe('MesosSchedulerDriver (unit, fake timers)', () => {
  afterEach(() => sinon.restore());

  it('registers, delivers events in order, acks only updates with a uuid, and tears down on stop()', async () => {
    const { driver, transports, log, clock } = harness();
    const states: string[] = [];
    driver.on('state', ({ to }) => states.push(to));
    expect(driver.start()).to.equal(Status.DRIVER_RUNNING);
    expect(driver.start()).to.equal(Status.DRIVER_RUNNING);
    await settle(clock);
    const t = transports[0]!;
    expect(t.subscribes[0]!.subscribe!.framework_info.name).to.equal('unit');
    expect(t.subscribes[0]!.framework_id).to.equal(undefined);
    t.feed.push(subscribed());
    t.feed.push({ type: 'HEARTBEAT' });
    t.feed.push({
      type: 'OFFERS',
      offers: {
        offers: [{ id: { value: 'o1' }, framework_id: { value: 'fw-1' }, agent_id: { value: 'a1' }, hostname: 'h' }],
      },
    });
    t.feed.push(update('t1', UUID));
    t.feed.push(update('t2'));
    t.feed.push({
      type: 'MESSAGE',
      message: { executor_id: { value: 'e1' }, agent_id: { value: 'a1' }, data: Buffer.from('hi') },
    });
    t.feed.push({ type: 'FAILURE', failure: { agent_id: { value: 'a1' }, executor_id: { value: 'e1' }, status: 256 } });
    t.feed.push({ type: 'FAILURE', failure: { agent_id: { value: 'a2' } } });
    t.feed.push({ type: 'RESCIND', rescind: { offer_id: { value: 'o1' } } });
    await settle(clock);
    expect(log).to.deep.equal([
      'registered fw-1',
      'heartbeat',
      'offers o1',
      'update t1 TASK_RUNNING',
      'update t2 TASK_RUNNING',
      'message e1 a1 hi',
      'executorLost e1 a1 256',
      'slaveLost a2',
      'rescinded o1',
    ]);
    const acks = t.calls.filter((c) => c.type === 'ACKNOWLEDGE');
    expect(acks).to.have.length(1);
    expect(acks[0]!.acknowledge!.task_id.value).to.equal('t1');
    expect(acks[0]!.framework_id).to.deep.equal({ value: 'fw-1' });
    expect(states.slice(0, 3)).to.deep.equal(['detecting', 'subscribing', 'subscribed']);

    const joined = driver.join();
    expect(driver.stop()).to.equal(Status.DRIVER_STOPPED);
    await settle(clock);
    expect(await joined).to.equal(Status.DRIVER_STOPPED);
    expect(t.calls.at(-1)!.type).to.equal('TEARDOWN');
    expect(driver.start()).to.equal(Status.DRIVER_STOPPED);
    expect(driver.launchTasks({ value: 'o' }, [])).to.equal(Status.DRIVER_STOPPED);
  });

  it('awaits a Promise returned by a callback before the next event', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { driver, transports, log, clock } = harness({
      statusUpdate: async (_d, s) => {
        log.push(`start ${s.task_id.value}`);
        if (s.task_id.value === 't1') await gate;
        log.push(`end ${s.task_id.value}`);
      },
    });
    driver.start();
    await settle(clock);
    transports[0]!.feed.push(subscribed());
    transports[0]!.feed.push(update('t1', UUID));
    transports[0]!.feed.push(update('t2', UUID));
    await settle(clock);
    expect(log).to.deep.equal(['registered fw-1', 'start t1']);
    expect(transports[0]!.calls.filter((c) => c.type === 'ACKNOWLEDGE')).to.have.length(0);
    release();
    await settle(clock);
    expect(log).to.deep.equal(['registered fw-1', 'start t1', 'end t1', 'start t2', 'end t2']);
    expect(transports[0]!.calls.filter((c) => c.type === 'ACKNOWLEDGE')).to.have.length(2);
    driver.stop(true);
    await settle(clock);
  });

  it('declares the subscription lost after missed heartbeats and re-subscribes with the id in both places', async () => {
    const { driver, transports, log, clock } = harness({}, { options: { heartbeat: { missedIntervals: 3 } } });
    const causes: Error[] = [];
    driver.on('disconnected', ({ cause }) => causes.push(cause));
    driver.start();
    await settle(clock);
    transports[0]!.feed.push(subscribed('fw-1', 1));
    await settle(clock, 2900);
    expect(transports).to.have.length(1);
    transports[0]!.feed.push({ type: 'HEARTBEAT' });
    await settle(clock, 2900);
    expect(transports).to.have.length(1);
    await settle(clock, 200);
    expect(causes[0]!.message).to.match(/missed heartbeats/);
    await settle(clock, 100);
    expect(transports).to.have.length(2);
    const again = transports[1]!.subscribes[0]!;
    expect(again.framework_id).to.deep.equal({ value: 'fw-1' });
    expect(again.subscribe!.framework_info.id).to.deep.equal({ value: 'fw-1' });
    transports[1]!.feed.push(subscribed('fw-1', 1));
    await settle(clock);
    expect(log).to.deep.equal(['registered fw-1', 'heartbeat', 'disconnected', 'reregistered']);
    driver.stop(true);
    await settle(clock);
    expect(transports[1]!.calls.some((c) => c.type === 'TEARDOWN')).to.equal(false);
  });

  it('goes to the redirect target after a 307 and retries 503 with backoff, reporting each failure', async () => {
    const failures = [
      new MesosRedirectError('//m2:5050/api/v1/scheduler', 'http://m2:5050'),
      new MesosNoLeaderError('No leader elected'),
    ];
    const { driver, transports, clock } = harness(
      {},
      {
        subscribeResult: async (n) => {
          const f = failures[n];
          if (f) throw f;
        },
      },
    );
    const reported: string[] = [];
    driver.on('subscribeFailed', ({ error, delayMs }) => reported.push(`${error.constructor.name} ${delayMs}`));
    driver.start();
    await settle(clock);
    expect(transports[0]!.url).to.equal('http://m1:5050');
    await settle(clock, 100);
    expect(transports[1]!.url).to.equal('http://m2:5050');
    await settle(clock, 100);
    expect(transports[2]!.url).to.equal('http://m1:5050');
    expect(reported).to.deep.equal(['MesosRedirectError 100', 'MesosNoLeaderError 100']);
    driver.stop(true);
    await settle(clock);
  });

  it('waits a random delay up to reconnectDelayMaxMs after a loss, backs off on failed attempts, and resets after a success', async () => {
    sinon.stub(Math, 'random').returns(0.99);
    const failing = new Set([1, 2, 4]);
    const { driver, transports, log, clock } = harness(
      {},
      {
        subscribeResult: async (n) => {
          if (failing.has(n)) throw new MesosNoLeaderError('No leader elected');
        },
        options: { reconnectDelayMaxMs: 300, backoff: { initialMs: 1000, factor: 2, maxMs: 60_000, jitter: 0 } },
      },
    );
    const delays: number[] = [];
    driver.on('subscribeFailed', ({ delayMs }) => delays.push(delayMs));
    driver.start();
    await settle(clock);
    transports[0]!.feed.push(subscribed());
    await settle(clock);
    transports[0]!.feed.end();
    // First attempt after the loss: 0.99 * 300 = 297 ms, not the 1 s backoff.
    await settle(clock, 296);
    expect(transports).to.have.length(1);
    await settle(clock, 1);
    expect(transports).to.have.length(2);
    // That attempt failed: now the backoff, 1 s then 2 s.
    expect(delays).to.deep.equal([1000]);
    await settle(clock, 999);
    expect(transports).to.have.length(2);
    await settle(clock, 1);
    expect(transports).to.have.length(3);
    expect(delays).to.deep.equal([1000, 2000]);
    await settle(clock, 2000);
    expect(transports).to.have.length(4);
    transports[3]!.feed.push(subscribed());
    await settle(clock);
    // Lost again: the short delay again, and the backoff starts over at 1 s.
    transports[3]!.feed.end();
    await settle(clock, 297);
    expect(transports).to.have.length(5);
    expect(delays).to.deep.equal([1000, 2000, 1000]);
    expect(log).to.deep.equal(['registered fw-1', 'disconnected', 'reregistered', 'disconnected']);
    driver.stop(true);
    await settle(clock);
  });

  it('cuts a backoff wait short when the detector reports another leader', async () => {
    sinon.stub(Math, 'random').returns(0.5);
    const { driver, transports, detector, clock } = harness(
      {},
      {
        subscribeResult: async (n) => {
          if (n < 2) throw new MesosNoLeaderError('No leader elected');
        },
        options: { reconnectDelayMaxMs: 100, backoff: { initialMs: 10_000, factor: 1, maxMs: 10_000, jitter: 0 } },
      },
    );
    const failures: string[] = [];
    driver.on('subscribeFailed', ({ error, delayMs }) => failures.push(`${error.constructor.name} ${delayMs}`));
    driver.start();
    await settle(clock);
    // m1 answers 503: a 10 s backoff, run to its end while the detector still names m1.
    expect(failures).to.deep.equal(['MesosNoLeaderError 10000']);
    await settle(clock, 9999);
    expect(transports).to.have.length(1);
    await settle(clock, 1);
    expect(transports.map((t) => t.url)).to.deep.equal(['http://m1:5050', 'http://m1:5050']);
    // 503 again; this wait is cut short when the detector moves to m2 (then 0.5 * 100 ms).
    await settle(clock, 2000);
    expect(transports).to.have.length(2);
    detector.setLeader({ url: 'http://m2:5050' });
    await settle(clock, 49);
    expect(transports).to.have.length(2);
    await settle(clock, 1);
    expect(transports.map((t) => t.url)).to.deep.equal(['http://m1:5050', 'http://m1:5050', 'http://m2:5050']);
    transports[2]!.feed.push(subscribed());
    await settle(clock);
    expect(driver.connected).to.equal(true);
    expect(failures).to.deep.equal(['MesosNoLeaderError 10000', 'MesosNoLeaderError 10000']);
    driver.stop(true);
    await settle(clock);
  });

  it('rejects a negative reconnectDelayMaxMs', () => {
    expect(
      () => new MesosSchedulerDriver({}, FRAMEWORK, 'm1:5050', true, undefined, { reconnectDelayMaxMs: -1 }),
    ).to.throw(MesosMisuseError, /reconnectDelayMaxMs/);
  });

  it('stops reading the stream while callbacks are behind, without counting the pause as missed heartbeats', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { driver, transports, log, clock } = harness(
      {
        statusUpdate: async (_d, s) => {
          if (s.task_id.value === 't0') await gate;
          log.push(`update ${s.task_id.value}`);
        },
      },
      { options: { maxPendingEvents: 4, heartbeat: { missedIntervals: 2 } } },
    );
    const causes: Error[] = [];
    driver.on('disconnected', ({ cause }) => causes.push(cause));
    driver.start();
    await settle(clock);
    const feed = transports[0]!.feed;
    feed.push(subscribed('fw-1', 1));
    await settle(clock);
    for (let i = 0; i < 20; i++) feed.push(update(`t${i}`, UUID));
    await settle(clock);
    // t0 blocks its callback: the driver read a handful of events past it, then stopped.
    expect(feed.remaining).to.be.within(10, 16);
    // Ten silent seconds, five times the 2 s watch: the pause is ours, not the master's.
    await settle(clock, 10_000);
    expect(causes).to.deep.equal([]);
    expect(driver.connected).to.equal(true);
    release();
    await settle(clock);
    expect(feed.remaining).to.equal(0);
    expect(log.filter((l) => l.startsWith('update'))).to.deep.equal(
      Array.from({ length: 20 }, (_, i) => `update t${i}`),
    );
    expect(transports[0]!.calls.filter((c) => c.type === 'ACKNOWLEDGE')).to.have.length(20);
    // Reading again restarted the watch: real silence is still caught.
    await settle(clock, 2000);
    expect(causes[0]?.message).to.match(/missed heartbeats/);
    driver.stop(true);
    await settle(clock);
  });

  it('stops reading the stream while too many calls await their answers', async () => {
    const answers: Array<() => void> = [];
    const { driver, transports, clock } = harness(
      {},
      {
        options: { maxPendingCalls: 4 },
        callResult: () => new Promise((resolve) => answers.push(() => resolve(undefined))),
      },
    );
    driver.start();
    await settle(clock);
    const feed = transports[0]!.feed;
    feed.push(subscribed());
    await settle(clock);
    for (let i = 0; i < 12; i++) feed.push(update(`t${i}`, UUID));
    await settle(clock);
    // Acks are sent by callbacks a little behind the reader, so the stop is at about the limit.
    expect(answers.length).to.be.within(4, 6);
    const stoppedAt = feed.remaining;
    expect(stoppedAt).to.be.within(6, 8);
    await settle(clock, 1000);
    expect(feed.remaining).to.equal(stoppedAt);
    // Answering down to half the limit lets the driver read on.
    for (const answer of answers.splice(0, answers.length - 2)) answer();
    await settle(clock);
    expect(feed.remaining).to.be.lessThan(stoppedAt);
    for (let i = 0; i < 5 && (feed.remaining > 0 || answers.length > 0); i++) {
      for (const answer of answers.splice(0)) answer();
      await settle(clock);
    }
    expect(feed.remaining).to.equal(0);
    expect(transports[0]!.calls.filter((c) => c.type === 'ACKNOWLEDGE')).to.have.length(12);
    driver.stop(true);
    await settle(clock);
  });

  it('reconnects when the detector reports a new leader', async () => {
    const { driver, transports, detector, log, clock } = harness();
    driver.start();
    await settle(clock);
    transports[0]!.feed.push(subscribed());
    await settle(clock);
    detector.setLeader({ url: 'http://m3:5050' });
    await settle(clock, 100);
    expect(transports[1]!.url).to.equal('http://m3:5050');
    transports[1]!.feed.push(subscribed());
    await settle(clock);
    expect(log).to.deep.equal(['registered fw-1', 'disconnected', 'reregistered']);
    driver.stop(true);
    await settle(clock);
  });

  it('answers launches made while disconnected with TASK_LOST (TASK_DROPPED when partition-aware), or throws in reject mode', async () => {
    const { driver, log, clock } = harness();
    driver.start();
    const task = { name: 't', task_id: { value: 'x' }, agent_id: { value: 'a' } };
    expect(driver.launchTasks([{ value: 'o1' }], [task])).to.equal(Status.DRIVER_RUNNING);
    expect(driver.killTask({ value: 'x' })).to.equal(Status.DRIVER_RUNNING);
    await settle(clock);
    expect(log).to.deep.equal(['update x TASK_LOST REASON_MASTER_DISCONNECTED']);
    driver.abort();
    sinon.restore();

    const aware = harness({}, { framework: { ...FRAMEWORK, capabilities: [{ type: 'PARTITION_AWARE' }] } });
    aware.driver.start();
    aware.driver.acceptOffers({ value: 'o1' }, [{ type: 'LAUNCH', launch: { task_infos: [task] } }]);
    await settle(aware.clock);
    expect(aware.log).to.deep.equal(['update x TASK_DROPPED REASON_MASTER_DISCONNECTED']);
    aware.driver.abort();
    sinon.restore();

    const strict = harness({}, { options: { callsWhileDisconnected: 'reject' } });
    strict.driver.start();
    expect(() => strict.driver.launchTasks({ value: 'o1' }, [task])).to.throw(MesosNotSubscribedError);
    expect(() => strict.driver.declineOffer({ value: 'o1' })).to.throw(MesosNotSubscribedError);
    strict.driver.abort();
  });

  it('aborts on a throwing callback: no ack, abortReason set, join settles DRIVER_ABORTED', async () => {
    const { driver, transports, clock } = harness({
      statusUpdate: () => {
        throw new Error('bug in framework');
      },
    });
    const errors: Error[] = [];
    driver.on('error', (e) => errors.push(e));
    const run = driver.run();
    await settle(clock);
    transports[0]!.feed.push(subscribed());
    transports[0]!.feed.push(update('t1', UUID));
    await settle(clock);
    expect(await run).to.equal(Status.DRIVER_ABORTED);
    expect(driver.abortReason).to.be.instanceOf(MesosSchedulerError);
    expect((driver.abortReason as MesosSchedulerError).code).to.equal('callbackFailed');
    expect(errors[0]!.message).to.match(/bug in framework/);
    expect(transports[0]!.calls.filter((c) => c.type === 'ACKNOWLEDGE')).to.have.length(0);
    // stop() after abort, within the linger, still tears down; it returns DRIVER_ABORTED as libmesos.
    expect(driver.stop()).to.equal(Status.DRIVER_ABORTED);
    await settle(clock);
    expect(transports[0]!.calls.at(-1)!.type).to.equal('TEARDOWN');
    expect(driver.status).to.equal(Status.DRIVER_STOPPED);
  });

  it('on an ERROR event aborts first, then calls error(); "Framework has been removed" is told apart', async () => {
    let statusInError: Status | undefined;
    const { driver, transports, log, clock } = harness({
      error(d, message) {
        statusInError = (d as MesosSchedulerDriver).status;
        log.push(`error ${message}`);
      },
    });
    const removed: string[] = [];
    driver.on('frameworkRemoved', ({ message }) => removed.push(message));
    const run = driver.run();
    await settle(clock);
    transports[0]!.feed.push({ type: 'ERROR', error: { message: 'Framework has been removed' } });
    transports[0]!.feed.end();
    expect(await run).to.equal(Status.DRIVER_ABORTED);
    await settle(clock, 1000);
    expect(log).to.deep.equal(['error Framework has been removed']);
    expect(statusInError).to.equal(Status.DRIVER_ABORTED);
    expect(removed).to.deep.equal(['Framework has been removed']);
    expect((driver.abortReason as MesosSchedulerError).code).to.equal('frameworkRemoved');
    expect(transports).to.have.length(1);
  });

  it('keeps running when the master refuses a call, and emits callFailed', async () => {
    const { driver, transports, clock } = harness(
      {},
      {
        callResult: async (call) => {
          if (call.type === 'KILL') throw new MesosProtocolError(400, 'Failed to validate scheduler::Call');
          return undefined;
        },
      },
    );
    const failed: string[] = [];
    driver.on('callFailed', ({ type, error }) => failed.push(`${type} ${(error as MesosProtocolError).status}`));
    driver.start();
    await settle(clock);
    transports[0]!.feed.push(subscribed());
    await settle(clock);
    driver.killTask({ value: 't' });
    await settle(clock);
    expect(failed).to.deep.equal(['KILL 400']);
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
    driver.stop(true);
    await settle(clock);
  });

  it('tracks suppressed roles for SUBSCRIBE; revive/suppress with [] do nothing; explicit acks only when asked', async () => {
    const { driver, transports, clock } = harness(
      {},
      { implicit: false, framework: { ...FRAMEWORK, roles: ['a', 'b'], capabilities: [{ type: 'MULTI_ROLE' }] } },
    );
    driver.start();
    driver.suppressOffers();
    driver.reviveOffers(['a']);
    await settle(clock);
    expect(transports[0]!.subscribes[0]!.subscribe!.suppressed_roles).to.deep.equal(['b']);
    transports[0]!.feed.push(subscribed());
    transports[0]!.feed.push(update('t1', UUID));
    await settle(clock);
    expect(transports[0]!.calls).to.have.length(0);
    driver.reviveOffers([]);
    driver.suppressOffers([]);
    expect(transports[0]!.calls).to.have.length(0);
    driver.reviveOffers();
    driver.acknowledgeStatusUpdate({
      task_id: { value: 't1' },
      state: 'TASK_RUNNING',
      agent_id: { value: 'a1' },
      uuid: UUID,
    } as TaskStatus);
    driver.acknowledgeStatusUpdate({ task_id: { value: 't2' }, state: 'TASK_RUNNING', agent_id: { value: 'a1' } });
    expect(transports[0]!.calls.map((c) => c.type)).to.deep.equal(['REVIVE', 'ACKNOWLEDGE']);
    expect(transports[0]!.calls[0]!.revive).to.deep.equal({});
    driver.stop(true);
    await settle(clock);
  });

  it('rejects misuse with typed errors; updateFramework before registration aborts with error()', async () => {
    const { driver, log, clock } = harness();
    expect(() => driver.acknowledgeStatusUpdate({ task_id: { value: 't' }, state: 'TASK_RUNNING' })).to.throw(
      MesosMisuseError,
      /explicit/,
    );
    expect(() => driver.launchTasks({ value: 'o' }, 'nope' as never)).to.throw(
      MesosMisuseError,
      /tasks must be an array/,
    );
    expect(() => driver.declineOffer('o1' as never)).to.throw(MesosMisuseError, /offerId/);
    expect(driver.join()).to.be.instanceOf(Promise);
    expect(await driver.join()).to.equal(Status.DRIVER_NOT_STARTED);
    expect(driver.stop()).to.equal(Status.DRIVER_NOT_STARTED);
    expect(driver.abort()).to.equal(Status.DRIVER_NOT_STARTED);
    driver.start();
    expect(driver.updateFramework({ ...FRAMEWORK })).to.equal(Status.DRIVER_ABORTED);
    await settle(clock);
    expect(log).to.deep.equal(['error updateFramework() called before the framework was registered']);
    expect(driver.abort()).to.equal(Status.DRIVER_ABORTED);
  });

  it('runs enqueue()d functions in order with callbacks, and stop() works from inside a callback', async () => {
    const { driver, transports, log, clock } = harness({
      registered(d) {
        log.push('registered');
        (d as MesosSchedulerDriver).enqueue(() => void log.push('enqueued'));
      },
      heartbeat(d) {
        log.push('heartbeat');
        d.stop();
      },
    });
    const run = driver.run();
    await settle(clock);
    transports[0]!.feed.push(subscribed());
    transports[0]!.feed.push({ type: 'HEARTBEAT' });
    transports[0]!.feed.push({ type: 'HEARTBEAT' });
    await settle(clock);
    expect(await run).to.equal(Status.DRIVER_STOPPED);
    expect(log).to.deep.equal(['registered', 'enqueued', 'heartbeat']);
    expect(transports[0]!.calls.map((c) => c.type)).to.deep.equal(['TEARDOWN']);
  });
});

/**
 * Regression tests for defects found in review of the scheduler driver: each one failed before
 * its fix.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { FrameworkInfo, scheduler, TaskInfo } from '../../lib/codec/messages';
import { MesosMisuseError } from '../../lib/common/errors';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type {
  LeaderDetector,
  SchedulerDriverOptions,
  SchedulerSubscription,
  SchedulerTransport,
} from '../../lib/driver/scheduler-options';
import type { Scheduler } from '../../lib/driver/scheduler-types';
import { Status } from '../../lib/driver/status';

const FRAMEWORK: FrameworkInfo = { user: 'alice', name: 'review', hostname: 'h', failover_timeout: 3600 };
const CALL_CODEC = getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, 'protobuf');

/** Events the test pushes; ends quietly when closed. */
class Feed implements AsyncIterable<scheduler.Event> {
  private readonly buffered: scheduler.Event[] = [];
  private wake: (() => void) | undefined;
  private closed = false;
  push(event: scheduler.Event): void {
    this.buffered.push(event);
    this.notify();
  }
  close(): void {
    this.closed = true;
    this.notify();
  }
  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<scheduler.Event> {
    for (;;) {
      const next = this.buffered.shift();
      if (next) yield next;
      else if (this.closed) return;
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/** A transport that encodes every call as SchedulerClient does (asynchronously) and records it. */
class EncodingTransport implements SchedulerTransport {
  readonly sent: scheduler.Call[] = [];
  readonly subscribes: scheduler.Call[] = [];
  readonly feed = new Feed();
  async subscribe(call: scheduler.Call, options: { signal: AbortSignal }): Promise<SchedulerSubscription> {
    CALL_CODEC.encode(call);
    this.subscribes.push(call);
    options.signal.addEventListener('abort', () => this.feed.close(), { once: true });
    return { streamId: 's1', events: this.feed, close: () => this.feed.close() };
  }
  async call(call: scheduler.Call): Promise<scheduler.Response | undefined> {
    CALL_CODEC.encode(call);
    this.sent.push(call);
    return undefined;
  }
  close(): void {
    this.feed.close();
  }
}

const staticDetector: LeaderDetector = {
  detect: async (previous) => (previous ? new Promise<never>(() => undefined) : { url: 'http://m1:5050' }),
  close: () => undefined,
};

function driverWith(
  scheduler: Scheduler,
  framework: FrameworkInfo = FRAMEWORK,
  options: SchedulerDriverOptions = {},
): { driver: MesosSchedulerDriver; transports: EncodingTransport[] } {
  const transports: EncodingTransport[] = [];
  const driver = new MesosSchedulerDriver(scheduler, framework, 'm1:5050', true, undefined, {
    detector: staticDetector,
    backoff: { initialMs: 10, maxMs: 10, jitter: 0 },
    reconnectDelayMaxMs: 0,
    heartbeat: { enabled: false },
    transportFactory: () => {
      const transport = new EncodingTransport();
      transports.push(transport);
      return transport;
    },
    ...options,
  });
  return { driver, transports };
}

const SUBSCRIBED: scheduler.Event = {
  type: 'SUBSCRIBED',
  subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 15 },
};

async function settle(clock: sinon.SinonFakeTimers, ms = 0): Promise<void> {
  await clock.tickAsync(ms);
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('MesosSchedulerDriver review regressions', () => {
  afterEach(() => sinon.restore());

  it('never puts the ZooKeeper password of the master string in the error of a failed detector', async () => {
    const errors: string[] = [];
    // No znode path: the detector cannot be created, and the driver aborts with an error.
    const driver = new MesosSchedulerDriver(
      { error: (_d, message) => void errors.push(message) },
      FRAMEWORK,
      'zk://alice:s3cret-pw@127.0.0.1:2181',
    );
    const emitted: Error[] = [];
    driver.on('error', (error) => emitted.push(error));
    expect(driver.start()).to.equal(Status.DRIVER_ABORTED);
    expect(await driver.join()).to.equal(Status.DRIVER_ABORTED);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).to.have.length(1);
    expect(emitted).to.have.length(1);
    const reason = driver.abortReason;
    expect(reason?.message).to.include('zk://alice:***@127.0.0.1:2181');
    for (const text of [errors[0], emitted[0]?.message, reason?.message]) {
      expect(text).to.not.include('s3cret-pw');
    }
  });

  it('rejects a FrameworkInfo that cannot be encoded at construction, instead of retrying SUBSCRIBE for ever', () => {
    const bad = { ...FRAMEWORK, roles: 'not-a-list' } as unknown as FrameworkInfo;
    expect(() => driverWith({}, bad)).to.throw(MesosMisuseError, /framework_info\.roles/);
  });

  it('aborts, rather than retrying for ever, when its SUBSCRIBE can no longer be encoded', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const errors: string[] = [];
    const capabilities: FrameworkInfo.Capability[] = [];
    const { driver, transports } = driverWith(
      { error: (_d, m) => void errors.push(m) },
      { ...FRAMEWORK, capabilities },
    );
    const run = driver.run();
    await settle(clock);
    transports[0]?.feed.push(SUBSCRIBED);
    await settle(clock);
    // The caller's array is shared with the driver's copy: a bad entry reaches the next SUBSCRIBE.
    capabilities.push({ type: 'NO_SUCH_CAPABILITY' as FrameworkInfo.Capability.Type });
    transports[0]?.feed.close();
    let settled: Status | undefined;
    void run.then((status) => (settled = status));
    await settle(clock, 1000);
    expect(settled).to.equal(Status.DRIVER_ABORTED);
    expect(transports.length).to.be.at.most(2);
    expect(errors).to.have.length(1);
    expect(errors[0]).to.match(/NO_SUCH_CAPABILITY/);
  });

  it('throws a typed misuse error from updateFramework() for a FrameworkInfo that cannot be encoded, keeping the old one', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { driver, transports } = driverWith({});
    driver.start();
    await settle(clock);
    transports[0]?.feed.push(SUBSCRIBED);
    await settle(clock);
    const bad = { ...FRAMEWORK, failover_timeout: 'soon' } as unknown as FrameworkInfo;
    expect(() => driver.updateFramework(bad)).to.throw(MesosMisuseError, /failover_timeout/);
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
    // The SUBSCRIBE after a loss still carries the FrameworkInfo that was valid.
    transports[0]?.feed.close();
    await settle(clock, 100);
    expect(transports[1]?.subscribes[0]?.subscribe?.framework_info.failover_timeout).to.equal(3600);
    driver.stop(true);
    await settle(clock);
  });

  it('throws a typed misuse error naming the field when a launched task cannot be encoded, instead of losing the task', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { driver, transports } = driverWith({});
    const failed: string[] = [];
    driver.on('callFailed', ({ type }) => failed.push(type));
    driver.start();
    await settle(clock);
    transports[0]?.feed.push(SUBSCRIBED);
    await settle(clock);
    const noAgent = { name: 't', task_id: { value: 't1' } } as unknown as TaskInfo;
    expect(() => driver.launchTasks({ value: 'o1' }, [noAgent])).to.throw(MesosMisuseError, /agent_id/);
    expect(() => driver.killTask({ value: 't1' }, { grace_period: 'x' } as never)).to.throw(
      MesosMisuseError,
      /kill_policy/,
    );
    await settle(clock);
    expect(failed).to.deep.equal([]);
    expect(transports[0]?.sent.map((c) => c.type)).to.deep.equal([]);
    driver.stop(true);
    await settle(clock);
  });

  it('still declares a silent master lost while the stream is paused for calls that never get an answer', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const log: string[] = [];
    const { driver, transports } = driverWith(
      { disconnected: () => void log.push('disconnected'), reregistered: () => void log.push('reregistered') },
      FRAMEWORK,
      { heartbeat: { missedIntervals: 2 }, maxPendingCalls: 2 },
    );
    driver.start();
    await settle(clock);
    const first = transports[0] as EncodingTransport;
    // A partitioned master: calls reach nothing and are never answered.
    first.call = (call) => {
      first.sent.push(call);
      return new Promise<never>(() => undefined);
    };
    first.feed.push({ ...SUBSCRIBED, subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 1 } });
    await settle(clock);
    driver.killTask({ value: 't1' });
    driver.killTask({ value: 't2' });
    // The next event finds two unanswered calls: the driver stops reading until they settle.
    first.feed.push({ type: 'HEARTBEAT' });
    await settle(clock, 2500);
    expect(log).to.deep.equal(['disconnected']);
    await settle(clock, 100);
    transports[1]?.feed.push(SUBSCRIBED);
    await settle(clock);
    expect(log).to.deep.equal(['disconnected', 'reregistered']);
    driver.stop(true);
    await settle(clock);
  });
});

describe('MesosSchedulerDriver stop() lets calls already made finish, as libmesos does', () => {
  afterEach(() => sinon.restore());

  /** A transport whose calls are answered only when the test says so. */
  class SlowTransport extends EncodingTransport {
    readonly answers: Array<() => void> = [];
    readonly signals: AbortSignal[] = [];
    override async call(
      call: scheduler.Call,
      options?: { signal?: AbortSignal },
    ): Promise<scheduler.Response | undefined> {
      this.sent.push(call);
      if (options?.signal) this.signals.push(options.signal);
      if (call.type === 'TEARDOWN') return undefined;
      await new Promise<void>((resolve) => this.answers.push(resolve));
      return undefined;
    }
  }

  function slowDriver(options: SchedulerDriverOptions = {}) {
    const transports: SlowTransport[] = [];
    const driver = new MesosSchedulerDriver({}, FRAMEWORK, 'm1:5050', true, undefined, {
      detector: staticDetector,
      reconnectDelayMaxMs: 0,
      heartbeat: { enabled: false },
      transportFactory: () => {
        const transport = new SlowTransport();
        transports.push(transport);
        return transport;
      },
      ...options,
    });
    return { driver, transports };
  }

  it('a KILL made right before stop(true) is answered before the connections close', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { driver, transports } = slowDriver();
    driver.start();
    await settle(clock);
    transports[0]?.feed.push(SUBSCRIBED);
    await settle(clock);
    driver.killTask({ value: 't1' });
    await settle(clock);
    let settled: Status | undefined;
    void driver.join().then((s) => (settled = s));
    expect(driver.stop(true)).to.equal(Status.DRIVER_STOPPED);
    await settle(clock, 100);
    const transport = transports[0] as SlowTransport;
    expect(transport.sent.map((c) => c.type)).to.deep.equal(['KILL']);
    expect(transport.signals[0]?.aborted).to.equal(false);
    expect(settled).to.equal(undefined);
    transport.answers.shift()?.();
    await settle(clock);
    expect(settled).to.equal(Status.DRIVER_STOPPED);
    expect(transport.signals[0]?.aborted).to.equal(true); // closed after, not before
  });

  it('stop(false) sends TEARDOWN after the calls made before it, and gives up on them after teardownTimeoutMs', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { driver, transports } = slowDriver({ teardownTimeoutMs: 2000 });
    driver.start();
    await settle(clock);
    transports[0]?.feed.push(SUBSCRIBED);
    await settle(clock);
    driver.declineOffer({ value: 'o1' });
    await settle(clock);
    let settled: Status | undefined;
    void driver.join().then((s) => (settled = s));
    driver.stop();
    await settle(clock, 1999);
    const transport = transports[0] as SlowTransport;
    expect(transport.sent.map((c) => c.type)).to.deep.equal(['DECLINE']);
    expect(settled).to.equal(undefined);
    await settle(clock, 1);
    expect(transport.sent.map((c) => c.type)).to.deep.equal(['DECLINE', 'TEARDOWN']);
    expect(settled).to.equal(Status.DRIVER_STOPPED);
  });
});

describe('MesosSchedulerDriver leader watch and custom transports', () => {
  afterEach(() => sinon.restore());

  it('keeps watching the leader after the detector fails once, so a later leader change still reconnects', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    let watches = 0;
    let changeLeader: ((next: { url: string }) => void) | undefined;
    const detector: LeaderDetector = {
      detect: (previous) => {
        if (!previous) return Promise.resolve({ url: 'http://m1:5050' });
        watches++;
        if (watches === 1) return Promise.reject(new Error('Malformed znode content'));
        return new Promise((resolve) => (changeLeader = resolve));
      },
      close: () => undefined,
    };
    const calls: string[] = [];
    const { driver, transports } = driverWith(
      { disconnected: () => void calls.push('disconnected'), reregistered: () => void calls.push('reregistered') },
      FRAMEWORK,
      { detector },
    );
    driver.start();
    await settle(clock);
    transports[0]?.feed.push(SUBSCRIBED);
    await settle(clock);
    expect(watches).to.equal(1);
    await settle(clock, 1000);
    expect(watches).to.equal(2); // watching again after the failure
    changeLeader?.({ url: 'http://m2:5050' });
    await settle(clock, 1000);
    expect(calls).to.deep.equal(['disconnected']);
    transports[1]?.feed.push(SUBSCRIBED);
    await settle(clock);
    expect(calls).to.deep.equal(['disconnected', 'reregistered']);
    driver.stop(true);
    await settle(clock);
  });

  it('counts a call whose custom transport throws synchronously as failed, not as pending for ever', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { driver, transports } = driverWith({});
    driver.start();
    await settle(clock);
    transports[0]?.feed.push(SUBSCRIBED);
    await settle(clock);
    (transports[0] as EncodingTransport).call = () => {
      throw new Error('transport exploded');
    };
    const failed: string[] = [];
    driver.on('callFailed', ({ type, error }) => failed.push(`${type}: ${error.message}`));
    driver.killTask({ value: 't1' });
    await settle(clock);
    expect(failed).to.deep.equal(['KILL: transport exploded']);
    let settled: Status | undefined;
    void driver.join().then((s) => (settled = s));
    driver.stop(true);
    await settle(clock); // no pending call to wait for: stops at once
    expect(settled).to.equal(Status.DRIVER_STOPPED);
  });
});

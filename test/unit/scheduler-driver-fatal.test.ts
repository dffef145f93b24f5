/**
 * Fatal errors are seen (error() runs, and its promise settles, before join() settles; with no
 * error callback the message goes to stderr once), libmesos's constructor with suppressedRoles,
 * and the master string "local" (an embedded cluster, started on start() and stopped before join()
 * settles). Fake transports and a fake cluster launcher: no sockets.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import type { FrameworkInfo, scheduler } from '../../lib/codec/messages';
import { MesosAuthenticationError, MesosConfigError, MesosMisuseError } from '../../lib/common/errors';
import { createLogger } from '../../lib/common/logger';
import { FatalErrorReporter } from '../../lib/driver/fatal-error';
import { JoinGate } from '../../lib/driver/join-gate';
import {
  type EmbeddedClusterConfig,
  embeddedClusterConfig,
  MesosLocalClusterError,
  setEmbeddedClusterLauncher,
} from '../../lib/driver/local-master';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type {
  LeaderDetector,
  SchedulerDriverOptions,
  SchedulerSubscription,
  SchedulerTransport,
} from '../../lib/driver/scheduler-options';
import type { Scheduler } from '../../lib/driver/scheduler-types';
import { Status } from '../../lib/driver/status';

const FRAMEWORK: FrameworkInfo = { user: 'u', name: 'fatal', hostname: 'h', roles: ['a', 'b'] };
const SUBSCRIBED: scheduler.Event = {
  type: 'SUBSCRIBED',
  subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 15 },
};

/** A subscription whose events the test pushes; `end()` makes the driver see a lost stream. */
class Feed implements AsyncIterable<scheduler.Event> {
  private readonly events: scheduler.Event[] = [];
  private wake: (() => void) | undefined;
  private state: 'open' | 'ended' | 'closed' = 'open';
  push(event: scheduler.Event): void {
    this.events.push(event);
    this.wake?.();
  }
  end(): void {
    this.state = 'ended';
    this.wake?.();
  }
  close(): void {
    this.state = 'closed';
    this.wake?.();
  }
  async *[Symbol.asyncIterator](): AsyncGenerator<scheduler.Event> {
    for (;;) {
      const next = this.events.shift();
      if (next) yield next;
      else if (this.state === 'closed') return;
      else if (this.state === 'ended') throw new Error('stream ended');
      else await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

interface Fakes {
  subscribes: scheduler.Call[];
  urls: string[];
  feeds: Feed[];
  options: SchedulerDriverOptions;
}

/** Driver options with a fake transport (subscribe answered by `subscribe`) and, unless `noDetector`, a fixed leader. */
function fakes(subscribe: () => Promise<void> = async () => undefined, noDetector = false): Fakes {
  const f: Fakes = { subscribes: [], urls: [], feeds: [], options: {} };
  const detector: LeaderDetector = {
    detect: async (previous, options) =>
      previous === null
        ? { url: 'http://m:5050' }
        : new Promise((_resolve, reject) => options?.signal?.addEventListener('abort', () => reject(new Error('x')))),
    close: () => undefined,
  };
  f.options = {
    ...(noDetector ? {} : { detector }),
    heartbeat: { enabled: false },
    reconnectDelayMaxMs: 0,
    backoff: { initialMs: 0, maxMs: 0 },
    abortLingerMs: 0,
    transportFactory: (url): SchedulerTransport => ({
      subscribe: async (call: scheduler.Call, opts: { signal: AbortSignal }): Promise<SchedulerSubscription> => {
        f.subscribes.push(call);
        f.urls.push(url);
        await subscribe();
        const feed = new Feed();
        f.feeds.push(feed);
        opts.signal.addEventListener('abort', () => feed.close(), { once: true });
        return { streamId: 's', events: feed, close: () => feed.close() };
      },
      call: async () => undefined,
      close: () => undefined,
    }),
  };
  return f;
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('MesosSchedulerDriver: fatal errors are seen before join() settles', () => {
  let stderr: sinon.SinonStub;
  beforeEach(() => {
    stderr = sinon.stub(process.stderr, 'write').returns(true);
  });
  afterEach(() => sinon.restore());

  /** The order of what a port observes: the error callback, its async end, and run() settling. */
  async function observe(driver: MesosSchedulerDriver, log: string[]): Promise<Status> {
    const status = await driver.run();
    log.push(`run ${Status[status]}`);
    return status;
  }
  const slowError = (log: string[], statusOf: () => Status): Scheduler => ({
    error: async (_driver, message) => {
      log.push(`error ${Status[statusOf()]}: ${message}`);
      await tick();
      await tick();
      log.push('error done');
    },
  });

  it('a malformed master string: error() runs and settles, with the status already ABORTED, before run() settles', async () => {
    const log: string[] = [];
    let driver: MesosSchedulerDriver | undefined;
    driver = new MesosSchedulerDriver(
      slowError(log, () => (driver as MesosSchedulerDriver).status),
      FRAMEWORK,
      'not a master!!',
    );
    expect(await observe(driver, log)).to.equal(Status.DRIVER_ABORTED);
    expect(log).to.have.length(3);
    expect(log[0]).to.match(/^error DRIVER_ABORTED: Failed to create a master detector .*Malformed master/);
    expect(log.slice(1)).to.deep.equal(['error done', 'run DRIVER_ABORTED']);
    expect(driver.abortReason?.code).to.equal('detectorFailed');
    expect(stderr.called).to.equal(false);
  });

  it('refused credentials: error() settles before join() does, and abortReason.code says why', async () => {
    const log: string[] = [];
    const f = fakes(async () => {
      throw new MesosAuthenticationError('401 Unauthorized');
    });
    let driver: MesosSchedulerDriver | undefined;
    driver = new MesosSchedulerDriver(
      slowError(log, () => (driver as MesosSchedulerDriver).status),
      FRAMEWORK,
      'm:5050',
      true,
      { principal: 'p', secret: 's' },
      f.options,
    );
    expect(await observe(driver, log)).to.equal(Status.DRIVER_ABORTED);
    expect(log).to.deep.equal([
      'error DRIVER_ABORTED: Master refused authentication',
      'error done',
      'run DRIVER_ABORTED',
    ]);
    expect(driver.abortReason?.code).to.equal('authenticationFailed');
  });

  it('an ERROR event: join() settles after the error callback, even when it calls stop()', async () => {
    const log: string[] = [];
    const f = fakes();
    const driver = new MesosSchedulerDriver(
      {
        error: async (d, message) => {
          log.push(`error ${message}`);
          await tick();
          d.stop();
          log.push('error done');
        },
      },
      FRAMEWORK,
      'm:5050',
      true,
      undefined,
      f.options,
    );
    const joined = driver.run().then((status) => log.push(`join ${Status[status]}`));
    while (f.feeds.length === 0) await tick();
    f.feeds[0]?.push(SUBSCRIBED);
    f.feeds[0]?.push({ type: 'ERROR', error: { message: 'Framework has been removed' } });
    await joined;
    expect(log).to.deep.equal(['error Framework has been removed', 'error done', 'join DRIVER_ABORTED']);
    expect(driver.abortReason?.code).to.equal('frameworkRemoved');
  });

  it('with no error callback, a fatal error is written to stderr once; an error listener or reportUnhandledErrors: false silences it', async () => {
    const unhandled = new MesosSchedulerDriver({}, FRAMEWORK, 'not a master!!');
    expect(await unhandled.run()).to.equal(Status.DRIVER_ABORTED);
    const written = stderr.getCalls().map((call) => String(call.args[0]));
    expect(written).to.have.length(1);
    expect(written[0]).to.match(/^MesosSchedulerDriver: aborted by a fatal error .*Malformed master/);

    stderr.resetHistory();
    const listened = new MesosSchedulerDriver({}, FRAMEWORK, 'not a master!!');
    const seen: string[] = [];
    listened.on('error', (error) => seen.push(error.message));
    await listened.run();
    const silenced = new MesosSchedulerDriver({}, FRAMEWORK, 'not a master!!', true, undefined, {
      reportUnhandledErrors: false,
    });
    await silenced.run();
    expect(seen).to.have.length(1);
    expect(stderr.called).to.equal(false);
  });

  it('the reporter writes once per driver, and a throwing error callback still lets join() settle', async () => {
    const lines: string[] = [];
    const reporter = new FatalErrorReporter('D', true, createLogger('test'), (text) => lines.push(text));
    await reporter.report('one', undefined, false);
    await reporter.report('two', undefined, false);
    expect(lines).to.have.length(1);
    await reporter.report('three', () => Promise.reject(new Error('callback failed')), false);

    const driver = new MesosSchedulerDriver(
      {
        error: () => {
          throw new Error('error callback threw');
        },
      },
      FRAMEWORK,
      'not a master!!',
    );
    expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
  });

  it('a callback that throws aborts without calling error, and is written to stderr unless an error listener handles it', async () => {
    const lines: string[] = [];
    const reporter = new FatalErrorReporter('D', true, createLogger('test'), (text) => lines.push(text));
    reporter.reportCallbackFailure('a scheduler callback threw: Error: boom', true);
    expect(lines).to.have.length(0);
    reporter.reportCallbackFailure('a scheduler callback threw: Error: boom', false);
    reporter.reportCallbackFailure('a scheduler callback threw: Error: again', false);
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/^D: aborted because a scheduler callback threw: Error: boom\n/);

    const off = new FatalErrorReporter('D', false, createLogger('test'), (text) => lines.push(text));
    off.reportCallbackFailure('a scheduler callback threw: x', false);
    expect(lines).to.have.length(1);
  });

  it('checks reportUnhandledErrors with the other options', () => {
    expect(
      () =>
        new MesosSchedulerDriver({}, FRAMEWORK, 'm:5050', true, undefined, {
          reportUnhandledErrors: 'no' as unknown as boolean,
        }),
    )
      .to.throw(MesosConfigError)
      .with.property('message')
      .that.matches(/reportUnhandledErrors must be a boolean/);
  });
});

describe('JoinGate', () => {
  it('settles at once when nothing is held; else after the held work and finalizers, with the first value', async () => {
    const free = new JoinGate<string>();
    let value: string | undefined;
    void free.promise.then((v) => (value = v));
    free.settle('a');
    await Promise.resolve();
    expect(value).to.equal('a');

    const gate = new JoinGate<string>();
    const order: string[] = [];
    const release = gate.hold();
    gate.onSettle(async () => {
      await tick();
      order.push('finalizer');
      throw new Error('ignored');
    });
    void gate.promise.then((v) => order.push(`settled ${v}`));
    gate.settle('first');
    gate.settle('second');
    await tick();
    const late = gate.hold();
    release();
    await tick();
    await tick();
    expect(order).to.deep.equal(['finalizer']);
    late();
    await tick();
    expect(order).to.deep.equal(['finalizer', 'settled first']);
  });
});

describe('MesosSchedulerDriver: the constructor with suppressedRoles (libmesos, Mesos 1.9)', () => {
  it('subscribes with subscribe.suppressed_roles, and re-subscribes so until the roles are revived', async () => {
    const f = fakes();
    const driver = new MesosSchedulerDriver({}, FRAMEWORK, ['a'], 'm:5050', true, undefined, f.options);
    expect(driver.implicitAcknowledgements).to.equal(true);
    driver.start();
    while (f.feeds.length < 1) await tick();
    expect(f.subscribes[0]?.subscribe?.suppressed_roles).to.deep.equal(['a']);
    f.feeds[0]?.push(SUBSCRIBED);
    await tick();
    f.feeds[0]?.end();
    while (f.feeds.length < 2) await tick();
    expect(f.subscribes[1]?.subscribe?.suppressed_roles).to.deep.equal(['a']);
    f.feeds[1]?.push(SUBSCRIBED);
    await tick();
    driver.reviveOffers(['a']);
    f.feeds[1]?.end();
    while (f.feeds.length < 3) await tick();
    expect(f.subscribes[2]?.subscribe?.suppressed_roles).to.equal(undefined);
    driver.stop();
    await driver.join();
  });

  it('takes implicitAcknowledgements, credential and options in their libmesos places', () => {
    const f = fakes();
    const driver = new MesosSchedulerDriver({}, FRAMEWORK, [], 'm:5050', false, { principal: 'p' }, f.options);
    expect(driver.implicitAcknowledgements).to.equal(false);
    const classic = new MesosSchedulerDriver({}, FRAMEWORK, 'm:5050');
    expect(classic.implicitAcknowledgements).to.equal(true);
  });

  it('rejects malformed suppressedRoles and a missing implicitAcknowledgements by name', () => {
    const make =
      (...args: unknown[]) =>
      () =>
        new (MesosSchedulerDriver as unknown as new (...a: unknown[]) => MesosSchedulerDriver)({}, FRAMEWORK, ...args);
    expect(make([1], 'm:5050', true)).to.throw(MesosMisuseError, /suppressedRoles\[0\] must be a string/);
    expect(make(['a', 'a'], 'm:5050', true)).to.throw(MesosMisuseError, /suppressedRoles has duplicates/);
    expect(make(['a'], 'm:5050')).to.throw(MesosMisuseError, /implicitAcknowledgements must be a boolean/);
    expect(make(['a'], 5050, true)).to.throw(MesosMisuseError, /master must be a non-empty string/);
    // @ts-expect-error: with suppressedRoles, implicitAcknowledgements is required (as in libmesos).
    expect(() => new MesosSchedulerDriver({}, FRAMEWORK, ['a'], 'm:5050')).to.throw(MesosMisuseError);
  });
});

describe('MesosSchedulerDriver: master "local"', () => {
  // The launcher the public entry registered (if it was loaded first): put back after every test.
  let registered: ReturnType<typeof setEmbeddedClusterLauncher>;
  const saved: Record<string, string | undefined> = {};
  before(() => {
    registered = setEmbeddedClusterLauncher(undefined);
    setEmbeddedClusterLauncher(registered);
  });
  const VARS = ['MESOS_NUM_SLAVES', 'MESOS_RESOURCES', 'MESOS_WORK_DIR', 'MESOS_QUIET', 'MESOS_OFFER_TIMEOUT'];
  beforeEach(() => {
    for (const name of VARS) {
      saved[name] = process.env[name];
      delete process.env[name];
    }
  });
  afterEach(() => {
    setEmbeddedClusterLauncher(registered);
    for (const name of VARS) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    sinon.restore();
  });

  /** A launcher whose cluster's stop takes a few turns of the event loop. */
  function fakeLauncher(events: string[], fail?: Error) {
    const configs: EmbeddedClusterConfig[] = [];
    setEmbeddedClusterLauncher(async (config) => {
      configs.push(config);
      events.push('started');
      if (fail) throw fail;
      return {
        masterUrl: 'http://127.0.0.1:5999',
        stop: async () => {
          await tick();
          await tick();
          events.push('cluster stopped');
        },
      };
    });
    return configs;
  }

  it('reads the MESOS_* variables of libmesos local mode, naming a malformed one', () => {
    expect(
      embeddedClusterConfig({
        MESOS_NUM_SLAVES: '3',
        MESOS_RESOURCES: 'cpus:2;mem:256',
        MESOS_ATTRIBUTES: 'rack:r1',
        MESOS_WORK_DIR: '/tmp/w',
        MESOS_ROLES: 'a, b',
        MESOS_OFFER_TIMEOUT: '30secs',
        MESOS_ALLOCATION_INTERVAL: '50ms',
        MESOS_QUIET: 'true',
      }),
    ).to.deep.equal({
      agents: 3,
      resources: 'cpus:2;mem:256',
      attributes: 'rack:r1',
      workDir: '/tmp/w',
      roles: ['a', 'b'],
      offerTimeoutSeconds: 30,
      allocationIntervalMs: 50,
      log: false,
    });
    expect(embeddedClusterConfig({})).to.deep.equal({});
    expect(() => embeddedClusterConfig({ MESOS_NUM_SLAVES: 'two' })).to.throw(MesosConfigError, /MESOS_NUM_SLAVES/);
    expect(() => embeddedClusterConfig({ MESOS_OFFER_TIMEOUT: '5' })).to.throw(MesosConfigError, /MESOS_OFFER_TIMEOUT/);
    expect(() => embeddedClusterConfig({ MESOS_QUIET: 'yes' })).to.throw(MesosConfigError, /MESOS_QUIET/);
    expect(() => embeddedClusterConfig({ MESOS_ROLES: 'a,,b' })).to.throw(MesosConfigError, /MESOS_ROLES/);
  });

  it('starts the cluster on start(), subscribes to its master, and stops it before join() settles', async () => {
    const events: string[] = [];
    const configs = fakeLauncher(events);
    process.env.MESOS_NUM_SLAVES = '2';
    const f = fakes(async () => undefined, true);
    const driver = new MesosSchedulerDriver({}, FRAMEWORK, 'local', true, undefined, f.options);
    expect(events).to.deep.equal([]);
    driver.start();
    while (f.feeds.length < 1) await tick();
    expect(configs).to.deep.equal([{ agents: 2 }]);
    expect(f.urls).to.deep.equal(['http://127.0.0.1:5999']);
    driver.stop();
    await driver.join();
    events.push('joined');
    expect(events).to.deep.equal(['started', 'cluster stopped', 'joined']);
  });

  it('stops the cluster when the driver aborts, before join() settles', async () => {
    const events: string[] = [];
    fakeLauncher(events);
    const f = fakes(async () => undefined, true);
    const driver = new MesosSchedulerDriver({}, FRAMEWORK, 'local', true, undefined, f.options);
    driver.start();
    while (f.feeds.length < 1) await tick();
    driver.abort();
    expect(await driver.join()).to.equal(Status.DRIVER_ABORTED);
    events.push('joined');
    expect(events).to.deep.equal(['started', 'cluster stopped', 'joined']);
  });

  it('a bad MESOS_* value: error() names the variable, abortReason.cause is a MesosConfigError, nothing started', async () => {
    const events: string[] = [];
    fakeLauncher(events);
    process.env.MESOS_NUM_SLAVES = '-1';
    const messages: string[] = [];
    const driver = new MesosSchedulerDriver({ error: (_d, m) => void messages.push(m) }, FRAMEWORK, 'local');
    expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
    expect(messages).to.have.length(1);
    expect(messages[0]).to.match(/MESOS_NUM_SLAVES must be a whole number/);
    expect(driver.abortReason?.cause).to.be.instanceOf(MesosConfigError);
    expect(events).to.deep.equal([]);
  });

  it('a cluster that fails to start is fatal (not retried): error() sees why', async () => {
    const events: string[] = [];
    fakeLauncher(events, new MesosConfigError('MESOS_RESOURCES is malformed: bad'));
    const f = fakes(async () => undefined, true);
    const messages: string[] = [];
    const driver = new MesosSchedulerDriver(
      { error: (_d, m) => void messages.push(m) },
      FRAMEWORK,
      'local',
      true,
      undefined,
      f.options,
    );
    expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
    expect(messages).to.deep.equal(['Failed to start the local cluster: MESOS_RESOURCES is malformed: bad']);
    expect(driver.abortReason?.cause).to.be.instanceOf(MesosLocalClusterError);
    expect(events).to.deep.equal(['started']);
  });

  it('without the public entry (no launcher registered), "local" fails with a message saying so', async () => {
    setEmbeddedClusterLauncher(undefined);
    const messages: string[] = [];
    const driver = new MesosSchedulerDriver({ error: (_d, m) => void messages.push(m) }, FRAMEWORK, 'local');
    expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
    expect(messages[0]).to.match(/The master 'local' needs LocalCluster/);
  });
});

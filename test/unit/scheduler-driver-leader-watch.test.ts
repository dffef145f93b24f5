/**
 * The subscribed driver's leader watch after a 307: a detector that later reports the master the
 * driver was redirected to must not cause another SUBSCRIBE; a real change still does.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import type { FrameworkInfo, scheduler } from '../../lib/codec/messages';
import { MesosDecodeError, MesosRedirectError } from '../../lib/common/errors';
import { createLogger } from '../../lib/common/logger';
import { watchForLeaderChange } from '../../lib/driver/leader-watch';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type { DetectedMaster, LeaderDetector, SchedulerTransport } from '../../lib/driver/scheduler-options';

/** A detector whose leader the test sets; detect() follows the MasterDetector contract (by url). */
class ScriptedDetector implements LeaderDetector {
  leader: DetectedMaster | null = { url: 'http://m1:5050' };
  failNext = 0;
  private wake: Array<() => void> = [];
  async detect(previous: DetectedMaster | null, options?: { signal?: AbortSignal }): Promise<DetectedMaster | null> {
    for (;;) {
      if (this.failNext > 0) {
        this.failNext--;
        throw new MesosDecodeError('malformed znode');
      }
      if ((this.leader?.url ?? null) !== (previous?.url ?? null)) return this.leader;
      await new Promise<void>((resolve, reject) => {
        this.wake.push(resolve);
        options?.signal?.addEventListener('abort', () => reject(options.signal?.reason), { once: true });
      });
    }
  }
  set(leader: DetectedMaster | null): void {
    this.leader = leader;
    const waiting = this.wake;
    this.wake = [];
    for (const w of waiting) w();
  }
  async close(): Promise<void> {}
}

const FRAMEWORK: FrameworkInfo = { user: 'u', name: 'watch', hostname: 'h' };
const SUBSCRIBED: scheduler.Event = {
  type: 'SUBSCRIBED',
  subscribed: { framework_id: { value: 'fw' }, heartbeat_interval_seconds: 15 },
};

/** Masters by url: m1 redirects to m2; every other master subscribes and keeps the stream open. */
function redirectingTransports(subscribes: string[]): (url: string) => SchedulerTransport {
  return (url) => ({
    async subscribe(_call, options) {
      subscribes.push(url);
      if (url === 'http://m1:5050') throw new MesosRedirectError('//m2:5050/api/v1/scheduler', 'http://m2:5050');
      let sent = false;
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => {
        stop = resolve;
      });
      options.signal.addEventListener('abort', () => stop(), { once: true });
      const events: AsyncIterable<scheduler.Event> = {
        async *[Symbol.asyncIterator]() {
          if (!sent) {
            sent = true;
            yield SUBSCRIBED;
          }
          await stopped;
        },
      };
      return { streamId: `s-${url}`, events, close: () => stop() };
    },
    call: async () => undefined,
    close: () => undefined,
  });
}

async function settle(clock: sinon.SinonFakeTimers, ms = 0): Promise<void> {
  await clock.tickAsync(ms);
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('scheduler driver leader watch after a redirect (unit, fake timers)', () => {
  afterEach(() => sinon.restore());

  it('does not re-subscribe when the detector catches up with the redirect target, and still follows a real change', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    sinon.stub(Math, 'random').returns(0);
    const detector = new ScriptedDetector();
    const subscribes: string[] = [];
    const driver = new MesosSchedulerDriver({}, FRAMEWORK, 'zk://z/mesos', true, undefined, {
      detector,
      backoff: { initialMs: 100, maxMs: 100, jitter: 0 },
      reconnectDelayMaxMs: 100,
      transportFactory: redirectingTransports(subscribes),
    });
    let connected = 0;
    driver.on('subscribed', () => connected++);
    driver.start();
    await settle(clock, 200);
    expect(subscribes).to.deep.equal(['http://m1:5050', 'http://m2:5050']);
    expect(connected).to.equal(1);

    // ZooKeeper now reports the leader the 307 already led to: nothing to do.
    detector.set({ url: 'http://m2:5050' });
    await settle(clock, 1000);
    expect(subscribes).to.deep.equal(['http://m1:5050', 'http://m2:5050']);
    expect(connected).to.equal(1);

    // A real change afterwards is still seen (the watch continued from m2).
    detector.set({ url: 'http://m3:5050' });
    await settle(clock, 200);
    expect(subscribes).to.deep.equal(['http://m1:5050', 'http://m2:5050', 'http://m3:5050']);
    expect(connected).to.equal(2);
    driver.abort();
    await settle(clock, 100);
  });

  it('watchForLeaderChange resumes after a detector failure and skips the subscribed master', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const detector = new ScriptedDetector();
    detector.failNext = 1;
    const watch = new AbortController();
    let result: DetectedMaster | null | undefined;
    void watchForLeaderChange(
      detector,
      { url: 'http://m1:5050' },
      'http://m2:5050',
      watch.signal,
      createLogger('test'),
    ).then((next) => {
      result = next;
    });
    await settle(clock, 1000);
    detector.set({ url: 'http://m2:5050' });
    await settle(clock);
    expect(result).to.equal(undefined);
    detector.set(null);
    await settle(clock);
    expect(result).to.equal(null);
    watch.abort();
  });
});

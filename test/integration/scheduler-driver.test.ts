import { createServer } from 'node:http';
import { expect } from 'chai';
import type { FrameworkInfo, Offer, TaskStatus } from '../../lib/codec/messages';
import { encodeRecord } from '../../lib/codec/recordio';
import type { MesosProtocolError } from '../../lib/common/errors';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type { SchedulerDriverOptions } from '../../lib/driver/scheduler-options';
import type { Scheduler } from '../../lib/driver/scheduler-types';
import { Status } from '../../lib/driver/status';
import { FakeMaster } from './helpers/fake-master';

const FRAMEWORK: FrameworkInfo = { user: '', name: 'it-framework', failover_timeout: 60 };
const UUID = Buffer.alloc(16, 9);
const OFFER: Offer = { id: { value: 'o1' }, framework_id: { value: 'fw-1' }, agent_id: { value: 'a1' }, hostname: 'h' };

const masters: FakeMaster[] = [];
const drivers: MesosSchedulerDriver[] = [];

async function startMaster(): Promise<FakeMaster> {
  const master = await FakeMaster.start();
  masters.push(master);
  return master;
}

function recorder(extra: Scheduler = {}): { scheduler: Scheduler; log: string[]; statuses: TaskStatus[] } {
  const log: string[] = [];
  const statuses: TaskStatus[] = [];
  const scheduler: Scheduler = {
    registered: (_d, id, info) => void log.push(`registered ${id.value} ${info.id}`),
    reregistered: () => void log.push('reregistered'),
    disconnected: () => void log.push('disconnected'),
    resourceOffers: (_d, offers) => void log.push(`offers ${offers.map((o) => o.id.value)}`),
    statusUpdate: (_d, s) => {
      statuses.push(s);
      log.push(`update ${s.task_id.value} ${s.state}`);
    },
    frameworkMessage: (_d, e, a, data) => void log.push(`message ${e.value} ${a.value} ${data.toString()}`),
    error: (_d, m) => void log.push(`error ${m}`),
    ...extra,
  };
  return { scheduler, log, statuses };
}

function newDriver(
  scheduler: Scheduler,
  master: string,
  options: SchedulerDriverOptions = {},
  framework: FrameworkInfo = FRAMEWORK,
  implicit = true,
): MesosSchedulerDriver {
  const driver = new MesosSchedulerDriver(scheduler, framework, master, implicit, undefined, {
    backoff: { initialMs: 30, maxMs: 60 },
    requestTimeoutMs: 2000,
    ...options,
  });
  drivers.push(driver);
  return driver;
}

async function waitFor(predicate: () => boolean, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('MesosSchedulerDriver against a loopback master', function () {
  this.timeout(10_000);

  afterEach(async () => {
    for (const d of drivers.splice(0)) {
      d.stop(true);
      await d.join();
    }
    for (const m of masters.splice(0)) await m.stop();
  });

  for (const contentType of ['json', 'protobuf'] as const) {
    it(`runs a framework end to end in ${contentType}: every call reaches the master, implicit acks, TEARDOWN`, async () => {
      const master = await startMaster();
      master.onStream = (stream) => stream.send({ type: 'OFFERS', offers: { offers: [OFFER] } });
      const { scheduler, log } = recorder({
        resourceOffers(driver, offers) {
          log.push(`offers ${offers.map((o) => o.id.value)}`);
          driver.launchTasks(offers[0]!.id, [{ name: 't', task_id: { value: 't1' }, agent_id: { value: 'a1' } }], {
            refuse_seconds: 1,
          });
        },
      });
      const driver = newDriver(scheduler, master.address, { contentType });
      const run = driver.run();
      await master.until(() => master.calls.some((c) => c.type === 'ACCEPT'));
      const stream = master.stream();
      stream.send({
        type: 'UPDATE',
        update: { status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', agent_id: { value: 'a1' }, uuid: UUID } },
      });
      stream.send({
        type: 'UPDATE',
        update: { status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', reason: 'REASON_RECONCILIATION' } },
      });
      stream.send({
        type: 'MESSAGE',
        message: { executor_id: { value: 'e1' }, agent_id: { value: 'a1' }, data: Buffer.from('ping') },
      });
      await waitFor(() => log.includes('message e1 a1 ping'));
      await master.until(() => master.calls.some((c) => c.type === 'ACKNOWLEDGE'));

      const task = { task_id: { value: 't1' }, state: 'TASK_RUNNING' as const, agent_id: { value: 'a1' } };
      driver.declineOffer({ value: 'o2' });
      driver.killTask({ value: 't1' });
      driver.reviveOffers();
      driver.suppressOffers();
      driver.reconcileTasks([task]);
      driver.sendFrameworkMessage({ value: 'e1' }, { value: 'a1' }, 'pong');
      driver.requestResources([{ agent_id: { value: 'a1' } }]);
      driver.acceptOffers([{ value: 'o3' }], [], { refuse_seconds: 2 });
      driver.acceptInverseOffers([{ value: 'i1' }]);
      driver.declineInverseOffers([{ value: 'i2' }]);
      driver.reconcileOperations([{ operation_id: { value: 'op1' } }]);
      driver.updateFramework({ ...FRAMEWORK, name: 'renamed' }, []);
      await master.until(() => master.calls.some((c) => c.type === 'UPDATE_FRAMEWORK'));
      expect(driver.stop()).to.equal(Status.DRIVER_STOPPED);
      expect(await run).to.equal(Status.DRIVER_STOPPED);

      expect(log.slice(0, 2)).to.deep.equal(['registered fw-1 fake-master', 'offers o1']);
      const types = master.calls.map((c) => c.type);
      expect(types).to.deep.equal([
        'ACCEPT',
        'ACKNOWLEDGE',
        'DECLINE',
        'KILL',
        'REVIVE',
        'SUPPRESS',
        'RECONCILE',
        'MESSAGE',
        'REQUEST',
        'ACCEPT',
        'ACCEPT_INVERSE_OFFERS',
        'DECLINE_INVERSE_OFFERS',
        'RECONCILE_OPERATIONS',
        'UPDATE_FRAMEWORK',
        'TEARDOWN',
      ]);
      const accept = master.calls[0]!.accept!;
      expect(accept.offer_ids).to.deep.equal([{ value: 'o1' }]);
      expect(accept.operations![0]!.launch!.task_infos![0]!.task_id.value).to.equal('t1');
      expect(Buffer.from(master.calls[1]!.acknowledge!.uuid).equals(UUID)).to.equal(true);
      expect(Buffer.from(master.calls[7]!.message!.data).toString()).to.equal('pong');
      expect(master.calls.every((c) => c.framework_id?.value === 'fw-1')).to.equal(true);
      // Empty user and hostname were filled from the OS.
      const info = master.subscribes[0]!.subscribe!.framework_info;
      expect(info.user).to.be.a('string').and.not.equal('');
      expect(info.hostname).to.be.a('string').and.not.equal('');
      expect(master.removed.has('fw-1')).to.equal(true);
    });
  }

  it('explicit acknowledgements: nothing is acked until acknowledgeStatusUpdate', async () => {
    const master = await startMaster();
    const { scheduler, statuses } = recorder();
    const driver = newDriver(scheduler, master.address, {}, FRAMEWORK, false);
    driver.start();
    await master.until(() => master.streams.size === 1);
    master.stream().send({
      type: 'UPDATE',
      update: { status: { task_id: { value: 't1' }, state: 'TASK_FINISHED', agent_id: { value: 'a1' }, uuid: UUID } },
    });
    await waitFor(() => statuses.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(master.calls).to.have.length(0);
    driver.acknowledgeStatusUpdate(statuses[0]!);
    await master.until(() => master.calls.length === 1);
    expect(master.calls[0]!.acknowledge!.task_id.value).to.equal('t1');
  });

  it('survives a stream cut in the middle of a record: disconnected, then reregistered', async () => {
    const master = await startMaster();
    const { scheduler, log } = recorder();
    const driver = newDriver(scheduler, master.address, { contentType: 'json' });
    driver.start();
    await waitFor(() => log.length === 1);
    const stream = master.stream();
    stream.sendRaw('120\n{"type":"OFF');
    await new Promise((r) => setTimeout(r, 20));
    stream.cut();
    await waitFor(() => log.includes('reregistered'));
    expect(log).to.deep.equal(['registered fw-1 fake-master', 'disconnected', 'reregistered']);
    const resubscribe = master.subscribes[1]!;
    expect(resubscribe.framework_id).to.deep.equal({ value: 'fw-1' });
    expect(resubscribe.subscribe!.framework_info.id).to.deep.equal({ value: 'fw-1' });
  });

  it('re-subscribes when heartbeats stop', async () => {
    const master = await startMaster();
    master.heartbeatSeconds = 0.1;
    const { scheduler, log } = recorder();
    const driver = newDriver(scheduler, master.address, { heartbeat: { missedIntervals: 2 } });
    const causes: string[] = [];
    driver.on('disconnected', ({ cause }) => causes.push(cause.message));
    driver.start();
    await waitFor(() => log.length === 1);
    master.stream().stopHeartbeats();
    await waitFor(() => log.includes('reregistered'));
    expect(causes[0]).to.match(/missed heartbeats/);
  });

  it('follows a 307 to another master, and retries a 503 until a leader answers', async () => {
    const leader = await startMaster();
    const follower = await startMaster();
    let n = 0;
    follower.onSubscribe = () =>
      n++ === 0
        ? { status: 503, body: 'No leader elected' }
        : { status: 307, location: `//${leader.address}/api/v1/scheduler` };
    const { scheduler, log } = recorder();
    const driver = newDriver(scheduler, follower.address);
    const failures: number[] = [];
    driver.on('subscribeFailed', ({ error }) => failures.push((error as MesosProtocolError).status));
    driver.start();
    await waitFor(() => log.length === 1);
    expect(failures).to.deep.equal([503, 307]);
    expect(leader.subscribes).to.have.length(1);
    expect(log).to.deep.equal(['registered fw-1 fake-master']);
  });

  it('a second driver with the same framework id fails the first over ("Framework failed over")', async () => {
    const master = await startMaster();
    const first = recorder();
    const one = newDriver(first.scheduler, master.address);
    const run = one.run();
    await waitFor(() => first.log.length === 1);
    const second = recorder();
    const two = newDriver(second.scheduler, master.address, {}, { ...FRAMEWORK, id: { value: 'fw-1' } });
    two.start();
    expect(await run).to.equal(Status.DRIVER_ABORTED);
    await waitFor(() => first.log.includes('error Framework failed over'));
    // The new instance gets registered (not reregistered), as libmesos does for a failover.
    await waitFor(() => second.log.length === 1);
    expect(second.log).to.deep.equal(['registered fw-1 fake-master']);
    // stop() of the aborted first driver must not tear down the framework now owned by the second.
    one.stop();
    await one.join();
    expect(master.removed.size).to.equal(0);
  });

  it('"Framework has been removed" aborts with error() and is told apart', async () => {
    const master = await startMaster();
    master.removed.add('fw-9');
    const { scheduler, log } = recorder();
    const driver = newDriver(scheduler, master.address, {}, { ...FRAMEWORK, id: { value: 'fw-9' } });
    let removed = false;
    driver.on('frameworkRemoved', () => {
      removed = true;
    });
    expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
    await waitFor(() => log.length === 1);
    expect(log).to.deep.equal(['error Framework has been removed']);
    expect(removed).to.equal(true);
  });

  it('a 400 on a call is reported and the driver keeps running', async () => {
    const master = await startMaster();
    master.onCall = (call) =>
      call.type === 'KILL' ? { status: 400, body: 'Failed to validate scheduler::Call: bad kill' } : undefined;
    const { scheduler, log } = recorder();
    const driver = newDriver(scheduler, master.address);
    const failed: string[] = [];
    driver.on('callFailed', ({ type, error }) =>
      failed.push(`${type} ${(error as MesosProtocolError).status} ${(error as MesosProtocolError).body}`),
    );
    driver.start();
    await waitFor(() => log.length === 1);
    driver.killTask({ value: 'nope' });
    await waitFor(() => failed.length === 1);
    expect(failed[0]).to.match(/^KILL 400 Failed to validate/);
    driver.reviveOffers();
    await master.until(() => master.calls.some((c) => c.type === 'REVIVE'));
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
  });

  it('a throwing callback aborts; run() settles DRIVER_ABORTED and stop() right after still tears down', async () => {
    const master = await startMaster();
    master.onStream = (stream) => stream.send({ type: 'OFFERS', offers: { offers: [OFFER] } });
    const driver = newDriver(
      {
        resourceOffers() {
          throw new Error('framework bug');
        },
      },
      master.address,
    );
    expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
    expect(driver.abortReason?.message).to.match(/framework bug/);
    expect(driver.stop()).to.equal(Status.DRIVER_ABORTED);
    await driver.join();
    await master.until(() => master.removed.has('fw-1'));
  });

  it('stop(true) closes without TEARDOWN; abort() before subscribing; methods return the status in every state', async () => {
    const master = await startMaster();
    const { scheduler, log } = recorder();
    const driver = newDriver(scheduler, master.address);
    expect(driver.launchTasks({ value: 'o' }, [])).to.equal(Status.DRIVER_NOT_STARTED);
    driver.start();
    await waitFor(() => log.length === 1);
    expect(driver.stop(true)).to.equal(Status.DRIVER_STOPPED);
    expect(await driver.join()).to.equal(Status.DRIVER_STOPPED);
    expect(master.calls).to.have.length(0);
    await master.until(() => master.stream().closed);

    const unreachable = newDriver({}, '127.0.0.1:1');
    unreachable.start();
    expect(unreachable.abort()).to.equal(Status.DRIVER_ABORTED);
    expect(await unreachable.join()).to.equal(Status.DRIVER_ABORTED);
    expect(unreachable.start()).to.equal(Status.DRIVER_ABORTED);
    expect(unreachable.stop()).to.equal(Status.DRIVER_ABORTED);
    expect(unreachable.status).to.equal(Status.DRIVER_STOPPED);
  });
});

describe('MesosSchedulerDriver backpressure on a real socket', function () {
  this.timeout(15_000);

  it('stops reading while a callback is blocked, so the master sees TCP backpressure, then delivers every event', async () => {
    const big = 'x'.repeat(16 * 1024);
    const record = (event: object) => encodeRecord(Buffer.from(JSON.stringify(event)));
    const offers = (n: number) =>
      record({
        type: 'OFFERS',
        offers: {
          offers: [
            { id: { value: `o${n}` }, framework_id: { value: 'fw-1' }, agent_id: { value: 'a1' }, hostname: big },
          ],
        },
      });
    let written = 0;
    let stalled = false;
    let finish: () => void = () => {};
    const server = createServer((req, res) => {
      req.resume();
      if (req.headers['mesos-stream-id'] !== undefined) {
        res.writeHead(202).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json', 'Mesos-Stream-Id': 's1' });
      res.write(
        record({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: 'fw-1' }, heartbeat_interval_seconds: 15 } }),
      );
      // Write until the socket refuses more, or 4,000 events (64 MB) if the client reads everything.
      const pump = () => {
        while (written < 4000) {
          written++;
          if (!res.write(offers(written))) {
            const timer = setTimeout(() => {
              stalled = true;
            }, 500);
            res.once('drain', () => {
              clearTimeout(timer);
              pump();
            });
            return;
          }
        }
        finish = () => res.end();
      };
      req.on('end', pump);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let delivered = 0;
    const driver = newDriver(
      {
        resourceOffers: async () => {
          delivered++;
          if (delivered === 1) await gate;
        },
      },
      `127.0.0.1:${port}`,
      { maxPendingEvents: 16, heartbeat: { enabled: false } },
    );
    try {
      driver.start();
      await waitFor(() => stalled, 8000);
      // The driver holds about maxPendingEvents undelivered events; the rest stays in TCP buffers.
      expect(delivered).to.equal(1);
      const writtenWhileBlocked = written;
      expect(writtenWhileBlocked).to.be.lessThan(4000);
      release();
      await waitFor(() => written === 4000 && delivered === 4000, 10_000);
      finish();
    } finally {
      driver.stop(true);
      await driver.join();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

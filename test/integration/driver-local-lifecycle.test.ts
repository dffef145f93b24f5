/**
 * MesosSchedulerDriver's lifecycle against LocalCluster (stop with and without failover, abort,
 * run/join, stop from a callback, calls while disconnected) and multi-master clusters without
 * ZooKeeper (comma lists, a standby's 307, failover).
 */
import { expect } from 'chai';
import type { MasterInfo, Offer } from '../../lib/codec/messages';
import { MesosRedirectError } from '../../lib/common/errors';
import { Status } from '../../lib/driver/status';
import {
  CallRecorder,
  commandTask,
  launchOnce,
  masterState,
  RecordingScheduler,
  sleep,
  useDriverCluster,
  waitFor,
} from './helpers/driver-harness';

describe('MesosSchedulerDriver on LocalCluster: lifecycle', function () {
  this.timeout(15_000);
  const { pool, startCluster } = useDriverCluster();

  it('stop(false) sends TEARDOWN: the framework leaves /master/state, its tasks are killed, run() resolves DRIVER_STOPPED', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 60_000 });
    const scheduler = launchOnce('doomed');
    const driver = pool.create(scheduler, { failover_timeout: 3600 }, cluster.masterString);
    const done = driver.run();
    await scheduler.waitForUpdate('TASK_RUNNING');
    const id = driver.frameworkId?.value as string;
    expect(cluster.agents[0]?.state()).to.have.length(1);
    expect(driver.stop()).to.equal(Status.DRIVER_STOPPED);
    expect(await done).to.equal(Status.DRIVER_STOPPED);
    const state = await masterState(cluster.masterUrl);
    expect(state.frameworks.map((f) => f.id)).to.not.include(id);
    expect(state.completed_frameworks.map((f) => f.id)).to.include(id);
    expect(cluster.agents[0]?.state()).to.deep.equal([]);
    // The driver is done: no more callbacks, no restart.
    expect(driver.start()).to.equal(Status.DRIVER_STOPPED);
    expect(await driver.run()).to.equal(Status.DRIVER_STOPPED);
  });

  it('stop(true) leaves the framework and its tasks; a second driver with the id gets registered and the reconciliation update', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 60_000 });
    const first = launchOnce('kept');
    const driver1 = pool.create(first, { failover_timeout: 3600 }, cluster.masterString);
    const done = driver1.run();
    await first.waitForUpdate('TASK_RUNNING');
    const frameworkId = driver1.frameworkId;
    expect(driver1.stop(true)).to.equal(Status.DRIVER_STOPPED);
    expect(await done).to.equal(Status.DRIVER_STOPPED);
    await waitFor(
      'the master to see the framework disconnected',
      () => cluster.leader?.core?.frameworks.get(frameworkId?.value ?? '')?.stream === undefined,
    );
    const state = await masterState(cluster.masterUrl);
    const framework = state.frameworks.find((f) => f.id === frameworkId?.value);
    expect(framework?.connected).to.equal(false);
    expect(framework?.tasks.map((t) => [t.id, t.state])).to.deep.equal([['kept', 'TASK_RUNNING']]);

    const second = new RecordingScheduler({
      registered(driver) {
        driver.reconcileTasks([]);
      },
    });
    const recorder = new CallRecorder();
    const driver2 = pool.create(second, { failover_timeout: 3600, id: frameworkId }, cluster.masterString, {
      transportFactory: recorder.factory,
    });
    driver2.start();
    await waitFor(
      'the reconciliation update',
      () => second.updates.length > 0,
      5000,
      () => second.names(),
    );
    expect(second.names()).to.deep.equal(['registered', 'statusUpdate']);
    expect(driver2.frameworkId?.value).to.equal(frameworkId?.value);
    const update = second.updates[0];
    expect(update?.task_id.value).to.equal('kept');
    expect(update?.state).to.equal('TASK_RUNNING');
    expect(update?.reason).to.equal('REASON_RECONCILIATION');
    expect(update?.uuid).to.equal(undefined);
    // Implicit acknowledgements never acknowledge an update without uuid.
    await sleep(200);
    expect(recorder.calls.map((c) => c.type)).to.deep.equal(['SUBSCRIBE', 'RECONCILE']);
  });

  it('abort() then stop() still tears the framework down; join() settles DRIVER_ABORTED', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 60_000 });
    const scheduler = launchOnce('aborted');
    const driver = pool.create(scheduler, { failover_timeout: 3600 }, cluster.masterString);
    driver.start();
    await scheduler.waitForUpdate('TASK_RUNNING');
    const id = driver.frameworkId?.value as string;
    expect(driver.abort()).to.equal(Status.DRIVER_ABORTED);
    expect(driver.stop()).to.equal(Status.DRIVER_ABORTED);
    expect(await driver.join()).to.equal(Status.DRIVER_ABORTED);
    await waitFor('the framework removed', () => cluster.leader?.core?.removedFrameworks.has(id));
    expect(cluster.agents[0]?.state()).to.deep.equal([]);
  });

  it('abort() alone keeps the framework registered (failover_timeout) with its task', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 60_000 });
    const scheduler = launchOnce('orphan');
    const driver = pool.create(scheduler, { failover_timeout: 3600 }, cluster.masterString);
    const done = driver.run();
    await scheduler.waitForUpdate('TASK_RUNNING');
    driver.abort();
    expect(await done).to.equal(Status.DRIVER_ABORTED);
    const id = driver.frameworkId?.value as string;
    // After the linger the subscription closes; the framework stays, disconnected.
    await waitFor(
      'the master to see it disconnected',
      () => cluster.leader?.core?.frameworks.get(id)?.stream === undefined,
    );
    expect(cluster.leader?.core?.removedFrameworks.has(id)).to.equal(false);
    expect(cluster.agents[0]?.state()).to.have.length(1);
  });

  it('stop() from inside the registered callback: TEARDOWN is sent, no callback after it, run() resolves DRIVER_STOPPED', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', heartbeatIntervalSeconds: 0.1 });
    const scheduler = new RecordingScheduler({
      registered(driver) {
        expect(driver.stop()).to.equal(Status.DRIVER_STOPPED);
      },
    });
    const recorder = new CallRecorder();
    const driver = pool.create(scheduler, { failover_timeout: 3600 }, cluster.masterString, {
      transportFactory: recorder.factory,
    });
    expect(await driver.run()).to.equal(Status.DRIVER_STOPPED);
    expect(recorder.ofType('TEARDOWN').map((c) => c.outcome)).to.deep.equal(['ok']);
    expect(cluster.leader?.core?.removedFrameworks.has(driver.frameworkId?.value ?? '')).to.equal(true);
    await sleep(300);
    expect(scheduler.names({ heartbeats: true, offers: true })).to.deep.equal(['registered']);
  });

  it('abort() from inside statusUpdate: run() resolves DRIVER_ABORTED and the update is not acknowledged', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 60_000 });
    const scheduler = launchOnce('unacked', {
      statusUpdate(driver) {
        expect(driver.abort()).to.equal(Status.DRIVER_ABORTED);
      },
    });
    const recorder = new CallRecorder();
    const driver = pool.create(scheduler, { failover_timeout: 3600 }, cluster.masterString, {
      transportFactory: recorder.factory,
    });
    expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
    await sleep(100);
    expect(recorder.ofType('ACKNOWLEDGE')).to.deep.equal([]);
  });

  it('a throwing callback aborts the driver: error emitted with the cause, run() resolves DRIVER_ABORTED', async () => {
    const cluster = await startCluster({ taskMode: 'simulated' });
    const scheduler = new RecordingScheduler({
      resourceOffers() {
        throw new Error('framework bug');
      },
    });
    const driver = pool.create(scheduler, {}, cluster.masterString);
    const errors: Error[] = [];
    driver.on('error', (error) => errors.push(error));
    expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
    expect(errors).to.have.length(1);
    expect(errors[0]?.message).to.include('framework bug');
    expect(driver.abortReason).to.include({ code: 'callbackFailed' });
  });

  it('launchTasks while disconnected: a synthetic TASK_LOST "Master disconnected", nothing reaches the master', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 60_000 });
    let held: Offer | undefined;
    const scheduler = new RecordingScheduler({
      resourceOffers(_driver, offers) {
        held ??= offers[0];
      },
    });
    const recorder = new CallRecorder();
    const driver = pool.create(scheduler, { failover_timeout: 60 }, cluster.masterString, {
      transportFactory: recorder.factory,
      backoff: { initialMs: 400, maxMs: 400, jitter: 0 },
    });
    driver.start();
    const offer = await waitFor('an offer', () => held);
    cluster.faults.dropSubscription();
    await scheduler.waitForCallback('disconnected');
    expect(driver.connected).to.equal(false);
    expect(driver.launchTasks(offer.id, [commandTask(offer, 'too-late', 'sleep 60')])).to.equal(Status.DRIVER_RUNNING);
    await waitFor('the synthetic update', () => scheduler.updates.length === 1);
    const update = scheduler.updates[0];
    expect(update?.state).to.equal('TASK_LOST');
    expect(update?.message).to.equal('Master disconnected');
    expect(update?.uuid).to.equal(undefined);
    await scheduler.waitForCallback('reregistered');
    expect(recorder.ofType('ACCEPT')).to.deep.equal([]);
    expect(cluster.leader?.core?.tasks.size).to.equal(0);
  });
});

describe('MesosSchedulerDriver on LocalCluster: several masters without ZooKeeper', function () {
  this.timeout(15_000);
  const { pool, startCluster } = useDriverCluster();

  it('given the comma list, registers with the leader; cluster.failover() -> disconnected, reregistered on the new leader', async () => {
    const cluster = await startCluster({ masters: 3, taskMode: 'simulated', heartbeatIntervalSeconds: 1 });
    expect(cluster.masterString.split(',')).to.have.length(3);
    const scheduler = new RecordingScheduler();
    const driver = pool.create(scheduler, { failover_timeout: 60 }, cluster.masterString, {
      detectorOptions: { pollIntervalMs: 100, probeTimeoutMs: 1000 },
    });
    driver.start();
    await scheduler.waitForCallback('registered');
    const firstLeader = cluster.leader;
    expect((scheduler.argsOf('registered')[1] as MasterInfo).id).to.equal(firstLeader?.info.id);
    const next = await cluster.failover();
    expect(next).to.not.equal(firstLeader);
    await scheduler.waitForCallback('reregistered', { timeoutMs: 8000 });
    expect(scheduler.names()).to.deep.equal(['registered', 'disconnected', 'reregistered']);
    expect((scheduler.argsOf('reregistered')[0] as MasterInfo).id).to.equal(next.info.id);
    expect(next.core?.frameworks.get(driver.frameworkId?.value ?? '')?.stream?.closed).to.equal(false);
  });

  it("given a standby's URL, follows its 307 to the leader", async () => {
    const cluster = await startCluster({ masters: 2, taskMode: 'simulated' });
    const standby = cluster.masters.find((m) => !m.isLeader);
    const leader = cluster.leader;
    const recorder = new CallRecorder();
    const scheduler = new RecordingScheduler();
    const driver = pool.create(scheduler, {}, standby?.url as string, { transportFactory: recorder.factory });
    driver.start();
    await scheduler.waitForCallback('registered');
    const subscribes = recorder.ofType('SUBSCRIBE');
    expect(subscribes.map((c) => [c.master, c.outcome])).to.deep.equal([
      [standby?.url, 'failed'],
      [leader?.url, 'ok'],
    ]);
    expect(subscribes[0]?.error).to.be.instanceOf(MesosRedirectError);
    expect(leader?.core?.frameworks.has(driver.frameworkId?.value ?? '')).to.equal(true);
  });

  it('faults.killLeader(): the driver finds the next leader through the list and reregisters', async () => {
    const cluster = await startCluster({
      masters: 3,
      taskMode: 'simulated',
      simulatedTaskMs: 60_000,
      heartbeatIntervalSeconds: 1,
    });
    const scheduler = launchOnce('lives-on');
    const driver = pool.create(scheduler, { failover_timeout: 60 }, cluster.masterString, {
      detectorOptions: { pollIntervalMs: 100, probeTimeoutMs: 1000 },
    });
    driver.start();
    await scheduler.waitForUpdate('TASK_RUNNING');
    const killed = cluster.leader;
    await cluster.faults.killLeader();
    const next = await cluster.waitForLeader((m) => m !== killed);
    await scheduler.waitForCallback('reregistered', { timeoutMs: 8000 });
    expect((scheduler.argsOf('reregistered')[0] as MasterInfo).id).to.equal(next.info.id);
    // The new leader learned the task from the agent.
    expect(next.core?.tasks.size).to.equal(1);
    driver.reconcileTasks([]);
    await waitFor('reconciliation', () => scheduler.updates.some((s) => s.reason === 'REASON_RECONCILIATION'));
  });
});

/**
 * High availability end to end: MesosSchedulerDriver given a zk:// master string, against a
 * LocalCluster of three masters electing their leader through a real ZooKeeper server. A leader
 * change while subscribed must go through the driver's one reconnect path: disconnected(),
 * SUBSCRIBE to the new leader, reregistered(); tasks keep running and their updates keep coming.
 */
import { expect } from 'chai';
import type { MasterInfo, Offer } from '../../lib/codec/messages';
import { createDetector, type MasterDetector } from '../../lib/detector/detector';
import type { RawZkClient } from '../../lib/detector/zookeeper';
import { Status } from '../../lib/driver/status';
import { LocalCluster } from '../../lib/local/cluster';
import { commandTask, DriverPool, RecordingScheduler, sleep, waitFor } from './helpers/driver-harness';
import { startZooKeeper, type ZooKeeperServer } from './helpers/zookeeper';

const ZK_SESSION_MS = 2000;

/** A scheduler that launches one long simulated task on its first offer. */
function launchingScheduler(taskId: string): RecordingScheduler {
  let launched = false;
  return new RecordingScheduler({
    resourceOffers(driver, offers) {
      const offer = offers[0] as Offer;
      if (launched) return;
      launched = true;
      driver.launchTasks(offer.id, [commandTask(offer, taskId, 'sleep 60')]);
    },
  });
}

function masterInfoOf(scheduler: RecordingScheduler, name: 'registered' | 'reregistered', index = 0): MasterInfo {
  const entry = scheduler.entries.filter((e) => e.name === name)[index];
  return (name === 'registered' ? entry?.args[1] : entry?.args[0]) as MasterInfo;
}

describe('MesosSchedulerDriver HA through a real ZooKeeper (LocalCluster, 3 masters)', function () {
  this.timeout(20_000);
  let zk: ZooKeeperServer;
  let cluster: LocalCluster | undefined;
  let group = 0;
  const pool = new DriverPool();
  const detectors: MasterDetector[] = [];

  before(async function () {
    this.timeout(40_000);
    // Fails (never skips) when ZooKeeper cannot start.
    zk = await startZooKeeper();
  });

  after(async () => {
    await zk?.destroy();
  });

  afterEach(async () => {
    await pool.stopAll();
    await Promise.all(detectors.splice(0).map((d) => d.close()));
    await cluster?.stop();
    cluster = undefined;
  });

  async function startCluster(extra: Parameters<typeof LocalCluster.start>[0] = {}): Promise<LocalCluster> {
    cluster = await LocalCluster.start({
      masters: 3,
      zk: `zk://${zk.connectString}/mesos-e2e-${group++}`,
      heartbeatIntervalSeconds: 1,
      taskMode: 'simulated',
      simulatedTaskMs: 60_000,
      ...extra,
    });
    return cluster;
  }

  const driverOptions = { detectorOptions: { zkSessionTimeoutMs: ZK_SESSION_MS } };

  it('given the zk:// string, registers with the elected leader (its MasterInfo from SUBSCRIBED)', async () => {
    const c = await startCluster();
    expect(c.masterString.startsWith('zk://')).to.equal(true);
    const scheduler = new RecordingScheduler();
    const driver = pool.create(scheduler, { failover_timeout: 60 }, c.masterString, driverOptions);
    driver.start();
    await waitFor('registered', () => scheduler.count('registered') === 1, 8000);
    expect(masterInfoOf(scheduler, 'registered').id).to.equal(c.leader?.info.id);
    expect(c.leader?.core?.frameworks.has(driver.frameworkId?.value ?? '')).to.equal(true);
  });

  it('killLeader(): disconnected, SUBSCRIBE to the new leader, reregistered; the task keeps running and its updates arrive', async () => {
    const c = await startCluster();
    const scheduler = launchingScheduler('ha-task');
    const driver = pool.create(scheduler, { failover_timeout: 60 }, c.masterString, driverOptions);
    const subscribedTo: string[] = [];
    driver.on('subscribed', (info) => subscribedTo.push(info.master));
    driver.start();
    await waitFor('TASK_RUNNING', () => scheduler.updates.some((s) => s.state === 'TASK_RUNNING'), 8000);
    const killed = c.leader;
    const killedAt = Date.now();
    await c.faults.killLeader();
    const next = await c.waitForLeader((m) => m !== killed);
    await waitFor(
      'reregistered',
      () => scheduler.count('reregistered') === 1,
      8000,
      () => scheduler.names(),
    );
    const names = scheduler.names();
    expect(names.slice(names.indexOf('registered'))).to.include.ordered.members([
      'registered',
      'statusUpdate',
      'disconnected',
      'reregistered',
    ]);
    expect(masterInfoOf(scheduler, 'reregistered').id).to.equal(next.info.id);
    expect(subscribedTo).to.deep.equal([killed?.url, next.url]);
    expect(Date.now() - killedAt).to.be.below(5000);
    // The new leader learned the task from the agent; the agent still runs it.
    expect(
      next.core?.tasks.get(`${driver.frameworkId?.value}\u0000ha-task`)?.state ??
        [...(next.core?.tasks.values() ?? [])][0]?.state,
    ).to.equal('TASK_RUNNING');
    expect(c.agents[0]?.state().map((t) => t.state)).to.deep.equal(['TASK_RUNNING']);
    // Updates flow through the new leader: kill the task, see TASK_KILLED.
    driver.killTask({ value: 'ha-task' });
    await waitFor(
      'TASK_KILLED',
      () => scheduler.updates.some((s) => s.state === 'TASK_KILLED'),
      5000,
      () => scheduler.names(),
    );
  });

  it('several leader changes in a row: one disconnected/reregistered pair per change, each on the new leader', async () => {
    const c = await startCluster();
    const scheduler = launchingScheduler('steady');
    const driver = pool.create(scheduler, { failover_timeout: 60 }, c.masterString, driverOptions);
    driver.start();
    await waitFor('TASK_RUNNING', () => scheduler.updates.some((s) => s.state === 'TASK_RUNNING'), 8000);
    const leaders: string[] = [c.leader?.info.id as string];
    for (let change = 1; change <= 3; change++) {
      const next =
        change === 3
          ? await c.faults.killLeader().then(() => c.waitForLeader((m) => m.info.id !== leaders.at(-1)))
          : await c.failover();
      leaders.push(next.info.id);
      await waitFor(
        `reregistered #${change}`,
        () => scheduler.count('reregistered') === change,
        8000,
        () => scheduler.names(),
      );
      expect(masterInfoOf(scheduler, 'reregistered', change - 1).id).to.equal(next.info.id);
    }
    expect(new Set(leaders).size).to.be.at.least(3);
    const lifecycle = scheduler.names().filter((n) => n !== 'statusUpdate');
    expect(lifecycle).to.deep.equal([
      'registered',
      'disconnected',
      'reregistered',
      'disconnected',
      'reregistered',
      'disconnected',
      'reregistered',
    ]);
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
    // Still the same task, still running, reported by the current leader.
    scheduler.entries.length = 0;
    driver.reconcileTasks([]);
    await waitFor('reconciliation', () => scheduler.updates.length > 0, 5000);
    expect(scheduler.updates.map((s) => [s.task_id.value, s.state])).to.deep.equal([['steady', 'TASK_RUNNING']]);
  });

  it("ZooKeeper session expiry of the driver's detector does not kill the driver: it ends subscribed to the leader", async () => {
    const c = await startCluster();
    const detector = createDetector(c.masterString, { zkSessionTimeoutMs: ZK_SESSION_MS });
    detectors.push(detector);
    const scheduler = new RecordingScheduler();
    const driver = pool.create(scheduler, { failover_timeout: 60 }, c.masterString, { detector });
    driver.start();
    await waitFor('registered', () => scheduler.count('registered') === 1, 8000);
    const client = (detector as unknown as { client: RawZkClient }).client;
    await zk.expireSession(client.getSessionId(), client.getSessionPassword());
    // libmesos: "no leader" while the session is re-established counts as a disconnection.
    await waitFor(
      'a new ZooKeeper session',
      () => (detector as unknown as { client: RawZkClient }).client !== client,
      8000,
    );
    await waitFor(
      'subscribed again',
      () => driver.connected && scheduler.count('disconnected') === scheduler.count('reregistered'),
      8000,
      () => scheduler.names(),
    );
    await sleep(500);
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
    expect(driver.connected).to.equal(true);
    const names = scheduler.names();
    expect(names[0]).to.equal('registered');
    for (let i = 1; i < names.length; i += 2)
      expect(names.slice(i, i + 2)).to.deep.equal(['disconnected', 'reregistered']);
    expect(c.leader?.core?.frameworks.get(driver.frameworkId?.value ?? '')?.stream?.closed).to.equal(false);
  });

  it('a ZooKeeper restart while subscribed does not kill the driver; a leader change after it is still followed', async function () {
    this.timeout(35_000);
    const c = await startCluster();
    const scheduler = launchingScheduler('through-restart');
    const driver = pool.create(scheduler, { failover_timeout: 60 }, c.masterString, driverOptions);
    driver.start();
    await waitFor('TASK_RUNNING', () => scheduler.updates.some((s) => s.state === 'TASK_RUNNING'), 8000);
    await zk.stop();
    await sleep(300);
    await zk.restart();
    await waitFor('a leader again', () => c.leader, 8000);
    await waitFor(
      'subscribed',
      () => driver.connected,
      8000,
      () => scheduler.names(),
    );
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
    // The masters' ZooKeeper clients may still be reconnecting: the killed leader's znode must go
    // once its client is back, not linger until its 10 s session expires.
    const before = scheduler.count('reregistered');
    const killed = c.leader;
    await c.faults.killLeader();
    const next = await c.waitForLeader((m) => m !== killed, 15_000);
    await waitFor(
      'reregistered on the new leader',
      () => scheduler.count('reregistered') > before && driver.connected,
      10_000,
      () => scheduler.names(),
    );
    expect(masterInfoOf(scheduler, 'reregistered', scheduler.count('reregistered') - 1).id).to.equal(next.info.id);
    expect(c.agents[0]?.state().map((t) => t.state)).to.deep.equal(['TASK_RUNNING']);
  });
});

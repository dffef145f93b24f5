/**
 * Every libmesos Scheduler callback path of MesosSchedulerDriver, end to end against LocalCluster
 * over real loopback HTTP (simulated tasks unless a real process is the point).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { AgentID, ExecutorID, MasterInfo, Offer, OperationStatus, TaskStatus } from '../../lib/codec/messages';
import { Status } from '../../lib/driver/status';
import {
  CallRecorder,
  commandTask,
  launchOnce,
  masterState,
  RecordingScheduler,
  sleep,
  smallTaskResources,
  useDriverCluster,
  uuidHex,
  waitFor,
} from './helpers/driver-harness';

const REPO = join(__dirname, '..', '..');
const TSX_LOADER = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const FIXTURE_EXECUTOR = join(__dirname, 'helpers', 'executor-fixture.ts');

describe('MesosSchedulerDriver on LocalCluster: every Scheduler callback', function () {
  this.timeout(15_000);
  const { pool, startCluster } = useDriverCluster();

  it('registered (with the SUBSCRIBED master_info), resourceOffers, heartbeat; the framework is active in /master/state', async () => {
    const cluster = await startCluster({ heartbeatIntervalSeconds: 0.2, taskMode: 'simulated' });
    const scheduler = new RecordingScheduler();
    const driver = pool.create(scheduler, { name: 'callbacks' }, cluster.masterString);
    expect(driver.start()).to.equal(Status.DRIVER_RUNNING);
    await waitFor(
      'two heartbeats and an offer',
      () => scheduler.count('heartbeat') >= 2 && scheduler.offers.length > 0,
    );
    expect(scheduler.names()[0]).to.equal('registered');
    const [frameworkId, masterInfo] = scheduler.argsOf('registered') as [{ value: string }, MasterInfo];
    expect(frameworkId.value).to.equal(driver.frameworkId?.value);
    expect(masterInfo.id).to.equal(cluster.leader?.info.id);
    expect(masterInfo.port).to.equal(cluster.leader?.info.port);
    expect(scheduler.offers[0]?.framework_id.value).to.equal(frameworkId.value);
    const state = await masterState(cluster.masterUrl);
    const framework = state.frameworks.find((f) => f.id === frameworkId.value);
    expect(framework?.active).to.equal(true);
  });

  it('reregistered after faults.dropSubscription(): disconnected then reregistered, same framework id', async () => {
    const cluster = await startCluster({ heartbeatIntervalSeconds: 1, taskMode: 'simulated' });
    const scheduler = new RecordingScheduler();
    const driver = pool.create(scheduler, { failover_timeout: 60 }, cluster.masterString);
    driver.start();
    await scheduler.waitForCallback('registered');
    const id = driver.frameworkId?.value;
    expect(cluster.faults.dropSubscription()).to.equal(1);
    await scheduler.waitForCallback('reregistered');
    expect(scheduler.names()).to.deep.equal(['registered', 'disconnected', 'reregistered']);
    expect(driver.frameworkId?.value).to.equal(id);
    expect(cluster.leader?.core?.frameworks.size).to.equal(1);
  });

  it('reregistered after cluster.failover() with one master: the new master identity is in masterInfo', async () => {
    const cluster = await startCluster({ heartbeatIntervalSeconds: 1, taskMode: 'simulated' });
    const scheduler = new RecordingScheduler();
    const driver = pool.create(scheduler, { failover_timeout: 60 }, cluster.masterString);
    driver.start();
    await scheduler.waitForCallback('registered');
    const oldId = cluster.leader?.info.id;
    const leader = await cluster.failover();
    expect(leader.info.id).to.not.equal(oldId);
    await scheduler.waitForCallback('reregistered');
    expect(scheduler.names()).to.deep.equal(['registered', 'disconnected', 'reregistered']);
    expect((scheduler.argsOf('reregistered')[0] as MasterInfo).id).to.equal(leader.info.id);
    expect(leader.core?.frameworks.get(driver.frameworkId?.value ?? '')?.stream?.closed).to.equal(false);
  });

  it('statusUpdate with implicit acknowledgements: each update once, the agent stops re-sending and forgets the finished task', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 100, statusUpdateRetryMs: 250 });
    const scheduler = launchOnce((offer) => commandTask(offer, 'implicit', 'true'));
    pool.create(scheduler, {}, cluster.masterString).start();
    await scheduler.waitForUpdate('TASK_FINISHED');
    const agent = cluster.agents[0];
    await waitFor('the agent to forget the acknowledged task', () => agent?.state().length === 0);
    const seen = scheduler.updates.length;
    // Several retry intervals: nothing more is re-sent once acknowledged.
    await sleep(700);
    expect(scheduler.updates.length).to.equal(seen);
    // At-least-once: a re-send may cross a slow ACK, but there are only the two updates, in order.
    expect([...new Set(scheduler.updates.map((s) => s.state))]).to.deep.equal(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(new Set(scheduler.updates.map(uuidHex)).size).to.equal(2);
    expect(scheduler.updates.length).to.be.at.most(3);
  });

  it('statusUpdate with explicit acknowledgements: without acknowledgeStatusUpdate the agent re-sends; once acked the next update comes', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 50, statusUpdateRetryMs: 100 });
    const scheduler = launchOnce((offer) => commandTask(offer, 'explicit', 'true'));
    const driver = pool.create(scheduler, {}, cluster.masterString, { implicitAcknowledgements: false });
    driver.start();
    // TASK_RUNNING is re-sent (100, 200, 400 ms backoff) while unacknowledged; TASK_FINISHED waits behind it.
    await waitFor(
      'TASK_RUNNING re-sent twice',
      () => scheduler.updates.length >= 3,
      5000,
      () => scheduler.updates.map((s) => s.state),
    );
    const running = scheduler.updates[0] as TaskStatus;
    expect(running.state).to.equal('TASK_RUNNING');
    expect(scheduler.updates.every((s) => s.state === 'TASK_RUNNING' && uuidHex(s) === uuidHex(running))).to.equal(
      true,
    );
    expect(() => driver.reconcileTasks([])).to.not.throw();
    expect(driver.acknowledgeStatusUpdate(running)).to.equal(Status.DRIVER_RUNNING);
    const finished = await scheduler.waitForUpdate('TASK_FINISHED');
    expect(cluster.agents[0]?.state()).to.have.length(1); // Terminal but unacknowledged: still known.
    driver.acknowledgeStatusUpdate(finished);
    await waitFor('the agent to forget the acknowledged task', () => cluster.agents[0]?.state().length === 0);
  });

  it('offerRescinded when the master times an offer out (offerTimeoutSeconds)', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', offerTimeoutSeconds: 0.3 });
    const scheduler = new RecordingScheduler();
    pool.create(scheduler, {}, cluster.masterString).start();
    await waitFor('offerRescinded', () => scheduler.count('offerRescinded') > 0);
    const rescinded = scheduler.argsOf('offerRescinded')[0] as { value: string };
    expect(scheduler.offers.map((o) => o.id.value)).to.include(rescinded.value);
    expect(scheduler.names().indexOf('offerRescinded')).to.be.greaterThan(scheduler.names().indexOf('registered'));
  });

  it('slaveLost, offerRescinded and TASK_LOST when an agent is lost (faults.loseAgent)', async () => {
    const cluster = await startCluster({ agents: 2, taskMode: 'simulated', simulatedTaskMs: 60_000 });
    const lostAgent = cluster.agents[0]?.id as string;
    let launched = false;
    const scheduler = new RecordingScheduler({
      resourceOffers(driver, offers) {
        const offer = offers.find((o) => o.agent_id.value === lostAgent);
        if (launched || !offer) return;
        launched = true;
        // refuse_seconds 0: the agent's remaining resources are offered again at once.
        driver.launchTasks(offer.id, [commandTask(offer, 'on-lost-agent', 'sleep 60')], { refuse_seconds: 0 });
      },
    });
    pool.create(scheduler, {}, cluster.masterString).start();
    await scheduler.waitForUpdate('TASK_RUNNING');
    // An offer of the agent to lose is outstanding (what the launch left).
    await waitFor('a fresh offer from the agent', () =>
      cluster.leader?.core?.outstandingOffers().some((o) => o.agent_id.value === lostAgent),
    );
    const outstanding = cluster.leader?.core
      ?.outstandingOffers()
      .filter((o) => o.agent_id.value === lostAgent)
      .map((o) => o.id.value);
    await cluster.faults.loseAgent(0);
    await scheduler.waitForCallback('slaveLost');
    const names = scheduler.names();
    expect((scheduler.argsOf('slaveLost')[0] as AgentID).value).to.equal(lostAgent);
    const lost = scheduler.updates.find((s) => s.state === 'TASK_LOST');
    expect(lost?.task_id.value).to.equal('on-lost-agent');
    expect(lost?.reason).to.equal('REASON_AGENT_REMOVED');
    const rescinded = scheduler.entries
      .filter((e) => e.name === 'offerRescinded')
      .map((e) => (e.args[0] as { value: string }).value);
    expect(rescinded).to.include.members(outstanding ?? []);
    // Mesos's order: rescinds, then the tasks' updates, then the FAILURE.
    expect(names.indexOf('offerRescinded')).to.be.lessThan(names.lastIndexOf('statusUpdate'));
    expect(names.lastIndexOf('statusUpdate')).to.be.lessThan(names.indexOf('slaveLost'));
  });

  it('executorLost when a custom executor exits, with the wait status; its task fails', async () => {
    const cluster = await startCluster({ taskMode: 'process' });
    const scheduler = launchOnce((offer) => ({
      name: 'exits-3',
      task_id: { value: 'exits-3' },
      agent_id: offer.agent_id,
      resources: smallTaskResources(offer),
      // An executor that dies before subscribing: the agent reports its exit.
      executor: { executor_id: { value: 'dies' }, command: { value: 'exit 3', shell: true } },
    }));
    pool.create(scheduler, {}, cluster.masterString).start();
    await scheduler.waitForCallback('executorLost', { timeoutMs: 8000 });
    const [executorId, agentId, status] = scheduler.argsOf('executorLost') as [ExecutorID, AgentID, number];
    expect(agentId.value).to.equal(cluster.agents[0]?.id);
    expect(executorId.value).to.equal('dies');
    expect(status).to.equal(3 << 8); // waitpid's word for exit(3)
    const failed = await scheduler.waitForUpdate('TASK_FAILED');
    expect(failed?.task_id.value).to.equal('exits-3');
  });

  it("no executorLost for a command task: its command executor is the agent's own", async () => {
    const cluster = await startCluster({ taskMode: 'process' });
    const scheduler = launchOnce((offer) => commandTask(offer, 'exits-3', 'exit 3'));
    pool.create(scheduler, {}, cluster.masterString).start();
    const failed = await scheduler.waitForUpdate('TASK_FAILED', 8000);
    expect(failed?.task_id.value).to.equal('exits-3');
    // FAILURE would not wait behind acknowledgements: had one been sent, it would be here by now.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(scheduler.count('executorLost')).to.equal(0);
  });

  it('frameworkMessage: a message sent to a custom executor comes back as a Buffer from the right executor and agent', async function () {
    this.timeout(20_000);
    const cluster = await startCluster({ taskMode: 'process' });
    const scheduler = launchOnce(
      (offer) => ({
        name: 'with-executor',
        task_id: { value: 'with-executor' },
        agent_id: offer.agent_id,
        resources: smallTaskResources(offer),
        executor: {
          executor_id: { value: 'fixture' },
          command: { value: `"${process.execPath}" --import "${TSX_LOADER}" "${FIXTURE_EXECUTOR}"`, shell: true },
          resources: smallTaskResources(offer, 0.1, 32),
        },
      }),
      {
        statusUpdate(driver, status) {
          if (status.state === 'TASK_RUNNING')
            driver.sendFrameworkMessage({ value: 'fixture' }, status.agent_id as AgentID, 'ping');
        },
      },
    );
    pool.create(scheduler, {}, cluster.masterString).start();
    await scheduler.waitForCallback('frameworkMessage', { timeoutMs: 15_000 });
    const [executorId, agentId, data] = scheduler.argsOf('frameworkMessage') as [ExecutorID, AgentID, Buffer];
    expect(executorId.value).to.equal('fixture');
    expect(agentId.value).to.equal(cluster.agents[0]?.id);
    expect(Buffer.isBuffer(data)).to.equal(true);
    expect(data.toString()).to.equal('echo ping');
  });

  it('operationStatusUpdate for a RESERVE with an operation id (OPERATION_FINISHED, acknowledged implicitly)', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', resources: 'cpus:2;mem:512' });
    let reserved = false;
    const scheduler = new RecordingScheduler({
      resourceOffers(driver, offers) {
        const offer = offers[0] as Offer;
        if (reserved) return;
        reserved = true;
        const resources = smallTaskResources(offer, 1, 128).map((r) => ({
          ...r,
          reservations: [{ type: 'DYNAMIC' as const, role: 'ops' }],
        }));
        // As in Mesos, unused (here: the newly reserved) resources are filtered for refuse_seconds.
        driver.acceptOffers([offer.id], [{ type: 'RESERVE', id: { value: 'reserve-1' }, reserve: { resources } }], {
          refuse_seconds: 0,
        });
      },
    });
    const recorder = new CallRecorder();
    pool
      .create(scheduler, { roles: ['ops'], capabilities: [{ type: 'MULTI_ROLE' }] }, cluster.masterString, {
        transportFactory: recorder.factory,
      })
      .start();
    await scheduler.waitForCallback('operationStatusUpdate');
    const status = scheduler.argsOf('operationStatusUpdate')[0] as OperationStatus;
    expect(status.operation_id?.value).to.equal('reserve-1');
    expect(status.state).to.equal('OPERATION_FINISHED');
    await waitFor('the implicit acknowledgement to reach the master', () =>
      recorder.ofType('ACKNOWLEDGE_OPERATION_STATUS').some((c) => c.outcome === 'ok'),
    );
    // The reserved resources come back in a later offer.
    await waitFor('an offer with the reservation', () =>
      scheduler.offers.some((o) => (o.resources ?? []).some((r) => r.reservations?.some((res) => res.role === 'ops'))),
    );
  });

  it('error "Framework has been removed" after failover_timeout expiry; the driver aborts and tells it apart', async () => {
    const cluster = await startCluster({ taskMode: 'simulated' });
    const first = new RecordingScheduler();
    const driver1 = pool.create(first, { failover_timeout: 0.2 }, cluster.masterString);
    driver1.start();
    await first.waitForCallback('registered');
    const frameworkId = driver1.frameworkId;
    driver1.stop(true);
    expect(await driver1.join()).to.equal(Status.DRIVER_STOPPED);
    await waitFor('the master to remove the framework', () =>
      cluster.leader?.core?.removedFrameworks.has(frameworkId?.value ?? ''),
    );
    const second = new RecordingScheduler();
    const driver2 = pool.create(second, { failover_timeout: 0.2, id: frameworkId }, cluster.masterString);
    const removed: unknown[] = [];
    driver2.on('frameworkRemoved', (info) => removed.push(info));
    expect(await driver2.run()).to.equal(Status.DRIVER_ABORTED);
    expect(second.names()).to.deep.equal(['error']);
    expect(second.entries[0]?.args[0]).to.equal('Framework has been removed');
    expect(driver2.abortReason).to.include({ code: 'frameworkRemoved' });
    expect(removed).to.have.length(1);
    const state = await masterState(cluster.masterUrl);
    expect(state.completed_frameworks.map((f) => f.id)).to.include(frameworkId?.value);
  });

  it('error "Framework failed over" when a second driver subscribes with the same id; the second gets registered', async () => {
    const cluster = await startCluster({ taskMode: 'simulated' });
    const first = new RecordingScheduler();
    const driver1 = pool.create(first, { failover_timeout: 60 }, cluster.masterString);
    driver1.start();
    await first.waitForCallback('registered');
    const second = new RecordingScheduler();
    const driver2 = pool.create(second, { failover_timeout: 60, id: driver1.frameworkId }, cluster.masterString);
    driver2.start();
    expect(await driver1.join()).to.equal(Status.DRIVER_ABORTED);
    expect(first.names()).to.deep.equal(['registered', 'error']);
    expect(first.argsOf('error')[0]).to.equal('Framework failed over');
    expect(driver1.abortReason).to.include({ code: 'frameworkFailedOver' });
    await waitFor('second registered', () => second.count('registered') === 1);
    expect(driver2.frameworkId?.value).to.equal(driver1.frameworkId?.value);
    // The first driver's abort does not disturb the new subscription.
    await sleep(400);
    expect(second.names()).to.deep.equal(['registered']);
    expect(driver2.connected).to.equal(true);
  });
});

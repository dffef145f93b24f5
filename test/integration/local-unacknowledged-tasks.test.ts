/**
 * LocalCluster's master keeps a task whose terminal update is not acknowledged as Mesos's does:
 * among its framework's tasks (/state `tasks`, GET_TASKS `tasks`) in its terminal state, its
 * resources free, while the agent re-sends the update; reconciliation answers that state and its id
 * cannot be reused; the ACK of that update (not of an older one) moves it to the completed tasks.
 * After a master failover the agent reports it again and the new master keeps it until the ACK.
 * The scheduler driver with implicitAcknowledgements false completes it through acknowledgeStatusUpdate.
 */
import { expect } from 'chai';
import type { master, TaskStatus } from '../../lib/codec/messages';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type { Scheduler } from '../../lib/driver/scheduler-types';
import { LocalCluster } from '../../lib/local/cluster';
import { parseResources } from '../../lib/local/resources';
import { launch, stopAcknowledging } from './local-launch-helpers';
import { Subscription, subscribeCall } from './local-master-helpers';
import { eventually } from './local-operator-helpers';
import {
  acknowledgement,
  caller,
  getTasks,
  idsAndStates,
  killedUnacknowledged as killedAndUnacknowledged,
  masterState,
  nextUpdate,
  operatorCall,
} from './local-unacknowledged-helpers';

describe('LocalCluster master: a terminal task awaiting its acknowledgement', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  const open: Subscription[] = [];
  afterEach(async () => {
    stopAcknowledging();
    for (const subscription of open.splice(0)) subscription.close();
    await cluster.stop();
  });

  async function killedUnacknowledged() {
    const killed = await killedAndUnacknowledged(cluster);
    open.push(killed.subscription);
    return killed;
  }

  it('keeps it among the tasks, resources free, while the agent re-sends the update; its ACK completes it', async () => {
    cluster = await LocalCluster.start({ agents: 1, statusUpdateRetryMs: 100 });
    const { subscription, call, running, killed } = await killedUnacknowledged();
    const resent = await nextUpdate(subscription, 'ended', 'TASK_KILLED', killed.index + 1);
    expect(resent.status.uuid).to.deep.equal(killed.status.uuid);
    const state = await masterState(cluster);
    expect(idsAndStates(state.frameworks[0]?.tasks)).to.deep.equal(['ended:TASK_KILLED']);
    expect(state.frameworks[0]?.completed_tasks).to.deep.equal([]);
    expect(state.slaves[0]?.used_resources).to.include({ cpus: 0, mem: 0 });
    const tasks = await getTasks(cluster);
    expect(idsAndStates(tasks.tasks)).to.deep.equal(['ended:TASK_KILLED']);
    expect(tasks.completed_tasks ?? []).to.deep.equal([]);
    // An ACK of an older update (TASK_RUNNING, acknowledged already) does not complete it.
    expect((await call('ACKNOWLEDGE', acknowledgement(running))).status).to.equal(202);
    expect(idsAndStates((await getTasks(cluster)).tasks)).to.deep.equal(['ended:TASK_KILLED']);
    expect((await call('ACKNOWLEDGE', acknowledgement(killed.status))).status).to.equal(202);
    const after = await getTasks(cluster);
    expect(after.tasks ?? []).to.deep.equal([]);
    expect(idsAndStates(after.completed_tasks)).to.deep.equal(['ended:TASK_KILLED']);
    expect(idsAndStates((await masterState(cluster)).frameworks[0]?.completed_tasks)).to.deep.equal([
      'ended:TASK_KILLED',
    ]);
  });

  it('reconciliation answers its terminal state (implicit and explicit), and a launch may not reuse its id', async () => {
    cluster = await LocalCluster.start({ agents: 1 });
    const { subscription, call, running, killed } = await killedUnacknowledged();
    let from = subscription.events.length;
    await call('RECONCILE', { reconcile: { tasks: [] } });
    const implicit = await nextUpdate(subscription, 'ended', 'TASK_KILLED', from);
    expect(implicit.status).to.include({ source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' });
    expect(implicit.status.uuid).to.equal(undefined);
    from = subscription.events.length;
    await call('RECONCILE', { reconcile: { tasks: [{ task_id: { value: 'ended' }, agent_id: running.agent_id }] } });
    const explicit = await nextUpdate(subscription, 'ended', 'TASK_KILLED', from);
    expect(explicit.status).to.include({ reason: 'REASON_RECONCILIATION' });
    // Its resources are free: a new offer comes, and a task with the same id is refused.
    const offer = (await subscription.waitForEvent('OFFERS', { from: killed.index })).offers?.offers?.[0];
    from = subscription.events.length;
    const task = {
      name: 'again',
      task_id: { value: 'ended' },
      agent_id: running.agent_id as { value: string },
      command: { value: 'true' },
      resources: parseResources('cpus:0.1;mem:16'),
    };
    const operations = [{ type: 'LAUNCH' as const, launch: { task_infos: [task] } }];
    await call('ACCEPT', { accept: { offer_ids: [offer?.id as { value: string }], operations } });
    const refused = await nextUpdate(subscription, 'ended', 'TASK_ERROR', from);
    expect(refused.status.message).to.equal('Task has duplicate ID: ended');
  });

  it('after a master failover the agent reports it again; the new master keeps it until the ACK', async () => {
    cluster = await LocalCluster.start({ masters: 2, agents: 1, statusUpdateRetryMs: 100 });
    const { subscription } = await killedUnacknowledged();
    await cluster.failover();
    const again = await Subscription.open(
      cluster.masterUrl,
      subscribeCall({ failover_timeout: 60 }, subscription.frameworkId),
    );
    open.push(again);
    const resent = await nextUpdate(again, 'ended', 'TASK_KILLED');
    expect(idsAndStates((await getTasks(cluster)).tasks)).to.deep.equal(['ended:TASK_KILLED']);
    expect(idsAndStates((await masterState(cluster)).frameworks[0]?.tasks)).to.deep.equal(['ended:TASK_KILLED']);
    const call = caller(cluster, again);
    expect((await call('ACKNOWLEDGE', acknowledgement(resent.status))).status).to.equal(202);
    const after = await getTasks(cluster);
    expect(after.tasks ?? []).to.deep.equal([]);
    expect(idsAndStates(after.completed_tasks)).to.deep.equal(['ended:TASK_KILLED']);
  });

  it('an agent restarted without it (framework not checkpointing): TASK_LOST from the master, then completed', async () => {
    cluster = await LocalCluster.start({ agents: 1 });
    const { subscription, killed } = await killedUnacknowledged();
    await cluster.faults.restartAgent(0);
    const lost = await nextUpdate(subscription, 'ended', 'TASK_LOST', killed.index);
    expect(lost.status).to.include({ source: 'SOURCE_MASTER', reason: 'REASON_AGENT_DISCONNECTED' });
    const tasks = await getTasks(cluster);
    expect(tasks.tasks ?? []).to.deep.equal([]);
    expect(idsAndStates(tasks.completed_tasks)).to.deep.equal(['ended:TASK_KILLED']);
  });

  it('DRAIN_AGENT: the agent stays DRAINING while the killed task awaits its ACK, DRAINED after it', async () => {
    cluster = await LocalCluster.start({ agents: 1 });
    const { subscription, call } = await launch(cluster, {}, 'drained');
    open.push(subscription);
    stopAcknowledging();
    const agentId = cluster.agents[0]?.id as string;
    const drain = { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: agentId } } };
    expect((await operatorCall(cluster, drain)).status).to.equal(200);
    const killed = await nextUpdate(subscription, 'drained', 'TASK_KILLED');
    const drainState = async () => {
      const agents = JSON.parse((await operatorCall(cluster, { type: 'GET_AGENTS' })).text) as master.Response;
      return agents.get_agents?.agents?.[0]?.drain_info?.state;
    };
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await drainState()).to.equal('DRAINING');
    await call('ACKNOWLEDGE', acknowledgement(killed.status));
    await eventually(async () => (await drainState()) === 'DRAINED', 3000, 'DRAINED');
  });

  it('the scheduler driver with implicitAcknowledgements false: acknowledgeStatusUpdate completes it', async () => {
    cluster = await LocalCluster.start({ agents: 1 });
    let launched = false;
    const finished: TaskStatus[] = [];
    const scheduler: Scheduler = {
      resourceOffers(driver, offers) {
        for (const offer of offers) {
          if (launched) {
            driver.declineOffer(offer.id);
            continue;
          }
          launched = true;
          const task = { name: 'quick', task_id: { value: 'quick' }, agent_id: offer.agent_id };
          const resources = parseResources('cpus:0.1;mem:16');
          driver.launchTasks([offer.id], [{ ...task, resources, command: { value: 'true' } }]);
        }
      },
      statusUpdate(driver, status) {
        if (status.state === 'TASK_FINISHED') finished.push(status);
        else driver.acknowledgeStatusUpdate(status);
      },
    };
    const driver = new MesosSchedulerDriver(scheduler, { user: 'tester', name: 'explicit' }, cluster.masterUrl, false);
    driver.start();
    try {
      const status = await eventually(() => finished[0], 10_000, 'TASK_FINISHED');
      expect(idsAndStates((await masterState(cluster)).frameworks[0]?.tasks)).to.deep.equal(['quick:TASK_FINISHED']);
      driver.acknowledgeStatusUpdate(status);
      const state = await eventually(async () => {
        const now = await masterState(cluster);
        return now.frameworks[0]?.tasks.length === 0 ? now : undefined;
      });
      expect(idsAndStates(state.frameworks[0]?.completed_tasks)).to.deep.equal(['quick:TASK_FINISHED']);
    } finally {
      driver.stop();
      await driver.join();
    }
  });
});

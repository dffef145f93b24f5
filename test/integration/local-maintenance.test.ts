/**
 * Maintenance and operator removal of agents as Mesos does them on LocalCluster
 * (Master::Http::_startMaintenance, Master::_removeSlave, Master::markGone, Master::__removeSlave):
 * START_MAINTENANCE tells the machine's agents to shut down (their tasks are killed) and removes
 * them as any removed agent: TASK_LOST to every framework, PARTITION_AWARE ones too, SOURCE_MASTER,
 * REASON_AGENT_REMOVED, "Agent <hostname> removed: Operator initiated 'Machine DOWN'", the tasks
 * completed (not unreachable), FAILURE to all; the agent is not "gone" (a RECONCILE of its task is
 * answered TASK_UNKNOWN); STOP_MAINTENANCE lets an agent register again and offers resume.
 * MARK_AGENT_GONE: TASK_GONE_BY_OPERATOR, REASON_AGENT_REMOVED_BY_OPERATOR to PARTITION_AWARE
 * frameworks (task completed), TASK_LOST, REASON_AGENT_REMOVED to the others (task unreachable),
 * "Agent has been marked gone".
 */
import { expect } from 'chai';
import type { OfferID } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { MesosMasterOperator } from '../../lib/operator';
import { launch, stopAcknowledging } from './local-launch-helpers';
import type { Subscription } from './local-master-helpers';
import { eventually } from './local-operator-helpers';
import { getTasks, idsAndStates, nextUpdate, updatesOf } from './local-unacknowledged-helpers';

describe('LocalCluster maintenance: machine down and up', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  let client: MesosMasterOperator;
  const open: Subscription[] = [];
  beforeEach(async () => {
    cluster = await LocalCluster.start({ agents: 1, log: false });
    client = new MesosMasterOperator(cluster.masterString, { retryTimeoutMs: 3000 });
  });
  afterEach(async () => {
    stopAcknowledging();
    for (const subscription of open.splice(0)) subscription.close();
    await client.close();
    await cluster.stop();
  });

  it('START_MAINTENANCE kills and removes the agent (TASK_LOST to every framework, tasks completed); STOP_MAINTENANCE brings an agent back', async () => {
    const aware = await launch(cluster, { name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] }, 'pa-task');
    const legacy = await launch(cluster, { name: 'legacy' }, 'legacy-task');
    open.push(aware.subscription, legacy.subscription);
    const agent = cluster.agents[0];
    const agentId = agent?.id as string;
    expect(agent?.state().map((row) => row.state)).to.deep.equal(['TASK_RUNNING', 'TASK_RUNNING']);
    const machine = { hostname: '127.0.0.1' };
    const start = { nanoseconds: Date.now() * 1e6 };
    await client.updateMaintenanceSchedule({ windows: [{ machine_ids: [machine], unavailability: { start } }] });
    const inverseOffer = async (framework: typeof aware) =>
      (await framework.subscription.waitForEvent('INVERSE_OFFERS')).inverse_offers?.inverse_offers?.[0]?.id;
    const unanswered = [await inverseOffer(aware), await inverseOffer(legacy)];
    const from = aware.subscription.events.length;
    await client.startMaintenance([machine]);
    const removed = {
      state: 'TASK_LOST',
      source: 'SOURCE_MASTER',
      reason: 'REASON_AGENT_REMOVED',
      message: "Agent 127.0.0.1 removed: Operator initiated 'Machine DOWN'",
    };
    for (const [framework, taskId, inverseOfferId] of [
      [aware, 'pa-task', unanswered[0]],
      [legacy, 'legacy-task', unanswered[1]],
    ] as const) {
      const { status } = await nextUpdate(framework.subscription, taskId, 'TASK_LOST');
      expect(status).to.include(removed);
      expect(status.uuid).to.equal(undefined);
      const failure = await framework.subscription.waitForEvent('FAILURE');
      expect(failure.failure).to.deep.equal({ agent_id: { value: agentId } });
      // The agent's unanswered inverse offer is rescinded with it.
      const rescinded = await framework.subscription.waitForEvent('RESCIND_INVERSE_OFFER');
      expect(rescinded.rescind_inverse_offer?.inverse_offer_id).to.deep.equal(inverseOfferId);
    }
    expect(updatesOf(aware.subscription, 'pa-task', from)).to.have.length(1); // the master's TASK_LOST only
    expect(agent?.state()).to.deep.equal([]); // told to shut down: nothing runs there any more
    // Removed, not unreachable: both tasks are completed, none unreachable.
    const tasks = await getTasks(cluster);
    expect(idsAndStates(tasks.completed_tasks)).to.deep.equal(['legacy-task:TASK_LOST', 'pa-task:TASK_LOST']);
    expect(tasks.unreachable_tasks ?? []).to.deep.equal([]);
    // Nor gone: a RECONCILE of the task finds it unknown (TASK_GONE_BY_OPERATOR only for an agent marked gone).
    const reconcileFrom = aware.subscription.events.length;
    const item = { task_id: { value: 'pa-task' }, agent_id: { value: agentId } };
    expect((await aware.call('RECONCILE', { reconcile: { tasks: [item] } })).status).to.equal(202);
    const reconciled = await aware.subscription.waitForEvent('UPDATE', { from: reconcileFrom });
    expect(reconciled.update?.status).to.include({
      state: 'TASK_UNKNOWN',
      reason: 'REASON_RECONCILIATION',
      message: 'Reconciliation: Task is unknown',
    });
    expect(aware.subscription.events.slice(from).map((e) => e.type)).to.not.include('OFFERS');

    const before = aware.subscription.events.length;
    await client.stopMaintenance([machine]);
    await aware.subscription.waitForEvent('OFFERS', { from: before, timeoutMs: 8000 });
    // The task does not come back: the agent killed it when it was told to shut down.
    expect(aware.subscription.events.slice(before).filter((e) => e.type === 'UPDATE')).to.deep.equal([]);
  });

  it('while its machine is DOWN no agent registers on it (restarted with a new id or the same one); STOP_MAINTENANCE brings one back', async () => {
    const oldId = cluster.agents[0]?.id as string;
    const agentEvents: string[] = [];
    let subscribed = false;
    client.subscribe({
      subscribed: () => void (subscribed = true),
      agentAdded: (agent) => void agentEvents.push(`added ${agent.agent_info.id?.value}`),
      agentRemoved: (agentId) => void agentEvents.push(`removed ${agentId.value}`),
    });
    await eventually(() => subscribed, 3000, 'the operator subscription');
    const registered = async () => ((await client.getAgents()).agents ?? []).map((a) => a.agent_info.id?.value);
    const machine = { hostname: '127.0.0.1' };
    const start = { nanoseconds: Date.now() * 1e6 };
    await client.updateMaintenanceSchedule({ windows: [{ machine_ids: [machine], unavailability: { start } }] });
    await client.startMaintenance([machine]);
    expect(await registered()).to.deep.equal([]);

    // Mesos's master refuses (re)registration of an agent on a DOWN machine and tells it to shut down.
    await cluster.faults.restartAgent(0, { newId: true });
    const refusedId = cluster.agents[0]?.id as string;
    expect(refusedId).to.not.equal(oldId);
    await cluster.faults.restartAgent(0);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await registered()).to.deep.equal([]);
    expect(agentEvents).to.deep.equal([`removed ${oldId}`]);

    await client.stopMaintenance([machine]);
    const backId = await eventually(async () => (await registered())[0], 5000, 'an agent on the machine again');
    expect([oldId, refusedId]).to.not.include(backId);
    expect(cluster.agents.map((agent) => agent.id)).to.deep.equal([backId]);
    await eventually(() => agentEvents.length === 2 || undefined, 3000, 'AGENT_ADDED');
    expect(agentEvents).to.deep.equal([`removed ${oldId}`, `added ${backId}`]);
  });

  it('an agent healing from a partition while its machine is DOWN is refused first: no REASON_AGENT_REREGISTERED update, told to shut down', async () => {
    const aware = await launch(cluster, { name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] }, 'pa-task');
    const legacy = await launch(cluster, { name: 'legacy' }, 'legacy-task');
    open.push(aware.subscription, legacy.subscription);
    const agent = cluster.agents[0];
    const healed = cluster.faults.partitionAgent(0, 400);
    const unreachable = await nextUpdate(aware.subscription, 'pa-task', 'TASK_UNREACHABLE');
    const lost = await nextUpdate(legacy.subscription, 'legacy-task', 'TASK_LOST');
    const machine = { hostname: '127.0.0.1' };
    const start = { nanoseconds: Date.now() * 1e6 };
    await client.updateMaintenanceSchedule({ windows: [{ machine_ids: [machine], unavailability: { start } }] });
    await client.startMaintenance([machine]);
    await healed;
    await new Promise((resolve) => setTimeout(resolve, 200)); // any update of the master (or the agent) arrives
    // Mesos's _reregisterSlave refuses the agent ("Machine is `DOWN`") before __reregisterSlave reports its tasks.
    expect(updatesOf(aware.subscription, 'pa-task', unreachable.index + 1)).to.deep.equal([]);
    expect(updatesOf(legacy.subscription, 'legacy-task', lost.index + 1)).to.deep.equal([]);
    expect(agent?.state()).to.deep.equal([]); // told to shut down: it killed what it ran
    expect((await client.getAgents()).agents ?? []).to.deep.equal([]);
  });

  it('inverse offers: one at a time, sent again once the answer filter expires, none during a long filter', async () => {
    const { subscription, call } = await launch(cluster, { name: 'maintained' }, 'served');
    open.push(subscription);
    const machine = { hostname: '127.0.0.1' };
    const start = { nanoseconds: (Date.now() + 3_600_000) * 1e6 };
    await client.updateMaintenanceSchedule({ windows: [{ machine_ids: [machine], unavailability: { start } }] });
    const inverse = () => subscription.events.filter((e) => e.type === 'INVERSE_OFFERS');
    const idOf = (n: number) => inverse()[n]?.inverse_offers?.inverse_offers?.[0]?.id as OfferID;
    await subscription.waitForEvent('INVERSE_OFFERS');
    await new Promise((resolve) => setTimeout(resolve, 400)); // unanswered: no other one
    expect(inverse()).to.have.length(1);
    const decline = { inverse_offer_ids: [idOf(0)], filters: { refuse_seconds: 0.3 } };
    expect((await call('DECLINE_INVERSE_OFFERS', { decline_inverse_offers: decline })).status).to.equal(202);
    await subscription.waitFor(() => inverse().length === 2 || undefined, 3000, 'a second inverse offer');
    const accept = { inverse_offer_ids: [idOf(1)], filters: { refuse_seconds: 60 } };
    expect((await call('ACCEPT_INVERSE_OFFERS', { accept_inverse_offers: accept })).status).to.equal(202);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(inverse()).to.have.length(2);
    await client.updateMaintenanceSchedule({ windows: [] });
  });

  it('MARK_AGENT_GONE: TASK_GONE_BY_OPERATOR, REASON_AGENT_REMOVED_BY_OPERATOR to PARTITION_AWARE frameworks, TASK_LOST to the others', async () => {
    const aware = await launch(cluster, { name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] }, 'pa-task');
    const legacy = await launch(cluster, { name: 'legacy' }, 'legacy-task');
    open.push(aware.subscription, legacy.subscription);
    const agentId = cluster.agents[0]?.id as string;
    const start = { nanoseconds: (Date.now() + 3_600_000) * 1e6 };
    await client.updateMaintenanceSchedule({
      windows: [{ machine_ids: [{ hostname: '127.0.0.1' }], unavailability: { start } }],
    });
    const inverseOffer = await aware.subscription.waitForEvent('INVERSE_OFFERS');
    await client.markAgentGone(agentId);
    const gone = await nextUpdate(aware.subscription, 'pa-task', 'TASK_GONE_BY_OPERATOR');
    expect(gone.status).to.include({
      source: 'SOURCE_MASTER',
      reason: 'REASON_AGENT_REMOVED_BY_OPERATOR',
      message: 'Agent has been marked gone',
    });
    const lost = await nextUpdate(legacy.subscription, 'legacy-task', 'TASK_LOST');
    expect(lost.status).to.include({
      source: 'SOURCE_MASTER',
      reason: 'REASON_AGENT_REMOVED',
      message: 'Agent has been marked gone',
    });
    for (const framework of [aware, legacy]) {
      const failure = await framework.subscription.waitForEvent('FAILURE');
      expect(failure.failure).to.deep.equal({ agent_id: { value: agentId } });
    }
    const rescinded = await aware.subscription.waitForEvent('RESCIND_INVERSE_OFFER');
    expect(rescinded.rescind_inverse_offer?.inverse_offer_id).to.deep.equal(
      inverseOffer.inverse_offers?.inverse_offers?.[0]?.id,
    );
    // As Mesos's __removeSlave: the PARTITION_AWARE framework's task is completed, the other's unreachable.
    const tasks = await getTasks(cluster);
    expect(idsAndStates(tasks.completed_tasks)).to.deep.equal(['pa-task:TASK_GONE_BY_OPERATOR']);
    expect(idsAndStates(tasks.unreachable_tasks)).to.deep.equal(['legacy-task:TASK_LOST']);
  });
});

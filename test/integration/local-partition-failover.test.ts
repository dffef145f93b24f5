/**
 * A master failover while an agent is partitioned: as in Mesos, the new leader knows the agent as
 * unreachable from the registry (since the old leader marked it so) and does not take it in until
 * it reregisters: it is not in /state nor offered, its task is neither listed nor reconciled as
 * running (explicit reconciliation answers TASK_UNREACHABLE with the original unreachable_time).
 * Once the partition heals the agent reregisters with the new leader: PARTITION_AWARE frameworks
 * get TASK_RUNNING (REASON_AGENT_REREGISTERED), the task is listed again and the agent offered.
 */
import { expect } from 'chai';
import type { TaskStatus } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { launch, stopAcknowledging } from './local-launch-helpers';
import { Subscription, subscribeCall } from './local-master-helpers';
import { caller, getTasks, idsAndStates, masterState, nextUpdate, updatesOf } from './local-unacknowledged-helpers';

const AWARE = { capabilities: [{ type: 'PARTITION_AWARE' as const }], failover_timeout: 60 };

describe('LocalCluster: master failover while an agent is partitioned', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  const open: Subscription[] = [];
  beforeEach(async () => {
    cluster = await LocalCluster.start({ masters: 2, agents: 2 });
  });
  afterEach(async () => {
    stopAcknowledging();
    for (const subscription of open.splice(0)) subscription.close();
    await cluster.stop();
  });

  it('the new leader neither registers, offers nor reports the agent until it reregisters', async () => {
    const { subscription } = await launch(cluster, AWARE, 'web');
    open.push(subscription);
    const running = updatesOf(subscription, 'web').find((s) => s.state === 'TASK_RUNNING') as TaskStatus;
    const agentId = running.agent_id?.value as string;
    const from = subscription.events.length;
    const healed = cluster.faults.partitionAgent(agentId, 1000);
    const unreachable = await nextUpdate(subscription, 'web', 'TASK_UNREACHABLE', from);
    await cluster.failover();
    const again = await Subscription.open(cluster.masterUrl, subscribeCall(AWARE, subscription.frameworkId));
    open.push(again);
    const call = caller(cluster, again);
    await again.waitForEvent('OFFERS');
    const partitioned = (offers: typeof again.events) =>
      offers.flatMap((e) => e.offers?.offers ?? []).filter((o) => o.agent_id.value === agentId);
    const state = await masterState(cluster);
    expect(state.slaves.map((s) => s.id)).to.not.include(agentId);
    expect(state.unreachable_slaves).to.equal(1);
    expect(idsAndStates((await getTasks(cluster)).tasks)).to.deep.equal([]);
    let next = again.events.length;
    await call('RECONCILE', { reconcile: { tasks: [{ task_id: { value: 'web' }, agent_id: { value: agentId } }] } });
    const answer = await nextUpdate(again, 'web', 'TASK_UNREACHABLE', next);
    expect(answer.status).to.include({
      reason: 'REASON_RECONCILIATION',
      message: 'Reconciliation: Task is unreachable',
    });
    expect(answer.status.unreachable_time).to.deep.equal(unreachable.status.unreachable_time);
    next = again.events.length;
    await call('RECONCILE', { reconcile: { tasks: [] } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(updatesOf(again, 'web', next)).to.deep.equal([]);
    expect(partitioned(again.events)).to.deep.equal([]);
    await healed;
    const back = await nextUpdate(again, 'web', 'TASK_RUNNING', next);
    expect(back.status).to.include({ source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REREGISTERED' });
    const healedState = await masterState(cluster);
    expect(healedState.slaves.map((s) => s.id)).to.include(agentId);
    expect(healedState.unreachable_slaves).to.equal(0);
    expect(idsAndStates((await getTasks(cluster)).tasks)).to.deep.equal(['web:TASK_RUNNING']);
    await again.waitFor(() => partitioned(again.events).length > 0 || undefined, 5000, 'an offer of the agent');
  });

  it('without PARTITION_AWARE: the new leader answers TASK_LOST for the task until the agent reregisters, then TASK_RUNNING', async () => {
    const { subscription } = await launch(cluster, { failover_timeout: 60 }, 'legacy');
    open.push(subscription);
    const agentId = cluster.agents.find((agent) => agent.state().length > 0)?.id as string;
    const healed = cluster.faults.partitionAgent(agentId, 600);
    await nextUpdate(subscription, 'legacy', 'TASK_LOST');
    await cluster.failover();
    const again = await Subscription.open(
      cluster.masterUrl,
      subscribeCall({ failover_timeout: 60 }, subscription.frameworkId),
    );
    open.push(again);
    const call = caller(cluster, again);
    const reconcile = { tasks: [{ task_id: { value: 'legacy' }, agent_id: { value: agentId } }] };
    await call('RECONCILE', { reconcile });
    const lost = await nextUpdate(again, 'legacy', 'TASK_LOST');
    expect(lost.status).to.include({ message: 'Reconciliation: Task is unreachable' });
    await healed;
    const back = await nextUpdate(again, 'legacy', 'TASK_RUNNING', lost.index);
    expect(back.status).to.include({ reason: 'REASON_AGENT_REREGISTERED' }); // as since Mesos 1.5
    const next = again.events.length;
    await call('RECONCILE', { reconcile });
    const found = await nextUpdate(again, 'legacy', 'TASK_RUNNING', next);
    expect(found.status).to.include({ reason: 'REASON_RECONCILIATION' });
  });
});

/**
 * cluster.faults.partitionAgent: the master marks the agent unreachable while its task keeps
 * running, then the agent reregisters; PARTITION_AWARE frameworks see TASK_UNREACHABLE then
 * TASK_RUNNING (REASON_AGENT_REREGISTERED), or TASK_GONE when the agent lost the task meanwhile;
 * other frameworks see TASK_LOST, then TASK_RUNNING (REASON_AGENT_REREGISTERED, as since Mesos 1.5),
 * and reconciliation finds the task running.
 */
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local/cluster';
import { launch, statuses, stopAcknowledging } from './local-launch-helpers';
import type { Subscription } from './local-master-helpers';

describe('LocalCluster agent partition', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  const open: Subscription[] = [];
  beforeEach(async () => {
    cluster = await LocalCluster.start({ agents: 1 });
  });
  afterEach(async () => {
    stopAcknowledging();
    for (const subscription of open.splice(0)) subscription.close();
    await cluster.stop();
  });

  it('PARTITION_AWARE: TASK_UNREACHABLE and FAILURE, then TASK_RUNNING with REASON_AGENT_REREGISTERED', async () => {
    const { subscription } = await launch(cluster, { capabilities: [{ type: 'PARTITION_AWARE' }] }, 'web');
    open.push(subscription);
    const from = subscription.events.length;
    const healed = cluster.faults.partitionAgent(0, 300);
    const unreachable = await subscription.waitForEvent('UPDATE', { from });
    expect(unreachable.update?.status).to.include({ state: 'TASK_UNREACHABLE', source: 'SOURCE_MASTER' });
    expect(['number', 'bigint']).to.include(typeof unreachable.update?.status.unreachable_time?.nanoseconds);
    await subscription.waitForEvent('FAILURE', { from });
    await healed;
    const back = await subscription.waitForEvent('UPDATE', {
      from,
      where: (e) => e.update?.status.state === 'TASK_RUNNING',
    });
    expect(back.update?.status).to.include({ reason: 'REASON_AGENT_REREGISTERED', source: 'SOURCE_MASTER' });
    expect(
      statuses(subscription)
        .slice(-2)
        .map((s) => s.state),
    ).to.deep.equal(['TASK_UNREACHABLE', 'TASK_RUNNING']);
  });

  it('PARTITION_AWARE: TASK_GONE for a task the agent lost while partitioned (restarted, not checkpointing)', async () => {
    const { subscription } = await launch(cluster, { capabilities: [{ type: 'PARTITION_AWARE' }] }, 'lost-one');
    open.push(subscription);
    const from = subscription.events.length;
    await cluster.faults.partitionAgent(0, 100, { restartAgent: true });
    const gone = await subscription.waitForEvent('UPDATE', {
      from,
      where: (e) => e.update?.status.state === 'TASK_GONE',
    });
    expect(gone.update?.status.task_id.value).to.equal('lost-one');
    const after = statuses(subscription).slice(statuses(subscription).findIndex((s) => s.state === 'TASK_UNREACHABLE'));
    expect(after.map((s) => s.state)).to.deep.equal(['TASK_UNREACHABLE', 'TASK_GONE']);
  });

  it('without PARTITION_AWARE: TASK_LOST, the task keeps running, TASK_RUNNING on reregistration, reconciliation finds it', async () => {
    const { subscription, call } = await launch(cluster, {}, 'legacy');
    open.push(subscription);
    const from = subscription.events.length;
    await cluster.faults.partitionAgent(0, 100);
    const lost = await subscription.waitForEvent('UPDATE', { from });
    expect(lost.update?.status.state).to.equal('TASK_LOST');
    const back = await subscription.waitForEvent('UPDATE', {
      from,
      where: (e) => e.update?.status.state !== 'TASK_LOST',
    });
    expect(back.update?.status).to.include({ state: 'TASK_RUNNING', reason: 'REASON_AGENT_REREGISTERED' });
    const after = subscription.events.length;
    expect((await call('RECONCILE', { reconcile: { tasks: [] } })).status).to.equal(202);
    const answer = await subscription.waitForEvent('UPDATE', { from: after });
    expect(answer.update?.status).to.include({ state: 'TASK_RUNNING', reason: 'REASON_RECONCILIATION' });
  });
});

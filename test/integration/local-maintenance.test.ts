/**
 * Maintenance as Mesos does it on LocalCluster: START_MAINTENANCE tells the machine's agents to shut
 * down (their tasks are killed) and removes them: TASK_GONE_BY_OPERATOR to PARTITION_AWARE
 * frameworks, TASK_LOST to the others, FAILURE to all; STOP_MAINTENANCE lets the agent register
 * again and offers resume. MARK_AGENT_GONE reports TASK_GONE_BY_OPERATOR the same way.
 */
import { expect } from 'chai';
import type { OfferID } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { MesosMasterOperator } from '../../lib/operator';
import { launch, statuses, stopAcknowledging } from './local-launch-helpers';
import type { Subscription } from './local-master-helpers';

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

  it('START_MAINTENANCE kills and removes the agent (TASK_GONE_BY_OPERATOR / TASK_LOST); STOP_MAINTENANCE brings it back', async () => {
    const aware = await launch(cluster, { name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] }, 'pa-task');
    const legacy = await launch(cluster, { name: 'legacy' }, 'legacy-task');
    open.push(aware.subscription, legacy.subscription);
    const agent = cluster.agents[0];
    expect(agent?.state().map((row) => row.state)).to.deep.equal(['TASK_RUNNING', 'TASK_RUNNING']);
    const machine = { hostname: '127.0.0.1' };
    const start = { nanoseconds: Date.now() * 1e6 };
    await client.updateMaintenanceSchedule({ windows: [{ machine_ids: [machine], unavailability: { start } }] });
    const from = aware.subscription.events.length;
    await client.startMaintenance([machine]);
    const gone = await aware.subscription.waitForEvent('UPDATE', { from });
    expect(gone.update?.status).to.include({ state: 'TASK_GONE_BY_OPERATOR', source: 'SOURCE_MASTER' });
    await aware.subscription.waitForEvent('FAILURE', { from });
    const lost = await legacy.subscription.waitForEvent('UPDATE', {
      where: (e) => e.update?.status.state === 'TASK_LOST',
    });
    expect(lost.update?.status.task_id.value).to.equal('legacy-task');
    expect(agent?.state()).to.deep.equal([]); // told to shut down: nothing runs there any more

    const before = aware.subscription.events.length;
    await client.stopMaintenance([machine]);
    await aware.subscription.waitForEvent('OFFERS', { from: before, timeoutMs: 8000 });
    // The task does not come back: the agent killed it when it was told to shut down.
    expect(aware.subscription.events.slice(before).filter((e) => e.type === 'UPDATE')).to.deep.equal([]);
    expect(statuses(aware.subscription).at(-1)?.state).to.equal('TASK_GONE_BY_OPERATOR');
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

  it('MARK_AGENT_GONE: TASK_GONE_BY_OPERATOR to PARTITION_AWARE frameworks', async () => {
    const aware = await launch(cluster, { name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] }, 'pa-task');
    open.push(aware.subscription);
    const from = aware.subscription.events.length;
    await client.markAgentGone(cluster.agents[0]?.id as string);
    const gone = await aware.subscription.waitForEvent('UPDATE', { from });
    expect(gone.update?.status.state).to.equal('TASK_GONE_BY_OPERATOR');
  });
});

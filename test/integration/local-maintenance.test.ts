/**
 * Maintenance as Mesos does it on LocalCluster: START_MAINTENANCE tells the machine's agents to shut
 * down (their tasks are killed) and removes them: TASK_GONE_BY_OPERATOR to PARTITION_AWARE
 * frameworks, TASK_LOST to the others, FAILURE to all; STOP_MAINTENANCE lets the agent register
 * again and offers resume. MARK_AGENT_GONE reports TASK_GONE_BY_OPERATOR the same way.
 */
import { expect } from 'chai';
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

  it('MARK_AGENT_GONE: TASK_GONE_BY_OPERATOR to PARTITION_AWARE frameworks', async () => {
    const aware = await launch(cluster, { name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] }, 'pa-task');
    open.push(aware.subscription);
    const from = aware.subscription.events.length;
    await client.markAgentGone(cluster.agents[0]?.id as string);
    const gone = await aware.subscription.waitForEvent('UPDATE', { from });
    expect(gone.update?.status.state).to.equal('TASK_GONE_BY_OPERATOR');
  });
});

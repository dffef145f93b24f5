/**
 * cluster.faults.loseAgent(i, 'removed') is an agent shut down for good: it unregisters and Mesos's
 * master removes it (Master::unregisterSlave, _removeSlave), reporting each of its tasks TASK_LOST
 * to every framework, PARTITION_AWARE ones too, SOURCE_MASTER, REASON_AGENT_REMOVED, "Agent
 * <hostname> removed: the agent unregistered", without uuid; the tasks are completed.
 */
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local/cluster';
import { launch, stopAcknowledging } from './local-launch-helpers';
import type { Subscription } from './local-master-helpers';
import { getTasks, idsAndStates, nextUpdate, updatesOf } from './local-unacknowledged-helpers';

describe('LocalCluster faults.loseAgent (removed)', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  const open: Subscription[] = [];
  beforeEach(async () => {
    cluster = await LocalCluster.start({ agents: 1, log: false });
  });
  afterEach(async () => {
    stopAcknowledging();
    for (const subscription of open.splice(0)) subscription.close();
    await cluster.stop();
  });

  it('TASK_LOST, REASON_AGENT_REMOVED to every framework (PARTITION_AWARE too), the tasks completed', async () => {
    const aware = await launch(cluster, { name: 'aware', capabilities: [{ type: 'PARTITION_AWARE' }] }, 'pa-task');
    const legacy = await launch(cluster, { name: 'legacy' }, 'legacy-task');
    open.push(aware.subscription, legacy.subscription);
    const from = aware.subscription.events.length;
    await cluster.faults.loseAgent(0); // 'removed' by default
    for (const [framework, taskId] of [
      [aware, 'pa-task'],
      [legacy, 'legacy-task'],
    ] as const) {
      const { status } = await nextUpdate(framework.subscription, taskId, 'TASK_LOST');
      expect(status).to.include({
        source: 'SOURCE_MASTER',
        reason: 'REASON_AGENT_REMOVED',
        message: 'Agent 127.0.0.1 removed: the agent unregistered',
      });
      expect(status.uuid).to.equal(undefined);
    }
    expect(updatesOf(aware.subscription, 'pa-task', from).map((s) => s.state)).to.deep.equal(['TASK_LOST']);
    const tasks = await getTasks(cluster);
    expect(idsAndStates(tasks.completed_tasks)).to.deep.equal(['legacy-task:TASK_LOST', 'pa-task:TASK_LOST']);
    expect(tasks.unreachable_tasks ?? []).to.deep.equal([]);
  });
});

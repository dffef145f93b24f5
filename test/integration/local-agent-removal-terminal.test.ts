/**
 * Agent removal: a task whose terminal update was acknowledged gets no update from the master,
 * even when the agent had re-reported it on reregistration (as Mesos, where the master forgets a
 * task once its terminal update is acknowledged; one still awaiting its ACK is covered by
 * local-unacknowledged-agent-removal.test.ts): an ended task neither lingers in the master's state
 * nor holds resources. TASK_UNREACHABLE's unreachable_time is exact (bigint TimeInfo).
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { LocalCluster } from '../../lib/local/cluster';
import { launch, statuses, stopAcknowledging } from './local-launch-helpers';
import { rawRequest, type Subscription } from './local-master-helpers';

describe('LocalCluster agent removal with terminal tasks', function () {
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

  it('sends no TASK_LOST for a killed task re-reported by the agent after a partition and then acknowledged', async () => {
    const { subscription, call } = await launch(cluster, {}, 'ended');
    open.push(subscription);
    stopAcknowledging(); // the TASK_KILLED stays unacknowledged: the agent keeps and re-reports the task
    const agentId = cluster.agents[0]?.id ?? '';
    await call('KILL', { kill: { task_id: { value: 'ended' }, agent_id: { value: agentId } } });
    await subscription.waitForEvent('UPDATE', { where: (e) => e.update?.status.state === 'TASK_KILLED' });
    const healFrom = subscription.events.length;
    await cluster.faults.partitionAgent(0, 50);
    // The reregistered agent re-sends the TASK_KILLED; the framework acknowledges it now.
    const resent = await subscription.waitForEvent('UPDATE', {
      from: healFrom,
      where: (e) => e.update?.status.state === 'TASK_KILLED' && e.update.status.uuid !== undefined,
    });
    const uuid = Buffer.from(resent.update?.status.uuid as Uint8Array).toString('base64');
    await call('ACKNOWLEDGE', {
      acknowledge: { agent_id: { value: agentId }, task_id: { value: 'ended' }, uuid } as never,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The master does not hold the ended task as live (nor its resources) after the agent re-reported it.
    const state = JSON.parse((await rawRequest(cluster.masterUrl, { method: 'GET', path: '/state' })).body.toString());
    expect(state.frameworks[0].tasks).to.deep.equal([]);
    expect(state.slaves[0].used_resources).to.include({ cpus: 0, mem: 0 });
    const from = subscription.events.length;
    await cluster.faults.loseAgent(0, 'removed');
    await subscription.waitForEvent('FAILURE', { from });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = statuses({ events: subscription.events.slice(from) } as Subscription);
    expect(after.map((s) => s.state)).to.not.include('TASK_LOST');
  });

  it('TASK_UNREACHABLE carries unreachable_time to the nanosecond (bigint, not ms * 1e6 as a double)', async () => {
    const { subscription } = await launch(cluster, { capabilities: [{ type: 'PARTITION_AWARE' }] }, 'far', 'protobuf');
    open.push(subscription);
    const from = subscription.events.length;
    // An odd ms count: ms * 10^6 as a double is off by tens of nanoseconds (1733380000123000064).
    const clock = sinon.useFakeTimers({ now: 1_733_380_000_123, toFake: ['Date'] });
    const lost = cluster.faults.loseAgent(0, 'unreachable'); // the master removes the agent synchronously
    clock.restore();
    await lost;
    const update = await subscription.waitForEvent('UPDATE', { from });
    expect(update.update?.status.state).to.equal('TASK_UNREACHABLE');
    expect(BigInt(update.update?.status.unreachable_time?.nanoseconds ?? 0)).to.equal(1_733_380_000_123_000_000n);
  });
});

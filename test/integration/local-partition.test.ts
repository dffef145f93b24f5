/**
 * cluster.faults.partitionAgent: the master marks the agent unreachable while its task keeps
 * running, then the agent reregisters; PARTITION_AWARE frameworks see TASK_UNREACHABLE then
 * TASK_RUNNING (REASON_AGENT_REREGISTERED), or TASK_GONE when the agent lost the task meanwhile;
 * other frameworks see TASK_LOST and find the task running again by reconciliation.
 */
import { expect } from 'chai';
import type { FrameworkInfo, scheduler, TaskStatus } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { parseResources } from '../../lib/local/resources';
import { postCall, Subscription, subscribeCall } from './local-master-helpers';

const acks: NodeJS.Timeout[] = [];
/** JSON calls carry bytes as base64. */
const base64 = (bytes: unknown) => Buffer.from(bytes as Uint8Array).toString('base64') as unknown as Uint8Array;

async function launch(cluster: LocalCluster, info: Partial<FrameworkInfo>, taskId: string) {
  const subscription = await Subscription.open(cluster.masterUrl, subscribeCall(info));
  const offer = (await subscription.waitForEvent('OFFERS')).offers?.offers?.[0];
  if (!offer) throw new Error('no offer');
  const call = (type: scheduler.Call.Type, body: Partial<scheduler.Call>) =>
    postCall(
      cluster.masterUrl,
      { type, framework_id: { value: subscription.frameworkId }, ...body },
      { 'Mesos-Stream-Id': subscription.streamId },
    );
  const task = {
    name: taskId,
    task_id: { value: taskId },
    agent_id: offer.agent_id,
    command: { value: 'exec sleep 30' },
    resources: parseResources('cpus:0.1;mem:16'),
  };
  const accepted = await call('ACCEPT', {
    accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
  });
  expect(accepted.status).to.equal(202);
  // Acknowledge every update as it comes (the agent sends a task's next update only after the ACK).
  let acked = 0;
  const timer = setInterval(() => {
    for (const event of subscription.events.slice(acked)) {
      const status = event.update?.status;
      if (status?.uuid)
        void call('ACKNOWLEDGE', {
          acknowledge: { agent_id: offer.agent_id, task_id: status.task_id, uuid: base64(status.uuid) },
        });
    }
    acked = subscription.events.length;
  }, 10);
  acks.push(timer);
  await subscription.waitForEvent('UPDATE', { where: (e) => e.update?.status.state === 'TASK_RUNNING' });
  await new Promise((resolve) => setTimeout(resolve, 100)); // the ACK of TASK_RUNNING reaches the agent
  return { subscription, call };
}

const statuses = (subscription: Subscription): TaskStatus[] =>
  subscription.events.filter((e) => e.type === 'UPDATE').map((e) => e.update?.status as TaskStatus);

describe('LocalCluster agent partition', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  const open: Subscription[] = [];
  beforeEach(async () => {
    cluster = await LocalCluster.start({ agents: 1 });
  });
  afterEach(async () => {
    for (const timer of acks.splice(0)) clearInterval(timer);
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
    expect(unreachable.update?.status.unreachable_time?.nanoseconds).to.be.a('number');
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

  it('without PARTITION_AWARE: TASK_LOST, the task keeps running and reconciliation finds it', async () => {
    const { subscription, call } = await launch(cluster, {}, 'legacy');
    open.push(subscription);
    const from = subscription.events.length;
    await cluster.faults.partitionAgent(0, 100);
    const lost = await subscription.waitForEvent('UPDATE', { from });
    expect(lost.update?.status.state).to.equal('TASK_LOST');
    const after = subscription.events.length;
    expect((await call('RECONCILE', { reconcile: { tasks: [] } })).status).to.equal(202);
    const answer = await subscription.waitForEvent('UPDATE', { from: after });
    expect(answer.update?.status).to.include({ state: 'TASK_RUNNING', reason: 'REASON_RECONCILIATION' });
  });
});

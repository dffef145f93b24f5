/** Raw-HTTP framework helpers over LocalCluster: subscribe, launch one command task, acknowledge every update. */
import { expect } from 'chai';
import type { FrameworkInfo, scheduler, TaskStatus } from '../../lib/codec/messages';
import type { LocalCluster } from '../../lib/local/cluster';
import { parseResources } from '../../lib/local/resources';
import { postCall, Subscription, subscribeCall } from './local-master-helpers';

/** The acknowledging timers of launched frameworks; clear them with {@link stopAcknowledging}. */
const acks: NodeJS.Timeout[] = [];
/** JSON calls carry bytes as base64. */
const base64 = (bytes: unknown) => Buffer.from(bytes as Uint8Array).toString('base64') as unknown as Uint8Array;

/** Subscribes a framework, launches `taskId` (`exec sleep 30`) on its first offer, acknowledges every update, waits for TASK_RUNNING. */
export async function launch(
  cluster: LocalCluster,
  info: Partial<FrameworkInfo>,
  taskId: string,
  format: 'json' | 'protobuf' = 'json',
) {
  const subscription = await Subscription.open(cluster.masterUrl, subscribeCall(info), { format });
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

export const statuses = (subscription: Subscription): TaskStatus[] =>
  subscription.events.filter((e) => e.type === 'UPDATE').map((e) => e.update?.status as TaskStatus);

/** Stops acknowledging for every framework launched so far. */
export function stopAcknowledging(): void {
  for (const timer of acks.splice(0)) clearInterval(timer);
}

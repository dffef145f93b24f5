/** Raw-HTTP reads of LocalCluster's master and calls of a subscribed framework, for the unacknowledged-task tests. */
import { expect } from 'chai';
import type { FrameworkInfo, master, scheduler, Task, TaskStatus } from '../../lib/codec/messages';
import type { LocalCluster } from '../../lib/local/cluster';
import { launch, stopAcknowledging } from './local-launch-helpers';
import { postCall, type RawResponse, rawRequest, type Subscription } from './local-master-helpers';

/** A task as the master's /state lists it. */
export interface StateTask {
  id: string;
  state: string;
  statuses: Array<{ state: string; source?: string }>;
}

/** The master's /state, with the lists the tests read. */
export interface MasterState {
  unreachable_slaves: number;
  slaves: Array<{ id: string; used_resources: Record<string, number> }>;
  frameworks: Array<{ id: string; tasks: StateTask[]; unreachable_tasks: StateTask[]; completed_tasks: StateTask[] }>;
}

/** GET /state of the leading master. */
export async function masterState(cluster: LocalCluster): Promise<MasterState> {
  const response = await rawRequest(cluster.masterUrl, { method: 'GET', path: '/state' });
  return JSON.parse(response.text) as MasterState;
}

/** An operator API call (JSON) to the leading master. */
export function operatorCall(cluster: LocalCluster, call: unknown): Promise<RawResponse> {
  return rawRequest(cluster.masterUrl, {
    path: '/api/v1',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(call),
  });
}

/** The operator API's GET_TASKS of the leading master (JSON). */
export async function getTasks(cluster: LocalCluster): Promise<master.Response.GetTasks> {
  const response = await operatorCall(cluster, { type: 'GET_TASKS' });
  expect(response.status).to.equal(200);
  return (JSON.parse(response.text) as master.Response).get_tasks as master.Response.GetTasks;
}

/** `id:state` of each task of a list, sorted. */
export const idsAndStates = (tasks: Array<Task | StateTask> | undefined): string[] =>
  (tasks ?? []).map((task) => `${'task_id' in task ? task.task_id.value : task.id}:${task.state}`).sort();

/** Sends calls for a subscription, to whichever master leads now. */
export function caller(cluster: LocalCluster, subscription: Subscription) {
  return (type: scheduler.Call.Type, body: Partial<scheduler.Call>) =>
    postCall(
      cluster.masterUrl,
      { type, framework_id: { value: subscription.frameworkId }, ...body },
      { 'Mesos-Stream-Id': subscription.streamId },
    );
}

/** The body of an ACKNOWLEDGE of `status` (JSON carries the uuid as base64). */
export function acknowledgement(status: TaskStatus): Partial<scheduler.Call> {
  const uuid = Buffer.from(status.uuid as Uint8Array).toString('base64') as unknown as Uint8Array;
  return { acknowledge: { agent_id: status.agent_id as { value: string }, task_id: status.task_id, uuid } };
}

/** Waits for the next UPDATE of `taskId` in `state` after event index `from`; returns its status and index. */
export async function nextUpdate(
  subscription: Subscription,
  taskId: string,
  state: TaskStatus['state'],
  from = 0,
  where: (status: TaskStatus) => boolean = () => true,
): Promise<{ status: TaskStatus; index: number }> {
  const match = (status: TaskStatus | undefined) =>
    status?.task_id.value === taskId && status.state === state && where(status);
  const event = await subscription.waitForEvent('UPDATE', { from, where: (e) => match(e.update?.status) });
  return { status: event.update?.status as TaskStatus, index: subscription.events.indexOf(event) };
}

/** The UPDATEs of `taskId` after event index `from`. */
export const updatesOf = (subscription: Subscription, taskId: string, from = 0): TaskStatus[] =>
  subscription.events
    .slice(from)
    .map((event) => event.update?.status)
    .filter((status): status is TaskStatus => status?.task_id.value === taskId);

/**
 * Launches `ended` (its updates acknowledged up to TASK_RUNNING), stops acknowledging and kills it:
 * its TASK_KILLED stays unacknowledged. Close the subscription when done.
 */
export async function killedUnacknowledged(cluster: LocalCluster, info: Partial<FrameworkInfo> = {}) {
  const { subscription, call } = await launch(cluster, info, 'ended');
  stopAcknowledging();
  const running = updatesOf(subscription, 'ended').find((status) => status.state === 'TASK_RUNNING') as TaskStatus;
  await call('KILL', { kill: { task_id: { value: 'ended' }, agent_id: running.agent_id } });
  const killed = await nextUpdate(subscription, 'ended', 'TASK_KILLED');
  return { subscription, call, running, killed };
}

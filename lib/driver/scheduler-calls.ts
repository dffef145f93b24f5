/** Argument checks and small builders used by the scheduler driver's methods. */

import type {
  Filters,
  FrameworkInfo,
  Offer,
  OfferID,
  OperationStatus,
  scheduler,
  TaskInfo,
  TaskStatus,
} from '../codec/messages';
import { MesosMisuseError } from '../common/errors';
import type { OfferIds } from './scheduler-types';

/** Throws MesosMisuseError unless `id` is an id message (`{ value: string }`). */
export function checkId(id: unknown, what: string): asserts id is { value: string } {
  if (typeof id !== 'object' || id === null || typeof (id as { value?: unknown }).value !== 'string') {
    throw new MesosMisuseError(`${what} must be an object like { value: string }, got ${describe(id)}`);
  }
}

/** Throws MesosMisuseError unless `value` is an array. */
export function checkArray(value: unknown, what: string): asserts value is readonly unknown[] {
  if (!Array.isArray(value)) throw new MesosMisuseError(`${what} must be an array, got ${describe(value)}`);
}

/** Throws MesosMisuseError unless `roles` is an array of strings. */
export function checkRoles(roles: unknown, what: string): asserts roles is readonly string[] {
  checkArray(roles, what);
  (roles as unknown[]).forEach((r, i) => {
    if (typeof r !== 'string') throw new MesosMisuseError(`${what}[${i}] must be a string`);
  });
}

/** One OfferID or a list of them, checked and copied into an array. */
export function toOfferIds(offerIds: OfferIds, what = 'offerIds'): OfferID[] {
  const list = Array.isArray(offerIds) ? [...(offerIds as readonly OfferID[])] : [offerIds as OfferID];
  for (const [i, id] of list.entries()) checkId(id, `${what}[${i}]`);
  return list;
}

/** The tasks that LAUNCH / LAUNCH_GROUP operations would start. */
export function tasksOfOperations(operations: readonly Offer.Operation[]): TaskInfo[] {
  const tasks: TaskInfo[] = [];
  for (const op of operations) {
    if (op.type === 'LAUNCH') tasks.push(...(op.launch?.task_infos ?? []));
    else if (op.type === 'LAUNCH_GROUP') tasks.push(...(op.launch_group?.task_group?.tasks ?? []));
  }
  return tasks;
}

/** The update libmesos makes up for a task launched while disconnected. */
export function masterDisconnectedUpdate(task: TaskInfo, partitionAware: boolean): TaskStatus {
  return {
    task_id: task.task_id,
    state: partitionAware ? 'TASK_DROPPED' : 'TASK_LOST',
    source: 'SOURCE_MASTER',
    reason: 'REASON_MASTER_DISCONNECTED',
    message: 'Master disconnected',
    agent_id: task.agent_id,
    timestamp: Date.now() / 1000,
  };
}

/** True when the framework declares the PARTITION_AWARE capability. */
export function isPartitionAware(framework: FrameworkInfo): boolean {
  return (framework.capabilities ?? []).some((c) => c.type === 'PARTITION_AWARE');
}

/** The roles a framework subscribes with (`roles` under MULTI_ROLE, else `role`, default "*"). */
export function rolesOf(framework: FrameworkInfo): string[] {
  if (framework.roles && framework.roles.length > 0) return [...framework.roles];
  return [framework.role ?? '*'];
}

/** The ACKNOWLEDGE_OPERATION_STATUS call of an operation update; undefined when it needs none. */
export function operationAckCall(status: OperationStatus): scheduler.Call | undefined {
  const uuid = status.uuid?.value;
  if (!uuid || uuid.length === 0 || !status.operation_id || !status.agent_id) return undefined;
  const body: scheduler.Call.AcknowledgeOperationStatus = {
    agent_id: status.agent_id,
    uuid,
    operation_id: status.operation_id,
  };
  if (status.resource_provider_id) body.resource_provider_id = status.resource_provider_id;
  return { type: 'ACKNOWLEDGE_OPERATION_STATUS', acknowledge_operation_status: body };
}

export function withFilters<T extends object>(body: T, filters: Filters | undefined): T & { filters?: Filters } {
  return filters === undefined ? body : { ...body, filters };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

/**
 * The master's answer to an explicit RECONCILE of a task it does not hold (as Mesos's
 * `Master::reconcile`): TASK_GONE when the given agent is registered ("Task is unknown to the
 * agent"; e.g. a task the agent lost in a restart), TASK_UNKNOWN when the agent is not known or
 * not given, TASK_LOST for frameworks without PARTITION_AWARE. Kept apart from master-core.ts.
 */
import type { scheduler, TaskState, TaskStatus } from '../codec/messages';

/** The answer to an explicit reconciliation of a task the master does not hold. */
export function unknownTaskStatus(
  item: scheduler.Call.Reconcile.Task,
  partitionAware: boolean,
  agentRegistered: boolean,
): TaskStatus {
  const state: TaskState = partitionAware ? (agentRegistered ? 'TASK_GONE' : 'TASK_UNKNOWN') : 'TASK_LOST';
  return {
    task_id: item.task_id,
    ...(item.agent_id ? { agent_id: item.agent_id } : {}),
    state,
    source: 'SOURCE_MASTER',
    reason: 'REASON_RECONCILIATION',
    message: agentRegistered ? 'Reconciliation: Task is unknown to the agent' : 'Reconciliation: Task is unknown',
    timestamp: Date.now() / 1000,
  };
}

/**
 * The history of a task's status updates as the master's `/state` shows it (`statuses`): like
 * Mesos's master, an update in the same state as the previous one replaces it (so periodic
 * health or check updates do not pile up), and the `data` of updates is not kept.
 */
import type { TaskStatus } from '../codec/messages';

/** A hard bound on the statuses kept per task (the oldest go first). */
export const MAX_TASK_STATUSES = 100;

const histories = new WeakMap<object, TaskStatus[]>();

/** Records `status` as the task's latest (`lastStatus`) and appends it to its history. */
export function recordTaskStatus(task: { lastStatus: TaskStatus | undefined }, status: TaskStatus): void {
  task.lastStatus = status;
  let history = histories.get(task);
  if (!history) {
    history = [];
    histories.set(task, history);
  }
  const { data: _data, ...kept } = status;
  if (history[history.length - 1]?.state === status.state) history.pop();
  history.push(kept);
  if (history.length > MAX_TASK_STATUSES) history.shift();
}

/** The task's statuses as the master keeps them (the operator API's `Task.statuses`), oldest first. */
export function taskStatusHistory(task: { lastStatus: TaskStatus | undefined }): TaskStatus[] {
  const history = histories.get(task);
  if (history) return [...history];
  if (!task.lastStatus) return [];
  const { data: _data, ...kept } = task.lastStatus;
  return [kept];
}

/** The task's statuses as Mesos's master JSON shows them, oldest first. */
export function taskStatusesJson(task: { lastStatus: TaskStatus | undefined }): Record<string, unknown>[] {
  const history = histories.get(task) ?? (task.lastStatus ? [task.lastStatus] : []);
  return history.map((status) => {
    const json: Record<string, unknown> = { state: status.state, timestamp: status.timestamp ?? 0 };
    if (status.source !== undefined) json.source = status.source;
    if (status.reason !== undefined) json.reason = status.reason;
    if (status.message !== undefined) json.message = status.message;
    if (status.healthy !== undefined) json.healthy = status.healthy;
    if (status.labels !== undefined) json.labels = status.labels;
    if (status.container_status !== undefined) json.container_status = status.container_status;
    return json;
  });
}

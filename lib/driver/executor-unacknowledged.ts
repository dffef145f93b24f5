/**
 * The executor's reliable-delivery ledger: status updates the agent has not acknowledged yet, and
 * launched tasks none of whose updates has been acknowledged. Both lists go into every
 * re-SUBSCRIBE, as the executor API requires (protocol digest §2.2).
 */
import { bytesToBuffer } from '../codec/bytes';
import type { Bytes, executor, TaskInfo } from '../codec/messages';

function uuidKey(uuid: Bytes): string {
  return bytesToBuffer(uuid).toString('hex');
}

/** Unacknowledged updates (by uuid) and unacknowledged tasks (by task id), in insertion order. */
export class UnacknowledgedLedger {
  private readonly updatesByUuid = new Map<string, executor.Call.Update>();
  private readonly tasksById = new Map<string, TaskInfo>();

  /** Records a task the agent launched; it stays until one of its updates is acknowledged. */
  addTask(task: TaskInfo): void {
    this.tasksById.set(task.task_id.value, task);
  }

  /** Records a sent update; `update.status.uuid` must be set. */
  addUpdate(update: executor.Call.Update): void {
    const uuid = update.status.uuid;
    if (!uuid) throw new TypeError('An update without a uuid cannot be tracked');
    this.updatesByUuid.set(uuidKey(uuid), update);
  }

  /**
   * Handles ACKNOWLEDGED: drops the update with `uuid` and the task it belongs to.
   * Returns false when no such update was pending (a duplicate or stray acknowledgement).
   */
  acknowledge(uuid: Bytes): boolean {
    const key = uuidKey(uuid);
    const update = this.updatesByUuid.get(key);
    if (!update) return false;
    this.updatesByUuid.delete(key);
    this.tasksById.delete(update.status.task_id.value);
    return true;
  }

  /** Updates not yet acknowledged, oldest first. */
  get updates(): executor.Call.Update[] {
    return [...this.updatesByUuid.values()];
  }

  /** Launched tasks none of whose updates has been acknowledged, oldest first. */
  get tasks(): TaskInfo[] {
    return [...this.tasksById.values()];
  }

  /** The SUBSCRIBE body carrying both lists. */
  toSubscribe(): executor.Call.Subscribe {
    return { unacknowledged_tasks: this.tasks, unacknowledged_updates: this.updates };
  }
}

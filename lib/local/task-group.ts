/**
 * Task groups run by the DEFAULT executor, with Mesos's default executor policy: when a task of a
 * group ends TASK_FAILED or TASK_KILLED (a KILL of that one task, its health check, a crash), the
 * other live tasks of the group are killed, once per group, each with the executor's fixed grace
 * period of 3 s (not the task's KillPolicy). A task that finishes (TASK_FINISHED, exit 0), or ends
 * in any other way, leaves the rest of its group running.
 */
import type { KillPolicy, TaskState } from '../codec/messages';
import { isTerminalTaskState } from '../codec/task-states';

/** The KillPolicy the default executor kills the rest of a group with. */
export const GROUP_MEMBER_KILL: KillPolicy = { grace_period: { nanoseconds: 3e9 } };

export class TaskGroups {
  /** Each member's group: the keys of its members that have not ended. */
  private readonly groupOf = new Map<string, Set<string>>();
  private readonly killing = new WeakSet<Set<string>>();

  /** `kill` is called with the key of each member to kill. */
  constructor(private readonly kill: (key: string) => void) {}

  /** Records a group launched on the DEFAULT executor (tasks by key). */
  add(keys: string[]): void {
    const group = new Set(keys);
    for (const key of keys) this.groupOf.set(key, group);
  }

  /**
   * A task's new state: a terminal one leaves its group, and a failure or kill kills the rest of
   * it, in a microtask (after the caller has sent the update that caused it).
   */
  updated(key: string, state: TaskState): void {
    const group = this.groupOf.get(key);
    if (!group || !isTerminalTaskState(state)) return;
    this.forget(key);
    if ((state !== 'TASK_FAILED' && state !== 'TASK_KILLED') || this.killing.has(group)) return;
    this.killing.add(group);
    queueMicrotask(() => {
      for (const other of [...group]) this.kill(other);
    });
  }

  /** Drops a task (forgotten without a terminal update). */
  forget(key: string): void {
    this.groupOf.get(key)?.delete(key);
    this.groupOf.delete(key);
  }
}

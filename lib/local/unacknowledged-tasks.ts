/**
 * The tasks the master holds besides its live ones, filed as Mesos's master files them:
 *
 * - terminal but unacknowledged: a task whose terminal update came from its agent stays among its
 *   framework's tasks (`/state` `tasks`, GET_TASKS `tasks`) in its terminal state, its resources
 *   already free, until the framework acknowledges that update (the agent re-sends it until then;
 *   after a master failover the agent reports the task again and re-sends it). Reconciliation
 *   answers its terminal state. Updates the master makes itself carry no uuid and complete a task at once.
 * - unreachable: the tasks of an agent marked unreachable (`unreachable_tasks`), until the agent
 *   reregisters or the framework is removed; a task that was terminal but unacknowledged keeps its
 *   terminal state there. Frameworks without PARTITION_AWARE have theirs kept there too (TASK_LOST).
 * - completed: the rest (`completed_tasks`).
 *
 * It also reads and writes what the cluster's registry (registry.ts) knows of agents that left
 * (unreachable since when, or gone), which explicit reconciliation reports, and knows which agents a
 * partition still cuts off from every master: the registry outlives a master failover, so a new
 * leader neither offers an unreachable agent nor reports its tasks until the agent reregisters, and
 * refuses a gone agent for good.
 */
import { bytesToBuffer } from '../codec/bytes';
import type { Bytes, Resource, scheduler, TaskInfo, TaskState, TaskStatus } from '../codec/messages';
import { TERMINAL_TASK_STATES } from '../codec/task-states';
import type { AgentRemoval } from './master-frameworks';
import { Registry } from './registry';
import { recordTaskStatus } from './task-statuses';
import { timeInfo } from './time-info';

/** A task the master knows. */
export interface TaskRecord {
  frameworkId: string;
  agentId: string;
  task: TaskInfo;
  state: TaskState;
  executorId: string | undefined;
  resources: Resource[];
  lastStatus: TaskStatus | undefined;
}

/** Where a task that is no longer live is filed. */
export type TaskPlace = 'unacknowledged' | 'unreachable' | 'completed';

/** How many completed tasks are kept (the oldest go first). */
const MAX_COMPLETED_TASKS = 1000;
/** How many unreachable tasks are kept per framework (Mesos's `--max_unreachable_tasks_per_framework`). */
const MAX_UNREACHABLE_TASKS_PER_FRAMEWORK = 1000;

/** Agents cut off by a partition, with the time (ms) they were marked unreachable; keyed by the agent object. */
const partitioned = new WeakMap<object, number>();

/** Marks `agent` as cut off from every master since `sinceMs` (see {@link TaskBook.refusesRegistration}). */
export function markPartitioned(agent: object, sinceMs: number): void {
  partitioned.set(agent, sinceMs);
}

/** The partition of `agent` healed: it may reregister. */
export function clearPartitioned(agent: object): void {
  partitioned.delete(agent);
}

export { taskKey } from './keys';

/** Where tasks of a removed agent go (Mesos: unreachable unless the agent was removed, or a PARTITION_AWARE framework's agent is gone). */
export function placeAfterRemoval(mode: AgentRemoval, partitionAware: boolean): TaskPlace {
  if (mode === 'removed' || mode === 'maintenance' || (mode === 'operator' && partitionAware)) return 'completed';
  return 'unreachable';
}

/** A status update the master makes itself (no uuid: nothing to acknowledge). */
export function masterTaskStatus(
  task: TaskRecord,
  state: TaskState,
  reason: TaskStatus.Reason,
  message: string,
): TaskStatus {
  return {
    task_id: task.task.task_id,
    agent_id: { value: task.agentId },
    ...(task.executorId ? { executor_id: { value: task.executorId } } : {}),
    state,
    source: 'SOURCE_MASTER',
    reason,
    message,
    timestamp: Date.now() / 1000,
  };
}

/** The tasks that left the live ones, and what the registry knows of agents that left. */
export class TaskBook {
  private readonly unacknowledged = new Map<string, TaskRecord>();
  /** Per framework id, by task key. */
  private readonly unreachable = new Map<string, Map<string, TaskRecord>>();
  /** Tasks that ended, most recent last. */
  readonly completed: TaskRecord[] = [];

  /** `registry`: the cluster's, which this master recovers from and writes through (default: one of its own). */
  constructor(private readonly registry: Registry = new Registry()) {}

  /** Files a task that is no longer live, taking it out of wherever it was filed before. */
  put(key: string, task: TaskRecord, place: TaskPlace): void {
    this.unacknowledged.delete(key);
    this.unreachable.get(task.frameworkId)?.delete(key);
    if (place === 'unacknowledged') this.unacknowledged.set(key, task);
    else if (place === 'completed') {
      this.completed.push(task);
      if (this.completed.length > MAX_COMPLETED_TASKS) this.completed.shift();
    } else {
      let tasks = this.unreachable.get(task.frameworkId);
      if (!tasks) this.unreachable.set(task.frameworkId, (tasks = new Map()));
      tasks.set(key, task);
      if (tasks.size > MAX_UNREACHABLE_TASKS_PER_FRAMEWORK) tasks.delete(tasks.keys().next().value as string);
    }
  }

  /** The terminal task with `key` whose update awaits its acknowledgement. */
  awaitingAck(key: string): TaskRecord | undefined {
    return this.unacknowledged.get(key);
  }

  /** True when the framework's task with `key` is unreachable. */
  isUnreachable(frameworkId: string, key: string): boolean {
    return this.unreachable.get(frameworkId)?.has(key) ?? false;
  }

  /** The terminal unacknowledged tasks (of one framework, when given). */
  unacknowledgedTasks(frameworkId?: string): TaskRecord[] {
    const all = [...this.unacknowledged.values()];
    return frameworkId === undefined ? all : all.filter((task) => task.frameworkId === frameworkId);
  }

  /** The unreachable tasks (of one framework, when given). */
  unreachableTasks(frameworkId?: string): TaskRecord[] {
    if (frameworkId !== undefined) return [...(this.unreachable.get(frameworkId)?.values() ?? [])];
    return [...this.unreachable.values()].flatMap((tasks) => [...tasks.values()]);
  }

  /** The unacknowledged tasks on an agent, with their keys. */
  unacknowledgedOn(agentId: string): Array<[string, TaskRecord]> {
    return [...this.unacknowledged].filter(([, task]) => task.agentId === agentId);
  }

  /** A framework's unacknowledged and unreachable tasks, with their keys. */
  heldFor(frameworkId: string): Array<[string, TaskRecord]> {
    const unacknowledged = [...this.unacknowledged].filter(([, task]) => task.frameworkId === frameworkId);
    return [...unacknowledged, ...(this.unreachable.get(frameworkId) ?? [])];
  }

  /**
   * The agent re-sent the update of a terminal task awaiting its ACK (a retry, or after a master
   * failover): recorded as the task's latest, the one an ACK must match. False for an unknown task.
   */
  resent(key: string, status: TaskStatus): boolean {
    const task = this.unacknowledged.get(key);
    if (!task) return false;
    recordTaskStatus(task, status);
    return true;
  }

  /**
   * An ACKNOWLEDGE of the task with `key` on `agentId`: when `uuid` is that of its terminal update,
   * the task is completed. Returns true when it was.
   */
  acknowledge(key: string, agentId: string, uuid: Bytes): boolean {
    const task = this.unacknowledged.get(key);
    const sent = task?.lastStatus;
    if (!task || task.agentId !== agentId || !sent?.uuid || !TERMINAL_TASK_STATES.has(sent.state)) return false;
    if (!bytesToBuffer(sent.uuid).equals(bytesToBuffer(uuid))) return false;
    this.put(key, task, 'completed');
    return true;
  }

  /** How many agents are known as unreachable (/state's `unreachable_slaves`). */
  get unreachableAgentCount(): number {
    return this.registry.unreachableAgents().size;
  }

  /** True for an agent the registry knows as unreachable (marked so by this master or an earlier leader). */
  isUnreachableAgent(agentId: string): boolean {
    return this.registry.unreachableAgents().has(agentId);
  }

  /** True for an agent the operator marked gone (MARK_AGENT_GONE), by this master or an earlier leader. */
  isGone(agentId: string): boolean {
    return this.registry.goneAgents().has(agentId);
  }

  /** Records in the registry how an agent left (explicit reconciliation reports it). */
  agentRemoved(agentId: string, mode: AgentRemoval, atMs: number): void {
    const how = mode === 'unreachable' ? mode : mode === 'operator' ? 'gone' : 'removed';
    this.registry.remove(agentId, how, atMs);
  }

  /** An agent (re)registered: admitted, reachable, and its unreachable tasks are forgotten (it reports the ones it has). */
  agentRegistered(agentId: string): void {
    this.registry.admit(agentId);
    for (const tasks of this.unreachable.values()) {
      for (const [key, task] of tasks) if (task.agentId === agentId) tasks.delete(key);
    }
  }

  /**
   * True for an agent that may not register: one marked gone (Mesos refuses it and tells it to shut
   * down; it was shut down when marked), or one a partition still cuts off, which the registry
   * knows as unreachable since the partition began.
   */
  refusesRegistration(agent: { readonly id: string }): boolean {
    if (this.isGone(agent.id)) return true;
    const since = partitioned.get(agent);
    if (since === undefined) return false;
    if (!this.registry.unreachableAgents().has(agent.id)) this.registry.remove(agent.id, 'unreachable', since);
    return true;
  }

  /**
   * Mesos's answer to an explicit reconciliation of an unknown task whose agent is unreachable
   * (TASK_UNREACHABLE with the time it became so) or gone (TASK_GONE_BY_OPERATOR); TASK_LOST for
   * frameworks without PARTITION_AWARE. Undefined for any other agent.
   */
  unknownTaskOnAgentThatLeft(item: scheduler.Call.Reconcile.Task, partitionAware: boolean): TaskStatus | undefined {
    const agentId = item.agent_id?.value;
    if (agentId === undefined) return undefined;
    const since = this.registry.unreachableAgents().get(agentId);
    if (since === undefined && !this.isGone(agentId)) return undefined;
    const left: TaskState = since !== undefined ? 'TASK_UNREACHABLE' : 'TASK_GONE_BY_OPERATOR';
    return {
      task_id: item.task_id,
      agent_id: { value: agentId },
      state: partitionAware ? left : 'TASK_LOST',
      source: 'SOURCE_MASTER',
      reason: 'REASON_RECONCILIATION',
      message: since !== undefined ? 'Reconciliation: Task is unreachable' : 'Reconciliation: Task is gone',
      timestamp: Date.now() / 1000,
      ...(since !== undefined ? { unreachable_time: timeInfo(since) } : {}),
    };
  }
}

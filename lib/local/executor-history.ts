/**
 * Executors an agent has seen end (custom executors and the command executors of command tasks),
 * kept for its `/state` (`completed_executors`, and `completed_frameworks` once a framework has
 * left the agent), and its completed tasks (as Mesos's `Executor::completeTask`: a task whose
 * terminal update was acknowledged; the operator API's `completed_tasks`), bounded as Mesos's
 * agent bounds them.
 */
import type { Resource, TaskInfo, TaskState } from '../codec/messages';

/** Mesos's `--max_completed_executors_per_framework` default. */
export const MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK = 150;
/** Mesos's `--max_completed_frameworks` default. */
export const MAX_COMPLETED_FRAMEWORKS = 50;
/** Mesos's `MAX_COMPLETED_TASKS_PER_EXECUTOR`. */
export const MAX_COMPLETED_TASKS_PER_EXECUTOR = 200;
/** A hard bound on the executors (live or ended) whose completed tasks are kept. */
const MAX_EXECUTORS_WITH_COMPLETED_TASKS = MAX_COMPLETED_FRAMEWORKS * MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK;

/** A task whose terminal status update was acknowledged. */
export interface CompletedTask {
  readonly frameworkId: string;
  readonly executorId: string;
  readonly task: TaskInfo;
  readonly state: TaskState;
}

const executorKey = (frameworkId: string, executorId: string) => `${frameworkId}\u0000${executorId}`;

/** An executor that has ended. */
export interface CompletedExecutor {
  readonly frameworkId: string;
  readonly id: string;
  readonly name: string;
  /** For a command executor, the id of its task. */
  readonly source: string;
  readonly containerId: string;
  readonly directory: string;
  /** How it ended, in Mesos's words (`exited with status 1`, a launch failure...). */
  readonly status: string;
  /** Ids of the tasks it ran. */
  readonly taskIds: readonly string[];
}

/** The bounded record of ended executors of one agent. */
export class ExecutorHistory {
  private readonly byFramework = new Map<string, CompletedExecutor[]>();
  private readonly frameworkNames = new Map<string, string>();
  /** Completed tasks by framework and executor, oldest first. */
  private readonly tasksByExecutor = new Map<string, CompletedTask[]>();

  /** Records an ended executor (the oldest ones go first when a bound is reached). */
  add(entry: CompletedExecutor, frameworkName = ''): void {
    let list = this.byFramework.get(entry.frameworkId);
    if (!list) {
      list = [];
      this.byFramework.set(entry.frameworkId, list);
      this.frameworkNames.set(entry.frameworkId, frameworkName);
      for (const id of this.byFramework.keys()) {
        if (this.byFramework.size <= MAX_COMPLETED_FRAMEWORKS) break;
        for (const executor of this.byFramework.get(id) ?? [])
          this.tasksByExecutor.delete(executorKey(id, executor.id));
        this.byFramework.delete(id);
        this.frameworkNames.delete(id);
      }
    }
    list.push(entry);
    const evicted = list.length > MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK ? list.shift() : undefined;
    if (evicted) this.tasksByExecutor.delete(executorKey(evicted.frameworkId, evicted.id));
  }

  /** Records a task whose terminal update was acknowledged (the oldest go first when a bound is reached). */
  completeTask(entry: CompletedTask): void {
    const key = executorKey(entry.frameworkId, entry.executorId);
    let list = this.tasksByExecutor.get(key);
    if (!list) {
      list = [];
      this.tasksByExecutor.set(key, list);
      const oldest = this.tasksByExecutor.keys().next().value;
      if (this.tasksByExecutor.size > MAX_EXECUTORS_WITH_COMPLETED_TASKS && oldest !== undefined)
        this.tasksByExecutor.delete(oldest);
    }
    // A copy: `entry` may be the agent's whole task record (process, timers).
    list.push({ frameworkId: entry.frameworkId, executorId: entry.executorId, task: entry.task, state: entry.state });
    if (list.length > MAX_COMPLETED_TASKS_PER_EXECUTOR) list.shift();
  }

  /** The completed tasks of an executor, oldest first. */
  tasksOf(frameworkId: string, executorId: string): readonly CompletedTask[] {
    return this.tasksByExecutor.get(executorKey(frameworkId, executorId)) ?? [];
  }

  /** Every completed task kept, oldest first by executor. */
  completedTasks(): CompletedTask[] {
    return [...this.tasksByExecutor.values()].flat();
  }

  /** Ended executors of a framework, oldest first. */
  of(frameworkId: string): readonly CompletedExecutor[] {
    return this.byFramework.get(frameworkId) ?? [];
  }

  /** Frameworks with ended executors, with the name they had. */
  frameworks(): { id: string; name: string }[] {
    return [...this.byFramework.keys()].map((id) => ({ id, name: this.frameworkNames.get(id) ?? '' }));
  }
}

/** The JSON of a completed task in an agent's `/state` (an executor's `completed_tasks`). */
export function completedTaskJson(agentId: string, entry: CompletedTask): Record<string, unknown> {
  return {
    id: entry.task.task_id.value,
    name: entry.task.name,
    framework_id: entry.frameworkId,
    executor_id: entry.executorId,
    slave_id: agentId,
    state: entry.state,
    resources: entry.task.resources ?? ([] as Resource[]),
  };
}

/**
 * The JSON of an ended executor in an agent's `/state`: its `completed_tasks` are those `history`
 * keeps, else (evicted) just their ids.
 */
export function completedExecutorJson(
  agentId: string,
  history: ExecutorHistory,
  entry: CompletedExecutor,
): Record<string, unknown> {
  const completed = history.tasksOf(entry.frameworkId, entry.id);
  const kept = new Set(completed.map((t) => t.task.task_id.value));
  return {
    id: entry.id,
    name: entry.name,
    source: entry.source,
    container: entry.containerId,
    directory: entry.directory,
    state: 'TERMINATED',
    status: entry.status,
    tasks: [],
    queued_tasks: [],
    completed_tasks: [
      ...completed.map((t) => completedTaskJson(agentId, t)),
      ...entry.taskIds.filter((id) => !kept.has(id)).map((id) => ({ id })),
    ],
  };
}

/**
 * Executors an agent has seen end (custom executors and the command executors of command tasks),
 * kept for its `/state` (`completed_executors`, and `completed_frameworks` once a framework has
 * left the agent), bounded as Mesos's agent bounds them.
 */

/** Mesos's `--max_completed_executors_per_framework` default. */
export const MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK = 150;
/** Mesos's `--max_completed_frameworks` default. */
export const MAX_COMPLETED_FRAMEWORKS = 50;

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

  /** Records an ended executor (the oldest ones go first when a bound is reached). */
  add(entry: CompletedExecutor, frameworkName = ''): void {
    let list = this.byFramework.get(entry.frameworkId);
    if (!list) {
      list = [];
      this.byFramework.set(entry.frameworkId, list);
      this.frameworkNames.set(entry.frameworkId, frameworkName);
      for (const id of this.byFramework.keys()) {
        if (this.byFramework.size <= MAX_COMPLETED_FRAMEWORKS) break;
        this.byFramework.delete(id);
        this.frameworkNames.delete(id);
      }
    }
    list.push(entry);
    if (list.length > MAX_COMPLETED_EXECUTORS_PER_FRAMEWORK) list.shift();
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

/** The JSON of an ended executor in an agent's `/state`. */
export function completedExecutorJson(entry: CompletedExecutor): Record<string, unknown> {
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
    completed_tasks: entry.taskIds.map((id) => ({ id })),
  };
}

/**
 * A live copy of a master's state, kept from the SUBSCRIBED snapshot and the events after it:
 * tasks by id (and by state), agents and frameworks, with a change listener. What events do not
 * carry (executors, offers, allocated and offered resources) stays as the last snapshot had it.
 */
import type { AgentID, FrameworkID, master, Task, TaskID, TaskState } from '../codec/messages';
import { isTerminalTaskState } from '../codec/task-states';

type Agent = master.Response.GetAgents.Agent;
type Framework = master.Response.GetFrameworks.Framework;

/** One change of the mirror. */
export type MirrorChange =
  | {
      /** A SUBSCRIBED replaced the whole state. */
      kind: 'reset';
      /** The new state. */
      state: master.Response.GetState;
    }
  | {
      /** A task was added or changed. */
      kind: 'task';
      /** Its task id. */
      id: string;
      /** The task now. */
      task: Task;
      /** The task before, if it was known. */
      previous: Task | undefined;
    }
  | {
      /** An agent was added, changed or removed. */
      kind: 'agent';
      /** Its agent id. */
      id: string;
      /** The agent now; undefined when it was removed. */
      agent: master.Response.GetAgents.Agent | undefined;
      /** The agent before, if it was known. */
      previous: master.Response.GetAgents.Agent | undefined;
    }
  | {
      /** A framework was added, changed or removed. */
      kind: 'framework';
      /** Its framework id. */
      id: string;
      /** The framework now; undefined when it was removed (it is then among the completed ones). */
      framework: master.Response.GetFrameworks.Framework | undefined;
      /** The framework before, if it was known. */
      previous: master.Response.GetFrameworks.Framework | undefined;
    };

const key = (id: TaskID | AgentID | FrameworkID | undefined): string => id?.value ?? '';

/** The mirror; feed it every event of a subscription with `apply()` (the event stream does). */
export class OperatorStateMirror {
  /** Tasks the master holds as active (not terminal, not unreachable), by task id. */
  readonly tasks = new Map<string, Task>();
  /** Tasks that reached a terminal state, by task id. */
  readonly completedTasks = new Map<string, Task>();
  /** Tasks on unreachable agents, by task id. */
  readonly unreachableTasks = new Map<string, Task>();
  /** Registered agents, by agent id. */
  readonly agents = new Map<string, Agent>();
  /** Active (subscribed or failing over) frameworks, by framework id. */
  readonly frameworks = new Map<string, Framework>();
  /** Frameworks torn down or timed out, by framework id. */
  readonly completedFrameworks = new Map<string, Framework>();
  private rest: master.Response.GetState = {};
  private readonly listeners = new Set<(change: MirrorChange) => void>();

  /** `log` receives debug messages (e.g. an update for an unknown task), printf-style. */
  constructor(private readonly log?: (formatter: string, ...args: unknown[]) => void) {}

  /** Calls `listener` after every change; returns the function that removes it. */
  onChange(listener: (change: MirrorChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every known task (active, unreachable and completed) in `state`. */
  tasksInState(state: TaskState): Task[] {
    return [...this.tasks.values(), ...this.unreachableTasks.values(), ...this.completedTasks.values()].filter(
      (task) => task.state === state,
    );
  }

  /** The mirrored state in the shape of a GET_STATE answer. */
  snapshot(): master.Response.GetState {
    const listOrNone = <T>(values: Iterable<T>) => {
      const list = [...values];
      return list.length > 0 ? list : undefined;
    };
    const tasks = this.rest.get_tasks ?? {};
    const frameworks = this.rest.get_frameworks ?? {};
    const agents = this.rest.get_agents ?? {};
    return prune({
      get_tasks: {
        ...tasks,
        tasks: listOrNone(this.tasks.values()),
        unreachable_tasks: listOrNone(this.unreachableTasks.values()),
        completed_tasks: listOrNone(this.completedTasks.values()),
      },
      get_executors: this.rest.get_executors ?? {},
      get_frameworks: {
        ...frameworks,
        frameworks: listOrNone(this.frameworks.values()),
        completed_frameworks: listOrNone(this.completedFrameworks.values()),
      },
      get_agents: { ...agents, agents: listOrNone(this.agents.values()) },
    });
  }

  /** Folds one event of the stream into the mirror. */
  apply(event: master.Event): void {
    switch (event.type) {
      case 'SUBSCRIBED':
        if (event.subscribed) this.reset(event.subscribed.get_state ?? {});
        return;
      case 'TASK_ADDED':
        if (event.task_added) this.putTask(event.task_added.task);
        return;
      case 'TASK_UPDATED':
        if (event.task_updated) this.updateTask(event.task_updated);
        return;
      case 'FRAMEWORK_ADDED':
      case 'FRAMEWORK_UPDATED': {
        const framework = (event.framework_added ?? event.framework_updated)?.framework;
        if (framework) this.putFramework(framework);
        return;
      }
      case 'FRAMEWORK_REMOVED': {
        const info = event.framework_removed?.framework_info;
        if (info) this.removeFramework(key(info.id));
        return;
      }
      case 'AGENT_ADDED':
        if (event.agent_added) this.putAgent(event.agent_added.agent);
        return;
      case 'AGENT_REMOVED': {
        const id = key(event.agent_removed?.agent_id);
        const previous = this.agents.get(id);
        if (!previous) return;
        this.agents.delete(id);
        this.emit({ kind: 'agent', id, agent: undefined, previous });
        return;
      }
      default:
        return;
    }
  }

  private reset(state: master.Response.GetState): void {
    for (const map of [
      this.tasks,
      this.completedTasks,
      this.unreachableTasks,
      this.agents,
      this.frameworks,
      this.completedFrameworks,
    ]) {
      map.clear();
    }
    const tasks = state.get_tasks ?? {};
    for (const task of tasks.tasks ?? []) this.tasks.set(key(task.task_id), task);
    for (const task of tasks.unreachable_tasks ?? []) this.unreachableTasks.set(key(task.task_id), task);
    for (const task of tasks.completed_tasks ?? []) this.completedTasks.set(key(task.task_id), task);
    for (const agent of state.get_agents?.agents ?? []) this.agents.set(key(agent.agent_info.id), agent);
    for (const framework of state.get_frameworks?.frameworks ?? []) {
      this.frameworks.set(key(framework.framework_info.id), framework);
    }
    for (const framework of state.get_frameworks?.completed_frameworks ?? []) {
      this.completedFrameworks.set(key(framework.framework_info.id), framework);
    }
    this.rest = state;
    this.emit({ kind: 'reset', state });
  }

  private find(id: string): Task | undefined {
    return this.tasks.get(id) ?? this.unreachableTasks.get(id) ?? this.completedTasks.get(id);
  }

  private putTask(task: Task): void {
    const id = key(task.task_id);
    const previous = this.find(id);
    this.tasks.delete(id);
    this.unreachableTasks.delete(id);
    this.completedTasks.delete(id);
    const home = isTerminalTaskState(task.state)
      ? this.completedTasks
      : task.state === 'TASK_UNREACHABLE'
        ? this.unreachableTasks
        : this.tasks;
    home.set(id, task);
    this.emit({ kind: 'task', id, task, previous });
  }

  private updateTask(update: master.Event.TaskUpdated): void {
    const id = key(update.status.task_id);
    const previous = this.find(id);
    if (!previous) {
      this.log?.('TASK_UPDATED for unknown task %s', id);
      return;
    }
    // As Mesos's master keeps `statuses`: a status in the same state as the last one replaces it
    // (check and health updates, a repeated update), and `data` is not kept. Only updates with a
    // uuid (not the master's own) set `status_update_state`/`status_update_uuid`.
    const { data: _data, ...status } = update.status;
    const statuses = [...(previous.statuses ?? [])];
    if (statuses[statuses.length - 1]?.state === status.state) statuses.pop();
    statuses.push(status);
    const task: Task = { ...previous, state: update.state, statuses };
    if (status.uuid !== undefined) {
      task.status_update_state = status.state;
      task.status_update_uuid = status.uuid;
    }
    this.putTask(task);
  }

  private putFramework(framework: Framework): void {
    const id = key(framework.framework_info.id);
    const previous = this.frameworks.get(id);
    this.frameworks.set(id, framework);
    this.emit({ kind: 'framework', id, framework, previous });
  }

  private removeFramework(id: string): void {
    const previous = this.frameworks.get(id);
    if (!previous) return;
    this.frameworks.delete(id);
    this.completedFrameworks.set(id, { ...previous, active: false, connected: false });
    this.emit({ kind: 'framework', id, framework: undefined, previous });
  }

  private putAgent(agent: Agent): void {
    const id = key(agent.agent_info.id);
    const previous = this.agents.get(id);
    this.agents.set(id, agent);
    this.emit({ kind: 'agent', id, agent, previous });
  }

  private emit(change: MirrorChange): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(change);
      } catch (err) {
        this.log?.('mirror listener failed: %s', (err as Error)?.message);
      }
    }
  }
}

/** Drops undefined members, as a decoded message has none. */
function prune<T>(value: T): T {
  if (Array.isArray(value)) return value.map(prune) as T;
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(value)) if (member !== undefined) out[name] = prune(member);
  return out as T;
}

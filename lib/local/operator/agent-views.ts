/**
 * A LocalAgent's model as agent operator API messages: GET_FRAMEWORKS, GET_EXECUTORS,
 * GET_TASKS, GET_STATE, GET_CONTAINERS and GET_METRICS, read from the same view as its `/state`.
 */
import type { agent, ExecutorInfo, Metric, Task, TaskInfo, TaskState } from '../../codec/messages';
import { isTerminalTaskState } from '../../codec/task-states';
import type { AgentStateView } from '../agent-state-json';
import { scalarTotal } from '../allocation-info';

/** What the agent's operator endpoints read of it. */
export interface AgentRoutesView extends AgentStateView {
  /** True while the agent recovers after a restart (calls get 503). */
  readonly recovering: boolean;
  /** The agent's work directory (`<workDir>/slaves/<id>` holds its sandboxes). */
  readonly workDir: string;
}

/** The container id behind `runs/latest` of an executor: the live one, else the last ended one. */
export function latestRun(view: AgentStateView, frameworkId: string, executorId: string): string | undefined {
  for (const framework of view.frameworks) {
    if (framework.id !== frameworkId) continue;
    const live = framework.executors.get(executorId);
    if (live) return live.containerId;
  }
  const command = view.launcher.commandsOf(frameworkId).find((c) => c.executorId === executorId);
  if (command) return command.containerId;
  const ended = view.launcher.history.of(frameworkId).filter((e) => e.id === executorId);
  return ended[ended.length - 1]?.containerId;
}

function taskMessage(
  view: AgentStateView,
  row: { frameworkId: string; task: TaskInfo; state: TaskState; executorId: string },
): Task {
  const info = row.task;
  const task: Task = {
    name: info.name,
    task_id: info.task_id,
    framework_id: { value: row.frameworkId },
    executor_id: { value: row.executorId },
    agent_id: { value: view.id },
    state: row.state,
    resources: info.resources ?? [],
    statuses: [],
  };
  if (info.labels) task.labels = info.labels;
  if (info.container) task.container = info.container;
  return task;
}

/**
 * GET_TASKS of an agent: launched (live), terminated (terminal, not yet acknowledged) and
 * completed (terminal update acknowledged; kept bounded, also after their executor ended) tasks.
 */
export function agentTasks(view: AgentStateView): agent.Response.GetTasks {
  const tasks = [...view.tasks];
  return {
    pending_tasks: [],
    queued_tasks: [],
    launched_tasks: tasks.filter((t) => !isTerminalTaskState(t.state)).map((t) => taskMessage(view, t)),
    terminated_tasks: tasks.filter((t) => isTerminalTaskState(t.state)).map((t) => taskMessage(view, t)),
    completed_tasks: view.launcher.history.completedTasks().map((t) => taskMessage(view, t)),
  };
}

/** GET_FRAMEWORKS of an agent. */
export function agentFrameworks(view: AgentStateView): agent.Response.GetFrameworks {
  const live = [...view.frameworks];
  const liveIds = new Set(live.map((f) => f.id));
  return {
    frameworks: live.map((f) => ({ framework_info: { ...f.info, id: { value: f.id } } })),
    completed_frameworks: view.launcher.history
      .frameworks()
      .filter((f) => !liveIds.has(f.id))
      .map((f) => ({ framework_info: { id: { value: f.id }, name: f.name, user: '' } })),
  };
}

function commandExecutorInfo(frameworkId: string, executorId: string, taskId: string): ExecutorInfo {
  return {
    executor_id: { value: executorId },
    framework_id: { value: frameworkId },
    type: 'DEFAULT',
    name: `Command Executor (Task: ${taskId})`,
    source: taskId,
    command: { value: '' },
  } as ExecutorInfo;
}

/** GET_EXECUTORS of an agent: custom and command executors, live and ended. */
export function agentExecutors(view: AgentStateView): agent.Response.GetExecutors {
  const executors: agent.Response.GetExecutors.Executor[] = [];
  const completed: agent.Response.GetExecutors.Executor[] = [];
  const ids = new Set<string>();
  for (const framework of view.frameworks) {
    ids.add(framework.id);
    for (const executor of framework.executors.values()) {
      executors.push({ executor_info: { ...executor.info, framework_id: { value: framework.id } } });
    }
    for (const command of view.launcher.commandsOf(framework.id)) {
      executors.push({ executor_info: commandExecutorInfo(framework.id, command.executorId, command.taskId) });
    }
  }
  for (const { id } of view.launcher.history.frameworks()) ids.add(id);
  for (const frameworkId of ids) {
    for (const ended of view.launcher.history.of(frameworkId)) {
      completed.push({
        executor_info: {
          ...commandExecutorInfo(frameworkId, ended.id, ended.source),
          name: ended.name,
          source: ended.source,
        },
      });
    }
  }
  return { executors, completed_executors: completed };
}

/** GET_STATE of an agent. */
export function agentState(view: AgentStateView): agent.Response.GetState {
  return { get_tasks: agentTasks(view), get_executors: agentExecutors(view), get_frameworks: agentFrameworks(view) };
}

/** GET_CONTAINERS: the containers of live executors and command tasks (and nested sessions when asked). */
export function agentContainers(
  view: AgentStateView,
  nested: Iterable<{ containerId: string; parentId: string }>,
  showNested: boolean,
): agent.Response.GetContainers {
  const containers: agent.Response.GetContainers.Container[] = [];
  for (const framework of view.frameworks) {
    for (const executor of framework.executors.values()) {
      containers.push({
        framework_id: { value: framework.id },
        executor_id: { value: executor.id },
        executor_name: executor.info.name ?? '',
        container_id: { value: executor.containerId },
      });
    }
    for (const command of view.launcher.commandsOf(framework.id)) {
      containers.push({
        framework_id: { value: framework.id },
        executor_id: { value: command.executorId },
        executor_name: `Command Executor (Task: ${command.taskId})`,
        container_id: { value: command.containerId },
      });
    }
  }
  if (showNested) {
    for (const session of nested) {
      containers.push({ container_id: { value: session.containerId, parent: { value: session.parentId } } });
    }
  }
  return { containers };
}

/** GET_METRICS of an agent, named as Mesos's agent names them. */
export function agentMetrics(view: AgentStateView, startedAt: number): Metric[] {
  const tasks = [...view.tasks];
  const count = (state: string) => tasks.filter((t) => t.state === state).length;
  const used = tasks.filter((t) => !isTerminalTaskState(t.state)).flatMap((t) => t.task.resources ?? []);
  let executors = 0;
  for (const framework of view.frameworks)
    executors += framework.executors.size + view.launcher.commandsOf(framework.id).length;
  const metrics: Record<string, number> = {
    'slave/registered': 1,
    'slave/uptime_secs': (Date.now() - startedAt) / 1000,
    'slave/frameworks_active': [...view.frameworks].length,
    'slave/executors_running': executors,
    'slave/tasks_staging': count('TASK_STAGING'),
    'slave/tasks_starting': count('TASK_STARTING'),
    'slave/tasks_running': count('TASK_RUNNING'),
    'slave/tasks_killing': count('TASK_KILLING'),
  };
  for (const name of ['cpus', 'mem', 'disk', 'gpus']) {
    const total = scalarTotal(view.resources, name);
    const usedValue = scalarTotal(used, name);
    metrics[`slave/${name}_total`] = total;
    metrics[`slave/${name}_used`] = usedValue;
    metrics[`slave/${name}_percent`] = total > 0 ? usedValue / total : 0;
  }
  return Object.entries(metrics).map(([name, value]) => ({ name, value }));
}

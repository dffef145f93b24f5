/**
 * The master's model as operator API messages: GET_TASKS, GET_AGENTS, GET_FRAMEWORKS,
 * GET_EXECUTORS and GET_STATE (their union), read from the leading MasterCore.
 */
import type { DrainInfo, ExecutorInfo, master, Resource, Task, Unavailability } from '../../codec/messages';
import { allocatedTo } from '../allocation-info';
import type { MasterCore } from '../master-core';
import { type FrameworkRecord, frameworkRoles, isConnected } from '../master-frameworks';
import { addResources } from '../resources';
import { taskStatusHistory } from '../task-statuses';
import { timeInfo } from '../time-info';
import type { ObservedTask } from './observer';
import { LOCAL_MESOS_VERSION } from './version';

/** What the views read beyond the core: the operator's agent switches. */
export interface AgentSwitches {
  isDeactivated(agentId: string): boolean;
  drainInfo(agentId: string): DrainInfo | undefined;
  /** The maintenance window of the machine of an agent with `hostname`. */
  unavailability(hostname: string): Unavailability | undefined;
}

export { timeInfo } from '../time-info';

/** A task of the core as a `Task` message, with its status history. */
export function taskMessage(record: ObservedTask): Task {
  const info = record.task;
  // Whole statuses as Mesos's master copies them (uuid, source, reason...; not `data`), so that they
  // equal those TASK_UPDATED carried.
  const statuses = taskStatusHistory(record).map((status) => ({
    ...status,
    agent_id: status.agent_id ?? { value: record.agentId },
  }));
  const task: Task = {
    name: info.name,
    task_id: info.task_id,
    framework_id: { value: record.frameworkId },
    agent_id: { value: record.agentId },
    state: record.state,
    resources: record.resources,
    statuses,
  };
  if (record.executorId && info.executor) task.executor_id = { value: record.executorId };
  // As Mesos: only updates with a uuid (the agent's, not the master's own) set these.
  const withUuid = record.lastStatus?.uuid ? record.lastStatus : [...statuses].reverse().find((status) => status.uuid);
  if (withUuid?.uuid) {
    task.status_update_state = withUuid.state;
    task.status_update_uuid = withUuid.uuid;
  }
  if (info.labels) task.labels = info.labels;
  if (info.discovery) task.discovery = info.discovery;
  if (info.container) task.container = info.container;
  if (info.health_check) task.health_check = info.health_check;
  if (info.kill_policy) task.kill_policy = info.kill_policy;
  return task;
}

/**
 * GET_TASKS as Mesos files them: `tasks` are the live ones and the terminal ones whose update is not
 * acknowledged yet, `unreachable_tasks` those of agents marked unreachable, then the completed ones.
 */
export function getTasks(core: MasterCore): master.Response.GetTasks {
  return {
    tasks: [...core.tasks.values(), ...core.book.unacknowledgedTasks()].map(taskMessage),
    unreachable_tasks: core.book.unreachableTasks().map(taskMessage),
    completed_tasks: core.finishedTasks.map(taskMessage),
  };
}

/** One registered agent as GET_AGENTS and AGENT_ADDED show it. */
export function agentMessage(
  core: MasterCore,
  agentId: string,
  switches: AgentSwitches,
): master.Response.GetAgents.Agent {
  const record = core.agents.get(agentId);
  if (!record) throw new Error(`unknown agent ${agentId}`);
  let allocated: Resource[] = [];
  for (const [frameworkId, resources] of core.usedByFramework(agentId)) {
    const framework = core.frameworks.get(frameworkId);
    allocated = addResources(
      allocated,
      allocatedTo(resources, framework ? (frameworkRoles(framework.info)[0] ?? '*') : '*'),
    );
  }
  let offered: Resource[] = [];
  for (const offer of core.outstandingOffers()) {
    if (offer.agent_id.value === agentId) offered = addResources(offered, offer.resources ?? []);
  }
  const deactivated = switches.isDeactivated(agentId);
  const drain = switches.drainInfo(agentId);
  return {
    agent_info: { ...record.info, resources: record.total },
    active: !deactivated,
    deactivated,
    version: LOCAL_MESOS_VERSION,
    pid: `slave(1)@127.0.0.1:${record.info.port ?? 5051}`,
    registered_time: timeInfo(record.registeredAt),
    total_resources: record.total,
    allocated_resources: allocated,
    offered_resources: offered,
    capabilities: [
      { type: 'MULTI_ROLE' },
      { type: 'HIERARCHICAL_ROLE' },
      { type: 'RESERVATION_REFINEMENT' },
      { type: 'AGENT_DRAINING' },
    ],
    ...(drain ? { drain_info: drain } : {}),
  };
}

/** GET_AGENTS. */
export function getAgents(core: MasterCore, switches: AgentSwitches): master.Response.GetAgents {
  return { agents: [...core.agents.keys()].map((id) => agentMessage(core, id, switches)), recovered_agents: [] };
}

/** One framework as GET_FRAMEWORKS and FRAMEWORK_ADDED/UPDATED show it. */
export function frameworkMessage(
  core: MasterCore,
  framework: FrameworkRecord,
  removedAt?: number,
): master.Response.GetFrameworks.Framework {
  const connected = removedAt === undefined && isConnected(framework);
  const offers =
    removedAt === undefined ? core.outstandingOffers().filter((o) => o.framework_id.value === framework.id) : [];
  let allocated: Resource[] = [];
  if (removedAt === undefined) {
    for (const agentId of core.agents.keys()) {
      allocated = addResources(allocated, core.usedByFramework(agentId).get(framework.id) ?? []);
    }
  }
  const message: master.Response.GetFrameworks.Framework = {
    framework_info: { ...framework.info, id: { value: framework.id } },
    active: connected,
    connected,
    recovered: framework.subscribedAt === undefined && removedAt === undefined,
    registered_time: timeInfo(framework.registeredAt),
    offers,
    inverse_offers: [],
    allocated_resources: allocated,
    offered_resources: offers.flatMap((offer) => offer.resources ?? []),
  };
  if (framework.subscribedAt !== undefined && framework.subscribedAt !== framework.registeredAt) {
    message.reregistered_time = timeInfo(framework.subscribedAt);
  }
  if (removedAt !== undefined) message.unregistered_time = timeInfo(removedAt);
  if (framework.offerConstraints?.role_constraints) message.offer_constraints = framework.offerConstraints;
  return message;
}

/** GET_FRAMEWORKS: live ones, and the most recently removed ones. */
export function getFrameworks(core: MasterCore): master.Response.GetFrameworks {
  return {
    frameworks: [...core.frameworks.values()].map((framework) => frameworkMessage(core, framework)),
    completed_frameworks: core.completedFrameworks.map((entry) =>
      frameworkMessage(core, entry.record, entry.removedAt),
    ),
    recovered_frameworks: [],
  };
}

/**
 * GET_EXECUTORS: the custom executors of live tasks (the master does not track command
 * executors, and LocalCluster's master keeps no ExecutorInfo of task groups).
 */
export function getExecutors(core: MasterCore): master.Response.GetExecutors {
  const seen = new Map<string, { executor_info: ExecutorInfo; agent_id: { value: string } }>();
  for (const task of core.tasks.values()) {
    const executor = task.task.executor;
    if (!executor) continue;
    const key = `${task.frameworkId}\u0000${task.agentId}\u0000${executor.executor_id.value}`;
    if (!seen.has(key)) {
      seen.set(key, {
        executor_info: { ...executor, framework_id: { value: task.frameworkId } },
        agent_id: { value: task.agentId },
      });
    }
  }
  return { executors: [...seen.values()], orphan_executors: [] };
}

/** GET_STATE. */
export function getState(core: MasterCore, switches: AgentSwitches): master.Response.GetState {
  return {
    get_tasks: getTasks(core),
    get_executors: getExecutors(core),
    get_frameworks: getFrameworks(core),
    get_agents: getAgents(core, switches),
  };
}

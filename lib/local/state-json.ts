/** `GET /master/state` JSON, shaped like a Mesos master's (the fields tools and UIs read most). */
import type { MasterInfo, Resource } from '../codec/messages';
import { scalarTotal } from './allocation-info';
import type { MasterCore, TaskRecord } from './master-core';
import { type FrameworkRecord, isConnected } from './master-frameworks';
import { taskStatusesJson } from './task-statuses';

function resourceSummary(resources: readonly Resource[]): Record<string, number | string> {
  const summary: Record<string, number | string> = {
    cpus: scalarTotal(resources, 'cpus'),
    mem: scalarTotal(resources, 'mem'),
    disk: scalarTotal(resources, 'disk'),
    gpus: scalarTotal(resources, 'gpus'),
  };
  const ports = resources
    .filter((resource) => resource.name === 'ports')
    .flatMap((resource) => resource.ranges?.range ?? [])
    .map((range) => `${range.begin}-${range.end}`);
  if (ports.length > 0) summary.ports = `[${ports.join(', ')}]`;
  return summary;
}

function taskJson(task: TaskRecord): Record<string, unknown> {
  return {
    id: task.task.task_id.value,
    name: task.task.name,
    framework_id: task.frameworkId,
    executor_id: task.executorId ?? '',
    slave_id: task.agentId,
    agent_id: task.agentId,
    state: task.state,
    resources: resourceSummary(task.resources),
    statuses: taskStatusesJson(task),
  };
}

/** The state document of a master; `core` is present only on the leader. */
export function masterStateJson(
  self: MasterInfo,
  leader: MasterInfo | null,
  core: MasterCore | undefined,
): Record<string, unknown> {
  const state: Record<string, unknown> = {
    version: self.version,
    id: self.id,
    pid: self.pid,
    hostname: self.hostname,
    activated_slaves: core ? core.agents.size : 0,
    deactivated_slaves: 0,
    unreachable_slaves: core ? core.book.unreachableAgentCount : 0,
    start_time: core ? core.startedAt / 1000 : 0,
    ...(core ? { elected_time: core.startedAt / 1000 } : {}),
    ...(leader ? { leader: leader.pid, leader_info: leader } : {}),
    flags: {},
    slaves: [],
    frameworks: [],
    completed_frameworks: [],
    unregistered_frameworks: [],
  };
  if (!core) return state;
  state.slaves = [...core.agents.entries()].map(([id, record]) => ({
    id,
    pid: `slave(1)@127.0.0.1:${record.info.port ?? 5051}`,
    hostname: record.info.hostname,
    port: record.info.port ?? 5051,
    registered_time: record.registeredAt / 1000,
    resources: resourceSummary(record.total),
    used_resources: resourceSummary([...core.usedByFramework(id).values()].flat()),
    unreserved_resources: resourceSummary(
      record.total.filter((resource) => !resource.reservations?.length && (resource.role ?? '*') === '*'),
    ),
    attributes: Object.fromEntries(
      (record.info.attributes ?? []).map((attribute) => [
        attribute.name,
        attribute.text?.value ?? attribute.scalar?.value ?? '',
      ]),
    ),
    active: true,
  }));
  const tasks = [...core.tasks.values()];
  const offers = core.outstandingOffers();
  const frameworkJson = (framework: FrameworkRecord): Record<string, unknown> => ({
    id: framework.id,
    name: framework.info.name,
    user: framework.info.user,
    role: framework.info.role ?? '*',
    roles: framework.info.roles ?? [],
    principal: framework.info.principal,
    failover_timeout: framework.info.failover_timeout ?? 0,
    checkpoint: framework.info.checkpoint ?? false,
    hostname: framework.info.hostname ?? '',
    active: isConnected(framework),
    connected: isConnected(framework),
    recovered: framework.subscribedAt === undefined,
    registered_time: framework.registeredAt / 1000,
    // As Mesos: a terminal task stays among `tasks` until its update is acknowledged.
    tasks: [
      ...tasks.filter((task) => task.frameworkId === framework.id),
      ...core.book.unacknowledgedTasks(framework.id),
    ].map(taskJson),
    unreachable_tasks: core.book.unreachableTasks(framework.id).map(taskJson),
    completed_tasks: core.finishedTasks.filter((task) => task.frameworkId === framework.id).map(taskJson),
    offers: offers
      .filter((offer) => offer.framework_id.value === framework.id)
      .map((offer) => ({
        id: offer.id.value,
        slave_id: offer.agent_id.value,
        resources: resourceSummary(offer.resources ?? []),
      })),
  });
  state.frameworks = [...core.frameworks.values()].map(frameworkJson);
  // As in Mesos, a removed framework is listed in full (with its completed tasks) while it is among
  // the most recent ones; older ones keep only their id here.
  const completed = new Map(core.completedFrameworks.map((entry) => [entry.record.id, entry]));
  state.completed_frameworks = [...core.removedFrameworks].map((id) => {
    const entry = completed.get(id);
    if (!entry) return { id };
    return {
      ...frameworkJson(entry.record),
      active: false,
      connected: false,
      unregistered_time: entry.removedAt / 1000,
    };
  });
  return state;
}

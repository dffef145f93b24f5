/**
 * GET_METRICS of a master, named as Mesos names them (`master/tasks_running`, `master/cpus_used`,
 * ...) and counted from the leading core: tasks by state (live ones by their current state,
 * terminal ones as counters since this master was elected), frameworks, agents, offers, and
 * total / used / offered scalar resources.
 */
import type { Metric, TaskState } from '../../codec/messages';
import { TERMINAL_TASK_STATES } from '../../codec/task-states';
import { scalarTotal } from '../allocation-info';
import type { MasterCore } from '../master-core';
import { isConnected } from '../master-frameworks';

const TASK_STATES: TaskState[] = [
  'TASK_STAGING',
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_KILLING',
  'TASK_UNREACHABLE',
  ...TERMINAL_TASK_STATES,
];

/** What the metrics read besides the core. */
export interface MetricSources {
  core: MasterCore | undefined;
  terminalCounts: ReadonlyMap<TaskState, number>;
  deactivatedAgents: number;
  subscribers: number;
}

/** The master's metrics. */
export function masterMetrics(sources: MetricSources): Metric[] {
  const { core } = sources;
  const metrics: Record<string, number> = {
    'master/elected': core ? 1 : 0,
    'master/uptime_secs': core ? (Date.now() - core.startedAt) / 1000 : 0,
  };
  if (core) {
    const live = new Map<TaskState, number>();
    for (const task of core.tasks.values()) live.set(task.state, (live.get(task.state) ?? 0) + 1);
    for (const state of TASK_STATES) {
      metrics[`master/tasks_${state.slice(5).toLowerCase()}`] =
        (live.get(state) ?? 0) + (sources.terminalCounts.get(state) ?? 0);
    }
    const frameworks = [...core.frameworks.values()];
    const connected = frameworks.filter(isConnected).length;
    metrics['master/frameworks_connected'] = connected;
    metrics['master/frameworks_disconnected'] = frameworks.length - connected;
    metrics['master/frameworks_active'] = connected;
    metrics['master/frameworks_inactive'] = frameworks.length - connected;
    metrics['master/slaves_connected'] = core.agents.size;
    metrics['master/slaves_disconnected'] = 0;
    metrics['master/slaves_active'] = core.agents.size - sources.deactivatedAgents;
    metrics['master/slaves_inactive'] = sources.deactivatedAgents;
    const offers = core.outstandingOffers();
    metrics['master/outstanding_offers'] = offers.length;
    metrics['master/operator_event_stream_subscribers'] = sources.subscribers;
    const total = [...core.agents.values()].flatMap((agent) => agent.total);
    const used = [...core.agents.keys()].flatMap((id) => [...core.usedByFramework(id).values()].flat());
    const offered = offers.flatMap((offer) => offer.resources ?? []);
    for (const name of ['cpus', 'mem', 'disk', 'gpus']) {
      const totalValue = scalarTotal(total, name);
      const usedValue = scalarTotal(used, name);
      metrics[`master/${name}_total`] = totalValue;
      metrics[`master/${name}_used`] = usedValue;
      metrics[`master/${name}_offered`] = scalarTotal(offered, name);
      metrics[`master/${name}_percent`] = totalValue > 0 ? usedValue / totalValue : 0;
    }
  }
  return Object.entries(metrics).map(([name, value]) => ({ name, value }));
}

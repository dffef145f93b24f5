/**
 * A network partition between an agent and the master, healed after a while, with what Mesos
 * sends around it: when the master marks the agent unreachable its offers are rescinded,
 * frameworks get FAILURE and its tasks TASK_UNREACHABLE (TASK_LOST for frameworks without
 * PARTITION_AWARE); the agent keeps running its tasks and keeps their status updates until it can
 * send them. When it reregisters, every connected framework gets from the master each task the
 * agent reports, in its current state (TASK_RUNNING for a task that still runs; a task whose terminal
 * update is not acknowledged yet, in that state) with reason REASON_AGENT_REREGISTERED: since Mesos
 * 1.5 the tasks of frameworks without PARTITION_AWARE are left running too (MESOS-7215) and their
 * frameworks hear of them the same way. PARTITION_AWARE frameworks also get TASK_GONE for a task
 * the agent no longer has (when it restarted meanwhile and could not recover it; a LocalCluster
 * shortcut: Mesos's master says nothing, reconciliation answers TASK_GONE). Updates the agent held
 * are then delivered. An agent whose machine went DOWN meanwhile (START_MAINTENANCE) is refused
 * instead, before any of this, and told to shut down.
 *
 * The partitioned agent is unreachable for every master: one elected meanwhile (a master failover)
 * knows it so from the registry, as Mesos's does, and neither offers it nor reports its tasks
 * (explicit reconciliation answers TASK_UNREACHABLE with the time it became so) until it reregisters.
 */
import type { TaskStatus } from '../codec/messages';
import { isTerminalTaskState } from '../codec/task-states';
import type { AgentEvents, LocalAgent } from './agent';
import type { MasterCore } from './master-core';
import { hasCapability } from './master-frameworks';
import { clearPartitioned, markPartitioned } from './unacknowledged-tasks';

/** Options of a partition. */
export interface PartitionOptions {
  /** Restart the agent while it is partitioned (without checkpoint recovery: it loses what does not checkpoint). */
  restartAgent?: boolean;
}

/** Where a partitioned agent's events go: nowhere (it resends its status updates once reconnected). */
const UNREACHABLE: AgentEvents = {
  statusUpdate: () => undefined,
  frameworkMessage: () => undefined,
  executorExited: () => undefined,
};

/** The leading master, as a partition sees it. */
export interface PartitionLeader {
  readonly core: MasterCore | undefined;
}

/**
 * Partitions `agent` from the leader for `ms`, then lets it reregister with whichever master
 * leads then (`leader()`); resolves once it has, or once that master refused it.
 */
export async function partitionAgent(
  leader: () => PartitionLeader | undefined,
  agent: LocalAgent,
  ms: number,
  options: PartitionOptions = {},
): Promise<void> {
  const agentId = agent.id;
  const before = leader()?.core;
  const unreachable = [...(before?.tasks.values() ?? [])]
    .filter((task) => task.agentId === agentId && !isTerminalTaskState(task.state))
    .map((task) => ({ frameworkId: task.frameworkId, task: task.task }));
  agent.setEvents(UNREACHABLE);
  const since = Date.now(); // the registry's unreachable time, which a master elected meanwhile reports too
  markPartitioned(agent, since);
  before?.removeAgent(agentId, 'unreachable', since);
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
  if (options.restartAgent) await agent.restart({ checkpointRecovery: true });
  clearPartitioned(agent);
  const core = leader()?.core;
  if (!core) return; // the next leader registers it when elected
  if (core.refusesAgent(agent)) return; // as Mesos's _reregisterSlave (gone, "Machine is `DOWN`"): before any task is reported
  const rows = agent.state();
  const held = new Set(rows.map((row) => `${row.framework.id?.value}\u0000${row.task.task_id.value}`));
  // As Mesos: the master's updates go out as it readmits the agent, before the agent re-sends its own.
  const send = (frameworkId: string | undefined, status: Omit<TaskStatus, 'agent_id' | 'source' | 'timestamp'>) => {
    const framework = core.frameworks.get(frameworkId ?? '');
    if (!framework?.stream || framework.stream.closed) return;
    if (status.state === 'TASK_GONE' && !hasCapability(framework.info, 'PARTITION_AWARE')) return;
    const source = 'SOURCE_MASTER' as const;
    const update = { status: { ...status, agent_id: { value: agentId }, source, timestamp: Date.now() / 1000 } };
    framework.stream.send({ type: 'UPDATE', update });
  };
  for (const row of rows) {
    const reason = 'REASON_AGENT_REREGISTERED';
    const message = 'Unreachable agent re-reregistered';
    send(row.framework.id?.value, { task_id: row.task.task_id, state: row.state, reason, message });
  }
  for (const { frameworkId, task } of unreachable) {
    if (held.has(`${frameworkId}\u0000${task.task_id.value}`)) continue;
    const message = 'Task is unknown to the agent';
    send(frameworkId, { task_id: task.task_id, state: 'TASK_GONE', reason: 'REASON_RECONCILIATION', message });
  }
  core.addAgent(agent);
}

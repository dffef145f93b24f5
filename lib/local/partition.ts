/**
 * A network partition between an agent and the master, healed after a while, with what Mesos
 * sends around it: when the master marks the agent unreachable its offers are rescinded,
 * frameworks get FAILURE and its tasks TASK_UNREACHABLE (TASK_LOST for frameworks without
 * PARTITION_AWARE); the agent keeps running its tasks and keeps their status updates until it can
 * send them. When it reregisters, PARTITION_AWARE frameworks get, from the master, each such task's
 * current state (TASK_RUNNING for a task that still runs) with reason REASON_AGENT_REREGISTERED, or
 * TASK_GONE for a task the agent no longer has (when it restarted meanwhile and could not recover
 * it); since Mesos 1.5 (MESOS-7215) the tasks of other frameworks are left running, and their
 * frameworks find them again through reconciliation. Updates the agent held are then delivered.
 * A task whose terminal update was not acknowledged before the partition is reported too (to
 * PARTITION_AWARE frameworks, in its terminal state), and its update is then delivered again.
 *
 * The partitioned agent is unreachable for every master: one elected meanwhile (a master failover)
 * knows it so from the registry, as Mesos's does, and neither offers it nor reports its tasks
 * (explicit reconciliation answers TASK_UNREACHABLE with the time it became so) until it reregisters.
 */
import type { TaskID, TaskState, TaskStatus } from '../codec/messages';
import { isTerminalTaskState } from '../codec/task-states';
import type { AgentEvents, LocalAgent } from './agent';
import type { MasterCore } from './master-core';
import { hasCapability } from './master-frameworks';
import { clearPartitioned, markPartitioned } from './unacknowledged-tasks';

type Reason = TaskStatus.Reason;

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

/**
 * Partitions `agent` from the leader for `ms`, then lets it reregister with whichever master
 * leads then (`leader()`); resolves once it has.
 */
export async function partitionAgent(
  leader: () => MasterCore | undefined,
  agent: LocalAgent,
  ms: number,
  options: PartitionOptions = {},
): Promise<void> {
  const agentId = agent.id;
  const before = leader();
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
  const core = leader();
  if (!core) return; // the next leader registers it when elected
  const rows = agent.state();
  const held = new Set(rows.map((row) => `${row.framework.id?.value}\u0000${row.task.task_id.value}`));
  // As Mesos: the master's updates go out as it readmits the agent, before the agent re-sends its own.
  const send = (frameworkId: string | undefined, taskId: TaskID, state: TaskState, reason: Reason, message: string) => {
    const framework = core.frameworks.get(frameworkId ?? '');
    if (!framework || !hasCapability(framework.info, 'PARTITION_AWARE') || !framework.stream) return;
    const status: TaskStatus = {
      task_id: taskId,
      agent_id: { value: agentId },
      state,
      source: 'SOURCE_MASTER',
      reason,
    };
    if (!framework.stream.closed)
      framework.stream.send({
        type: 'UPDATE',
        update: { status: { ...status, message, timestamp: Date.now() / 1000 } },
      });
  };
  for (const row of rows) {
    const message = 'Unreachable agent re-reregistered';
    send(row.framework.id?.value, row.task.task_id, row.state, 'REASON_AGENT_REREGISTERED', message);
  }
  for (const { frameworkId, task } of unreachable) {
    if (held.has(`${frameworkId}\u0000${task.task_id.value}`)) continue;
    send(frameworkId, task.task_id, 'TASK_GONE', 'REASON_RECONCILIATION', 'Task is unknown to the agent');
  }
  core.addAgent(agent);
}

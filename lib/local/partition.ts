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
 */
import type { TaskStatus } from '../codec/messages';
import { isTerminalTaskState } from '../codec/task-states';
import type { AgentEvents, LocalAgent } from './agent';
import type { MasterCore } from './master-core';
import { hasCapability } from './master-frameworks';

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
  before?.removeAgent(agentId, 'unreachable');
  await new Promise<void>((resolve) => setTimeout(resolve, ms));
  if (options.restartAgent) await agent.restart({ checkpointRecovery: true });
  const core = leader();
  if (!core) return;
  const held = new Map(agent.state().map((row) => [`${row.framework.id?.value}\u0000${row.task.task_id.value}`, row]));
  core.addAgent(agent);
  for (const { frameworkId, task } of unreachable) {
    const framework = core.frameworks.get(frameworkId);
    if (!framework || !hasCapability(framework.info, 'PARTITION_AWARE')) continue;
    const row = held.get(`${frameworkId}\u0000${task.task_id.value}`);
    const status: TaskStatus = {
      task_id: task.task_id,
      agent_id: { value: agentId },
      state: row ? row.state : 'TASK_GONE',
      source: 'SOURCE_MASTER',
      reason: row ? 'REASON_AGENT_REREGISTERED' : 'REASON_RECONCILIATION',
      message: row ? 'Agent reregistered' : 'Task is unknown to the agent',
      timestamp: Date.now() / 1000,
    };
    if (framework.stream && !framework.stream.closed) framework.stream.send({ type: 'UPDATE', update: { status } });
  }
}

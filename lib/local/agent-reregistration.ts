/**
 * An agent process restart as the master sees it (`cluster.faults.restartAgent`, the status
 * page's "Restart agent"), and how the master answers for tasks it no longer holds. As Mesos
 * (`Master::exited`, `Master::reconcileKnownSlave`, `Slave::reregistered`, `Master::reconcile`):
 * - When the agent's connection breaks, the master ends at once every task of the frameworks that
 *   do not checkpoint (FrameworkInfo.checkpoint), since a restarted agent cannot recover them:
 *   TASK_LOST (to PARTITION_AWARE frameworks too), SOURCE_MASTER, REASON_AGENT_DISCONNECTED,
 *   "Agent <hostname> disconnected", without uuid (sent once, to a connected framework only), and
 *   forgets their executors. Tasks of checkpointing frameworks are left alone: their executors
 *   may reconnect to the restarted agent (one that died meanwhile is reported by the agent).
 * - When the agent reregisters with the same id, each task the master still holds on it that the
 *   agent does not report is reconciled through the agent, which answers TASK_LOST (TASK_DROPPED to
 *   PARTITION_AWARE frameworks), SOURCE_AGENT, REASON_RECONCILIATION, "Reconciliation: task unknown
 *   to the agent", with a uuid; executors the agent does not report are forgotten.
 * A RECONCILE for such a task afterwards is answered by unknown-task-reconciliation.ts.
 */
import { randomBytes } from 'node:crypto';
import type { TaskStatus } from '../codec/messages';
import type { LocalAgent } from './agent';
import type { MasterCore, TaskRecord } from './master-core';
import { hasCapability } from './master-frameworks';

/** The master saw `agentId`'s connection break (its process is restarting). */
export function agentDisconnected(core: MasterCore, agentId: string): void {
  core.rescindAgentOffers(agentId);
  const checkpoints = (frameworkId: string) => core.frameworks.get(frameworkId)?.info.checkpoint === true;
  const message = `Agent ${core.agents.get(agentId)?.info.hostname ?? agentId} disconnected`;
  for (const task of [...core.tasks.values()]) {
    if (task.agentId === agentId && !checkpoints(task.frameworkId))
      masterLosesTask(core, task, 'REASON_AGENT_DISCONNECTED', message);
  }
  core.forgetExecutors((executor) => executor.agentId === agentId && !checkpoints(executor.frameworkId));
}

/** The master ends a live task of its own accord: TASK_LOST, SOURCE_MASTER, without uuid. */
export function masterLosesTask(core: MasterCore, task: TaskRecord, reason: TaskStatus.Reason, message: string): void {
  // The core takes it as any update of the task: records it, ends the task, forwards it.
  core.agentEvents.statusUpdate(task.agentId, task.frameworkId, {
    task_id: task.task.task_id,
    agent_id: { value: task.agentId },
    ...(task.executorId ? { executor_id: { value: task.executorId } } : {}),
    state: 'TASK_LOST',
    source: 'SOURCE_MASTER',
    reason,
    message,
    timestamp: Date.now() / 1000,
  });
}

/** The restarted `agent` reregisters with `core` under its old id. */
export function agentReregistered(core: MasterCore, agent: LocalAgent): void {
  const agentId = agent.id;
  core.addAgent(agent);
  const reported = new Set<string>();
  const executors = new Set(agent.executorProcesses().map((e) => `${e.frameworkId}\u0000${e.executorId}`));
  for (const row of agent.state()) {
    reported.add(`${row.framework.id?.value}\u0000${row.task.task_id.value}`);
    if (row.executorId) executors.add(`${row.framework.id?.value}\u0000${row.executorId}`);
  }
  for (const task of [...core.tasks.values()]) {
    if (task.agentId !== agentId || reported.has(`${task.frameworkId}\u0000${task.task.task_id.value}`)) continue;
    const framework = core.frameworks.get(task.frameworkId);
    const partitionAware = framework !== undefined && hasCapability(framework.info, 'PARTITION_AWARE');
    core.agentEvents.statusUpdate(agentId, task.frameworkId, {
      task_id: task.task.task_id,
      agent_id: { value: agentId },
      state: partitionAware ? 'TASK_DROPPED' : 'TASK_LOST',
      source: 'SOURCE_AGENT',
      reason: 'REASON_RECONCILIATION',
      message: 'Reconciliation: task unknown to the agent',
      timestamp: Date.now() / 1000,
      uuid: randomBytes(16),
    });
  }
  core.forgetExecutors((e) => e.agentId === agentId && !executors.has(`${e.frameworkId}\u0000${e.executorId}`));
}

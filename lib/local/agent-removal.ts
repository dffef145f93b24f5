/**
 * What the master tells a framework about each task of an agent it removes, by how the agent
 * left (`removeAgent`'s mode). Mesos's rules (`Master::_removeSlave`, `Master::__removeSlave`,
 * `Master::markGone`, `Master::Http::_startMaintenance`):
 * - START_MAINTENANCE ('maintenance') removes the machine's agents as any removed agent: TASK_LOST
 *   to every framework, PARTITION_AWARE ones too, REASON_AGENT_REMOVED, "Agent <hostname> removed:
 *   Operator initiated 'Machine DOWN'". The agent is neither gone nor unreachable afterwards.
 * - MARK_AGENT_GONE ('operator'): TASK_GONE_BY_OPERATOR, REASON_AGENT_REMOVED_BY_OPERATOR to
 *   PARTITION_AWARE frameworks, TASK_LOST, REASON_AGENT_REMOVED to the others, "Agent has been
 *   marked gone".
 * - A partition ('unreachable'): TASK_UNREACHABLE (TASK_LOST without PARTITION_AWARE),
 *   REASON_AGENT_REMOVED.
 * - `cluster.faults.loseAgent(i, 'removed')` ('removed') is an agent shut down for good (SIGUSR1:
 *   it unregisters, `Master::unregisterSlave`): as any removed agent, TASK_LOST to every framework,
 *   REASON_AGENT_REMOVED, "Agent <hostname> removed: the agent unregistered".
 * Every update comes from the master (SOURCE_MASTER) and has no uuid.
 */
import type { TaskState, TaskStatus } from '../codec/messages';
import type { AgentRemoval } from './master-frameworks';

/** Why START_MAINTENANCE removes an agent (Mesos's removal cause, in its tasks' message). */
export const MACHINE_DOWN_CAUSE = "Operator initiated 'Machine DOWN'";

/** Why the master removes an agent that shut down (`cluster.faults.loseAgent(i, 'removed')`). */
export const UNREGISTERED_CAUSE = 'the agent unregistered';

/** The message of the tasks of an agent marked gone. */
export const MARKED_GONE_MESSAGE = 'Agent has been marked gone';

/** State, reason and message of the master's update for a task of a removed agent. */
export type RemovalReport = [state: TaskState, reason: TaskStatus.Reason, message: string];

/**
 * How the master reports the tasks of agent `agentId` (on `hostname`) removed in `mode`: a function
 * of whether the task's framework is PARTITION_AWARE.
 */
export function removalReport(
  mode: AgentRemoval,
  agentId: string,
  hostname = agentId,
): (partitionAware: boolean) => RemovalReport {
  switch (mode) {
    case 'maintenance':
      return () => ['TASK_LOST', 'REASON_AGENT_REMOVED', `Agent ${hostname} removed: ${MACHINE_DOWN_CAUSE}`];
    case 'operator':
      return (aware) =>
        aware
          ? ['TASK_GONE_BY_OPERATOR', 'REASON_AGENT_REMOVED_BY_OPERATOR', MARKED_GONE_MESSAGE]
          : ['TASK_LOST', 'REASON_AGENT_REMOVED', MARKED_GONE_MESSAGE];
    case 'unreachable':
      return (aware) => [
        aware ? 'TASK_UNREACHABLE' : 'TASK_LOST',
        'REASON_AGENT_REMOVED',
        `Agent ${agentId} is unreachable`,
      ];
    default:
      return () => ['TASK_LOST', 'REASON_AGENT_REMOVED', `Agent ${hostname} removed: ${UNREGISTERED_CAUSE}`];
  }
}

/**
 * An agent succeeded by a new one with a NEW agent id on the same machine (same hostname, port,
 * resources and work directory), as happens in Mesos when an agent starts without recovering its
 * checkpointed state (its `meta/slaves/latest` removed, an incompatible SlaveInfo change after a
 * reboot) or when a machine comes back from maintenance (the master refuses the old id: an agent
 * that was shut down and removed cannot reregister). Used by `cluster.faults.restartAgent(i,
 * { newId: true })` and by STOP_MAINTENANCE. As Mesos does (`Master::exited`,
 * `Master::registerSlave`, `Master::_removeSlave`, `Slave::recover`):
 * - The old agent's process goes away and nothing it ran survives: the new agent's containerizer
 *   destroys the orphaned containers and never reports them; its pending updates are lost.
 * - If the master still holds the old agent, it first handles the broken connection (tasks of
 *   frameworks that do not checkpoint: TASK_LOST, REASON_AGENT_DISCONNECTED; agent-reregistration.ts).
 * - When the new agent registers at the same address, the master removes the old one: each task it
 *   still holds there becomes TASK_LOST (PARTITION_AWARE frameworks too: Mesos's removal sends
 *   TASK_LOST to every framework), SOURCE_MASTER, REASON_AGENT_REMOVED, "Agent <hostname> removed:
 *   a new agent registered at the same address", without uuid; its executors and offers go, every
 *   framework gets FAILURE with the old agent id, operator subscribers AGENT_REMOVED.
 * - The new agent registers with its new id and full resources: AGENT_ADDED, then offers; on a
 *   machine that is DOWN the master refuses it instead (operator/master-agent-calls.ts) until
 *   STOP_MAINTENANCE, which starts its successor.
 */
import { MesosConfigError } from '../common/errors';
import { createLogger } from '../common/logger';
import type { LocalAgent } from './agent';
import { agentDisconnected, masterLosesTask } from './agent-reregistration';
import type { MasterCore } from './master-core';

const log = createLogger('local:agent-succession');

/** Why the master removes the old agent (Mesos's removal cause, in the tasks' message). */
export const SAME_ADDRESS_CAUSE = 'a new agent registered at the same address';

/** What the succession needs of the cluster. */
export interface SuccessionHost {
  /** The cluster's live agents: the new agent takes the old one's place in it. */
  readonly agents: LocalAgent[];
  /** The leading master's core, when one leads. */
  leaderCore(): MasterCore | undefined;
  /** True once the cluster is stopping: a new agent is then stopped instead of registered. */
  stopped(): boolean;
}

/** Builds, not started, the agent that succeeds one: same machine and settings, a new id. */
type SuccessorFactory = () => LocalAgent;

/** The succession of each agent a cluster made (so STOP_MAINTENANCE can find it from the agent). */
const successions = new WeakMap<LocalAgent, { succession: AgentSuccession; successor: SuccessorFactory }>();

/** One cluster's agent successions. */
export class AgentSuccession {
  private readonly pending = new Set<Promise<unknown>>();

  constructor(private readonly host: SuccessionHost) {}

  /** Records how `agent` is succeeded. */
  adopt(agent: LocalAgent, successor: SuccessorFactory): void {
    successions.set(agent, { succession: this, successor });
  }

  /**
   * Replaces `old` by a new agent with a new id; resolves with it once it has registered with the
   * leader (when one leads). Throws MesosConfigError when `old` is not one of the live agents.
   */
  replace(old: LocalAgent): Promise<LocalAgent> {
    const entry = successions.get(old);
    const index = this.host.agents.indexOf(old);
    if (!entry || index < 0) return Promise.reject(new MesosConfigError(`Agent ${old.id} is not a live agent`));
    this.host.agents.splice(index, 1);
    const done = this.succeed(old, index, entry.successor);
    this.pending.add(done);
    const forget = () => this.pending.delete(done);
    done.then(forget, forget);
    return done;
  }

  /** True while `agent` is one of the cluster's live agents (not succeeded yet). */
  isLive(agent: LocalAgent): boolean {
    return this.host.agents.includes(agent);
  }

  /** Waits for the replacements under way (the cluster is stopping). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async succeed(old: LocalAgent, index: number, successor: SuccessorFactory): Promise<LocalAgent> {
    // Stopping reports nothing more (no update, no executor exit) and kills every process it ran.
    await old.stop();
    const core = this.host.leaderCore();
    if (core?.agents.has(old.id)) {
      agentDisconnected(core, old.id);
      removeSupersededAgent(core, old.id);
    }
    const fresh = successor();
    await fresh.start();
    if (this.host.stopped()) {
      await fresh.stop();
      return fresh;
    }
    this.host.agents.splice(Math.min(index, this.host.agents.length), 0, fresh);
    this.host.leaderCore()?.addAgent(fresh);
    log('agent %s succeeded by %s at %s', old.id, fresh.id, fresh.url);
    return fresh;
  }
}

/**
 * Starts the successor of an agent a cluster made, without waiting (STOP_MAINTENANCE: the machine
 * is up, a new agent registers on it). False when `agent` has none (it was not made by a cluster).
 * An agent no longer live (already succeeded, e.g. by `restartAgent(i, { newId: true })` while its
 * machine was DOWN, whose new agent the master refused) is left alone: its successor comes back itself.
 */
export function startSuccessor(agent: LocalAgent): boolean {
  const entry = successions.get(agent);
  if (!entry) return false;
  if (!entry.succession.isLive(agent)) return true;
  entry.succession.replace(agent).catch((err: unknown) => log('no successor for %s: %s', agent.id, String(err)));
  return true;
}

/** The master removes `agentId` because a new agent registered at its address (Mesos `_removeSlave`). */
export function removeSupersededAgent(core: MasterCore, agentId: string): void {
  const hostname = core.agents.get(agentId)?.info.hostname ?? agentId;
  const message = `Agent ${hostname} removed: ${SAME_ADDRESS_CAUSE}`;
  for (const task of [...core.tasks.values()])
    if (task.agentId === agentId) masterLosesTask(core, task, 'REASON_AGENT_REMOVED', message);
  // No live task is left: the removal rescinds offers, forgets executors, sends FAILURE and AGENT_REMOVED.
  core.removeAgent(agentId, 'removed');
}

/**
 * The cluster's registry, as Mesos's registrar keeps one in the replicated log: what a newly
 * elected master recovers, so that a master failover does not forget it. The LocalCluster owns one
 * registry; the leading master writes through it as it changes what the registry holds and a
 * master recovers from it when it is elected. As in Mesos's `Registry` message (registry.proto):
 *
 * - the admitted agents (`slaves`), the unreachable ones with the time they became so
 *   (`unreachable`), the gone ones with the time they were marked gone (`gone`): a new leader
 *   answers an explicit reconciliation of their tasks (TASK_UNREACHABLE with that time, or
 *   TASK_GONE_BY_OPERATOR), counts them in `/state`'s `unreachable_slaves`, takes an unreachable
 *   agent back when it reregisters and refuses a gone one;
 * - the maintenance schedule (`schedules`) and the machines' modes (`machines`: DRAINING, DOWN);
 * - the role weights (`weights`) and quota configurations (`quota_configs`);
 * - the agents' deactivation and drain state (`Slave.deactivated`, `Slave.drain_info`): a new
 *   leader does not offer a deactivated or draining agent, and reports its drain state.
 *
 * Not in the registry, so lost on failover as with Mesos: frameworks and their tasks (learnt again
 * from re-subscribing frameworks and reregistering agents), offers and inverse-offer answers, the
 * logging level. Unlike Mesos, the registry is not bounded by `--registry_max_agent_age`
 * or `--registry_max_agent_count`, and writes apply at once (no registrar queue).
 */
import type { DrainInfo, quota } from '../codec/messages';
import { createLogger } from '../common/logger';
import type { MaintenanceRecord } from './operator/maintenance';

const log = createLogger('local:registry');

/** How an agent left the admitted ones: unreachable, gone, or removed (no longer in the registry). */
export type RegistryRemoval = 'unreachable' | 'gone' | 'removed';

/** The operator settings a registry keeps; the shape of lib/local/operator/settings.ts's, read and written in place. */
export interface RegisteredSettings {
  readonly weights: Map<string, number>;
  readonly quotas: Map<string, quota.QuotaConfig>;
  readonly maintenance: { record(): MaintenanceRecord; recover(record: MaintenanceRecord): void };
  readonly deactivated: Set<string>;
  readonly drains: Map<string, DrainInfo>;
}

/** One cluster's registry. */
export class Registry {
  private readonly admitted = new Set<string>();
  private readonly unreachable = new Map<string, number>();
  private readonly gone = new Map<string, number>();
  private weights = new Map<string, number>();
  private quotas = new Map<string, quota.QuotaConfig>();
  private maintenance: MaintenanceRecord = { schedule: { windows: [] }, machines: [] };
  private deactivated = new Set<string>();
  private drains = new Map<string, DrainInfo>();

  /** An agent (re)registered: admitted, no longer unreachable. */
  admit(agentId: string): void {
    this.unreachable.delete(agentId);
    this.admitted.add(agentId);
  }

  /** An agent left: unreachable or gone since `atMs` (ms since the epoch), or removed altogether. */
  remove(agentId: string, how: RegistryRemoval, atMs: number): void {
    this.admitted.delete(agentId);
    if (how === 'unreachable') {
      if (!this.gone.has(agentId)) this.unreachable.set(agentId, atMs);
    } else if (how === 'gone') {
      this.unreachable.delete(agentId);
      this.gone.set(agentId, atMs);
    }
    log('agent %s %s', agentId, how);
  }

  /** True for an admitted agent (registered with some leader and not removed since). */
  isAdmitted(agentId: string): boolean {
    return this.admitted.has(agentId);
  }

  /** The admitted agents (what a newly elected master waits for, agent-reregister-timeout.ts). */
  admittedAgents(): ReadonlySet<string> {
    return this.admitted;
  }

  /** The unreachable agents, with the time (ms) they became so. */
  unreachableAgents(): ReadonlyMap<string, number> {
    return this.unreachable;
  }

  /** The agents marked gone, with the time (ms) they were. */
  goneAgents(): ReadonlyMap<string, number> {
    return this.gone;
  }

  /** Stores the leader's weights, quotas, maintenance, deactivated and draining agents (after they changed). */
  storeSettings(settings: RegisteredSettings): void {
    this.weights = new Map(settings.weights);
    this.quotas = copyMap(settings.quotas);
    this.maintenance = settings.maintenance.record();
    this.deactivated = new Set(settings.deactivated);
    this.drains = copyMap(settings.drains);
  }

  /** A newly elected master takes the registry's settings in place of its own. */
  recoverSettings(settings: RegisteredSettings): void {
    refill(settings.weights, this.weights);
    refill(settings.quotas, copyMap(this.quotas));
    settings.maintenance.recover(this.maintenance);
    settings.deactivated.clear();
    for (const agentId of this.deactivated) settings.deactivated.add(agentId);
    refill(settings.drains, copyMap(this.drains));
  }
}

/** A map whose values are deep copies. */
function copyMap<V>(map: ReadonlyMap<string, V>): Map<string, V> {
  return new Map([...map].map(([key, value]) => [key, structuredClone(value)]));
}

/** Replaces the entries of `target` with those of `source`. */
function refill<V>(target: Map<string, V>, source: ReadonlyMap<string, V>): void {
  target.clear();
  for (const [key, value] of source) target.set(key, value);
}

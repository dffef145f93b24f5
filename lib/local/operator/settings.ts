/**
 * What an operator sets on a master and the master reports back: role weights, quotas, the
 * logging level (reverted after its duration, as Mesos does), deactivated and draining agents,
 * and the maintenance book. Weights and quotas are stored and reported; LocalCluster's
 * allocator does not act on them.
 */
import type { DrainInfo, quota, Resource, Unavailability, WeightInfo } from '../../codec/messages';
import { scalarTotal } from '../allocation-info';
import { InverseOffers } from './inverse-offers';
import { MaintenanceBook } from './maintenance';
import type { AgentSwitches } from './master-views';

const QUOTA_RESOURCES = new Set(['cpus', 'mem', 'disk', 'gpus']);

/** A master's operator-set state. */
export class OperatorSettings implements AgentSwitches {
  readonly weights = new Map<string, number>();
  readonly quotas = new Map<string, quota.QuotaConfig>();
  readonly maintenance = new MaintenanceBook();
  readonly inverseOffers = new InverseOffers();
  readonly deactivated = new Set<string>();
  readonly drains = new Map<string, DrainInfo>();
  private level = 0;
  private revertTimer: NodeJS.Timeout | undefined;

  isDeactivated(agentId: string): boolean {
    return this.deactivated.has(agentId);
  }

  drainInfo(agentId: string): DrainInfo | undefined {
    return this.drains.get(agentId);
  }

  unavailability(hostname: string): Unavailability | undefined {
    return this.maintenance.unavailabilityOf(hostname);
  }

  /** The logging level (glog verbosity). */
  get loggingLevel(): number {
    return this.level;
  }

  /** SET_LOGGING_LEVEL: sets the level, back to 0 after `durationMs`. */
  setLoggingLevel(level: number, durationMs: number): void {
    if (this.revertTimer) clearTimeout(this.revertTimer);
    this.level = level;
    this.revertTimer = setTimeout(
      () => {
        this.level = 0;
        this.revertTimer = undefined;
      },
      Math.min(Math.max(0, durationMs), 2 ** 31 - 1),
    );
    this.revertTimer.unref();
  }

  /** UPDATE_WEIGHTS: Mesos's checks, then stores them; the refusal message otherwise. */
  updateWeights(infos: WeightInfo[]): string | undefined {
    for (const info of infos) {
      if (!info.role) return "Either 'role' or 'roles' must be set";
      if (info.role === '*') return "Updating weight for role '*' is not allowed";
      if (!(info.weight > 0)) return `Invalid weight: '${info.weight}'. Weights must be positive`;
    }
    for (const info of infos) this.weights.set(info.role as string, info.weight);
    return undefined;
  }

  /** GET_WEIGHTS. */
  weightInfos(): WeightInfo[] {
    return [...this.weights].map(([role, weight]) => ({ role, weight }));
  }

  /** UPDATE_QUOTA: all-or-nothing, checked against the cluster's `total` unless `force`. */
  updateQuota(configs: quota.QuotaConfig[], force: boolean, total: Resource[]): string | undefined {
    for (const config of configs) {
      if (!config.role || config.role === '*')
        return `Invalid 'QuotaConfig.role': '${config.role}' cannot have a quota`;
      for (const [field, map] of [
        ['guarantees', config.guarantees],
        ['limits', config.limits],
      ] as const) {
        for (const [name, scalar] of Object.entries(map ?? {})) {
          if (!QUOTA_RESOURCES.has(name)) {
            return `Invalid 'QuotaConfig.${field}': Invalid resource name '${name}': only 'cpus', 'mem', 'disk' and 'gpus' may have a quota`;
          }
          if (!(scalar.value >= 0)) return `Invalid 'QuotaConfig.${field}': negative value for '${name}'`;
        }
      }
      for (const [name, guarantee] of Object.entries(config.guarantees ?? {})) {
        const limit = config.limits?.[name];
        if (limit !== undefined && guarantee.value > limit.value) {
          return `Invalid QuotaConfig: guarantee '${name}:${guarantee.value}' is greater than limit '${name}:${limit.value}'`;
        }
      }
    }
    if (!force) {
      const next = new Map(this.quotas);
      for (const config of configs) next.set(config.role, config);
      for (const name of QUOTA_RESOURCES) {
        let sum = 0;
        for (const config of next.values()) sum += config.guarantees?.[name]?.value ?? 0;
        const capacity = scalarTotal(total, name);
        if (sum > capacity) {
          return `Total quota guarantees '${name}:${sum}' exceed cluster capacity '${name}:${capacity}' (use 'force' flag to bypass this check)`;
        }
      }
    }
    for (const config of configs) {
      const empty = Object.keys(config.guarantees ?? {}).length === 0 && Object.keys(config.limits ?? {}).length === 0;
      if (empty) this.quotas.delete(config.role);
      else this.quotas.set(config.role, config);
    }
    return undefined;
  }

  /** Stops the logging level timer. */
  dispose(): void {
    this.inverseOffers.stop();
    if (this.revertTimer) clearTimeout(this.revertTimer);
    this.revertTimer = undefined;
  }
}

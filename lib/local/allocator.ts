/**
 * Decides which framework gets which agent's free resources.
 *
 * Fairness is DRF-like: each allocation round walks the agents, and each agent's free resources
 * (those usable by the role) go to the active, unsuppressed, unfiltered framework role with the
 * lowest dominant share of cpus/mem/disk; ties go to the one offered least recently, so equal
 * frameworks alternate (round-robin). Like Mesos, one framework gets all of an agent's free
 * resources in a round; refusal filters hide an agent from a framework until they expire, unless
 * the agent now has resources beyond what was refused. A framework's offer constraints hide the
 * agents they exclude from the constrained role.
 */
import type { Resource } from '../codec/messages';
import { scalarTotal, usableByRole } from './allocation-info';
import { containsResources, isEmptyResources } from './resources';

/** The most a refusal filter may last: 365 days, Mesos's cap on `refuse_seconds`. */
export const MAX_REFUSE_SECONDS = 31_536_000;
/** `Filters.refuse_seconds` when the scheduler gives none. */
export const DEFAULT_REFUSE_SECONDS = 5;

/** An agent as the allocator sees it. */
export interface AllocatorAgent {
  id: string;
  /** Resources neither used by tasks/executors nor outstanding in offers. */
  free: Resource[];
  /** All of the agent's resources (for shares). */
  total: Resource[];
}

/** A framework as the allocator sees it. */
export interface AllocatorFramework {
  id: string;
  roles: readonly string[];
  /** Roles that get no offers right now (SUPPRESS). */
  suppressedRoles: ReadonlySet<string>;
  /** Resources the framework holds (tasks, executors, offers), for its dominant share. */
  allocated: Resource[];
  /** The framework's offer constraints (agents they exclude get no offers for the role). */
  offerFilter?: { excludes(role: string, agentId: string): boolean };
}

/** One offer to make. */
export interface Allocation {
  frameworkId: string;
  role: string;
  agentId: string;
  resources: Resource[];
}

interface RefusalFilter {
  until: number;
  resources: Resource[];
}

const SHARE_RESOURCES = ['cpus', 'mem', 'disk'] as const;

/** Offer decisions plus the refusal filters that shape them. */
export class Allocator {
  private readonly filters = new Map<string, RefusalFilter>();
  private readonly lastOffered = new Map<string, number>();
  private sequence = 0;
  /** No filter expires before this time (ms); a lower bound, tightened by {@link hasExpiredFilters}. */
  private earliestExpiry = Number.POSITIVE_INFINITY;

  /** Hides `resources` on `agentId` from `frameworkId` for `refuseSeconds` (default 5, capped at 365 days). */
  refuse(
    frameworkId: string,
    agentId: string,
    resources: Resource[],
    refuseSeconds: number | undefined,
    now: number,
  ): void {
    let seconds = refuseSeconds ?? DEFAULT_REFUSE_SECONDS;
    if (!Number.isFinite(seconds) || seconds < 0) seconds = DEFAULT_REFUSE_SECONDS;
    seconds = Math.min(seconds, MAX_REFUSE_SECONDS);
    if (seconds === 0 || isEmptyResources(resources)) return;
    const until = now + seconds * 1000;
    this.filters.set(`${frameworkId}\u0000${agentId}`, { until, resources });
    this.earliestExpiry = Math.min(this.earliestExpiry, until);
  }

  /**
   * True when some refusal filter has expired since the last call and so may uncover an agent
   * that did not change. Drops expired filters (they no longer hide anything).
   */
  hasExpiredFilters(now: number): boolean {
    if (this.earliestExpiry > now) return false;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, filter] of this.filters) {
      if (filter.until <= now) this.filters.delete(key);
      else earliest = Math.min(earliest, filter.until);
    }
    this.earliestExpiry = earliest;
    return true;
  }

  /** Drops every refusal filter of `frameworkId` (REVIVE, re-subscribe, removal). */
  clearFilters(frameworkId: string): void {
    for (const key of this.filters.keys()) {
      if (key.startsWith(`${frameworkId}\u0000`)) this.filters.delete(key);
    }
  }

  /** Forgets a framework entirely. */
  removeFramework(frameworkId: string): void {
    this.clearFilters(frameworkId);
    for (const key of this.lastOffered.keys()) {
      if (key.startsWith(`${frameworkId}\u0000`)) this.lastOffered.delete(key);
    }
  }

  /** True when a filter currently hides `resources` on `agentId` from `frameworkId`. */
  isFiltered(frameworkId: string, agentId: string, resources: Resource[], now: number): boolean {
    const key = `${frameworkId}\u0000${agentId}`;
    const filter = this.filters.get(key);
    if (!filter) return false;
    if (filter.until <= now) {
      this.filters.delete(key);
      return false;
    }
    // Mesos offers anyway when the agent now has more than what was refused.
    return containsResources(filter.resources, resources);
  }

  /**
   * One allocation round: what to offer, agent by agent. Does not change the inputs. When
   * `agents` is only part of the cluster, `clusterTotals` gives every agent's total resources,
   * so that shares are computed against the whole cluster.
   */
  allocate(
    agents: readonly AllocatorAgent[],
    frameworks: readonly AllocatorFramework[],
    now: number,
    clusterTotals: readonly (readonly Resource[])[] = agents.map((agent) => agent.total),
  ): Allocation[] {
    const totalByName = new Map<string, number>();
    for (const name of SHARE_RESOURCES) {
      totalByName.set(
        name,
        clusterTotals.reduce((sum, total) => sum + scalarTotal(total, name), 0),
      );
    }
    const held = new Map<string, Map<string, number>>();
    for (const framework of frameworks) {
      const byName = new Map<string, number>();
      for (const name of SHARE_RESOURCES) byName.set(name, scalarTotal(framework.allocated, name));
      held.set(framework.id, byName);
    }
    const share = (frameworkId: string): number => {
      let dominant = 0;
      for (const name of SHARE_RESOURCES) {
        const total = totalByName.get(name) ?? 0;
        if (total > 0) dominant = Math.max(dominant, (held.get(frameworkId)?.get(name) ?? 0) / total);
      }
      return dominant;
    };

    const allocations: Allocation[] = [];
    for (const agent of agents) {
      if (isEmptyResources(agent.free)) continue;
      const candidates: Array<{ framework: AllocatorFramework; role: string; resources: Resource[] }> = [];
      for (const framework of frameworks) {
        for (const role of framework.roles) {
          if (framework.suppressedRoles.has(role) || framework.offerFilter?.excludes(role, agent.id)) continue;
          const usable = agent.free.filter((resource) => usableByRole(resource, role));
          if (isEmptyResources(usable)) continue;
          if (this.isFiltered(framework.id, agent.id, usable, now)) continue;
          candidates.push({ framework, role, resources: usable });
        }
      }
      if (candidates.length === 0) continue;
      candidates.sort(
        (a, b) =>
          share(a.framework.id) - share(b.framework.id) ||
          (this.lastOffered.get(`${a.framework.id}\u0000${a.role}`) ?? -1) -
            (this.lastOffered.get(`${b.framework.id}\u0000${b.role}`) ?? -1),
      );
      const chosen = candidates[0];
      if (!chosen) continue;
      allocations.push({
        frameworkId: chosen.framework.id,
        role: chosen.role,
        agentId: agent.id,
        resources: chosen.resources,
      });
      this.lastOffered.set(`${chosen.framework.id}\u0000${chosen.role}`, this.sequence++);
      const byName = held.get(chosen.framework.id);
      for (const name of SHARE_RESOURCES)
        byName?.set(name, (byName.get(name) ?? 0) + scalarTotal(chosen.resources, name));
    }
    return allocations;
  }
}

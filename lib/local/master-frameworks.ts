/** What the master keeps per framework, and the FrameworkInfo checks it makes on SUBSCRIBE/UPDATE_FRAMEWORK (§1.5). */
import type { FrameworkInfo, scheduler } from '../codec/messages';
import type { SubscriptionStream } from './event-stream';
import { type OfferConstraintsFilter, offerConstraintsProblem } from './offer-constraints';
import type { Re2Limits } from './re2/compile';

/** One framework known to the leading master. */
export interface FrameworkRecord {
  id: string;
  info: FrameworkInfo;
  /** The current subscription; undefined when disconnected or only recovered from agents. */
  stream: SubscriptionStream | undefined;
  suppressedRoles: Set<string>;
  /** Pending removal after a disconnect (`failover_timeout`). */
  failoverTimer: NodeJS.Timeout | undefined;
  /** When it (re-)subscribed last, ms since epoch; undefined when only recovered from agents. */
  subscribedAt: number | undefined;
  registeredAt: number;
  /** Offer constraints of the last SUBSCRIBE / UPDATE_FRAMEWORK, and their filter. */
  offerConstraints?: scheduler.OfferConstraints;
  offerFilter?: OfferConstraintsFilter;
}

/**
 * Why the master removes an agent: lost, partitioned, marked gone by the operator (MARK_AGENT_GONE),
 * or its machine brought down (START_MAINTENANCE). What the tasks' frameworks hear: agent-removal.ts.
 */
export type AgentRemoval = 'removed' | 'unreachable' | 'operator' | 'maintenance';

/** A framework learnt from an agent's report: known, not subscribed, never timed out by this master (MESOS-4659). */
export function recoveredFramework(id: string, info: FrameworkInfo): FrameworkRecord {
  const record = { id, info, stream: undefined, suppressedRoles: new Set<string>(), failoverTimer: undefined };
  return { ...record, subscribedAt: undefined, registeredAt: Date.now() };
}

/** True when the framework is connected through a live subscription. */
export function isConnected(framework: FrameworkRecord): boolean {
  return framework.stream !== undefined && !framework.stream.closed;
}

/** True when `info` declares capability `type`. */
export function hasCapability(info: FrameworkInfo, type: NonNullable<FrameworkInfo.Capability['type']>): boolean {
  return (info.capabilities ?? []).some((capability) => capability.type === type);
}

/** The roles a framework acts in: `roles` with MULTI_ROLE, else the single (deprecated) `role`, default `*`. */
export function frameworkRoles(info: FrameworkInfo): string[] {
  if (hasCapability(info, 'MULTI_ROLE')) return [...(info.roles ?? [])];
  return [info.role ?? '*'];
}

const ROLE_PATTERN = /^[^/\s.-][^\s]*$/;

/**
 * Mesos's FrameworkInfo checks, then those of the suppressed roles and offer constraints
 * ({@link allocatorOptionsProblem}); returns the refusal message or undefined when valid.
 */
export function validateFrameworkInfo(
  info: FrameworkInfo,
  whitelist: readonly string[] | undefined,
  suppressedRoles: readonly string[],
  offerConstraints?: scheduler.OfferConstraints,
  limits?: Re2Limits,
): string | undefined {
  return (
    frameworkInfoProblem(info, whitelist) ??
    allocatorOptionsProblem(frameworkRoles(info), suppressedRoles, offerConstraints, limits)
  );
}

/** Mesos's checks of a FrameworkInfo alone (roles, the master's --roles, failover_timeout); undefined when valid. */
export function frameworkInfoProblem(
  info: FrameworkInfo,
  whitelist: readonly string[] | undefined,
): string | undefined {
  const multiRole = hasCapability(info, 'MULTI_ROLE');
  if (!multiRole && info.roles !== undefined && info.roles.length > 0) {
    return "'FrameworkInfo.roles' must not be set when the MULTI_ROLE capability is not enabled";
  }
  if (multiRole && info.role !== undefined) {
    return "'FrameworkInfo.role' must not be set when the MULTI_ROLE capability is enabled";
  }
  const roles = frameworkRoles(info);
  const seen = new Set<string>();
  for (const role of roles) {
    if (seen.has(role)) return `'FrameworkInfo.roles' contains duplicate items: '${role}'`;
    seen.add(role);
    if (role !== '*' && (!ROLE_PATTERN.test(role) || role === '.' || role === '..')) return `Invalid role '${role}'`;
  }
  if (info.failover_timeout !== undefined && !(Number.isFinite(info.failover_timeout) && info.failover_timeout >= 0)) {
    return `Invalid failover_timeout: ${info.failover_timeout}`;
  }
  // As Mesos: every role outside the --roles whitelist, as a sorted set.
  const outside = whitelist?.length ? roles.filter((role) => role !== '*' && !whitelist.includes(role)).sort() : [];
  if (outside.length > 0) return `Roles { ${outside.join(', ')} } are not present in the master's --roles`;
  return undefined;
}

/**
 * Mesos's checks of the suppressed roles and offer constraints against the framework's `roles`
 * (`createAllocatorFrameworkOptions`); `limits` are the master's `--offer_constraints_re2_*`.
 */
export function allocatorOptionsProblem(
  roles: readonly string[],
  suppressedRoles: readonly string[],
  offerConstraints: scheduler.OfferConstraints | undefined,
  limits?: Re2Limits,
): string | undefined {
  const foreign = [...new Set(suppressedRoles.filter((role) => !roles.includes(role)))].sort();
  if (foreign.length > 0) return `Suppressed roles { ${foreign.join(', ')} } are not contained in the set of roles`;
  return offerConstraintsProblem(offerConstraints, roles, limits);
}

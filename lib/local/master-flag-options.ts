/**
 * LocalCluster options that are Mesos master flags: how long a newly elected master waits for the
 * registry's agents to reregister (`--agent_reregister_timeout`) and how many of them it may then
 * mark unreachable (`--recovery_agent_removal_limit`), see agent-reregister-timeout.ts; the RE2
 * limits of offer-constraint regexes (`--offer_constraints_re2_max_mem`,
 * `--offer_constraints_re2_max_program_size`), see offer-constraints.ts. Defaults are Mesos's.
 */
import { MesosConfigError } from '../common/errors';
import { DEFAULT_RE2_LIMITS, type Re2Limits } from './re2/compile';

/** Mesos's `--agent_reregister_timeout` default (also its minimum): 10 minutes. */
export const DEFAULT_AGENT_REREGISTER_TIMEOUT_MS = 600_000;

/** The master flags a LocalCluster takes (part of LocalClusterOptions). */
export interface MasterFlagOptions {
  /**
   * How long a newly elected master waits, in ms, for the agents of the registry to reregister
   * before it marks the others unreachable (Mesos `--agent_reregister_timeout`; default 600000,
   * 10 minutes; Mesos refuses less, LocalCluster takes any positive value so tests can be short).
   */
  agentReregisterTimeoutMs?: number;
  /**
   * The largest share (percent, 0 to 100) of the registry's agents a newly elected master may mark
   * unreachable when the timeout above ends; above it the master exits instead, as Mesos's does
   * (the LocalCluster kills it and another master, if any, is elected). Mesos
   * `--recovery_agent_removal_limit`, default 100.
   */
  recoveryAgentRemovalLimitPercent?: number;
  /** Bytes an offer-constraint regex may take in RE2 (Mesos `--offer_constraints_re2_max_mem`, default 4096). */
  offerConstraintsRe2MaxMem?: number;
  /** RE2 program size an offer-constraint regex may have (Mesos `--offer_constraints_re2_max_program_size`, default 100). */
  offerConstraintsRe2MaxProgramSize?: number;
}

/** The same flags as a leading master uses them. */
export interface MasterFlagSettings {
  agentReregisterTimeoutMs: number;
  /** A fraction, 0 to 1. */
  recoveryAgentRemovalLimit: number;
  re2Limits: Re2Limits;
}

/** Checks `options` (MesosConfigError naming the option at fault) and fills in Mesos's defaults. */
export function masterFlagSettings(options: MasterFlagOptions): MasterFlagSettings {
  const check = (name: keyof MasterFlagOptions, ok: (value: number) => boolean, what: string) => {
    const value = options[name];
    if (value !== undefined && !(typeof value === 'number' && ok(value)))
      throw new MesosConfigError(`LocalCluster option '${name}' must be ${what}, got ${String(value)}`);
  };
  check('agentReregisterTimeoutMs', (ms) => Number.isFinite(ms) && ms > 0, 'a number > 0');
  check('recoveryAgentRemovalLimitPercent', (pct) => pct >= 0 && pct <= 100, 'a number within [0, 100]');
  check('offerConstraintsRe2MaxMem', (bytes) => Number.isInteger(bytes) && bytes >= 0, 'an integer >= 0');
  check('offerConstraintsRe2MaxProgramSize', (size) => Number.isInteger(size) && size >= 0, 'an integer >= 0');
  return {
    agentReregisterTimeoutMs: options.agentReregisterTimeoutMs ?? DEFAULT_AGENT_REREGISTER_TIMEOUT_MS,
    recoveryAgentRemovalLimit: (options.recoveryAgentRemovalLimitPercent ?? 100) / 100,
    re2Limits: {
      maxMem: options.offerConstraintsRe2MaxMem ?? DEFAULT_RE2_LIMITS.maxMem,
      maxProgramSize: options.offerConstraintsRe2MaxProgramSize ?? DEFAULT_RE2_LIMITS.maxProgramSize,
    },
  };
}

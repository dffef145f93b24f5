/**
 * The `mesos-local` flags that are Mesos master flags (master-flag-options.ts), named and written
 * as Mesos's (each also accepted with underscores, as Mesos spells it):
 * `--agent-reregister-timeout` takes a stout duration (`10mins`, `30secs`, `500ms`),
 * `--recovery-agent-removal-limit` a percentage (`50%`), `--offer-constraints-re2-max-mem` a stout
 * byte size (`4KB`, `4096B`; a plain number of bytes too) and
 * `--offer-constraints-re2-max-program-size` an integer.
 */
import { MesosConfigError } from '../common/errors';
import type { MasterFlagOptions } from './master-flag-options';

/** Usage lines of these flags, for `mesos-local --help`. */
export const MASTER_FLAGS_USAGE = `  --agent-reregister-timeout D  how long a newly elected master waits for the agents it knows
                               to reregister before marking them unreachable, a Mesos duration
                               such as 10mins (the default), 30secs or 500ms
  --recovery-agent-removal-limit P%  the most of them it may mark unreachable then (default
                               100%); above it the master exits, as Mesos's does
  --offer-constraints-re2-max-mem B  memory an offer-constraint regex may take in RE2, Mesos
                               bytes such as 4KB or 4096B (default 4KB)
  --offer-constraints-re2-max-program-size N  the RE2 program size it may have (default 100)`;

const FLAGS = [
  'agent-reregister-timeout',
  'recovery-agent-removal-limit',
  'offer-constraints-re2-max-mem',
  'offer-constraints-re2-max-program-size',
] as const;

/** The parseArgs options of these flags, with both spellings. */
export const MASTER_FLAG_ARGS = Object.fromEntries(
  FLAGS.flatMap((flag) => [flag, flag.replaceAll('-', '_')]).map((name) => [name, { type: 'string' as const }]),
);

const BYTE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** The cluster options these flags ask for; `values` are parseArgs's. Throws MesosConfigError on bad input. */
export function masterFlagsOfArgs(values: Record<string, unknown>): MasterFlagOptions {
  const text = (flag: (typeof FLAGS)[number]) =>
    (values[flag] ?? values[flag.replaceAll('-', '_')]) as string | undefined;
  const options: MasterFlagOptions = {};
  const timeout = text('agent-reregister-timeout');
  if (timeout !== undefined) options.agentReregisterTimeoutMs = durationMs(timeout);
  const limit = text('recovery-agent-removal-limit');
  if (limit !== undefined) {
    const percent = Number(limit.slice(0, -1));
    if (!limit.endsWith('%') || limit.trim() === '%' || !(percent >= 0 && percent <= 100))
      throw new MesosConfigError(
        `--recovery-agent-removal-limit must be a percentage within [0%-100%], got '${limit}'`,
      );
    options.recoveryAgentRemovalLimitPercent = percent;
  }
  const mem = text('offer-constraints-re2-max-mem');
  if (mem !== undefined) options.offerConstraintsRe2MaxMem = bytesOf(mem);
  const size = text('offer-constraints-re2-max-program-size');
  if (size !== undefined) {
    if (!/^[0-9]+$/.test(size))
      throw new MesosConfigError(`--offer-constraints-re2-max-program-size must be an integer, got '${size}'`);
    options.offerConstraintsRe2MaxProgramSize = Number(size);
  }
  return options;
}

/** A stout byte size (digits and B, KB, MB, GB or TB, any case) or a plain number of bytes. */
function bytesOf(text: string): number {
  const match = /^([0-9]+)([A-Za-z]*)$/.exec(text);
  const unit = BYTE_UNITS[(match?.[2] || 'B').toUpperCase()];
  if (!match || unit === undefined)
    throw new MesosConfigError(`--offer-constraints-re2-max-mem must be bytes such as 4KB or 4096B, got '${text}'`);
  return Number(match[1]) * unit;
}

/** Milliseconds in each stout Duration unit. */
const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1000,
  mins: 60_000,
  hrs: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

/** A stout Duration (a non-negative decimal and its unit: `10mins`, `1.5hrs`, `500ms`) in ms. */
function durationMs(text: string): number {
  const split = /^(\d+(?:\.\d*)?|\.\d+)([a-z]+)$/.exec(text);
  const perUnit = split ? DURATION_UNITS[split[2] as string] : undefined;
  if (!split || perUnit === undefined)
    throw new MesosConfigError(
      `--agent-reregister-timeout is not a valid duration: '${text}' (a number and ns, us, ms, secs, mins, hrs, days or weeks)`,
    );
  return Number(split[1]) * perUnit;
}

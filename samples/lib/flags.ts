/**
 * Flag parsing shared by the sample frameworks: the flags of Mesos's `src/examples/flags.hpp`
 * (`--master`, `--authenticate`, `--principal`, `--secret`, `--checkpoint`, `--role`) plus each
 * sample's own, read from the command line or from `MESOS_EXAMPLE_<NAME>` environment variables.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MesosConfigError } from '../../lib';

/** One flag a sample accepts. */
export interface FlagSpec {
  /** `string` flags take a value; `boolean` flags are switches (`--flag`, or `MESOS_EXAMPLE_FLAG=true`). */
  type: 'string' | 'boolean';
  /** One line of `--help` text. */
  description: string;
  /** Value when neither the command line nor the environment sets it. */
  default?: string | boolean;
}

/** The flags every sample shares, with Mesos's defaults. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  master: {
    type: 'string',
    description:
      'master to use: host:port, http(s)://host:port, a comma list, zk://host:port/path, file:///path; unset or "local" starts an embedded LocalCluster',
  },
  authenticate: {
    type: 'boolean',
    default: false,
    description: 'send the credential (--principal, --secret) to the master',
  },
  principal: {
    type: 'string',
    default: 'test',
    description: 'principal of the framework (FrameworkInfo.principal and credential)',
  },
  secret: {
    type: 'string',
    description: 'secret of the principal; a value starting with / or file:// is read from that file',
  },
  checkpoint: {
    type: 'boolean',
    default: false,
    description: 'ask agents to checkpoint the framework (FrameworkInfo.checkpoint)',
  },
  role: { type: 'string', default: '*', description: 'role the framework subscribes with' },
  help: { type: 'boolean', default: false, description: 'print this help and exit' },
};

/** Parsed flag values: strings, booleans, or undefined for an unset flag without default. */
export type FlagValues = Record<string, string | boolean | undefined>;

/** Environment variable that sets `--name` (Mesos's example flags use the `MESOS_EXAMPLE_` prefix). */
export function envName(flag: string): string {
  return `MESOS_EXAMPLE_${flag.toUpperCase()}`;
}

function parseBoolean(text: string, where: string): boolean {
  const lowered = text.trim().toLowerCase();
  if (['1', 'true', 'yes'].includes(lowered)) return true;
  if (['0', 'false', 'no', ''].includes(lowered)) return false;
  throw new MesosConfigError(`${where} must be true or false, got '${text}'`);
}

/**
 * Reads `specs` from `argv` (which wins) and from `MESOS_EXAMPLE_*` variables in `env`, then applies
 * defaults. Throws MesosConfigError naming the flag on unknown flags or malformed values.
 */
export function parseFlags(
  argv: readonly string[],
  specs: Record<string, FlagSpec>,
  env: NodeJS.ProcessEnv = process.env,
): FlagValues {
  let parsed: Record<string, string | boolean | undefined>;
  try {
    const options = Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: spec.type }]));
    // `--flag=true` is common with Mesos's binaries: accept it for switches too.
    const normalized = argv.map((arg) =>
      arg.replace(/^--([a-z_]+)=(true|false)$/i, (_m, name: string, value: string) =>
        specs[name]?.type === 'boolean'
          ? value.toLowerCase() === 'true'
            ? `--${name}`
            : `--no-${name}`
          : `--${name}=${value}`,
      ),
    );
    const negated = new Set<string>();
    const args = normalized.filter((arg) => {
      const match = /^--no-([a-z_]+)$/.exec(arg);
      if (match && specs[match[1] as string]?.type === 'boolean') {
        negated.add(match[1] as string);
        return false;
      }
      return true;
    });
    parsed = parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | boolean | undefined
    >;
    for (const name of negated) parsed[name] = false;
  } catch (err) {
    throw new MesosConfigError((err as Error).message, { cause: err });
  }
  const values: FlagValues = {};
  for (const [name, spec] of Object.entries(specs)) {
    let value = parsed[name];
    const fromEnv = env[envName(name)];
    if (value === undefined && fromEnv !== undefined)
      value = spec.type === 'boolean' ? parseBoolean(fromEnv, envName(name)) : fromEnv;
    values[name] = value ?? spec.default;
  }
  return values;
}

/** The `--help` text of a sample. */
export function usage(command: string, summary: string, specs: Record<string, FlagSpec>): string {
  const lines = Object.entries(specs).map(([name, spec]) => {
    const flag = spec.type === 'string' ? `--${name}=VALUE` : `--${name}`;
    const fallback = spec.default !== undefined && spec.default !== false ? ` (default: ${String(spec.default)})` : '';
    return `  ${flag.padEnd(26)} ${spec.description}${fallback}`;
  });
  return `Usage: ${command} [flags]\n\n${summary}\n\nFlags (also read from MESOS_EXAMPLE_<FLAG> environment variables):\n${lines.join('\n')}\n`;
}

/** A string flag's value, or undefined. */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** A positive integer flag, or undefined when unset; throws MesosConfigError when malformed. */
export function positiveIntFlag(values: FlagValues, name: string): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new MesosConfigError(`--${name} must be a positive integer, got '${text}'`);
  return value;
}

/** A non-negative number flag, or undefined when unset; throws MesosConfigError when malformed. */
export function numberFlag(values: FlagValues, name: string): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0)
    throw new MesosConfigError(`--${name} must be a number >= 0, got '${text}'`);
  return value;
}

/** The secret flag's value; as in Mesos, a value starting with `/` or `file://` names a file to read. */
export function readSecret(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!value.startsWith('/') && !value.startsWith('file://')) return value;
  const path = value.startsWith('file://') ? fileURLToPath(value) : value;
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    // The path is fine to show; the secret itself never is.
    throw new MesosConfigError(
      `--secret: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      { cause: err },
    );
  }
}

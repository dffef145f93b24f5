/**
 * Reads the environment a Mesos agent gives to every executor (protocol digest §2.6) into a typed
 * configuration. Anything missing or malformed is a MesosConfigError naming the variable.
 */
import { isAbsolute, relative } from 'node:path';
import { MesosConfigError } from '../common/errors';
import { MAX_SOCKET_PATH_BYTES } from '../transport/executor-client';

/** The executor's configuration, as taken from the agent-provided environment. */
export interface ExecutorEnvironment {
  /** Base URL of the agent, e.g. `http://10.0.0.5:5051` (from MESOS_AGENT_ENDPOINT or MESOS_SLAVE_PID). */
  readonly agentUrl: string;
  /** MESOS_FRAMEWORK_ID. */
  readonly frameworkId: string;
  /** MESOS_EXECUTOR_ID. */
  readonly executorId: string;
  /** MESOS_DIRECTORY: the sandbox path on the host. */
  readonly directory: string;
  /** MESOS_SANDBOX: the sandbox path inside the container, when the containerizer set it. */
  readonly sandbox?: string;
  /** MESOS_AGENT_ID or MESOS_SLAVE_ID, when set. */
  readonly agentId?: string;
  /** MESOS_CHECKPOINT === "1": the framework checkpoints, so agent restarts can be survived. */
  readonly checkpoint: boolean;
  /** MESOS_RECOVERY_TIMEOUT in ms (required when checkpointing). */
  readonly recoveryTimeoutMs?: number;
  /** MESOS_SUBSCRIPTION_BACKOFF_MAX in ms (required when checkpointing). */
  readonly subscriptionBackoffMaxMs?: number;
  /** MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD in ms; 5000 when absent (libmesos's default). */
  readonly shutdownGracePeriodMs: number;
  /** MESOS_EXECUTOR_AUTHENTICATION_TOKEN: the bearer token for the agent, when executor auth is on. */
  readonly authenticationToken?: string;
  /** MESOS_HTTP_COMMAND_EXECUTOR === "1". */
  readonly httpCommandExecutor: boolean;
  /**
   * MESOS_DOMAIN_SOCKET (agent flag `--http_executor_domain_sockets`): the Unix domain socket on
   * which the agent serves the executor API; when set, the driver talks to the agent over it
   * (`http+unix`) instead of TCP. Absolute, or `./`-relative to the working directory when the
   * absolute path is too long for a socket address (as the C++ library does).
   */
  readonly domainSocket?: string;
}

/** Default shutdown grace period (5 s), used when MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD is absent. */
export const DEFAULT_SHUTDOWN_GRACE_PERIOD_MS = 5_000;

/** Milliseconds per unit of a stout Duration string. */
const DURATION_UNITS_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  secs: 1_000,
  mins: 60_000,
  hrs: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};

const DURATION_PATTERN = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(ns|us|ms|secs|mins|hrs|days|weeks)$/;

/**
 * Parses a stout Duration string (a non-negative number followed by ns, us, ms, secs, mins, hrs,
 * days or weeks, e.g. `5secs`, `250ms`, `1.5mins`) into milliseconds.
 * @throws MesosConfigError naming `what` when the text is not such a duration.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const match = DURATION_PATTERN.exec(text.trim());
  if (!match) {
    throw new MesosConfigError(
      `${what} is not a valid duration: '${text}' (expected a number followed by ns, us, ms, secs, mins, hrs, days or weeks, e.g. '5secs')`,
    );
  }
  const ms = Number(match[1]) * (DURATION_UNITS_MS[match[2] as string] as number);
  if (!Number.isFinite(ms)) throw new MesosConfigError(`${what} is out of range: '${text}'`);
  return ms;
}

/** `ip:port` (or `host:port`, `[v6]:port`) -> `http://ip:port`, or undefined when malformed. */
function endpointToUrl(endpoint: string): string | undefined {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/@[\]]+):([0-9]{1,5})$/.exec(endpoint);
  if (!match) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65_535) return undefined;
  return `http://${match[1]}:${port}`;
}

type Env = Readonly<Record<string, string | undefined>>;

function required(env: Env, name: string): string {
  const value = env[name];
  if (value === undefined)
    throw new MesosConfigError(`Environment variable ${name} is missing (the agent sets it for every executor)`);
  if (value.trim() === '') throw new MesosConfigError(`Environment variable ${name} is empty`);
  return value;
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

function flag(env: Env, name: string): boolean {
  const value = env[name];
  if (value === undefined || value === '') return false;
  if (value === '1' || value === '0') return value === '1';
  throw new MesosConfigError(`Environment variable ${name} must be "1" or "0", got '${value}'`);
}

function duration(env: Env, name: string, needed: boolean): number | undefined {
  const value = needed ? required(env, name) : optional(env, name);
  return value === undefined ? undefined : parseDuration(value, `Environment variable ${name}`);
}

function agentUrlFrom(env: Env): string {
  const endpoint = optional(env, 'MESOS_AGENT_ENDPOINT');
  if (endpoint !== undefined) {
    const url = endpointToUrl(endpoint.trim());
    if (!url)
      throw new MesosConfigError(`Environment variable MESOS_AGENT_ENDPOINT must be 'ip:port', got '${endpoint}'`);
    return url;
  }
  const pid = optional(env, 'MESOS_SLAVE_PID');
  if (pid !== undefined) {
    const at = pid.lastIndexOf('@');
    const url = at > 0 ? endpointToUrl(pid.slice(at + 1).trim()) : undefined;
    if (!url)
      throw new MesosConfigError(`Environment variable MESOS_SLAVE_PID must be 'slave(1)@ip:port', got '${pid}'`);
    return url;
  }
  throw new MesosConfigError(
    'Environment variables MESOS_AGENT_ENDPOINT and MESOS_SLAVE_PID are both missing: cannot tell where the agent is',
  );
}

/**
 * MESOS_DOMAIN_SOCKET, checked: an absolute path without NUL. A path too long for a socket
 * address is used relative to `cwd` (`./...`) when that fits, as the C++ executor library does.
 */
function domainSocketFrom(env: Env, cwd: () => string): string | undefined {
  const value = optional(env, 'MESOS_DOMAIN_SOCKET');
  if (value === undefined) return undefined;
  const name = 'Environment variable MESOS_DOMAIN_SOCKET';
  if (value.includes('\0')) throw new MesosConfigError(`${name} must not contain a NUL character`);
  if (!isAbsolute(value)) throw new MesosConfigError(`${name} must be an absolute path, got '${value}'`);
  if (Buffer.byteLength(value) <= MAX_SOCKET_PATH_BYTES) return value;
  const shortened = `./${relative(cwd(), value)}`;
  if (Buffer.byteLength(shortened) <= MAX_SOCKET_PATH_BYTES) return shortened;
  throw new MesosConfigError(
    `${name} is too long for a Unix socket address (${Buffer.byteLength(value)} bytes, at most ${MAX_SOCKET_PATH_BYTES}), also relative to the working directory: '${value}'`,
  );
}

/**
 * Reads an executor's configuration from `env` (the agent-provided environment).
 * MESOS_RECOVERY_TIMEOUT and MESOS_SUBSCRIPTION_BACKOFF_MAX are required only when MESOS_CHECKPOINT is "1".
 * `cwd` gives the working directory a too-long MESOS_DOMAIN_SOCKET is made relative to.
 * @throws MesosConfigError naming the first variable that is missing or malformed.
 */
export function parseExecutorEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  cwd: () => string = () => process.cwd(),
): ExecutorEnvironment {
  const agentUrl = agentUrlFrom(env);
  const frameworkId = required(env, 'MESOS_FRAMEWORK_ID');
  const executorId = required(env, 'MESOS_EXECUTOR_ID');
  const directory = required(env, 'MESOS_DIRECTORY');
  const checkpoint = flag(env, 'MESOS_CHECKPOINT');
  const recoveryTimeoutMs = duration(env, 'MESOS_RECOVERY_TIMEOUT', checkpoint);
  const subscriptionBackoffMaxMs = duration(env, 'MESOS_SUBSCRIPTION_BACKOFF_MAX', checkpoint);
  const shutdownGracePeriodMs =
    duration(env, 'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD', false) ?? DEFAULT_SHUTDOWN_GRACE_PERIOD_MS;
  const sandbox = optional(env, 'MESOS_SANDBOX');
  const agentId = optional(env, 'MESOS_AGENT_ID') ?? optional(env, 'MESOS_SLAVE_ID');
  const authenticationToken = optional(env, 'MESOS_EXECUTOR_AUTHENTICATION_TOKEN');
  const httpCommandExecutor = flag(env, 'MESOS_HTTP_COMMAND_EXECUTOR');
  const domainSocket = domainSocketFrom(env, cwd);
  const parsed: ExecutorEnvironment = {
    agentUrl,
    frameworkId,
    executorId,
    directory,
    checkpoint,
    shutdownGracePeriodMs,
    httpCommandExecutor,
    ...(sandbox !== undefined && { sandbox }),
    ...(agentId !== undefined && { agentId }),
    ...(recoveryTimeoutMs !== undefined && { recoveryTimeoutMs }),
    ...(subscriptionBackoffMaxMs !== undefined && { subscriptionBackoffMaxMs }),
    ...(domainSocket !== undefined && { domainSocket }),
  };
  // Non-enumerable, so logging or serializing the configuration never shows the secret.
  if (authenticationToken !== undefined) {
    Object.defineProperty(parsed, 'authenticationToken', { value: authenticationToken, enumerable: false });
  }
  return parsed;
}

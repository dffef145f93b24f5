/**
 * Command-line options of `mesos-local` (lib/local/cli.ts): the usage text, and their translation
 * into LocalCluster options plus the settings of the control endpoint. Also reads Mesos
 * credentials files (JSON or "principal secret" lines). Secrets never appear in errors.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Credential } from '../codec/messages';
import { MesosConfigError } from '../common/errors';
import { MASTER_FLAG_ARGS, MASTER_FLAGS_USAGE, masterFlagsOfArgs } from './cli-master-flags';
import type { LocalClusterOptions } from './cluster';

/** Everything `mesos-local --help` prints. */
export const USAGE = `Usage: mesos-local [options]

Serves an embedded Mesos cluster (LocalCluster) on 127.0.0.1 until SIGINT/SIGTERM, for frameworks
in any language. Prints the master URL, the master string, the work directory, the control
endpoint and its token.

Cluster:
  --port N                     port of the first master (default: a free port)
  --masters N                  number of masters (default 1)
  --agents N                   number of agents (default 1)
  --resources TEXT             agent resources, Mesos --resources syntax
  --attributes TEXT            agent attributes, Mesos --attributes syntax
  --roles a,b                  the master's role whitelist
  --zk zk://host:port/path     elect masters through ZooKeeper
  --heartbeat-interval S       seconds between HEARTBEAT events (default 15)
  --offer-timeout S            rescind unanswered offers after S seconds
  --allocation-interval-ms N   allocator period in ms (default 100)
  --task-mode MODE             process (default) or simulated
  --simulated-task-ms N        how long a simulated task runs (default 1000)
  --status-update-retry-ms N   first retry of an unacknowledged status update, ms (default 10000)
  --work-dir DIR               keep agents' sandboxes in DIR, also after exit
                               (default: a temporary folder removed at exit)
  --credentials FILE           require HTTP Basic authentication of frameworks with these
                               principals: a Mesos credentials file, JSON
                               {"credentials":[{"principal":"p","secret":"s"}]} or one
                               "principal secret" per line (file:// paths accepted)
  --authenticate-http-readwrite  the operator API (/api/v1) of masters and agents and the
                               status page's controls need HTTP Basic credentials from
                               --credentials (401 otherwise; Mesos --authenticate_http_readwrite)
  --authenticate-http-readonly   /state and /files/* of masters and agents and the status
                               page's data need them too (Mesos --authenticate_http_readonly)
                               (both also spelled with underscores, as Mesos's flags)
  --http-credentials FILE      the agents check HTTP Basic credentials from FILE (same format)
                               instead of --credentials (Mesos agent --http_credentials)
  --executor-env ENV           extra environment of executors and command tasks: a JSON object
                               ('{"A":"1"}') or NAME=VALUE; may be repeated (later ones win)
  --http-executor-domain-sockets  agents also serve the executor API on a Unix socket, given to
                               executors as MESOS_DOMAIN_SOCKET (Mesos --http_executor_domain_sockets)
${MASTER_FLAGS_USAGE}

Control endpoint (fault injection), its own HTTP server on 127.0.0.1:
  --control-port N             its port (default: a free port)
  --no-control                 do not start it
  --ready-file FILE            once serving, write {"master","masterString","workDir",
                               "control","token"} as JSON to FILE (mode 0600)
  Every request needs the token printed at start (or MESOS_LOCAL_CONTROL_TOKEN, >= 16
  characters, when set) as "Authorization: Bearer TOKEN" or "X-Mesos-Local-Token: TOKEN",
  a loopback Host header, and for a body "Content-Type: application/json". Answers are JSON;
  errors are {"error": "..."} with a 4xx status.
    GET  /local/state                       leader, masters, agents, running executors (pids)
    POST /local/faults/failover             move leadership (a new leader identity)
    POST /local/faults/kill-leader          kill the leading master
    POST /local/faults/lose-agent           {"agent": 0 | "<id>", "mode": "removed"|"unreachable"}
    POST /local/faults/restart-agent        {"agent": 0 | "<id>", "newId"?: true} (newId: without
                                             its checkpointed state, under a new agent id)
    POST /local/faults/kill-executor        {"executorId": "x", "frameworkId"?, "agentId"?,
                                             "signal"?: "SIGKILL"}
    POST /local/faults/drop-subscription    {"frameworkId"?, "midRecord"?: true}
    POST /local/faults/stop-heartbeats      (and resume-heartbeats)
    POST /local/faults/fail-next-calls      {"status": 503, "body"?, "count"?, "callType"?}
    POST /local/faults/latency              {"ms": 200}
    POST /local/faults/reset                undo latency, heartbeat stop, call failures
    POST /local/agents                      add an agent {"resources"?, "attributes"?}

  --help                       show this help`;

/** Settings of the control endpoint. */
export interface ControlCliOptions {
  /** False with --no-control. */
  enabled: boolean;
  /** Port to listen on (0: a free one). */
  port: number;
}

/** What the command line asks for. */
export interface CliOptions {
  cluster: LocalClusterOptions;
  control: ControlCliOptions;
  /** Where to write the endpoints as JSON once serving. */
  readyFile?: string;
}

function numberOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value))
    throw new MesosConfigError(`--${name} must be a number, got '${text}'`);
  return value;
}

/** A path given plainly or as a file:// URL, made absolute. */
function pathOption(text: string): string {
  return resolve(text.startsWith('file://') ? fileURLToPath(text) : text);
}

/**
 * Reads a Mesos credentials file (a path or a `file://` URL): JSON `{"credentials":[{"principal","secret"}]}`,
 * or (the older text format) one `principal secret` pair per line. Throws MesosConfigError naming
 * the file and the line or field at fault, never a secret.
 */
export function readCredentialsFile(path: string): Credential[] {
  let text: string;
  try {
    text = readFileSync(pathOption(path), 'utf8');
  } catch (err) {
    throw new MesosConfigError(`Cannot read credentials file '${path}': ${(err as Error).message}`, { cause: err });
  }
  return parseCredentials(text, path);
}

/** Parses the contents of a credentials file (see {@link readCredentialsFile}). */
export function parseCredentials(text: string, source: string): Credential[] {
  const credentials = text.trimStart().startsWith('{') ? jsonCredentials(text, source) : textCredentials(text, source);
  if (credentials.length === 0) throw new MesosConfigError(`Credentials file '${source}' holds no credentials`);
  return credentials;
}

function jsonCredentials(text: string, source: string): Credential[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new MesosConfigError(`Credentials file '${source}' is not valid JSON`);
  }
  const list = (parsed as { credentials?: unknown }).credentials;
  if (!Array.isArray(list)) throw new MesosConfigError(`Credentials file '${source}' must hold {"credentials": [...]}`);
  return list.map((entry: unknown, index) => {
    const { principal, secret } = (entry ?? {}) as { principal?: unknown; secret?: unknown };
    if (typeof principal !== 'string' || principal === '')
      throw new MesosConfigError(`Credentials file '${source}': credentials[${index}].principal must be a string`);
    if (typeof secret !== 'string')
      throw new MesosConfigError(`Credentials file '${source}': credentials[${index}].secret must be a string`);
    return { principal, secret };
  });
}

function textCredentials(text: string, source: string): Credential[] {
  const credentials: Credential[] = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const words = line.trim().split(/\s+/).filter(Boolean);
    if (words.length === 0) continue;
    if (words.length !== 2) {
      throw new MesosConfigError(
        `Credentials file '${source}', line ${index + 1}: expected 'principal secret' (two words), got ${words.length}`,
      );
    }
    credentials.push({ principal: words[0] as string, secret: words[1] as string });
  }
  return credentials;
}

/** Merges `--executor-env` values: JSON objects of strings, or NAME=VALUE. */
export function parseExecutorEnv(values: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const value of values) {
    if (value.trimStart().startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        throw new MesosConfigError(`--executor-env: not a valid JSON object: ${value}`);
      }
      for (const [name, entry] of Object.entries(parsed as Record<string, unknown>)) {
        if (typeof entry !== 'string')
          throw new MesosConfigError(`--executor-env: the value of '${name}' must be a string`);
        env[name] = entry;
      }
      continue;
    }
    const equals = value.indexOf('=');
    if (equals <= 0) throw new MesosConfigError(`--executor-env: expected NAME=VALUE or a JSON object, got '${value}'`);
    env[value.slice(0, equals)] = value.slice(equals + 1);
  }
  for (const name of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw new MesosConfigError(`--executor-env: '${name}' is not a valid environment variable name`);
  }
  return env;
}

const NUMBER_OPTIONS = {
  port: 'port',
  masters: 'masters',
  agents: 'agents',
  'heartbeat-interval': 'heartbeatIntervalSeconds',
  'offer-timeout': 'offerTimeoutSeconds',
  'allocation-interval-ms': 'allocationIntervalMs',
  'simulated-task-ms': 'simulatedTaskMs',
  'status-update-retry-ms': 'statusUpdateRetryMs',
} as const satisfies Record<string, keyof LocalClusterOptions>;

/** Mesos's HTTP authentication flags (also accepted with underscores, as Mesos spells them). */
const AUTH_FLAGS = {
  'authenticate-http-readwrite': 'authenticateHttpReadwrite',
  'authenticate-http-readonly': 'authenticateHttpReadonly',
} as const satisfies Record<string, keyof LocalClusterOptions>;
const BOOLEAN = { type: 'boolean' } as const;

/** Turns command-line arguments into options; throws MesosConfigError (or parseArgs's TypeError) on bad input. */
export function parseCliArgs(argv: string[]): CliOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...Object.fromEntries(Object.keys(NUMBER_OPTIONS).map((name) => [name, { type: 'string' as const }])),
      resources: { type: 'string' },
      attributes: { type: 'string' },
      roles: { type: 'string' },
      zk: { type: 'string' },
      'task-mode': { type: 'string' },
      'work-dir': { type: 'string' },
      credentials: { type: 'string' },
      'http-credentials': { type: 'string' },
      http_credentials: { type: 'string' },
      'executor-env': { type: 'string', multiple: true },
      'control-port': { type: 'string' },
      'no-control': { type: 'boolean' },
      'http-executor-domain-sockets': { type: 'boolean' },
      ...Object.fromEntries(
        Object.keys(AUTH_FLAGS).flatMap((flag) => [flag, flag.replaceAll('-', '_')].map((name) => [name, BOOLEAN])),
      ),
      ...MASTER_FLAG_ARGS,
      'ready-file': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return 'help';
  const text = (name: string) => (values as Record<string, unknown>)[name] as string | undefined;
  const cluster: LocalClusterOptions = masterFlagsOfArgs(values);
  for (const [flag, option] of Object.entries(NUMBER_OPTIONS)) {
    const value = numberOption(flag, text(flag));
    if (value === undefined) continue;
    // LocalCluster checks the others; these two it takes as given.
    const least = flag === 'status-update-retry-ms' ? 1 : flag === 'simulated-task-ms' ? 0 : -Infinity;
    if (value < least) throw new MesosConfigError(`--${flag} must be >= ${least}, got ${value}`);
    cluster[option] = value;
  }
  for (const flag of ['resources', 'attributes', 'zk'] as const) {
    const value = text(flag);
    if (value !== undefined) cluster[flag] = value;
  }
  const roles = text('roles');
  if (roles !== undefined)
    cluster.roles = roles
      .split(',')
      .map((role) => role.trim())
      .filter(Boolean);
  const taskMode = text('task-mode');
  if (taskMode !== undefined) {
    if (taskMode !== 'process' && taskMode !== 'simulated')
      throw new MesosConfigError(`--task-mode must be 'process' or 'simulated', got '${taskMode}'`);
    cluster.taskMode = taskMode;
  }
  const workDir = text('work-dir');
  if (workDir !== undefined) cluster.workDir = pathOption(workDir);
  const credentials = text('credentials');
  if (credentials !== undefined) cluster.credentials = readCredentialsFile(credentials);
  const agentCredentials = text('http-credentials') ?? text('http_credentials');
  if (agentCredentials !== undefined) cluster.agentHttpCredentials = readCredentialsFile(agentCredentials);
  if (values['http-executor-domain-sockets'] === true) cluster.httpExecutorDomainSockets = true;
  const given = values as Record<string, unknown>;
  for (const [flag, option] of Object.entries(AUTH_FLAGS)) {
    if (given[flag] !== true && given[flag.replaceAll('-', '_')] !== true) continue;
    if (cluster.credentials === undefined) throw new MesosConfigError(`--${flag} needs --credentials FILE`);
    cluster[option] = true;
  }
  const env = values['executor-env'] as string[] | undefined;
  if (env !== undefined) cluster.executorEnvironment = parseExecutorEnv(env);

  const controlPort = numberOption('control-port', text('control-port')) ?? 0;
  if (!Number.isInteger(controlPort) || controlPort < 0 || controlPort > 65535)
    throw new MesosConfigError(`--control-port must be a port number, got '${text('control-port')}'`);
  const options: CliOptions = { cluster, control: { enabled: values['no-control'] !== true, port: controlPort } };
  const readyFile = text('ready-file');
  if (readyFile !== undefined) options.readyFile = pathOption(readyFile);
  return options;
}

/**
 * HTTP authentication of LocalCluster's endpoints, as a Mesos master or agent started with
 * `--authenticate_http_readonly` / `--authenticate_http_readwrite` does it, with the master's
 * `--credentials` or the agent's own `--http_credentials` (`agentHttpCredentials`, by default the
 * cluster's `credentials`).
 *
 * Mesos authenticates by endpoint, not by call: each route belongs to a realm, and a realm only
 * authenticates when its flag is on. On a master, `/api/v1` (every operator call, GET_* ones
 * included) is in `mesos-master-readwrite`; `/state` and `/files/*` are in `mesos-master-readonly`.
 * An agent has the same split (`mesos-agent-readwrite` for `/api/v1`, `mesos-agent-readonly` for
 * `/state` and `/files/*`). `/health`, `/version`, `/redirect`, the scheduler and executor APIs
 * (their own realms) and the web UI's static files are never checked here. The status page
 * follows the web UI: its HTML, script and style are served to anyone, its data calls are
 * authenticated (`/status/cluster` and the relayed files: readonly; `/api/v1` and the simulator
 * controls under `/local/`: readwrite), so the browser asks for credentials on the first one.
 *
 * A request without valid credentials gets what libprocess's basic authenticator answers: 401,
 * `WWW-Authenticate: Basic realm="<realm>"`, body `401 Unauthorized.`. Its checks are Mesos's:
 * `Authorization` must be exactly `Basic <base64>`, and the decoded text exactly one
 * `principal:secret` pair (a secret holding ':' never matches). Secrets and headers are never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Credential } from '../../codec/messages';
import { MesosConfigError } from '../../common/errors';
import { createLogger } from '../../common/logger';
import { respond } from './http';

const log = createLogger('local:http-auth');

/** The HTTP authentication options of a LocalCluster (part of LocalClusterOptions). */
export interface HttpAuthenticationOptions {
  /**
   * Mesos `--authenticate_http_readwrite`: the operator API (`/api/v1`) of masters and agents and
   * the status page's simulator controls answer 401 unless the request carries HTTP Basic
   * credentials from `credentials`. Default false.
   */
  authenticateHttpReadwrite?: boolean;
  /**
   * Mesos `--authenticate_http_readonly`: `/state` and `/files/*` of masters and agents and the
   * status page's data (`/status/cluster`, relayed files) need them too. Default false.
   */
  authenticateHttpReadonly?: boolean;
  /**
   * Whether frameworks must authenticate with `credentials` (Mesos `--authenticate_http_frameworks`).
   * Default true when `credentials` is set; false lets frameworks in without credentials while the
   * options above still use them.
   */
  authenticateFrameworks?: boolean;
  /**
   * The principals and secrets the agents' endpoints accept, as a Mesos agent's own
   * `--http_credentials` (the master's `--credentials` are the master's only). Default `credentials`.
   */
  agentHttpCredentials?: Credential[];
}

/** The options above with the cluster's `credentials`. */
type WithCredentials = HttpAuthenticationOptions & { credentials?: Credential[] | undefined };

/** What a master or an agent checks (undefined: nothing). */
export interface HttpAuthentication {
  /** `--authenticate_http_readonly`: `/state`, `/files/*` (and the status page's data) need credentials. */
  readonly: boolean;
  /** `--authenticate_http_readwrite`: `/api/v1` (and the status page's controls) need credentials. */
  readwrite: boolean;
  /** The principals and secrets accepted. */
  credentials: readonly Credential[];
}

/** Which flag a route depends on. */
export type RealmKind = 'readonly' | 'readwrite';

/** Mesos's realm names. */
const REALMS = {
  master: { readonly: 'mesos-master-readonly', readwrite: 'mesos-master-readwrite' },
  agent: { readonly: 'mesos-agent-readonly', readwrite: 'mesos-agent-readwrite' },
} as const;

/**
 * The HTTP authentication a cluster's masters (or agents: `agentHttpCredentials` when given) apply,
 * or undefined when none; throws MesosConfigError (as Mesos refuses to start) when a realm is on
 * without credentials, or for malformed `agentHttpCredentials`.
 */
export function httpAuthentication(
  options: WithCredentials,
  role: 'master' | 'agent' = 'master',
): HttpAuthentication | undefined {
  const readonly = flag(options, 'authenticateHttpReadonly');
  const readwrite = flag(options, 'authenticateHttpReadwrite');
  flag(options, 'authenticateFrameworks');
  const own = checkedCredentials(options.agentHttpCredentials, 'agentHttpCredentials');
  if (!readonly && !readwrite) return undefined;
  const credentials = (role === 'agent' ? own : undefined) ?? options.credentials ?? [];
  if (credentials.length === 0) {
    const name = readwrite ? 'authenticateHttpReadwrite' : 'authenticateHttpReadonly';
    throw new MesosConfigError(
      `LocalCluster option '${name}' needs 'credentials' (Mesos: no credentials for the 'basic' HTTP authenticator)`,
    );
  }
  return { readonly, readwrite, credentials };
}

/** The credentials frameworks must present, or undefined when frameworks are not authenticated. */
export function frameworkCredentials(options: WithCredentials): Credential[] | undefined {
  return options.authenticateFrameworks === false ? undefined : options.credentials;
}

/** `list` when it is a non-empty array of principals and secrets (strings); the error names the option, never a secret. */
function checkedCredentials(list: unknown, name: string): Credential[] | undefined {
  if (list === undefined) return undefined;
  if (!Array.isArray(list) || list.length === 0)
    throw new MesosConfigError(`LocalCluster option '${name}' must be a non-empty array of credentials`);
  list.forEach((entry: Partial<Credential> | null, index) => {
    if (typeof entry?.principal !== 'string' || typeof entry.secret !== 'string')
      throw new MesosConfigError(`LocalCluster option '${name}': [${index}] needs a string principal and secret`);
  });
  return list;
}

function flag(options: HttpAuthenticationOptions, name: keyof HttpAuthenticationOptions & `authenticate${string}`) {
  const value = options[name];
  if (value !== undefined && typeof value !== 'boolean')
    throw new MesosConfigError(`LocalCluster option '${name}' must be a boolean, got ${String(value)}`);
  return value === true;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * The principal of an `Authorization` header when it holds one of `credentials`, checked as
 * Mesos's basic authenticator does; undefined otherwise. Secrets are compared in constant time.
 */
export function basicPrincipal(header: string | undefined, credentials: readonly Credential[]): string | undefined {
  if (header === undefined) return undefined;
  const components = header.split(' ');
  if (components.length !== 2 || components[0] !== 'Basic') return undefined;
  // stout's base64 decoding: it stops at the first '=', skips white space, refuses other characters.
  const encoded = (components[1] as string).split('=')[0] as string;
  if (!/^[A-Za-z0-9+/\s]*$/.test(encoded)) return undefined;
  const pair = Buffer.from(encoded.replace(/\s/g, ''), 'base64').toString('utf8').split(':');
  if (pair.length !== 2) return undefined;
  const [principal, secret] = pair as [string, string];
  const given = digest(secret);
  let match = false;
  for (const credential of credentials) {
    const same = timingSafeEqual(given, digest(credential.secret ?? ''));
    if (credential.principal === principal && same) match = true;
  }
  return match ? principal : undefined;
}

/** The realms of one master or agent: answers 401 for requests that need credentials and lack them. */
export class HttpAuthenticator {
  constructor(
    private readonly role: 'master' | 'agent',
    private readonly settings: () => HttpAuthentication | undefined,
  ) {}

  /** True when `req` may go on; otherwise it has been answered 401 with the realm's challenge. */
  admit(req: IncomingMessage, res: ServerResponse, kind: RealmKind | undefined): boolean {
    const settings = this.settings();
    if (kind === undefined || settings === undefined || !settings[kind]) return true;
    if (basicPrincipal(req.headers.authorization, settings.credentials) !== undefined) return true;
    const realm = REALMS[this.role][kind];
    log('%s %s refused: no valid credentials for realm %s', req.method, pathOf(req.url), realm);
    req.resume();
    HttpAuthenticator.unauthorized(res, realm);
    return false;
  }

  /** libprocess's `Unauthorized` with a Basic challenge: 401, `WWW-Authenticate`, the text body `401 Unauthorized.`. */
  static unauthorized(res: ServerResponse, realm: string): void {
    respond(res, 401, '401 Unauthorized.', { 'WWW-Authenticate': `Basic realm="${realm}"` });
  }
}

function pathOf(url: string | undefined): string {
  return (url ?? '/').split('?')[0] ?? '/';
}

const SCHEDULER_PATHS = new Set(['/api/v1/scheduler', '/master/api/v1/scheduler']);
const MASTER_READONLY = new Set(['/state', '/state.json', '/master/state', '/master/state.json', '/status/cluster']);
const STATUS_FILES = /^\/status\/agents\/[^/]+\/files\/(browse|read|download)$/;

function underApi(path: string, prefix: string): boolean {
  return path === `${prefix}/api/v1` || path.startsWith(`${prefix}/api/v1/`);
}

/** The realm of a master's route (its status page's included), or undefined for unauthenticated ones. */
export function masterRealm(url: string | undefined): RealmKind | undefined {
  const path = pathOf(url);
  if (SCHEDULER_PATHS.has(path)) return undefined;
  if (underApi(path, '') || underApi(path, '/master') || path.startsWith('/local/')) return 'readwrite';
  if (MASTER_READONLY.has(path) || STATUS_FILES.test(path)) return 'readonly';
  return undefined;
}

/**
 * The master string `local`: as libmesos, the scheduler driver then runs its own in-process
 * cluster. Here that is a LocalCluster, configured from the MESOS_* variables libmesos's local mode
 * reads (its local flags, and the master and agent flags it loads with the MESOS_ prefix), started
 * by start(), and stopped before join() settles.
 *
 * The driver layer imports nothing from lib/local/: the public entry registers a launcher
 * ({@link setEmbeddedClusterLauncher}) that loads the simulator only when `local` is used.
 */

import { MesosConfigError, MesosError } from '../common/errors';
import type { DetectorOptions } from '../detector/detector';
import { createDetector } from '../detector/detector';
import { parseDuration } from './executor-env';
import type { JoinGate } from './join-gate';
import type { DetectedMaster, LeaderDetector } from './scheduler-options';

/** The master string that starts an embedded cluster. */
export const LOCAL_MASTER = 'local';

/** What the MESOS_* variables configure (a subset of LocalClusterOptions). */
export interface EmbeddedClusterConfig {
  /** MESOS_NUM_SLAVES (libmesos's default: 1). */
  agents?: number;
  /** MESOS_RESOURCES, Mesos `--resources` syntax. */
  resources?: string;
  /** MESOS_ATTRIBUTES, Mesos `--attributes` syntax. */
  attributes?: string;
  /** MESOS_WORK_DIR: kept after the cluster stops (a temporary folder, removed, when unset). */
  workDir?: string;
  /** MESOS_ROLES, the master's role whitelist (comma-separated). */
  roles?: string[];
  /** MESOS_OFFER_TIMEOUT, a duration. */
  offerTimeoutSeconds?: number;
  /** MESOS_ALLOCATION_INTERVAL, a duration. */
  allocationIntervalMs?: number;
  /** MESOS_QUIET=true: LocalCluster's own messages (executor exits …) are not written to stderr. */
  log?: false;
  /**
   * MESOS_CREDENTIALS: a Mesos credentials file (a path or `file://` URL; JSON or "principal secret"
   * lines), read by the launcher with LocalCluster's own reader (the driver layer reads no secret).
   */
  credentialsFile?: string;
  /** MESOS_AUTHENTICATE_FRAMEWORKS or MESOS_AUTHENTICATE_HTTP_FRAMEWORKS; false (Mesos's default) when unset. */
  authenticateFrameworks?: boolean;
  /** MESOS_AUTHENTICATE_HTTP_READWRITE (or its deprecated name MESOS_AUTHENTICATE_HTTP). */
  authenticateHttpReadwrite?: boolean;
  /** MESOS_AUTHENTICATE_HTTP_READONLY. */
  authenticateHttpReadonly?: boolean;
}

/** A started embedded cluster, as the driver needs it. */
export interface EmbeddedCluster {
  readonly masterUrl: string;
  stop(): Promise<void>;
}

/** Starts an embedded cluster; throws MesosConfigError naming the variable when a value is bad. */
export type EmbeddedClusterLauncher = (config: EmbeddedClusterConfig) => Promise<EmbeddedCluster>;

let launcher: EmbeddedClusterLauncher | undefined;

/** Registers how the master string `local` starts a cluster (the public entry does it); returns the previous one. */
export function setEmbeddedClusterLauncher(
  launch: EmbeddedClusterLauncher | undefined,
): EmbeddedClusterLauncher | undefined {
  const previous = launcher;
  launcher = launch;
  return previous;
}

/** The embedded cluster could not be started: fatal (libmesos exits), not retried. */
export class MesosLocalClusterError extends MesosError {
  constructor(message: string, cause: unknown) {
    super(message, { retryable: false, cause });
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function set(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function bool(env: Env, name: string): boolean | undefined {
  const value = set(env, name);
  if (value === undefined) return undefined;
  // stout's flags take true/false and 1/0.
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new MesosConfigError(`${name} must be true or false (or 1 or 0), got '${value}'`);
}

/** The embedded cluster's configuration from the environment; throws MesosConfigError naming a bad variable. */
export function embeddedClusterConfig(env: Env = process.env): EmbeddedClusterConfig {
  const config: EmbeddedClusterConfig = {};
  const agents = set(env, 'MESOS_NUM_SLAVES');
  if (agents !== undefined) {
    if (!/^\d+$/.test(agents) || Number(agents) < 1 || Number(agents) > 1000) {
      throw new MesosConfigError(`MESOS_NUM_SLAVES must be a whole number from 1 to 1000, got '${agents}'`);
    }
    config.agents = Number(agents);
  }
  const resources = set(env, 'MESOS_RESOURCES');
  if (resources !== undefined) config.resources = resources;
  const attributes = set(env, 'MESOS_ATTRIBUTES');
  if (attributes !== undefined) config.attributes = attributes;
  const workDir = set(env, 'MESOS_WORK_DIR');
  if (workDir !== undefined) config.workDir = workDir;
  const roles = set(env, 'MESOS_ROLES');
  if (roles !== undefined) {
    config.roles = roles.split(',').map((role) => role.trim());
    if (config.roles.some((role) => role === '' || /\s/.test(role))) {
      throw new MesosConfigError(`MESOS_ROLES must be a comma-separated list of role names, got '${roles}'`);
    }
  }
  const offerTimeout = set(env, 'MESOS_OFFER_TIMEOUT');
  if (offerTimeout !== undefined)
    config.offerTimeoutSeconds = parseDuration(offerTimeout, 'MESOS_OFFER_TIMEOUT') / 1000;
  const allocation = set(env, 'MESOS_ALLOCATION_INTERVAL');
  if (allocation !== undefined) {
    const ms = parseDuration(allocation, 'MESOS_ALLOCATION_INTERVAL');
    if (!(ms > 0)) throw new MesosConfigError(`MESOS_ALLOCATION_INTERVAL must be positive, got '${allocation}'`);
    config.allocationIntervalMs = ms;
  }
  if (bool(env, 'MESOS_QUIET') === true) config.log = false;
  Object.assign(config, authenticationConfig(env));
  return config;
}

/** The authentication variables; every switch needs MESOS_CREDENTIALS, as a Mesos master refuses to start without them. */
function authenticationConfig(env: Env): EmbeddedClusterConfig {
  const switches = {
    authenticateFrameworks: ['MESOS_AUTHENTICATE_FRAMEWORKS', 'MESOS_AUTHENTICATE_HTTP_FRAMEWORKS'],
    authenticateHttpReadwrite: ['MESOS_AUTHENTICATE_HTTP_READWRITE', 'MESOS_AUTHENTICATE_HTTP'],
    authenticateHttpReadonly: ['MESOS_AUTHENTICATE_HTTP_READONLY'],
  } as const;
  const credentialsFile = set(env, 'MESOS_CREDENTIALS');
  const config: EmbeddedClusterConfig = credentialsFile === undefined ? {} : { credentialsFile };
  for (const [option, names] of Object.entries(switches) as [keyof typeof switches, readonly string[]][]) {
    const on = names.filter((name) => bool(env, name) === true);
    if (on.length > 0 && credentialsFile === undefined) {
      throw new MesosConfigError(`${on[0]}=true needs MESOS_CREDENTIALS (a credentials file)`);
    }
    if (credentialsFile !== undefined) config[option] = on.length > 0;
  }
  return config;
}

/** Finds the embedded cluster's master once it has started; stopping it is `close()`. */
class EmbeddedClusterDetector implements LeaderDetector {
  private cluster: Promise<EmbeddedCluster> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly config: EmbeddedClusterConfig,
    private readonly launch: EmbeddedClusterLauncher,
  ) {}

  async detect(previous: DetectedMaster | null, options: { signal?: AbortSignal } = {}): Promise<DetectedMaster> {
    if (this.stopped) throw new MesosLocalClusterError('The embedded local cluster was stopped', undefined);
    this.cluster ??= this.launch(this.config).catch((error: unknown) => {
      throw new MesosLocalClusterError(`Failed to start the local cluster: ${messageOf(error)}`, error);
    });
    const url = (await this.cluster).masterUrl;
    if (previous === null || previous.url !== url) return { url };
    // Its one master never changes: a watch ends only when it is aborted.
    const signal = options.signal;
    return new Promise<DetectedMaster>((_resolve, reject) => {
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }

  close(): Promise<void> {
    this.stopped ??= this.cluster
      ? this.cluster.then(
          (cluster) => cluster.stop(),
          () => undefined,
        )
      : Promise.resolve();
    return this.stopped;
  }
}

/**
 * The detector for a master string: for `local`, one that starts an embedded cluster on first use
 * and stops it before `gate` (the driver's join) settles; otherwise {@link createDetector}'s.
 * @throws MesosConfigError for a malformed master string or MESOS_* variable.
 */
export function createMasterDetector(
  master: string,
  detectorOptions: DetectorOptions | undefined,
  gate: Pick<JoinGate<unknown>, 'onSettle'>,
  env: Env = process.env,
): LeaderDetector {
  if (master !== LOCAL_MASTER) return createDetector(master, detectorOptions);
  if (launcher === undefined) {
    throw new MesosConfigError(
      "The master 'local' needs LocalCluster: construct the driver from the 'mesos-driver' entry, which provides it",
    );
  }
  const detector = new EmbeddedClusterDetector(embeddedClusterConfig(env), launcher);
  gate.onSettle(() => detector.close());
  return detector;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

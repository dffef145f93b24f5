/**
 * LocalCluster: an embedded Mesos cluster on 127.0.0.1 (masters, agents, real or simulated tasks)
 * that behaves like a real one through the v1 HTTP API, with fault injection for tests.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Credential, MasterInfo } from '../codec/messages';
import { delay } from '../common/abort';
import { MesosConfigError, MesosTimeoutError } from '../common/errors';
import { createLogger } from '../common/logger';
import { LocalAgent } from './agent';
import type { FetchLimits } from './agent-launch';
import { agentDisconnected, agentReregistered } from './agent-reregistration';
import { AgentSuccession } from './agent-succession';
import { type LogOption, sinkOf } from './diagnostics';
import { ClusterFaults, FaultSwitches, type FaultTarget, type RestartAgentOptions } from './faults';
import { LocalMaster } from './master';
import { type MasterFlagOptions, masterFlagSettings } from './master-flag-options';
import { frameworkCredentials, type HttpAuthenticationOptions, httpAuthentication } from './operator/http-auth';
import { partitionAgent } from './partition';
import { Registry } from './registry';
import { parseAttributes, parseResources } from './resources';
import { type StatusPageOptions, statusPageRoutes } from './status-page/routes';

const log = createLogger('local:cluster');

/** Agent resources when none are given: Mesos `--resources` syntax. */
export const DEFAULT_AGENT_RESOURCES = 'cpus:4;mem:8192;disk:16384;ports:[31000-32000]';

/** One agent's own settings (override the cluster-wide ones). */
export interface AgentSpec {
  /** Mesos `--resources` syntax, e.g. `cpus:2;mem:1024;cpus(prod):1`. */
  resources?: string;
  /** Mesos `--attributes` syntax, e.g. `rack:r1;zone:a`. */
  attributes?: string;
  /** Hostname the agent reports (default 127.0.0.1). */
  hostname?: string;
  /** Overrides the cluster's {@link LocalClusterOptions.httpExecutorDomainSockets} for this agent. */
  httpExecutorDomainSockets?: boolean;
}

/** Options of {@link LocalCluster.start}. */
export interface LocalClusterOptions extends HttpAuthenticationOptions, MasterFlagOptions {
  /** Number of masters (default 1); one leads, the others answer 307/503. */
  masters?: number;
  /** Number of agents, or one spec per agent (default 1). */
  agents?: number | AgentSpec[];
  /** Resources of every agent, Mesos `--resources` syntax (default {@link DEFAULT_AGENT_RESOURCES}). */
  resources?: string;
  /** Attributes of every agent, Mesos `--attributes` syntax. */
  attributes?: string;
  /** The master's `--roles` whitelist; unset allows any role. */
  roles?: string[];
  /** Heartbeat interval to schedulers, seconds (default 15, Mesos's value; tests use less). */
  heartbeatIntervalSeconds?: number;
  /** Rescind offers not answered within this many seconds (Mesos `--offer_timeout`); default never. */
  offerTimeoutSeconds?: number;
  /** How long a newly elected master recovers its registry, answering scheduler and operator calls 503 "Master has not finished recovery" (default 0). */
  masterRecoveryMs?: number;
  /** How often the allocator runs, in ms (default 100; it also runs whenever resources are freed). */
  allocationIntervalMs?: number;
  /** `zk://host:port/path`: masters elect their leader through ZooKeeper, as Mesos masters do. */
  zk?: string;
  /** Port of the first master (the next masters take the following ports); default free ports. */
  port?: number;
  /** 'process' (default) runs command tasks as child processes; 'simulated' only pretends. */
  taskMode?: 'process' | 'simulated';
  /** How long a simulated task runs before TASK_FINISHED, in ms. */
  simulatedTaskMs?: number;
  /** Enables `--authenticate_http_frameworks` with these principals and secrets (and the `authenticateHttp*` options use them). */
  credentials?: Credential[];
  /** How often agents resend unacknowledged status updates, in ms. */
  statusUpdateRetryMs?: number;
  /** Folder for agents' work directories and sandboxes (default a new temporary folder, removed on stop; a given one is kept). */
  workDir?: string;
  /**
   * Where the agents report, without any DEBUG setting, a custom executor's abnormal exit or a
   * failed command task, with its sandbox and the last lines of its stderr: a function given
   * one line at a time, or `false` for silence. Default: process.stderr.
   */
  log?: LogOption;
  /** Bounds of the agents' fetcher of `CommandInfo.uris`: download timeout (ms) and size (bytes). */
  fetch?: FetchLimits;
  /** Extra environment of every executor and command task (Mesos `--executor_environment_variables`). */
  executorEnvironment?: Record<string, string>;
  /** The status page every master serves at `/` (default on, with simulator controls); `false` turns it off. */
  statusPage?: StatusPageOptions | false;
  /**
   * Agents also serve the executor API on a Unix domain socket (a 0600 socket in a private
   * temporary folder) and give executors its path as MESOS_DOMAIN_SOCKET, as Mesos agents with
   * `--http_executor_domain_sockets`; MesosExecutorDriver then uses it instead of TCP. Default false.
   */
  httpExecutorDomainSockets?: boolean;
}

/** What lib/local/zk-membership.ts provides (loaded only when `zk` is given). */
interface MasterMembership {
  start(): Promise<void>;
  stop(options?: { awaitReconnect?: boolean }): Promise<void>;
  readonly isLeader: boolean;
  on(event: 'leader', listener: (info: MasterInfo | null, isSelf: boolean) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}
type MasterMembershipClass = new (options: { zk: string; masterInfo: MasterInfo }) => MasterMembership;

/**
 * An embedded Mesos cluster. Start it with {@link LocalCluster.start}; always {@link LocalCluster.stop} it.
 *
 * @example
 * ```ts
 * const cluster = await LocalCluster.start({ agents: 2, heartbeatIntervalSeconds: 1 });
 * try {
 *   // Point the scheduler under test at cluster.masterString, then inject faults:
 *   cluster.faults.dropSubscription({ midRecord: true });
 *   await cluster.failover();
 * } finally {
 *   await cluster.stop();
 * }
 * ```
 */
export class LocalCluster {
  /** The masters, in port order. */
  readonly masters: LocalMaster[] = [];
  /** The live agents (a lost agent leaves this list). */
  readonly agents: LocalAgent[] = [];
  /** Fault injection. */
  readonly faults: ClusterFaults;
  private readonly options: LocalClusterOptions;
  private readonly switches = new FaultSwitches();
  private readonly memberships = new Map<LocalMaster, MasterMembership>();
  private readonly clusterId = randomUUID();
  /** What every master writes through and a newly elected one recovers from (registry.ts). */
  private readonly registry = new Registry();
  private workDir = '';
  private ownsWorkDir = false;
  /** The diagnostics sink; `reported` is set once something was written to it. */
  private readonly sink: ((line: string) => void) | undefined;
  private reported = false;
  private agentCounter = 0;
  private stopped = false;
  private readonly statusPage: ReturnType<typeof statusPageRoutes> | undefined;
  private readonly succession = new AgentSuccession({
    agents: this.agents,
    leaderCore: () => this.leader?.core,
    stopped: () => this.stopped,
  });

  private constructor(options: LocalClusterOptions) {
    this.options = options;
    this.sink = sinkOf(options.log);
    if (options.statusPage !== false) this.statusPage = statusPageRoutes(this, options.statusPage);
    const target: FaultTarget = {
      switches: this.switches,
      dropSubscriptions: (frameworkId, midRecord) =>
        this.eachStream(frameworkId, (stream) => stream.drop({ midRecord })),
      sendMalformedRecord: (frameworkId) => this.eachStream(frameworkId, (stream) => stream.sendMalformedRecord()),
      killLeader: () => this.killLeader(),
      loseAgent: (agent, mode) => this.loseAgent(agent, mode),
      restartAgent: (agent, options) => this.restartAgent(agent, options),
      partitionAgent: (agent, ms, options) => partitionAgent(() => this.leader, this.findAgent(agent), ms, options),
      executorProcesses: () => this.agents.flatMap((agent) => agent.executorProcesses()),
    };
    this.faults = new ClusterFaults(target);
  }

  /** Starts masters and agents and waits until a leader is elected and the agents are registered. */
  static async start(options: LocalClusterOptions = {}): Promise<LocalCluster> {
    validateOptions(options);
    const cluster = new LocalCluster(options);
    try {
      await cluster.boot();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** The leading master, if one leads right now. */
  get leader(): LocalMaster | undefined {
    return this.masters.find((master) => master.isAlive && master.isLeader);
  }

  /** The leader's base URL, `http://127.0.0.1:PORT`. */
  get masterUrl(): string {
    const leader = this.leader ?? this.masters.find((master) => master.isAlive);
    if (!leader) throw new MesosConfigError('The LocalCluster has no running master');
    return leader.url;
  }

  /** What a driver should be given: the zk:// URL in HA, a comma list of masters without ZooKeeper, else the master URL. */
  get masterString(): string {
    if (this.options.zk) return this.options.zk;
    if (this.masters.length > 1) return this.masters.map((master) => `127.0.0.1:${master.info.port}`).join(',');
    return this.masterUrl;
  }

  private async boot(): Promise<void> {
    if (this.options.workDir) this.workDir = this.options.workDir;
    else {
      this.workDir = await mkdtemp(join(tmpdir(), 'mesos-local-'));
      this.ownsWorkDir = true;
    }
    const agentSpecs: AgentSpec[] =
      typeof this.options.agents === 'object'
        ? this.options.agents
        : Array.from({ length: this.options.agents ?? 1 }, () => ({}));
    for (const spec of agentSpecs) await this.addAgent(spec);

    const masterCount = this.options.masters ?? 1;
    for (let i = 0; i < masterCount; i++) {
      const master = new LocalMaster({
        ...(this.options.port !== undefined ? { port: this.options.port + i } : {}),
        heartbeatIntervalSeconds: this.options.heartbeatIntervalSeconds ?? 15,
        allocationIntervalMs: this.options.allocationIntervalMs ?? 100,
        offerTimeoutMs:
          this.options.offerTimeoutSeconds !== undefined ? this.options.offerTimeoutSeconds * 1000 : undefined,
        roles: this.options.roles,
        credentials: frameworkCredentials(this.options),
        httpAuth: httpAuthentication(this.options),
        faults: this.switches,
        agents: () => this.agents,
        recoveryMs: this.options.masterRecoveryMs ?? 0,
        registry: this.registry,
        flags: masterFlagSettings(this.options),
        log: this.agentLog(),
        ...(this.statusPage ? { routes: this.statusPage } : {}),
      });
      await master.start();
      this.masters.push(master);
      master.on('killed', () => void this.onMasterKilled(master));
    }
    if (this.options.zk) {
      for (const master of this.masters) await this.joinZooKeeper(master);
    } else {
      this.announceLeader(this.masters[0]);
    }
    await this.waitForLeader();
  }

  /** Adds an agent (also usable while running); it registers with the current leader. */
  async addAgent(spec: AgentSpec = {}): Promise<LocalAgent> {
    const agent = this.newAgent(spec, join(this.workDir, `agent-${this.agentCounter}`));
    await agent.start();
    this.agents.push(agent);
    this.leader?.core?.addAgent(agent);
    return agent;
  }

  /** An agent (not started) with a new id; its successor keeps its machine, port and work directory. */
  private newAgent(spec: AgentSpec, workDir: string, port?: number): LocalAgent {
    const id = `${this.clusterId}-S${this.agentCounter++}`;
    const resources = parseResources(spec.resources ?? this.options.resources ?? DEFAULT_AGENT_RESOURCES);
    const attributesText = spec.attributes ?? this.options.attributes;
    const agent = new LocalAgent(
      {
        id,
        hostname: spec.hostname ?? '127.0.0.1',
        ...(port !== undefined ? { port } : {}),
        resources,
        ...(attributesText ? { attributes: parseAttributes(attributesText) } : {}),
        taskMode: this.options.taskMode ?? 'process',
        ...(this.options.simulatedTaskMs !== undefined ? { simulatedTaskMs: this.options.simulatedTaskMs } : {}),
        ...(this.options.statusUpdateRetryMs !== undefined
          ? { statusUpdateRetryMs: this.options.statusUpdateRetryMs }
          : {}),
        workDir,
        log: this.agentLog(),
        ...(this.options.fetch ? { fetch: this.options.fetch } : {}),
        ...(this.options.executorEnvironment ? { executorEnvironment: this.options.executorEnvironment } : {}),
        httpExecutorDomainSockets: spec.httpExecutorDomainSockets ?? this.options.httpExecutorDomainSockets,
        httpAuth: httpAuthentication(this.options, 'agent'),
      },
      NO_MASTER_EVENTS,
    );
    this.succession.adopt(agent, () => this.newAgent(spec, workDir, agent.info.port));
    return agent;
  }

  /**
   * Moves leadership the way a real master failover does: the old leader's streams close, the new
   * leader knows what the registry holds (agents unreachable or gone, maintenance, weights, quotas)
   * and what agents report, and frameworks must re-subscribe. With one master it
   * restarts that master's leadership under a new identity. Resolves with the new leader.
   */
  async failover(): Promise<LocalMaster> {
    const old = this.leader;
    if (!old) throw new MesosConfigError('failover(): no master is leading');
    if (this.options.zk) {
      const membership = this.memberships.get(old);
      // Leave and re-join the group: the next oldest member leads, the old leader becomes a standby.
      // A client still reconnecting removes its znode once it can, so the old one does not lead on.
      await membership?.stop({ awaitReconnect: true });
      this.memberships.delete(old);
      old.setLeader(null);
      old.renewIdentity();
      await this.joinZooKeeper(old);
      const alone = this.masters.filter((master) => master.isAlive).length === 1;
      const leader = await this.waitForLeader((candidate) => alone || candidate !== old);
      log('failover: %s -> %s', old.url, leader.url);
      return leader;
    } else {
      const alive = this.masters.filter((master) => master.isAlive);
      const next = alive.length > 1 ? alive[(alive.indexOf(old) + 1) % alive.length] : old;
      this.announceLeader(undefined);
      if (next === old) old.renewIdentity();
      this.announceLeader(next);
    }
    const leader = await this.waitForLeader();
    log('failover: %s -> %s', old.url, leader.url);
    return leader;
  }

  /** Resolves with the leader once one leads and every live master knows it. */
  async waitForLeader(accept: (leader: LocalMaster) => boolean = () => true, timeoutMs = 15_000): Promise<LocalMaster> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const leader = this.leader;
      if (
        leader &&
        accept(leader) &&
        this.masters.every((master) => !master.isAlive || master.leader?.id === leader.info.id)
      )
        return leader;
      if (Date.now() > deadline)
        throw new MesosTimeoutError(`No master of the LocalCluster became leader within ${timeoutMs} ms`);
      await delay(10);
    }
  }

  /** Stops everything: masters, agents (and their tasks), ZooKeeper memberships, work directory. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const membership of this.memberships.values())
      await membership.stop().catch((err: unknown) => log('membership stop: %O', err));
    this.memberships.clear();
    await this.succession.settle();
    await Promise.all(this.masters.map((master) => master.stop()));
    await Promise.all(this.agents.map((agent) => agent.stop().catch((err: unknown) => log('agent stop: %O', err))));
    this.agents.length = 0;
    if (!this.ownsWorkDir) return;
    if (this.reported)
      this.sink?.(
        `[LocalCluster] removing ${this.workDir} and its sandboxes (give LocalCluster a workDir to keep them)`,
      );
    await rm(this.workDir, { recursive: true, force: true }).catch(() => undefined);
  }

  /** The agents' diagnostics sink: the cluster's, noting that something was reported. */
  private agentLog(): LogOption {
    const sink = this.sink;
    if (!sink) return false;
    return (line) => {
      this.reported = true;
      sink(line);
    };
  }

  // ------------------------------------------------------------------ leadership

  private announceLeader(leader: LocalMaster | undefined): void {
    for (const master of this.masters) master.setLeader(leader?.isAlive ? leader.info : null);
  }

  private async joinZooKeeper(master: LocalMaster): Promise<void> {
    const { ZkMasterMembership } = require('./zk-membership') as { ZkMasterMembership: MasterMembershipClass };
    const membership = new ZkMasterMembership({ zk: this.options.zk as string, masterInfo: master.info });
    membership.on('leader', (info) => master.setLeader(info));
    membership.on('error', (err) => log('ZooKeeper membership of %s: %s', master.url, err.message));
    await membership.start();
    this.memberships.set(master, membership);
  }

  private async onMasterKilled(master: LocalMaster): Promise<void> {
    if (this.stopped) return;
    const membership = this.memberships.get(master);
    if (membership) {
      // Its ephemeral znode goes with its session; the others learn the new leader from ZooKeeper.
      // A client still reconnecting (ZooKeeper restarting) removes the znode once it can, rather
      // than leaving it to block the election until the server expires the session.
      this.memberships.delete(master);
      await membership.stop({ awaitReconnect: true }).catch((err: unknown) => log('membership stop: %O', err));
      return;
    }
    const next = this.masters.find((candidate) => candidate.isAlive);
    this.announceLeader(next);
  }

  private async killLeader(): Promise<void> {
    const leader = this.leader;
    if (!leader) throw new MesosConfigError('killLeader(): no master is leading');
    await leader.kill();
  }

  // ------------------------------------------------------------------ agents and streams

  private findAgent(agent: number | string): LocalAgent {
    const found =
      typeof agent === 'number'
        ? this.agents[agent]
        : this.agents.find((candidate) => candidate.info.id?.value === agent);
    if (!found) throw new MesosConfigError(`No such agent: ${agent}`);
    return found;
  }

  private async loseAgent(which: number | string, mode: 'removed' | 'unreachable'): Promise<void> {
    const agent = this.findAgent(which);
    const id = agent.info.id?.value ?? '';
    this.agents.splice(this.agents.indexOf(agent), 1);
    agent.setEvents(NO_MASTER_EVENTS);
    this.leader?.core?.removeAgent(id, mode);
    await agent.stop();
  }

  private async restartAgent(which: number | string, options: RestartAgentOptions): Promise<void> {
    const agent = this.findAgent(which);
    if (options.newId) {
      await this.succession.replace(agent);
      return;
    }
    const core = this.leader?.core;
    if (core) agentDisconnected(core, agent.id);
    await agent.restart();
    const now = this.leader?.core;
    if (now) agentReregistered(now, agent);
  }

  private eachStream(
    frameworkId: string | undefined,
    act: (stream: import('./event-stream').SubscriptionStream) => void,
  ): number {
    const core = this.leader?.core;
    if (!core) return 0;
    let count = 0;
    for (const framework of core.frameworks.values()) {
      if (frameworkId !== undefined && framework.id !== frameworkId) continue;
      if (framework.stream && !framework.stream.closed) {
        act(framework.stream);
        count++;
      }
    }
    return count;
  }
}

/** Where an agent reports while no master has it (lost, or before registration): nowhere. */
const NO_MASTER_EVENTS = {
  statusUpdate: () => undefined,
  frameworkMessage: () => undefined,
  executorExited: () => undefined,
};

function validateOptions(options: LocalClusterOptions): void {
  const positiveInt = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= min))
      throw new MesosConfigError(`LocalCluster option '${name}' must be an integer >= ${min}, got ${value}`);
  };
  positiveInt('masters', options.masters, 1);
  masterFlagSettings(options);
  if (typeof options.agents === 'number') positiveInt('agents', options.agents, 0);
  positiveInt('port', options.port, 1);
  if (options.heartbeatIntervalSeconds !== undefined && !(options.heartbeatIntervalSeconds > 0)) {
    throw new MesosConfigError(
      `LocalCluster option 'heartbeatIntervalSeconds' must be > 0, got ${options.heartbeatIntervalSeconds}`,
    );
  }
  if (options.offerTimeoutSeconds !== undefined && !(options.offerTimeoutSeconds > 0)) {
    throw new MesosConfigError(
      `LocalCluster option 'offerTimeoutSeconds' must be > 0, got ${options.offerTimeoutSeconds}`,
    );
  }
  if (options.masterRecoveryMs !== undefined && !(options.masterRecoveryMs >= 0))
    throw new MesosConfigError(`LocalCluster option 'masterRecoveryMs' must be >= 0, got ${options.masterRecoveryMs}`);
  if (options.allocationIntervalMs !== undefined && !(options.allocationIntervalMs >= 1)) {
    throw new MesosConfigError(
      `LocalCluster option 'allocationIntervalMs' must be >= 1, got ${options.allocationIntervalMs}`,
    );
  }
  for (const [name, value] of Object.entries(options.executorEnvironment ?? {}))
    if (typeof value !== 'string')
      throw new MesosConfigError(
        `LocalCluster option 'executorEnvironment' must map names to strings; '${name}' is not`,
      );
  if (options.log !== undefined && options.log !== false && typeof options.log !== 'function')
    throw new MesosConfigError(`LocalCluster option 'log' must be a function or false`);
  if (options.zk !== undefined && !options.zk.startsWith('zk://'))
    throw new MesosConfigError(`LocalCluster option 'zk' must be a zk:// URL`);
  if (options.taskMode !== undefined && options.taskMode !== 'process' && options.taskMode !== 'simulated') {
    throw new MesosConfigError(
      `LocalCluster option 'taskMode' must be 'process' or 'simulated', got ${String(options.taskMode)}`,
    );
  }
}

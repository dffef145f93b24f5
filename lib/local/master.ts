/**
 * One LocalCluster master: an HTTP server on 127.0.0.1 that answers the scheduler API exactly in
 * the order of checks of a Mesos master (§1.4), plus /version, /state, /redirect and /health.
 * While it leads it owns a {@link MasterCore}; when it stops leading the core is thrown away.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { EventEmitter } from 'eventemitter3';
import { getCodec, TYPE_NAMES } from '../codec/codec';
import type { Credential, MasterInfo, scheduler } from '../codec/messages';
import { delay } from '../common/abort';
import { MesosError } from '../common/errors';
import { createLogger } from '../common/logger';
import type { LocalAgent } from './agent';
import { refuseForeignHost } from './control/guard';
import type { LogOption } from './diagnostics';
import { SubscriptionStream } from './event-stream';
import type { FaultSwitches } from './faults';
import { MasterCore } from './master-core';
import type { MasterFlagSettings } from './master-flag-options';
import { formatOfContentType, negotiateResponseFormat } from './media-types';
import { headerValue, MAX_BODY_BYTES, readBody, respond, respondJson } from './operator/http';
import { basicPrincipal, type HttpAuthentication, HttpAuthenticator, masterRealm } from './operator/http-auth';
import { isOperatorPath, MasterOperatorApi, masterFlags } from './operator/master-api';
import { LOCAL_MESOS_VERSION } from './operator/version';
import { Registry } from './registry';
import { validateSchedulerCall } from './scheduler-call-validation';
import { masterStateJson } from './state-json';

export { LOCAL_MESOS_VERSION };

const SCHEDULER_PATHS = new Set(['/api/v1/scheduler', '/master/api/v1/scheduler']);

/** Options of a {@link LocalMaster}. */
export interface LocalMasterOptions {
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  heartbeatIntervalSeconds: number;
  allocationIntervalMs: number;
  offerTimeoutMs: number | undefined;
  roles: readonly string[] | undefined;
  /** When set, every scheduler request needs HTTP Basic credentials from this list. */
  credentials: readonly Credential[] | undefined;
  /** HTTP authentication of the operator endpoints (`--authenticate_http_readonly|readwrite`), when on. */
  httpAuth?: HttpAuthentication;
  faults: FaultSwitches;
  /** The cluster's live agents, registered with this master when it becomes leader. */
  agents: () => LocalAgent[];
  /** How long after its election the master recovers (scheduler and operator calls get 503); default 0. */
  recoveryMs?: number;
  /** Where what a user must see goes (the cluster's `log` sink): the master exiting, as Mesos's EXIT. */
  log?: LogOption;
  /** The cluster's registry, which the leader writes through and a newly elected master recovers from (default: its own). */
  registry?: Registry;
  /** Its Mesos flags --agent_reregister_timeout, --recovery_agent_removal_limit, --offer_constraints_re2_* (default Mesos's). */
  flags?: MasterFlagSettings;
  /** Routes tried before the master's own (the status page, lib/local/status-page); true when answered. */
  routes?: (master: LocalMaster, req: IncomingMessage, res: ServerResponse) => boolean;
}

/** Events of a {@link LocalMaster}. */
export interface LocalMasterEvents {
  /** This master was killed (fault injection or `kill()`). */
  killed: () => void;
}

/** A master of the local cluster. */
export class LocalMaster extends EventEmitter<LocalMasterEvents> {
  private readonly options: LocalMasterOptions;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly log = createLogger('local:master');
  private masterInfo: MasterInfo | undefined;
  private leaderInfo: MasterInfo | null = null;
  private leaderCore: MasterCore | undefined;
  /** When the registry recovery of the current leadership ends (ms since epoch). */
  private recoveredAt = 0;
  private alive = false;
  private readonly operator: MasterOperatorApi;
  private readonly httpAuth: HttpAuthenticator;

  /** @internal Built by LocalCluster, which owns the fault switches and the agents. */
  constructor(options: LocalMasterOptions) {
    super();
    this.options = { ...options, registry: options.registry ?? new Registry() };
    this.httpAuth = new HttpAuthenticator('master', () => options.httpAuth);
    this.operator = new MasterOperatorApi({
      core: () => this.leaderCore,
      leader: () => this.leaderInfo,
      self: () => this.info,
      recovering: () => Date.now() < this.recoveredAt,
      flags: () => masterFlags(options),
      heartbeatIntervalSeconds: options.heartbeatIntervalSeconds,
      roles: options.roles,
      allocationIntervalMs: options.allocationIntervalMs,
      registry: this.options.registry,
    });
    this.server = createServer(this.serveRequest);
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** @internal What the HTTP server runs per request (in-process fuzzing calls it with no socket). */
  readonly serveRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (refuseForeignHost(req, res) || !this.httpAuth.admit(req, res, masterRealm(req.url))) return;
    if (this.options.routes?.(this, req, res)) return;
    this.handle(req, res).catch((err: unknown) => {
      this.log('request failed: %O', err);
      if (!res.headersSent) respond(res, 500, 'Internal error');
      else res.destroy();
    });
  };

  /** Listens on 127.0.0.1. */
  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const port = (this.server.address() as AddressInfo).port;
    this.masterInfo = {
      id: randomUUID(),
      ip: 16777343, // 127.0.0.1 as Mesos writes it: the address in network byte order read as a little-endian uint32.
      port,
      pid: `master@127.0.0.1:${port}`,
      hostname: '127.0.0.1',
      version: LOCAL_MESOS_VERSION,
      address: { hostname: '127.0.0.1', ip: '127.0.0.1', port },
      capabilities: [{ type: 'AGENT_UPDATE' }, { type: 'AGENT_DRAINING' }, { type: 'QUOTA_V2' }],
    };
    this.alive = true;
  }

  /** This master's MasterInfo (as published in ZooKeeper and sent in SUBSCRIBED). */
  get info(): MasterInfo {
    if (!this.masterInfo) throw new MesosError('LocalMaster.info read before start()');
    return this.masterInfo;
  }

  /** Base URL, `http://127.0.0.1:PORT`. */
  get url(): string {
    return `http://127.0.0.1:${this.info.port}`;
  }

  /** True while this master is the elected leader. */
  get isLeader(): boolean {
    return this.leaderCore !== undefined;
  }

  /** True until killed or stopped. */
  get isAlive(): boolean {
    return this.alive;
  }

  /** The leader as this master knows it (itself when leading), or null. */
  get leader(): MasterInfo | null {
    return this.leaderInfo;
  }

  /** @internal The leading state, when leading (for the cluster, state JSON and tests). */
  get core(): MasterCore | undefined {
    return this.leaderCore;
  }

  /** Gives this master a new MasterInfo id, as a restarted master process has (single-master failover). */
  renewIdentity(): void {
    this.masterInfo = { ...this.info, id: randomUUID() };
  }

  /** Records who leads: this master (it then starts fresh and learns agents) or another / none. */
  setLeader(leader: MasterInfo | null): void {
    if (!this.alive) return;
    const self = leader !== null && leader.id === this.info.id;
    this.leaderInfo = leader;
    if (self && !this.leaderCore) {
      this.log('%s elected leader', this.url);
      const core = new MasterCore({
        masterInfo: this.info,
        heartbeatIntervalSeconds: this.options.heartbeatIntervalSeconds,
        allocationIntervalMs: this.options.allocationIntervalMs,
        offerTimeoutMs: this.options.offerTimeoutMs,
        roles: this.options.roles,
        observer: this.operator.events,
        registry: this.options.registry,
        flags: this.options.flags,
        re2Limits: this.options.flags?.re2Limits,
        exit: (message) => {
          this.log('%s exits: %s', this.url, message); // as Mesos's EXIT(EXIT_FAILURE)
          if (this.options.log) this.options.log(`mesos-local: master ${this.url} exits: ${message}`);
          void this.kill();
        },
      });
      this.operator.recover(); // the registry's weights, quotas and maintenance, before agents register
      this.leaderCore = core;
      this.recoveredAt = Date.now() + (this.options.recoveryMs ?? 0);
      for (const agent of this.options.agents()) core.addAgent(agent);
    } else if (!self && this.leaderCore) {
      this.log('%s lost leadership', this.url);
      this.leaderCore.dispose();
      this.leaderCore = undefined;
      this.operator.leadershipLost();
    }
  }

  /** Kills this master abruptly: connections are destroyed, leadership is gone. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    await this.shutdown(true);
    this.emit('killed');
  }

  /** Stops this master (no 'killed' event). */
  async stop(): Promise<void> {
    if (!this.alive) return;
    await this.shutdown(false);
  }

  private async shutdown(abrupt: boolean): Promise<void> {
    this.alive = false;
    this.leaderCore?.dispose();
    this.leaderCore = undefined;
    this.leaderInfo = null;
    this.operator.dispose();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) {
      if (abrupt) socket.destroy();
      else socket.end();
    }
    this.server.closeAllConnections();
    await closed;
  }

  // ------------------------------------------------------------------ routing

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (SCHEDULER_PATHS.has(path)) return this.scheduler(req, res);
    if (isOperatorPath(path)) return this.operator.serve(req, res);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      if (
        [
          '/version',
          '/state',
          '/master/state',
          '/state.json',
          '/master/state.json',
          '/redirect',
          '/master/redirect',
          '/health',
          '/master/health',
        ].includes(path)
      ) {
        res.setHeader('Allow', 'GET');
        return respond(res, 405, `Expecting 'GET', received '${req.method}'`);
      }
      return respond(res, 404, '');
    }
    switch (path) {
      case '/version':
        return respondJson(res, {
          version: LOCAL_MESOS_VERSION,
          build_date: '',
          build_time: 0,
          build_user: 'mesos-driver LocalCluster',
        });
      case '/health':
      case '/master/health':
        return respond(res, 200, '');
      case '/redirect':
      case '/master/redirect':
        return this.redirect(res);
      case '/state':
      case '/master/state':
      case '/state.json':
      case '/master/state.json':
        return respondJson(res, masterStateJson(this.info, this.leaderInfo, this.leaderCore));
      default:
        return respond(res, 404, '');
    }
  }

  /** Answers 503 "Master has not finished recovery" while a newly elected leader recovers its registry. */
  private refusedWhileRecovering(req: IncomingMessage, res: ServerResponse): boolean {
    if (!this.leaderCore || Date.now() >= this.recoveredAt) return false;
    req.resume();
    respond(res, 503, 'Master has not finished recovery');
    return true;
  }

  private redirect(res: ServerResponse): void {
    if (!this.leaderInfo) {
      respond(res, 503, 'No leader elected');
      return;
    }
    res.setHeader('Location', `//${leaderHost(this.leaderInfo)}:${this.leaderInfo.port}`);
    respond(res, 307, '');
  }

  // ------------------------------------------------------------------ /api/v1/scheduler

  private async scheduler(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const faults = this.options.faults;
    // Row 0: HTTP framework authentication.
    let principal: string | undefined;
    if (this.options.credentials) {
      principal = this.authenticate(req.headers.authorization);
      if (principal === undefined) {
        req.resume();
        return HttpAuthenticator.unauthorized(res, 'mesos-master-scheduler'); // libprocess's, as every realm's
      }
    }
    // Row 1: leadership.
    if (!this.leaderCore) {
      req.resume();
      if (this.leaderInfo) {
        res.setHeader('Location', `//${leaderHost(this.leaderInfo)}:${this.leaderInfo.port}${req.url ?? ''}`);
        return respond(res, 307, '');
      }
      return respond(res, 503, 'No leader elected');
    }
    // Row 2: registry recovery.
    if (this.refusedWhileRecovering(req, res)) return;
    // Row 3: method.
    if (req.method !== 'POST') {
      req.resume();
      res.setHeader('Allow', 'POST');
      return respond(res, 405, `Expecting 'POST', received '${req.method}'`);
    }
    const body = await readBody(req);
    if (body === undefined) return respond(res, 413, `Request body exceeds ${MAX_BODY_BYTES} bytes`);
    // Rows 4-5: Content-Type and parsing.
    const contentType = req.headers['content-type'];
    if (contentType === undefined) return respond(res, 400, "Expecting 'Content-Type' to be present");
    const format = formatOfContentType(contentType);
    if (!format) return respond(res, 415, "Expecting 'Content-Type' of application/json or application/x-protobuf");
    let call: scheduler.Call;
    try {
      call = getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, format).decode(body);
    } catch (err) {
      return respond(res, 400, err instanceof Error ? err.message : String(err));
    }
    const forced = faults.takeFailure(call.type);
    if (faults.latencyMs > 0) await delay(faults.latencyMs);
    if (forced) return respond(res, forced.status, forced.body);
    // Row 6: validation.
    const invalid = validateSchedulerCall(call, principal);
    if (invalid) return respond(res, 400, `Failed to validate scheduler::Call: ${invalid}`);
    // The core may have gone while we waited (leadership lost): answer like a non-leader.
    const core = this.leaderCore;
    if (!core) return respond(res, 503, 'No leader elected');
    // Row 7: Accept, read only for SUBSCRIBE and RECONCILE_OPERATIONS.
    const accept = req.headers.accept;
    if (call.type === 'SUBSCRIBE' || call.type === 'RECONCILE_OPERATIONS') {
      if (!negotiateResponseFormat(accept)) {
        return respond(res, 406, "Expecting 'Accept' to allow 'application/json' or 'application/x-protobuf'");
      }
    }
    const streamIdHeader = headerValue(req.headers['mesos-stream-id']);
    if (call.type === 'SUBSCRIBE') {
      // Row 8.
      if (streamIdHeader !== undefined)
        return respond(res, 400, "Subscribe calls should not include the 'Mesos-Stream-Id' header");
      // Row 9.
      const stream = new SubscriptionStream(res, {
        format: negotiateResponseFormat(accept) ?? 'json',
        heartbeatIntervalMs: this.options.heartbeatIntervalSeconds * 1000,
        heartbeatsEnabled: () => !faults.heartbeatsStopped,
      });
      core.subscribe(principal !== undefined ? withPrincipal(call, principal) : call, stream);
      return;
    }
    // Rows 10-18.
    const result = core.handleCall(call, streamIdHeader);
    respond(res, result.status, result.body ?? '');
  }

  private authenticate(header: string | undefined): string | undefined {
    return basicPrincipal(header, this.options.credentials ?? []);
  }
}

/** Fills in FrameworkInfo.principal from the authenticated principal when it is empty (§1.5.6). */
function withPrincipal(call: scheduler.Call, principal: string): scheduler.Call {
  const subscribe = call.subscribe as scheduler.Call.Subscribe;
  if (subscribe.framework_info.principal !== undefined) return call;
  return { ...call, subscribe: { ...subscribe, framework_info: { ...subscribe.framework_info, principal } } };
}

function leaderHost(leader: MasterInfo): string {
  return leader.hostname || leader.address?.hostname || leader.address?.ip || '127.0.0.1';
}

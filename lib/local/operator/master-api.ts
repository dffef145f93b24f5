/**
 * A LocalMaster's operator API: `POST /api/v1`, `/master/api/v1` and, as libprocess routes by
 * longest prefix, `/api/v1/<anything>` except the scheduler endpoint. Checks in Mesos's order:
 * leadership (307 to the leader, 503 without one), 405, 400 without Content-Type, 415, 400 for a
 * body that does not parse or validate, 406; then the call, answered from the leading core.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TYPE_NAMES } from '../../codec/codec';
import type { Flag, MasterInfo, master } from '../../codec/messages';
import { formatDuration } from '../executor-api';
import type { MasterCore } from '../master-core';
import { type MasterFlagSettings, masterFlagSettings } from '../master-flag-options';
import type { Registry } from '../registry';
import { isRefused, parseOperatorCall, respond, respondMessage } from './http';
import { AgentAdministration } from './master-agent-calls';
import { answerMasterCall, validateMasterCall } from './master-calls';
import { OperatorEventHub } from './master-events';
import { OperatorSettings } from './settings';
import { LOCAL_MESOS_VERSION } from './version';

/** What the operator API reads of its master. */
export interface OperatorMasterHost {
  /** The leading core, when this master leads. */
  core(): MasterCore | undefined;
  /** The leader as this master knows it (itself when leading), or null. */
  leader(): MasterInfo | null;
  /** This master's MasterInfo. */
  self(): MasterInfo;
  /** True while a newly elected master recovers its registry (calls get 503). */
  recovering?(): boolean;
  /** The master's flags, as GET_FLAGS reports them. */
  flags(): Flag[];
  heartbeatIntervalSeconds: number;
  roles: readonly string[] | undefined;
  /** How often inverse offers are re-sent while machines drain (the allocation interval); default 1000. */
  allocationIntervalMs?: number;
  /** The cluster's registry: the settings it keeps (registry.ts) are written through it and recovered from it. */
  registry?: Registry;
}

/** True for the paths the operator API answers (scheduler paths excluded by the caller's routing). */
export function isOperatorPath(path: string): boolean {
  return (
    path === '/api/v1' || path === '/master/api/v1' || path.startsWith('/api/v1/') || path.startsWith('/master/api/v1/')
  );
}

/** The operator side of one master. */
export class MasterOperatorApi {
  private readonly host: OperatorMasterHost;
  private readonly settings = new OperatorSettings();
  private readonly administration: AgentAdministration;
  private readonly quiet = new Set<string>();
  /** The core observer: feeds the event stream; pass it to every MasterCore this master creates. */
  readonly events: OperatorEventHub;

  constructor(host: OperatorMasterHost) {
    this.host = host;
    this.administration = new AgentAdministration(this.settings, (agentId) => this.quiet.add(agentId), host.registry);
    const hub = new OperatorEventHub({
      core: () => host.core(),
      switches: this.settings,
      heartbeatIntervalSeconds: host.heartbeatIntervalSeconds,
      quietRemovals: this.quiet,
      inverseOffersAnswered: (frameworkId, call) => this.settings.inverseOffers.answered(frameworkId, call),
      refusesAgent: (agent) => this.administration.refuses(agent),
      afterTaskUpdate: () => {
        const core = host.core();
        if (core) this.administration.checkDrains(core);
      },
    });
    this.events = hub;
    const inverseOffers = this.settings.inverseOffers;
    inverseOffers.intervalMs = host.allocationIntervalMs ?? 1000;
    inverseOffers.resend = () => {
      const core = host.core();
      const draining = this.settings.maintenance.draining();
      if (core && draining.length > 0) inverseOffers.send(core, draining);
      return draining.length > 0;
    };
  }

  /** This master was elected: it takes the registry's weights, quotas, maintenance and agent drain states. */
  recover(): void {
    this.host.registry?.recoverSettings(this.settings);
    // Inverse offers and their answers are not in the registry: it offers the draining machines afresh.
    this.settings.inverseOffers.forget(this.settings.maintenance.draining().map((machine) => machine.id));
    this.settings.inverseOffers.keepSending();
  }

  /** Ends the event streams (leadership lost or master stopped). */
  leadershipLost(): void {
    this.events.reset();
  }

  /** Stops timers and streams. */
  dispose(): void {
    this.events.reset();
    this.settings.dispose();
  }

  /** Serves one request on an operator path. */
  async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const leader = this.host.leader();
    if (!this.host.core()) {
      req.resume();
      if (leader) {
        const host = leader.hostname || leader.address?.hostname || leader.address?.ip || '127.0.0.1';
        return respond(res, 307, '', { Location: `//${host}:${leader.port}${req.url ?? ''}` });
      }
      return respond(res, 503, 'No leader elected');
    }
    if (this.host.recovering?.()) {
      req.resume();
      return respond(res, 503, 'Master has not finished recovery');
    }
    const parsed = await parseOperatorCall<master.Call>(req, TYPE_NAMES.MasterCall, 'master', validateMasterCall);
    if (isRefused(parsed)) return respond(res, parsed.status, parsed.body, parsed.headers);
    const core = this.host.core();
    if (!core) return respond(res, 503, 'No leader elected');
    if (parsed.call.type === 'SUBSCRIBE') {
      this.events.subscribe(res, parsed.accept, core);
      return;
    }
    const result = answerMasterCall(parsed.call, {
      core,
      self: this.host.self(),
      flags: this.host.flags(),
      settings: this.settings,
      agents: this.administration,
      terminalCounts: this.events.terminalCounts,
      subscribers: this.events.size,
      roles: this.host.roles,
      registry: this.host.registry,
    });
    if (result.response !== undefined) {
      return respondMessage(req, res, TYPE_NAMES.MasterResponse, parsed.accept, result.response, result.status);
    }
    respond(res, result.status, result.body ?? '');
  }
}

/** The flags GET_FLAGS reports for a LocalMaster's settings, as a Mesos master prints them. */
export function masterFlags(options: {
  allocationIntervalMs: number;
  offerTimeoutMs: number | undefined;
  roles: readonly string[] | undefined;
  credentials: readonly unknown[] | undefined;
  httpAuth?: { readonly: boolean; readwrite: boolean };
  flags?: MasterFlagSettings;
}): Flag[] {
  const settings = options.flags ?? masterFlagSettings({});
  const flags: Record<string, string> = {
    agent_reregister_timeout: formatDuration(settings.agentReregisterTimeoutMs),
    allocation_interval: `${options.allocationIntervalMs}ms`,
    authenticate_frameworks: String(options.credentials !== undefined),
    authenticate_http_readonly: String(options.httpAuth?.readonly === true),
    authenticate_http_readwrite: String(options.httpAuth?.readwrite === true),
    offer_constraints_re2_max_mem: formatBytes(settings.re2Limits.maxMem),
    offer_constraints_re2_max_program_size: String(settings.re2Limits.maxProgramSize),
    offer_timeout: options.offerTimeoutMs === undefined ? '' : `${options.offerTimeoutMs}ms`,
    recovery_agent_removal_limit: `${Math.round(settings.recoveryAgentRemovalLimit * 10000) / 100}%`,
    roles: (options.roles ?? []).join(','),
    version: LOCAL_MESOS_VERSION,
  };
  return Object.entries(flags)
    .filter(([, value]) => value !== '')
    .map(([name, value]) => ({ name, value }));
}

/** Bytes as Mesos prints a Bytes flag: in the largest unit that divides them (4096 -> 4KB). */
function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GB', 1024 ** 3],
    ['MB', 1024 ** 2],
    ['KB', 1024],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size}${unit}`;
  }
  return `${bytes}B`;
}

/**
 * `MesosMasterOperator`: the v1 operator API of a Mesos master (`POST /api/v1`), one typed method
 * per call returning the unwrapped answer, plus `call()` and the event stream (`subscribe()`).
 * The master string is any the scheduler driver takes (`host:port`, URLs, lists, `file://`,
 * `zk://`); calls go to the leader, found by the detector and by following 307s.
 */
import { TYPE_NAMES } from '../codec/codec';
import type {
  FrameworkID,
  google,
  MachineID,
  maintenance,
  master,
  quota,
  Resource,
  Value,
  WeightInfo,
} from '../codec/messages';
import type { BackoffStrategy } from '../common/backoff';
import { MesosConfigError, MesosMisuseError } from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import { createDetector, type DetectorOptions, type MasterDetector } from '../detector/detector';
import {
  type AgentIdLike,
  agentId,
  type OperatorCallOptions,
  OperatorClient,
  type OperatorClientOptions,
  sessionOptions,
} from './client';
import { type OperatorEventHandler, OperatorEventStream, type OperatorEventStreamOptions } from './event-stream';
import { OperatorStateMirror } from './mirror';
import { OperatorSession } from './session';

/** Options of {@link MesosMasterOperator}. */
export interface MasterOperatorOptions extends OperatorClientOptions {
  /** Options of master detection (lists, `zk://`); the TLS settings and credential are shared. */
  detector?: Pick<DetectorOptions, 'scheme' | 'probeTimeoutMs' | 'pollIntervalMs' | 'zkSessionTimeoutMs'>;
}

/** Options of {@link MesosMasterOperator.subscribe}. */
export interface SubscribeEventsOptions extends Omit<OperatorEventStreamOptions, 'mirror'> {
  /** Keep a live state mirror from the stream (`stream.mirror`), or pass your own. */
  mirror?: boolean | OperatorStateMirror;
}

/** Options of {@link MesosMasterOperator.drainAgent}. */
export interface DrainAgentOptions extends OperatorCallOptions {
  /** Longest grace period given to the agent's tasks when they are killed. */
  maxGracePeriod?: google.protobuf.Duration;
  /** Mark the agent gone once drained. Default false. */
  markGone?: boolean;
}

/** A typed client of a Mesos master's operator API. */
export class MesosMasterOperator extends OperatorClient<master.Call, master.Response> {
  private readonly streams = new Set<OperatorEventStream>();
  private readonly backoffFactory: () => BackoffStrategy;
  private readonly log: Logger;

  /**
   * `master` is a master string as the scheduler driver takes it. Throws `MesosConfigError`
   * naming a bad option or a malformed master string. Detection starts with the first call.
   */
  constructor(master: string, options: MasterOperatorOptions = {}) {
    const { detector: detectorOptions, ...clientOptions } = options;
    const log = createLogger('operator:master');
    const session = sessionOptions(clientOptions, true, log);
    const tls = clientOptions.tls;
    const detector: MasterDetector = createDetector(master, {
      ...detectorOptions,
      ...(tls ? { tls } : {}),
      ...(clientOptions.credential ? { credential: clientOptions.credential } : {}),
    });
    const locate = async (signal: AbortSignal): Promise<string> => {
      for (;;) {
        const found = await detector.detect(null, { signal });
        if (found) return found.url;
      }
    };
    super(
      new OperatorSession(locate, session, detector),
      { call: TYPE_NAMES.MasterCall, response: TYPE_NAMES.MasterResponse },
      session.format,
      session.maxRecordBytes,
    );
    this.backoffFactory = session.backoff;
    this.log = log;
  }

  /** The leading master's base URL, once a call found it. */
  get leader(): string | undefined {
    return this.session.leader;
  }

  /**
   * Subscribes to the master's events (SUBSCRIBE) and keeps the subscription open until
   * `stream.stop()`; `handler`'s callbacks get the events, and the stream is also an async iterator.
   */
  subscribe(handler: OperatorEventHandler = {}, options: SubscribeEventsOptions = {}): OperatorEventStream {
    if (this.session.closeSignal.aborted) throw new MesosMisuseError('Cannot subscribe: the operator client is closed');
    const { mirror, ...rest } = options;
    const missed = rest.missedHeartbeats;
    if (missed !== undefined && !(Number.isFinite(missed) && missed > 0)) {
      throw new MesosConfigError(`Option missedHeartbeats must be a positive number, got ${String(missed)}`);
    }
    const kept = mirror === true ? new OperatorStateMirror(this.log.extend('mirror')) : mirror || undefined;
    const stream = new OperatorEventStream(
      this.session,
      this.format,
      handler,
      rest.backoff ?? this.backoffFactory,
      { ...rest, ...(kept ? { mirror: kept } : {}), maxRecordBytes: this.maxRecordBytes },
      this.log.extend('events'),
    );
    this.streams.add(stream);
    return stream;
  }

  /** Stops every event stream, then closes every connection and the detector. */
  override async close(): Promise<void> {
    await Promise.all([...this.streams].map((stream) => stream.stop()));
    this.streams.clear();
    await super.close();
  }

  /** GET_STATE: tasks, executors, frameworks and agents in one consistent answer. */
  getState(options?: OperatorCallOptions): Promise<master.Response.GetState> {
    return this.fetch({ type: 'GET_STATE' }, options);
  }

  /** GET_AGENTS. */
  getAgents(options?: OperatorCallOptions): Promise<master.Response.GetAgents> {
    return this.fetch({ type: 'GET_AGENTS' }, options);
  }

  /** GET_FRAMEWORKS. */
  getFrameworks(options?: OperatorCallOptions): Promise<master.Response.GetFrameworks> {
    return this.fetch({ type: 'GET_FRAMEWORKS' }, options);
  }

  /** GET_EXECUTORS. */
  getExecutors(options?: OperatorCallOptions): Promise<master.Response.GetExecutors> {
    return this.fetch({ type: 'GET_EXECUTORS' }, options);
  }

  /** GET_OPERATIONS (offer operations other than LAUNCH and LAUNCH_GROUP). */
  getOperations(options?: OperatorCallOptions): Promise<master.Response.GetOperations> {
    return this.fetch({ type: 'GET_OPERATIONS' }, options);
  }

  /** GET_TASKS: active, unreachable and completed tasks. */
  getTasks(options?: OperatorCallOptions): Promise<master.Response.GetTasks> {
    return this.fetch({ type: 'GET_TASKS' }, options);
  }

  /** GET_ROLES. */
  getRoles(options?: OperatorCallOptions): Promise<master.Response.GetRoles> {
    return this.fetch({ type: 'GET_ROLES' }, options);
  }

  /** GET_WEIGHTS. */
  getWeights(options?: OperatorCallOptions): Promise<master.Response.GetWeights> {
    return this.fetch({ type: 'GET_WEIGHTS' }, options);
  }

  /** UPDATE_WEIGHTS. */
  updateWeights(weightInfos: WeightInfo[], options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: weightInfos } }, options);
  }

  /** GET_MASTER: the leader's MasterInfo, start and election times. */
  getMaster(options?: OperatorCallOptions): Promise<master.Response.GetMaster> {
    return this.fetch({ type: 'GET_MASTER' }, options);
  }

  /** RESERVE_RESOURCES on an agent; `source` (Mesos 1.10+) re-reserves resources already reserved. */
  reserveResources(
    agent: AgentIdLike,
    resources: Resource[],
    source?: Resource[],
    options?: OperatorCallOptions,
  ): Promise<void> {
    const reserve = { agent_id: agentId(agent), resources, ...(source ? { source } : {}) };
    return this.act({ type: 'RESERVE_RESOURCES', reserve_resources: reserve }, options);
  }

  /** UNRESERVE_RESOURCES on an agent. */
  unreserveResources(agent: AgentIdLike, resources: Resource[], options?: OperatorCallOptions): Promise<void> {
    return this.act(
      { type: 'UNRESERVE_RESOURCES', unreserve_resources: { agent_id: agentId(agent), resources } },
      options,
    );
  }

  /** CREATE_VOLUMES (persistent volumes) on an agent; the outcome shows in the state. */
  createVolumes(agent: AgentIdLike, volumes: Resource[], options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'CREATE_VOLUMES', create_volumes: { agent_id: agentId(agent), volumes } }, options);
  }

  /** DESTROY_VOLUMES on an agent. */
  destroyVolumes(agent: AgentIdLike, volumes: Resource[], options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'DESTROY_VOLUMES', destroy_volumes: { agent_id: agentId(agent), volumes } }, options);
  }

  /** GROW_VOLUME (experimental). */
  growVolume(agent: AgentIdLike, volume: Resource, addition: Resource, options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'GROW_VOLUME', grow_volume: { agent_id: agentId(agent), volume, addition } }, options);
  }

  /** SHRINK_VOLUME (experimental). */
  shrinkVolume(
    agent: AgentIdLike,
    volume: Resource,
    subtract: Value.Scalar,
    options?: OperatorCallOptions,
  ): Promise<void> {
    return this.act({ type: 'SHRINK_VOLUME', shrink_volume: { agent_id: agentId(agent), volume, subtract } }, options);
  }

  /** GET_MAINTENANCE_STATUS: draining machines (with inverse offer answers) and down machines. */
  getMaintenanceStatus(options?: OperatorCallOptions): Promise<master.Response.GetMaintenanceStatus> {
    return this.fetch({ type: 'GET_MAINTENANCE_STATUS' }, options);
  }

  /** GET_MAINTENANCE_SCHEDULE. */
  getMaintenanceSchedule(options?: OperatorCallOptions): Promise<master.Response.GetMaintenanceSchedule> {
    return this.fetch({ type: 'GET_MAINTENANCE_SCHEDULE' }, options);
  }

  /** UPDATE_MAINTENANCE_SCHEDULE: replaces the whole schedule. */
  updateMaintenanceSchedule(schedule: maintenance.Schedule, options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule } }, options);
  }

  /** START_MAINTENANCE: the machines go down (their agents are removed). */
  startMaintenance(machines: MachineID[], options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'START_MAINTENANCE', start_maintenance: { machines } }, options);
  }

  /** STOP_MAINTENANCE: the machines come back up. */
  stopMaintenance(machines: MachineID[], options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'STOP_MAINTENANCE', stop_maintenance: { machines } }, options);
  }

  /** GET_QUOTA. */
  getQuota(options?: OperatorCallOptions): Promise<master.Response.GetQuota> {
    return this.fetch({ type: 'GET_QUOTA' }, options);
  }

  /** UPDATE_QUOTA (all or nothing; empty guarantees and limits reset a role); `force` skips the capacity check. */
  updateQuota(configs: quota.QuotaConfig[], force?: boolean, options?: OperatorCallOptions): Promise<void> {
    const update = { quota_configs: configs, ...(force === undefined ? {} : { force }) };
    return this.act({ type: 'UPDATE_QUOTA', update_quota: update }, options);
  }

  /** TEARDOWN of a framework. */
  teardown(frameworkId: FrameworkID | string, options?: OperatorCallOptions): Promise<void> {
    const framework_id = typeof frameworkId === 'string' ? { value: frameworkId } : frameworkId;
    return this.act({ type: 'TEARDOWN', teardown: { framework_id } }, options);
  }

  /** MARK_AGENT_GONE (idempotent). */
  markAgentGone(agent: AgentIdLike, options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: agentId(agent) } }, options);
  }

  /** DRAIN_AGENT: kill its tasks (within `maxGracePeriod`) and offer nothing more from it. */
  drainAgent(agent: AgentIdLike, options: DrainAgentOptions = {}): Promise<void> {
    const drain: master.Call.DrainAgent = { agent_id: agentId(agent) };
    if (options.maxGracePeriod) drain.max_grace_period = options.maxGracePeriod;
    if (options.markGone !== undefined) drain.mark_gone = options.markGone;
    return this.act({ type: 'DRAIN_AGENT', drain_agent: drain }, options);
  }

  /** DEACTIVATE_AGENT: no more offers from it. */
  deactivateAgent(agent: AgentIdLike, options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: agentId(agent) } }, options);
  }

  /** REACTIVATE_AGENT. */
  reactivateAgent(agent: AgentIdLike, options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: agentId(agent) } }, options);
  }
}

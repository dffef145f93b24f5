/**
 * MesosSchedulerDriver: libmesos's SchedulerDriver contract over the Mesos v1 HTTP scheduler API.
 * One connect loop (detect -> SUBSCRIBE -> read events -> back off) handles every kind of loss;
 * callbacks run one at a time on a queue, in event order.
 */
import { setMaxListeners } from 'node:events';
import * as os from 'node:os';
import { EventEmitter } from 'eventemitter3';
import { bytesToBuffer } from '../codec/bytes';
import { getCodec, type MessageCodec, TYPE_NAMES } from '../codec/codec';
import type {
  AgentID,
  Credential,
  ExecutorID,
  Filters,
  FrameworkID,
  FrameworkInfo,
  KillPolicy,
  MasterInfo,
  Offer,
  OfferID,
  OperationStatus,
  Request,
  scheduler,
  TaskID,
  TaskInfo,
  TaskStatus,
} from '../codec/messages';
import { anySignal, delay } from '../common/abort';
import { type BackoffStrategy, ExponentialBackoff } from '../common/backoff';
import {
  MesosAbortError,
  MesosAuthenticationError,
  MesosMisuseError,
  MesosNoLeaderError,
  MesosRedirectError,
  MesosStreamEndedError,
  MesosTimeoutError,
} from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import { redactUrl } from '../detector/master-string';
import { SchedulerClient } from '../transport/scheduler-client';
import { CallbackQueue, isThenable } from './callback-queue';
import { pumpEvents } from './event-pump';
import { FatalErrorReporter } from './fatal-error';
import { HeartbeatWatchdog } from './heartbeat-watchdog';
import { JoinGate } from './join-gate';
import { watchForLeaderChange } from './leader-watch';
import { createMasterDetector, MesosLocalClusterError } from './local-master';
import {
  checkArray,
  checkId,
  checkRoles,
  isPartitionAware,
  masterDisconnectedUpdate,
  operationAckCall,
  rolesOf,
  tasksOfOperations,
  toOfferIds,
  withFilters,
} from './scheduler-calls';
import { type SchedulerDriverArgs, schedulerDriverConfig } from './scheduler-constructor';
import {
  MesosLeaderChangedError,
  MesosNotSubscribedError,
  MesosSchedulerError,
  type SchedulerErrorCode,
} from './scheduler-errors';
import type { SchedulerDriverEvents } from './scheduler-events';
import {
  AcknowledgeEncoder,
  ackCall,
  acknowledgeDirectly,
  type EncodedCall,
  needsAcknowledgement,
  typeOnlyCall,
} from './scheduler-fast-path';
import {
  type DetectedMaster,
  type LeaderDetector,
  SCHEDULER_DRIVER_DEFAULTS,
  type SchedulerDriverOptions,
  type SchedulerSubscription,
  type SchedulerTransport,
} from './scheduler-options';
import { CONNECTION_TRANSITIONS, type ConnectionState, STATUS_TRANSITIONS, StateMachine } from './scheduler-state';
import { createSchedulerTransport } from './scheduler-transport';
import type { OfferIds, Scheduler, SchedulerDriver } from './scheduler-types';
import { Status } from './status';

type SubscribeOutcome =
  | { kind: 'lost'; error: Error }
  | { kind: 'failed'; error: Error }
  | { kind: 'fatal' }
  | { kind: 'closed' };

/** The message the master sends on SUBSCRIBE with an id it has removed. */
const FRAMEWORK_REMOVED = 'Framework has been removed';
/** The message the master sends on the old stream when another scheduler subscribes with the id. */
const FRAMEWORK_FAILED_OVER = 'Framework failed over';

/**
 * The libmesos scheduler driver over the v1 HTTP API. Construct it with your {@link Scheduler},
 * the FrameworkInfo and a master string (`host:port`, `http(s)://host:port[/prefix]`, a list,
 * `file://` or `zk://`), then `run()` it. Also a typed emitter of its lifecycle
 * ({@link SchedulerDriverEvents}) for observability.
 *
 * Differences from libmesos, all documented: operations with an `id` are allowed in
 * `acceptOffers` (their feedback reaches `operationStatusUpdate`); `abort()` closes the
 * subscription after `abortLingerMs` (v1 has no "deactivate"), so with `failover_timeout` 0 the
 * master then removes the framework; while `stop()` after `abort()` within that time still sends
 * TEARDOWN. The reason of an abort is `driver.abortReason` (a MesosSchedulerError whose `code` is
 * `'frameworkRemoved'` when the framework id can never be used again).
 */
export class MesosSchedulerDriver extends EventEmitter<SchedulerDriverEvents> implements SchedulerDriver {
  /** True when the driver acknowledges status updates itself after `statusUpdate` returns. */
  readonly implicitAcknowledgements: boolean;

  private readonly scheduler: Scheduler;
  private readonly master: string;
  private readonly credential: Credential | undefined;
  private readonly options: SchedulerDriverOptions;
  private readonly log: Logger;
  private readonly statusMachine: StateMachine<Status>;
  private readonly connection: StateMachine<ConnectionState>;
  private readonly queue: CallbackQueue;
  private readonly backoff: BackoffStrategy;
  private readonly watchdog: HeartbeatWatchdog | undefined;
  private readonly lifetime = new AbortController();
  /** Cancels calls in flight; aborted only when the connections close, so stop() can let them finish. */
  private readonly calls = new AbortController();
  private drainWaiter: (() => void) | undefined;
  private readonly joinGate = new JoinGate<Status>();
  private readonly fatalReporter: FatalErrorReporter;

  private framework: FrameworkInfo;
  private readonly callCodec: MessageCodec<scheduler.Call>;
  private readonly acks: AcknowledgeEncoder;
  /** Per call type, the handlers of a call's answer (made once, not per call). */
  private readonly settlers = new Map<string, [() => void, (error: unknown) => void]>();
  private suppressedRoles = new Set<string>();
  private offerConstraints: scheduler.OfferConstraints | undefined;
  private detector: LeaderDetector | undefined;
  private transport: SchedulerTransport | undefined;
  private subscription: SchedulerSubscription | undefined;
  private streamId: string | undefined;
  private attempt: AbortController | undefined;
  private leaderWatch: AbortController | undefined;
  private lossCause: Error | undefined;
  private epoch = 0;
  private registeredOnce = false;
  private readonly heldOffers = new Set<string>(); // tracked only while debug logging is on: it feeds a message
  private keepAlive: ReturnType<typeof setInterval> | undefined;
  private lingerTimer: ReturnType<typeof setTimeout> | undefined;
  private lingering = false;
  private abortError: MesosSchedulerError | undefined;
  /** Calls sent and not yet answered; the stream is not read while there are too many. */
  private unsettledCalls = 0;
  private callsSettled: (() => void) | undefined;
  private readonly maxPendingEvents: number;
  private readonly maxPendingCalls: number;
  private readonly reconnectDelayMaxMs: number;

  /**
   * @param scheduler - your callbacks (a class instance or an object literal).
   * @param framework - the FrameworkInfo; with an `id` the driver re-subscribes as that framework.
   * @param master - where the master is (see the class comment; `local` starts an embedded LocalCluster).
   * @param implicitAcknowledgements - acknowledge updates after `statusUpdate` (default true).
   * @param credential - principal and secret, sent as HTTP Basic on every request.
   * @param options - see {@link SchedulerDriverOptions}.
   */
  constructor(
    scheduler: Scheduler,
    framework: FrameworkInfo,
    master: string,
    implicitAcknowledgements?: boolean,
    credential?: Credential,
    options?: SchedulerDriverOptions,
  );
  /**
   * libmesos's constructor with suppressed roles (Mesos 1.9): the framework subscribes with
   * offers for `suppressedRoles` suppressed (`subscribe.suppressed_roles`), and re-subscribes so
   * until `reviveOffers` revives them.
   */
  constructor(
    scheduler: Scheduler,
    framework: FrameworkInfo,
    suppressedRoles: readonly string[],
    master: string,
    implicitAcknowledgements: boolean,
    credential?: Credential,
    options?: SchedulerDriverOptions,
  );
  constructor(scheduler: Scheduler, framework: FrameworkInfo, ...args: SchedulerDriverArgs) {
    super();
    // Every in-flight call listens on this signal; many queued calls are normal, not a leak.
    setMaxListeners(0, this.lifetime.signal);
    setMaxListeners(0, this.calls.signal);
    const { master, implicitAcknowledgements, credential, options, suppressedRoles } = schedulerDriverConfig(
      scheduler,
      framework,
      args,
    );
    this.scheduler = scheduler;
    this.framework = fillFrameworkDefaults(framework);
    this.master = master;
    this.implicitAcknowledgements = implicitAcknowledgements;
    this.credential = credential;
    this.options = options;
    this.suppressedRoles = new Set(suppressedRoles);
    this.log = createLogger(options.loggerNamespace ?? SCHEDULER_DRIVER_DEFAULTS.loggerNamespace);
    const reportUnhandled = options.reportUnhandledErrors ?? SCHEDULER_DRIVER_DEFAULTS.reportUnhandledErrors;
    this.fatalReporter = new FatalErrorReporter('MesosSchedulerDriver', reportUnhandled, this.log);
    this.statusMachine = new StateMachine<Status>(
      Status.DRIVER_NOT_STARTED,
      STATUS_TRANSITIONS,
      (from, to) => {
        this.log('status %s -> %s', Status[from], Status[to]);
        this.emit('status', { from, to });
      },
      (s) => Status[s] ?? String(s),
    );
    this.connection = new StateMachine<ConnectionState>('idle', CONNECTION_TRANSITIONS, (from, to) => {
      this.log('connection %s -> %s', from, to);
      this.emit('state', { from, to });
    });
    this.queue = new CallbackQueue((error) => this.onCallbackFailure(error));
    // validateSchedulerDriverOptions checked these (positive integers, a finite number >= 0).
    this.maxPendingEvents = options.maxPendingEvents ?? SCHEDULER_DRIVER_DEFAULTS.maxPendingEvents;
    this.maxPendingCalls = options.maxPendingCalls ?? SCHEDULER_DRIVER_DEFAULTS.maxPendingCalls;
    this.reconnectDelayMaxMs = options.reconnectDelayMaxMs ?? SCHEDULER_DRIVER_DEFAULTS.reconnectDelayMaxMs;
    this.backoff = makeBackoff(options.backoff, this.framework.failover_timeout);
    const heartbeat = options.heartbeat ?? {};
    const missed = heartbeat.missedIntervals ?? SCHEDULER_DRIVER_DEFAULTS.missedHeartbeats;
    this.watchdog =
      heartbeat.enabled === false
        ? undefined
        : new HeartbeatWatchdog(missed, (silentMs) =>
            this.connectionLost(
              new MesosTimeoutError(`No event from the master for ${silentMs} ms (missed heartbeats)`),
            ),
          );
    const format = this.options.contentType ?? SCHEDULER_DRIVER_DEFAULTS.contentType;
    this.callCodec = getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, format);
    this.acks = new AcknowledgeEncoder(format);
    // A FrameworkInfo that cannot be encoded would fail every SUBSCRIBE: say so now.
    this.callCodec.encode(this.subscribeCall());
  }

  /** The driver's current libmesos status. */
  get status(): Status {
    return this.statusMachine.state;
  }

  /** The state of the connection to the master. */
  get connectionState(): ConnectionState {
    return this.connection.state;
  }

  /** True while subscribed ("connected" in libmesos). */
  get connected(): boolean {
    return this.connection.state === 'subscribed';
  }

  /** The framework id, once known (from the FrameworkInfo or the first SUBSCRIBED). */
  get frameworkId(): FrameworkID | undefined {
    return this.framework.id;
  }

  /** Why the driver aborted, when an error made it abort; its `code` tells the cases apart. */
  get abortReason(): MesosSchedulerError | undefined {
    return this.abortError;
  }

  // ---------------------------------------------------------------- lifecycle

  start(): Status {
    if (this.status !== Status.DRIVER_NOT_STARTED) return this.status;
    try {
      this.detector =
        this.options.detector ?? createMasterDetector(this.master, this.options.detectorOptions, this.joinGate);
    } catch (error) {
      this.fatal(
        'detectorFailed',
        // A zk:// string may carry a ZooKeeper password: never echo it.
        `Failed to create a master detector for '${redactUrl(this.master)}': ${messageOf(error)}`,
        error,
      );
      return this.status;
    }
    this.statusMachine.transition(Status.DRIVER_RUNNING);
    // Keeps the process alive while running: the connect loop's timers are unref'd.
    this.keepAlive = setInterval(() => undefined, 2 ** 30);
    this.connectLoop().catch((error) => {
      this.fatal('misuse', `Internal error in the scheduler driver: ${messageOf(error)}`, error);
    });
    return Status.DRIVER_RUNNING;
  }

  stop(failover = false): Status {
    const previous = this.status;
    if (previous !== Status.DRIVER_RUNNING && previous !== Status.DRIVER_ABORTED) return previous;
    const canTearDown = this.connected || this.lingering;
    const transport = this.transport;
    const streamId = this.streamId;
    this.statusMachine.transition(Status.DRIVER_STOPPED);
    this.emit('stop', { failover });
    this.haltActivity();
    const teardown = !failover && canTearDown && transport !== undefined ? { transport, streamId } : undefined;
    void this.shutdown(teardown);
    return previous === Status.DRIVER_ABORTED ? Status.DRIVER_ABORTED : Status.DRIVER_STOPPED;
  }

  abort(): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    this.abortNow(undefined);
    return Status.DRIVER_ABORTED;
  }

  /** Settles once the driver stopped or aborted, after a fatal error's `error` callback has run. */
  join(): Promise<Status> {
    if (this.status === Status.DRIVER_NOT_STARTED) return Promise.resolve(Status.DRIVER_NOT_STARTED);
    return this.joinGate.promise;
  }

  run(): Promise<Status> {
    this.start();
    return this.join();
  }

  /**
   * Runs `fn` on the callback queue, after the callbacks already queued and before later ones
   * (like `doLater` in Go driver designs). A throwing `fn` aborts the driver like a callback.
   */
  enqueue(fn: (driver: this) => unknown): Status {
    if (typeof fn !== 'function') throw new MesosMisuseError('enqueue() takes a function');
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    this.queue.push(() => (this.status === Status.DRIVER_RUNNING ? fn(this) : undefined));
    return this.status;
  }

  // ---------------------------------------------------------------- calls

  requestResources(requests: readonly Request[]): Status {
    checkArray(requests, 'requests');
    return this.callIfRunning('REQUEST', () => ({ type: 'REQUEST', request: { requests: [...requests] } }));
  }

  launchTasks(offerIds: OfferIds, tasks: readonly TaskInfo[], filters?: Filters): Status {
    checkArray(tasks, 'tasks');
    for (const [i, t] of tasks.entries()) checkId(t?.task_id, `tasks[${i}].task_id`);
    const operations: Offer.Operation[] =
      tasks.length > 0 ? [{ type: 'LAUNCH', launch: { task_infos: [...tasks] } }] : [];
    return this.accept(toOfferIds(offerIds), operations, filters);
  }

  acceptOffers(offerIds: OfferIds, operations: readonly Offer.Operation[], filters?: Filters): Status {
    checkArray(operations, 'operations');
    return this.accept(toOfferIds(offerIds), [...operations], filters);
  }

  declineOffer(offerId: OfferID, filters?: Filters): Status {
    checkId(offerId, 'offerId');
    return this.callIfRunning('DECLINE', () => {
      this.heldOffers.delete(offerId.value);
      return { type: 'DECLINE', decline: withFilters({ offer_ids: [offerId] }, filters) };
    });
  }

  killTask(taskId: TaskID, killPolicy?: KillPolicy): Status {
    checkId(taskId, 'taskId');
    return this.callIfRunning('KILL', () => ({
      type: 'KILL',
      kill: killPolicy === undefined ? { task_id: taskId } : { task_id: taskId, kill_policy: killPolicy },
    }));
  }

  reviveOffers(roles?: readonly string[]): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    if (roles !== undefined) checkRoles(roles, 'roles');
    if (roles !== undefined && roles.length === 0) return this.status;
    if (roles === undefined) this.suppressedRoles.clear();
    else for (const role of roles) this.suppressedRoles.delete(role);
    // Offline, only the set changes: the next SUBSCRIBE carries it.
    if (!this.connected) {
      this.log('reviveOffers while not subscribed: the next SUBSCRIBE carries suppressed roles %o', [
        ...this.suppressedRoles,
      ]);
      return this.status;
    }
    this.send({ type: 'REVIVE', revive: roles === undefined ? {} : { roles: [...roles] } });
    return this.status;
  }

  suppressOffers(roles?: readonly string[]): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    if (roles !== undefined) checkRoles(roles, 'roles');
    if (roles !== undefined && roles.length === 0) return this.status;
    for (const role of roles ?? rolesOf(this.framework)) this.suppressedRoles.add(role);
    if (!this.connected) {
      this.log('suppressOffers while not subscribed: the next SUBSCRIBE carries suppressed roles %o', [
        ...this.suppressedRoles,
      ]);
      return this.status;
    }
    this.send({ type: 'SUPPRESS', suppress: roles === undefined ? {} : { roles: [...roles] } });
    return this.status;
  }

  acknowledgeStatusUpdate(status: TaskStatus): Status {
    if (this.implicitAcknowledgements) {
      throw new MesosMisuseError(
        'acknowledgeStatusUpdate() needs explicit acknowledgements: construct the driver with implicitAcknowledgements = false',
      );
    }
    if (typeof status !== 'object' || status === null)
      throw new MesosMisuseError('acknowledgeStatusUpdate() takes a TaskStatus');
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    // As libmesos: an update without uuid or agent id needs no acknowledgement; a silent no-op.
    if (!status.uuid || status.uuid.length === 0 || !status.agent_id) return this.status;
    return this.callIfRunning('ACKNOWLEDGE', () => ackCall(status));
  }

  acknowledgeOperationStatusUpdate(status: OperationStatus): Status {
    if (this.implicitAcknowledgements) {
      throw new MesosMisuseError(
        'acknowledgeOperationStatusUpdate() needs explicit acknowledgements: construct the driver with implicitAcknowledgements = false',
      );
    }
    if (typeof status !== 'object' || status === null) {
      throw new MesosMisuseError('acknowledgeOperationStatusUpdate() takes an OperationStatus');
    }
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    const call = operationAckCall(status);
    if (!call) return this.status;
    return this.callIfRunning('ACKNOWLEDGE_OPERATION_STATUS', () => call);
  }

  reconcileOperations(operations: readonly scheduler.Call.ReconcileOperations.Operation[]): Status {
    checkArray(operations, 'operations');
    for (const [i, o] of operations.entries()) checkId(o?.operation_id, `operations[${i}].operation_id`);
    return this.callIfRunning('RECONCILE_OPERATIONS', () => ({
      type: 'RECONCILE_OPERATIONS',
      reconcile_operations: { operations: [...operations] },
    }));
  }

  sendFrameworkMessage(executorId: ExecutorID, agentId: AgentID, data: Uint8Array | string): Status {
    checkId(executorId, 'executorId');
    checkId(agentId, 'agentId');
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new MesosMisuseError('sendFrameworkMessage(): data must be a Uint8Array or a string');
    }
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    return this.callIfRunning('MESSAGE', () => ({
      type: 'MESSAGE',
      message: { executor_id: executorId, agent_id: agentId, data: bytes },
    }));
  }

  reconcileTasks(statuses: readonly TaskStatus[]): Status {
    checkArray(statuses, 'statuses');
    for (const [i, s] of statuses.entries()) checkId(s?.task_id, `statuses[${i}].task_id`);
    return this.callIfRunning('RECONCILE', () => ({
      type: 'RECONCILE',
      reconcile: {
        tasks: statuses.map((s) =>
          s.agent_id ? { task_id: s.task_id, agent_id: s.agent_id } : { task_id: s.task_id },
        ),
      },
    }));
  }

  updateFramework(
    frameworkInfo: FrameworkInfo,
    suppressedRoles?: readonly string[],
    offerConstraints?: scheduler.OfferConstraints,
  ): Status {
    if (typeof frameworkInfo !== 'object' || frameworkInfo === null) {
      throw new MesosMisuseError('updateFramework() takes a FrameworkInfo');
    }
    if (suppressedRoles !== undefined) {
      checkRoles(suppressedRoles, 'suppressedRoles');
      if (new Set(suppressedRoles).size !== suppressedRoles.length) {
        throw new MesosMisuseError(
          `updateFramework(): suppressedRoles has duplicates: ${JSON.stringify(suppressedRoles)}`,
        );
      }
    }
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    const currentId = this.framework.id;
    if (!currentId) {
      this.fatal('misuse', 'updateFramework() called before the framework was registered');
      return this.status;
    }
    if (frameworkInfo.id && frameworkInfo.id.value !== currentId.value) {
      this.fatal(
        'misuse',
        `updateFramework() got framework id '${frameworkInfo.id.value}', but this driver is framework '${currentId.value}'`,
      );
      return this.status;
    }
    const framework: FrameworkInfo = { ...fillFrameworkDefaults(frameworkInfo), id: currentId };
    // Without suppressedRoles the set is kept, limited to the roles the framework still has.
    const roles = new Set(rolesOf(framework));
    const suppressed = new Set(
      (suppressedRoles ?? [...this.suppressedRoles]).filter((r) => suppressedRoles || roles.has(r)),
    );
    // Encoded before it is kept (every later SUBSCRIBE carries it); these bytes are also the call sent.
    const update = this.encodeCall({
      type: 'UPDATE_FRAMEWORK',
      update_framework: {
        framework_info: framework,
        suppressed_roles: [...suppressed],
        ...(offerConstraints ? { offer_constraints: offerConstraints } : {}),
      },
    });
    this.framework = framework;
    this.suppressedRoles = suppressed;
    this.offerConstraints = offerConstraints;
    if (!this.connected) {
      this.log('updateFramework while not subscribed: the next SUBSCRIBE carries the new FrameworkInfo');
      return this.status;
    }
    this.send(update);
    return this.status;
  }

  acceptInverseOffers(offerIds: readonly OfferID[], filters?: Filters): Status {
    const ids = toOfferIds(offerIds, 'offerIds');
    return this.callIfRunning('ACCEPT_INVERSE_OFFERS', () => ({
      type: 'ACCEPT_INVERSE_OFFERS',
      accept_inverse_offers: withFilters({ inverse_offer_ids: ids }, filters),
    }));
  }

  declineInverseOffers(offerIds: readonly OfferID[], filters?: Filters): Status {
    const ids = toOfferIds(offerIds, 'offerIds');
    return this.callIfRunning('DECLINE_INVERSE_OFFERS', () => ({
      type: 'DECLINE_INVERSE_OFFERS',
      decline_inverse_offers: withFilters({ inverse_offer_ids: ids }, filters),
    }));
  }

  // ---------------------------------------------------------------- call plumbing

  private accept(offerIds: OfferID[], operations: Offer.Operation[], filters: Filters | undefined): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    if (!this.connected) {
      this.rejectIfConfigured('ACCEPT');
      // libmesos: launches made while disconnected are answered locally, nothing reaches the master.
      const partitionAware = isPartitionAware(this.framework);
      for (const task of tasksOfOperations(operations)) {
        const update = masterDisconnectedUpdate(task, partitionAware);
        this.deliver('statusUpdate', undefined, () => this.invoke('statusUpdate', update));
      }
      this.dropped('ACCEPT', 'not subscribed');
      return this.status;
    }
    const call = this.encodeCall({ type: 'ACCEPT', accept: withFilters({ offer_ids: offerIds, operations }, filters) });
    for (const id of offerIds) {
      if (!this.heldOffers.delete(id.value) && this.log.enabled)
        this.log('accepting offer %s, not held by this subscription (or received unlogged)', id.value);
    }
    this.send(call);
    return this.status;
  }

  private callIfRunning(type: scheduler.Call.Type, build: () => scheduler.Call): Status {
    if (this.status !== Status.DRIVER_RUNNING) return this.status;
    if (!this.connected) {
      this.rejectIfConfigured(type);
      this.dropped(type, 'not subscribed');
      return this.status;
    }
    this.send(this.encodeCall(build()));
    return this.status;
  }

  /**
   * Sets the framework id and encodes the call, once: a malformed argument of the user's is a
   * MesosEncodeError naming the field, thrown to the caller, rather than a call that fails later
   * in the background (a launch silently lost); the transport then sends these bytes as they are.
   */
  private encodeCall(call: scheduler.Call): EncodedCall {
    const id = this.framework.id;
    const body: scheduler.Call = id ? { ...call, framework_id: id } : call;
    return { type: body.type, body, encoded: this.callCodec.encode(body) };
  }

  private rejectIfConfigured(type: scheduler.Call.Type): void {
    if (this.options.callsWhileDisconnected === 'reject') {
      throw new MesosNotSubscribedError(
        `Cannot send ${type}: the driver is not subscribed to a master (state ${this.connection.state})`,
      );
    }
  }

  private dropped(type: scheduler.Call.Type, reason: string): void {
    this.log('dropping %s call: %s', type, reason);
    this.emit('callDropped', { type, reason });
  }

  /**
   * Sends a call on the current subscription, encoding it unless `encodeCall` already did;
   * failures (an encode error of the driver's own calls included) are logged and emitted, never fatal.
   */
  private send(call: scheduler.Call | EncodedCall): void {
    const transport = this.transport;
    const type = call.type ?? 'UNKNOWN';
    if (!this.connected || !transport) {
      this.dropped(type, 'not subscribed');
      return;
    }
    const streamId = this.streamId;
    const signal = this.calls.signal;
    const settlers = this.settlers.get(type) ?? this.settlersOf(type);
    this.unsettledCalls++;
    if (acknowledgeDirectly(transport, call, streamId, signal, settlers)) return;
    try {
      const { body, encoded } = 'encoded' in call ? call : this.encodeCall(call);
      // The library's client reads only the type beside the bytes: it need not hold the user's tasks.
      const given = transport instanceof SchedulerClient ? typeOnlyCall(body) : body;
      transport.call(given, streamId ? { signal, streamId, encoded } : { signal, encoded }).then(...settlers);
    } catch (error) {
      Promise.reject(error).catch(settlers[1]); // a custom transport that throws instead of rejecting
    }
  }

  private settlersOf(type: scheduler.Call.Type): [() => void, (error: unknown) => void] {
    const settlers: [() => void, (error: unknown) => void] = [
      () => {
        this.callSettled();
        if (this.log.enabled) this.log('%s sent', type);
      },
      (error: unknown) => {
        this.callSettled();
        if (error instanceof MesosAbortError && this.calls.signal.aborted) return;
        const err = toError(error);
        this.log('%s failed: %s', type, err.message);
        this.emit('callFailed', { type, error: err });
      },
    ];
    this.settlers.set(type, settlers);
    return settlers;
  }

  private callSettled(): void {
    this.unsettledCalls--;
    if (this.unsettledCalls === 0 && this.drainWaiter !== undefined) {
      const done = this.drainWaiter;
      this.drainWaiter = undefined;
      done();
    }
    if (this.callsSettled !== undefined && this.unsettledCalls <= this.maxPendingCalls / 2) {
      const resume = this.callsSettled;
      this.callsSettled = undefined;
      resume();
    }
  }

  /**
   * Backpressure: resolves once the callbacks and calls have caught up to half their limits.
   * Until then the caller does not read the stream, so the socket fills and TCP stops the master,
   * instead of events piling up in memory. The watchdog is paused while the callbacks catch up
   * (see HeartbeatWatchdog), not while calls wait for the master's answers.
   */
  private async catchUp(attempt: AbortSignal): Promise<void> {
    this.watchdog?.pause();
    this.log('%d events and %d calls pending: pausing the stream', this.queue.pending, this.unsettledCalls);
    // A lost subscription or a stop ends the wait at once: the loop then sees the stream closed.
    let onAbort: () => void = () => {};
    const aborted = new Promise<void>((resolve) => {
      onAbort = resolve;
      attempt.addEventListener('abort', onAbort, { once: true });
      this.lifetime.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      await Promise.race([this.queue.whenPendingAtMost(Math.floor(this.maxPendingEvents / 2)), aborted]);
      if (this.unsettledCalls > this.maxPendingCalls / 2 && !attempt.aborted && !this.lifetime.signal.aborted) {
        // Unanswered calls are the master's silence, not the framework's: a dead or partitioned
        // master must still be declared lost (which closes the transport and settles the calls).
        this.watchdog?.resume();
        await Promise.race([new Promise<void>((resolve) => (this.callsSettled = resolve)), aborted]);
      }
    } finally {
      this.callsSettled = undefined;
      attempt.removeEventListener('abort', onAbort);
      this.lifetime.signal.removeEventListener('abort', onAbort);
    }
    if (attempt.aborted || this.lifetime.signal.aborted) return;
    this.log('resuming the stream');
    this.watchdog?.resume();
  }

  private subscribeCall(): scheduler.Call {
    const subscribe: scheduler.Call.Subscribe = { framework_info: this.framework };
    if (this.suppressedRoles.size > 0) subscribe.suppressed_roles = [...this.suppressedRoles];
    if (this.offerConstraints) subscribe.offer_constraints = this.offerConstraints;
    const call: scheduler.Call = { type: 'SUBSCRIBE', subscribe };
    // Re-subscribing: the master wants the id in both places.
    if (this.framework.id) call.framework_id = this.framework.id;
    return call;
  }

  // ---------------------------------------------------------------- connect loop

  private async connectLoop(): Promise<void> {
    const lifetime = this.lifetime.signal;
    let redirectTo: string | undefined;
    let failures = 0;
    let delayMs: number | undefined;
    let lastDetected: DetectedMaster | null = null;
    /** During a backoff wait, a leader other than this one (null: any leader) ends the wait. */
    let watchFrom: DetectedMaster | null | undefined;
    while (!lifetime.aborted) {
      if (delayMs !== undefined) {
        this.setConnection('waiting');
        try {
          if (await this.waitForRetry(delayMs, watchFrom, lifetime)) {
            // A newly detected leader: like a loss, a short random delay, not the rest of the backoff.
            redirectTo = undefined;
            const shortDelayMs = Math.round(Math.random() * this.reconnectDelayMaxMs);
            this.log('a new leading master was detected; subscribing in %d ms', shortDelayMs);
            await delay(shortDelayMs, lifetime);
          }
        } catch {
          return;
        }
      }
      watchFrom = undefined;
      this.setConnection('detecting');
      let master: DetectedMaster | null;
      if (redirectTo !== undefined) {
        master = { url: redirectTo };
        redirectTo = undefined;
      } else {
        try {
          master = await (this.detector as LeaderDetector).detect(null, { signal: lifetime });
        } catch (error) {
          if (lifetime.aborted) return;
          if (error instanceof MesosLocalClusterError) return this.fatal('detectorFailed', error.message, error);
          delayMs = this.reportFailure(toError(error), undefined, ++failures);
          continue;
        }
        if (lifetime.aborted) return;
        if (!master) {
          delayMs = this.reportFailure(new MesosNoLeaderError('No leading master detected'), undefined, ++failures);
          watchFrom = null;
          continue;
        }
        lastDetected = master;
      }
      const outcome = await this.subscribeOnce(master, lastDetected);
      if (outcome.kind === 'closed' || outcome.kind === 'fatal' || lifetime.aborted) return;
      if (outcome.kind === 'lost') {
        // As libmesos's v1 library: a short random delay before the first attempt after a loss,
        // so that frameworks do not all rush a new leader at once; the backoff is for failures.
        failures = 0;
        delayMs = Math.round(Math.random() * this.reconnectDelayMaxMs);
        this.log('reconnecting in %d ms', delayMs);
        continue;
      }
      const error = outcome.error;
      if (error instanceof MesosAuthenticationError) {
        this.fatal('authenticationFailed', 'Master refused authentication', error);
        return;
      }
      if (error instanceof MesosMisuseError) {
        // The SUBSCRIBE itself is malformed (it cannot be encoded): retrying cannot fix it.
        this.fatal('misuse', `Cannot subscribe: ${error.message}`, error);
        return;
      }
      if (error instanceof MesosRedirectError) redirectTo = error.leader;
      delayMs = this.reportFailure(error, master.url, ++failures);
      watchFrom = lastDetected;
    }
  }

  /**
   * Waits `ms` before the next attempt; with `watchFrom` set, a detector reporting another leader
   * ends the wait early (resolves true). libmesos subscribes to a newly detected master at once:
   * the backoff is for retrying the same one. Rejects when the driver stops.
   */
  private async waitForRetry(
    ms: number,
    watchFrom: DetectedMaster | null | undefined,
    lifetime: AbortSignal,
  ): Promise<boolean> {
    const detector = this.detector;
    if (watchFrom === undefined || detector === undefined) {
      await delay(ms, lifetime);
      return false;
    }
    const race = new AbortController();
    const signal = anySignal([lifetime, race.signal]);
    try {
      const changed = detector.detect(watchFrom, { signal }).then(
        () => true,
        // A failing or aborted watch just leaves the backoff to run out.
        () => new Promise<boolean>(() => undefined),
      );
      return await Promise.race([delay(ms, signal).then(() => false), changed]);
    } finally {
      race.abort();
    }
  }

  private reportFailure(error: Error, master: string | undefined, attempt: number): number {
    const delayMs = Math.max(0, this.backoff.next());
    this.log(
      'subscription attempt %d%s failed: %s; retrying in %d ms',
      attempt,
      master ? ` to ${master}` : '',
      error.message,
      delayMs,
    );
    this.emit('subscribeFailed', master ? { error, master, attempt, delayMs } : { error, attempt, delayMs });
    return delayMs;
  }

  private async subscribeOnce(master: DetectedMaster, detected: DetectedMaster | null): Promise<SubscribeOutcome> {
    this.setConnection('subscribing');
    const attempt = new AbortController();
    this.attempt = attempt;
    this.lossCause = undefined;
    const transport = createSchedulerTransport(master.url, this.options, this.credential);
    this.transport = transport;
    // Until SUBSCRIBED announces the interval, Mesos's fixed 15 s bounds a hanging subscribe.
    this.watchdog?.start(SCHEDULER_DRIVER_DEFAULTS.heartbeatIntervalSeconds);
    let subscription: SchedulerSubscription;
    try {
      subscription = await transport.subscribe(this.subscribeCall(), { signal: attempt.signal });
    } catch (error) {
      this.watchdog?.stop();
      if (this.status !== Status.DRIVER_RUNNING) return { kind: 'closed' };
      transport.close();
      this.transport = undefined;
      return { kind: 'failed', error: this.lossCause ?? toError(error) };
    }
    this.subscription = subscription;
    if (this.status !== Status.DRIVER_RUNNING) {
      subscription.close();
      return { kind: 'closed' };
    }
    let streamError: Error | undefined;
    let fatal = false;
    try {
      fatal = await pumpEvents(
        subscription.events,
        (event) => {
          this.watchdog?.touch();
          if (this.onEvent(event, master, detected, subscription.streamId) === 'fatal') return 'fatal';
          const behind = this.queue.pending >= this.maxPendingEvents || this.unsettledCalls >= this.maxPendingCalls;
          return behind ? 'pause' : undefined;
        },
        () => this.catchUp(attempt.signal),
      );
    } catch (error) {
      streamError = toError(error);
    }
    this.watchdog?.stop();
    this.leaderWatch?.abort();
    if (this.status !== Status.DRIVER_RUNNING || this.lingering) return { kind: 'closed' };
    const wasSubscribed = this.connected;
    const cause =
      this.lossCause ?? streamError ?? new MesosStreamEndedError('The master closed the subscription stream');
    subscription.close();
    transport.close();
    this.subscription = undefined;
    this.transport = undefined;
    this.streamId = undefined;
    if (wasSubscribed) {
      this.setConnection('disconnected');
      this.heldOffers.clear();
    }
    if (fatal) return { kind: 'fatal' };
    if (!wasSubscribed) return { kind: 'failed', error: cause };
    this.log('subscription to %s lost: %s', master.url, cause.message);
    this.emit('disconnected', { cause });
    this.deliver('disconnected', undefined, () => this.invoke('disconnected'));
    return { kind: 'lost', error: cause };
  }

  /** Marks the current subscription lost and closes it; the connect loop takes over. */
  private connectionLost(cause: Error): void {
    if (this.lossCause === undefined) this.lossCause = cause;
    this.attempt?.abort(cause);
    this.subscription?.close();
  }

  private watchLeader(detected: DetectedMaster | null, subscribedUrl: string): void {
    this.leaderWatch?.abort();
    if (!detected || !this.detector) return;
    const watch = new AbortController();
    this.leaderWatch = watch;
    void watchForLeaderChange(this.detector, detected, subscribedUrl, watch.signal, this.log).then((next) => {
      if (watch.signal.aborted || !this.connected) return;
      const where = next ? `to ${next.url}` : 'to none';
      this.connectionLost(new MesosLeaderChangedError(`The detector reports that the leading master changed ${where}`));
    });
  }

  // ---------------------------------------------------------------- events

  private onEvent(
    event: scheduler.Event,
    master: DetectedMaster,
    detected: DetectedMaster | null,
    streamId: string,
  ): 'fatal' | undefined {
    if (this.status !== Status.DRIVER_RUNNING || this.lingering) return undefined;
    const epoch = this.epoch;
    switch (event.type) {
      case 'SUBSCRIBED': {
        const subscribed = event.subscribed;
        if (!subscribed?.framework_id) {
          this.connectionLost(new MesosStreamEndedError('SUBSCRIBED event without framework_id'));
          return undefined;
        }
        this.onSubscribed(subscribed, master, detected, streamId);
        return undefined;
      }
      case 'HEARTBEAT':
        this.emit('heartbeat');
        this.deliver('heartbeat', epoch, () => this.invoke('heartbeat'));
        return undefined;
      case 'OFFERS': {
        const offers = event.offers?.offers ?? [];
        if (this.log.enabled) for (const offer of offers) this.heldOffers.add(offer.id.value);
        if (offers.length > 0) this.queue.pushCall(this.deliverOffers, this, offers, epoch);
        return undefined;
      }
      case 'RESCIND': {
        const offerId = event.rescind?.offer_id;
        if (!offerId) break;
        this.heldOffers.delete(offerId.value);
        this.deliver('offerRescinded', epoch, () => this.invoke('offerRescinded', offerId));
        return undefined;
      }
      case 'UPDATE': {
        const status = event.update?.status;
        if (!status) break;
        this.queue.pushCall(this.deliverStatusUpdate, this, status, epoch);
        return undefined;
      }
      case 'UPDATE_OPERATION_STATUS': {
        const status = event.update_operation_status?.status;
        if (!status) break;
        this.deliver('operationStatusUpdate', epoch, () => {
          const result = this.invoke('operationStatusUpdate', status);
          if (isThenable(result))
            return Promise.resolve(result).then(() => this.acknowledgeOperationImplicitly(status));
          this.acknowledgeOperationImplicitly(status);
          return undefined;
        });
        return undefined;
      }
      case 'MESSAGE': {
        const message = event.message;
        if (!message) break;
        const data = bytesToBuffer(message.data);
        // libmesos delivers framework messages even while disconnected.
        this.deliver('frameworkMessage', undefined, () =>
          this.invoke('frameworkMessage', message.executor_id, message.agent_id, data),
        );
        return undefined;
      }
      case 'FAILURE': {
        const failure = event.failure;
        if (!failure?.agent_id) break;
        const agentId = failure.agent_id;
        if (failure.executor_id) {
          const executorId = failure.executor_id;
          this.deliver('executorLost', epoch, () =>
            this.invoke('executorLost', executorId, agentId, failure.status ?? 0),
          );
        } else {
          this.deliver('slaveLost', epoch, () => this.invoke('slaveLost', agentId));
        }
        return undefined;
      }
      case 'INVERSE_OFFERS': {
        const offers = event.inverse_offers?.inverse_offers ?? [];
        if (offers.length > 0) this.deliver('inverseOffers', epoch, () => this.invoke('inverseOffers', offers));
        return undefined;
      }
      case 'RESCIND_INVERSE_OFFER': {
        const offerId = event.rescind_inverse_offer?.inverse_offer_id;
        if (!offerId) break;
        this.deliver('inverseOfferRescinded', epoch, () => this.invoke('inverseOfferRescinded', offerId));
        return undefined;
      }
      case 'ERROR': {
        const message = event.error?.message ?? 'Unknown error';
        const code: SchedulerErrorCode = message.includes(FRAMEWORK_REMOVED)
          ? 'frameworkRemoved'
          : message.includes(FRAMEWORK_FAILED_OVER)
            ? 'frameworkFailedOver'
            : 'masterError';
        this.log('ERROR event from %s: %s', master.url, message);
        // Handled in order with the callbacks before it; the connect loop stops at once.
        this.queue.push(() => {
          if (this.status !== Status.DRIVER_RUNNING) return undefined;
          return this.fatalInQueue(new MesosSchedulerError(code, message));
        });
        return 'fatal';
      }
      default:
        break;
    }
    this.log('ignoring %s event (unknown or missing its payload)', event.type ?? 'untyped');
    return undefined;
  }

  /** The queued half of an UPDATE event (a method, no closure per event): callback, then acknowledgement. */
  private deliverStatusUpdate(status: TaskStatus, epoch: number): unknown {
    if (!this.deliverable('statusUpdate', epoch)) return undefined;
    const callback = this.scheduler.statusUpdate;
    const result = typeof callback === 'function' ? callback.call(this.scheduler, this, status) : undefined;
    // No promise, no microtask: acknowledge right away (a rejection skips the ack).
    if (result !== undefined && isThenable(result)) {
      return Promise.resolve(result).then(() => this.acknowledgeImplicitly(status));
    }
    this.acknowledgeImplicitly(status);
    return undefined;
  }

  private deliverOffers(offers: Offer[], epoch: number): unknown {
    if (!this.deliverable('resourceOffers', epoch)) return undefined;
    const callback = this.scheduler.resourceOffers;
    return typeof callback === 'function' ? callback.call(this.scheduler, this, offers) : undefined;
  }

  private acknowledgeImplicitly(status: TaskStatus): void {
    if (this.implicitAcknowledgements && this.status === Status.DRIVER_RUNNING && needsAcknowledgement(status)) {
      this.send(this.acks.encode(this.framework.id, status) ?? ackCall(status));
    }
  }

  private acknowledgeOperationImplicitly(status: OperationStatus): void {
    const ack =
      this.implicitAcknowledgements && this.status === Status.DRIVER_RUNNING ? operationAckCall(status) : undefined;
    if (ack) this.send(ack);
  }

  private onSubscribed(
    subscribed: scheduler.Event.Subscribed,
    master: DetectedMaster,
    detected: DetectedMaster | null,
    streamId: string,
  ): void {
    const frameworkId = subscribed.framework_id;
    if (this.framework.id && this.framework.id.value !== frameworkId.value) {
      this.log('the master assigned framework id %s instead of %s', frameworkId.value, this.framework.id.value);
    }
    this.framework = { ...this.framework, id: frameworkId };
    this.epoch += 1;
    this.streamId = streamId;
    this.heldOffers.clear();
    this.setConnection('subscribed');
    this.backoff.reset();
    this.watchdog?.start(subscribed.heartbeat_interval_seconds ?? SCHEDULER_DRIVER_DEFAULTS.heartbeatIntervalSeconds);
    this.watchLeader(detected, master.url);
    const reregistered = this.registeredOnce;
    this.registeredOnce = true;
    const masterInfo = subscribed.master_info ?? master.info ?? masterInfoFromUrl(master.url);
    this.log('subscribed to %s as framework %s (stream %s)', master.url, frameworkId.value, streamId);
    this.emit(
      'subscribed',
      subscribed.master_info || master.info
        ? { frameworkId, streamId, master: master.url, masterInfo, reregistered }
        : { frameworkId, streamId, master: master.url, reregistered },
    );
    if (reregistered) this.deliver('reregistered', undefined, () => this.invoke('reregistered', masterInfo));
    else this.deliver('registered', undefined, () => this.invoke('registered', frameworkId, masterInfo));
  }

  /**
   * Queues a callback. It is skipped if the driver is no longer running, and, when `epoch` is
   * given, if that subscription is gone (libmesos drops such events while disconnected).
   */
  private deliver(name: keyof Scheduler, epoch: number | undefined, run: () => unknown): void {
    this.queue.push(() => (this.deliverable(name, epoch) ? run() : undefined));
  }

  private deliverable(name: keyof Scheduler, epoch: number | undefined): boolean {
    if (this.status !== Status.DRIVER_RUNNING) return false;
    if (epoch === undefined || (epoch === this.epoch && this.connected)) return true;
    this.log('dropping %s from a subscription that is gone', name);
    return false;
  }

  private invoke<K extends keyof Scheduler>(
    name: K,
    ...args: DropFirst<Parameters<NonNullable<Scheduler[K]>>>
  ): unknown {
    const callback = this.scheduler[name] as ((this: Scheduler, ...a: unknown[]) => unknown) | undefined;
    if (typeof callback !== 'function') return undefined;
    return callback.call(this.scheduler, this, ...args);
  }

  // ---------------------------------------------------------------- stopping, aborting, fatal errors

  private onCallbackFailure(error: unknown): void {
    const err = toError(error);
    this.log('a scheduler callback failed; aborting: %s', err.stack ?? err.message);
    if (this.status !== Status.DRIVER_RUNNING) return;
    const fatal = new MesosSchedulerError('callbackFailed', `A scheduler callback threw: ${err.message}`, {
      cause: error,
    });
    this.abortNow(fatal);
    this.emit('error', fatal);
    this.fatalReporter.reportCallbackFailure(
      `a scheduler callback threw: ${err.stack ?? err.message}`,
      this.listenerCount('error') > 0,
    );
  }

  /** libmesos's error path: abort first, then report, then the `error` callback (join() waits for it). */
  private fatal(code: SchedulerErrorCode, message: string, cause?: unknown): void {
    const error = new MesosSchedulerError(code, message, cause === undefined ? {} : { cause });
    const release = this.joinGate.hold();
    if (this.status === Status.DRIVER_RUNNING || this.status === Status.DRIVER_NOT_STARTED) this.abortNow(error);
    this.emit('error', error);
    this.queue.push(() => this.reportFatal(message, release));
  }

  private fatalInQueue(error: MesosSchedulerError): unknown {
    const release = this.joinGate.hold();
    this.abortNow(error);
    this.emit('error', error);
    if (error.code === 'frameworkRemoved')
      this.emit(
        'frameworkRemoved',
        this.framework.id ? { frameworkId: this.framework.id, message: error.message } : { message: error.message },
      );
    return this.reportFatal(error.message, release);
  }

  private reportFatal(message: string, release: () => void): Promise<void> {
    const callback = typeof this.scheduler.error === 'function' ? () => this.invoke('error', message) : undefined;
    return this.fatalReporter.report(message, callback, this.listenerCount('error') > 0).finally(release);
  }

  private abortNow(reason: MesosSchedulerError | undefined): void {
    const wasConnected = this.connected;
    if (reason) this.abortError = reason;
    this.log('aborting%s', reason ? `: ${reason.message}` : '');
    this.statusMachine.transition(Status.DRIVER_ABORTED);
    this.emit('abort', reason ? { reason } : {});
    this.haltActivity();
    this.joinGate.settle(Status.DRIVER_ABORTED);
    if (wasConnected && this.transport) {
      // Keep the subscription briefly so that stop() right after abort() can still tear down.
      this.lingering = true;
      this.lingerTimer = setTimeout(() => {
        this.lingering = false;
        this.closeConnections();
      }, this.options.abortLingerMs ?? SCHEDULER_DRIVER_DEFAULTS.abortLingerMs);
      this.lingerTimer.unref?.();
    } else {
      this.closeConnections();
    }
  }

  /** Stops reconnecting, timers and the leader watch; the connection itself is closed later. */
  private haltActivity(): void {
    if (!this.lifetime.signal.aborted) this.lifetime.abort(new MesosAbortError('The scheduler driver stopped'));
    this.watchdog?.stop();
    this.leaderWatch?.abort();
    if (this.connection.state !== 'closed') this.setConnection('closed');
    if (this.keepAlive !== undefined) clearInterval(this.keepAlive);
    this.keepAlive = undefined;
  }

  private async shutdown(
    teardown: { transport: SchedulerTransport; streamId: string | undefined } | undefined,
  ): Promise<void> {
    if (this.lingerTimer !== undefined) clearTimeout(this.lingerTimer);
    this.lingering = false;
    const timeoutMs = this.options.teardownTimeoutMs ?? SCHEDULER_DRIVER_DEFAULTS.teardownTimeoutMs;
    // As in libmesos, calls made before stop() still go out (a KILL then stop(true) must not lose the KILL).
    await this.drainCalls(timeoutMs);
    if (teardown && this.framework.id) {
      const signal = AbortSignal.timeout(timeoutMs);
      const call: scheduler.Call = { type: 'TEARDOWN', framework_id: this.framework.id };
      try {
        // The timer of AbortSignal.timeout is unref'd; the request itself keeps the process alive.
        await teardown.transport.call(call, teardown.streamId ? { signal, streamId: teardown.streamId } : { signal });
        this.log('TEARDOWN sent');
      } catch (error) {
        const err = toError(error);
        this.log('TEARDOWN failed: %s', err.message);
        this.emit('callFailed', { type: 'TEARDOWN', error: err });
      }
    }
    this.closeConnections();
    this.joinGate.settle(Status.DRIVER_STOPPED);
  }

  /** Resolves when every call handed to the transport has been answered, or after `ms`. */
  private drainCalls(ms: number): Promise<void> {
    if (this.unsettledCalls === 0) return Promise.resolve();
    this.log('waiting for %d call(s) in flight before closing', this.unsettledCalls);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.drainWaiter = undefined;
        resolve();
      }, ms);
      timer.unref?.();
      this.drainWaiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private closeConnections(): void {
    if (!this.calls.signal.aborted) this.calls.abort(new MesosAbortError('The scheduler driver stopped'));
    this.attempt?.abort(new MesosAbortError('The scheduler driver stopped'));
    this.subscription?.close();
    this.transport?.close();
    this.subscription = undefined;
    this.transport = undefined;
    this.streamId = undefined;
    if (this.detector && !this.options.detector) {
      const detector = this.detector;
      Promise.resolve()
        .then(() => detector.close())
        .catch((error: unknown) => this.log('closing the detector failed: %s', messageOf(error)));
    }
    this.detector = this.options.detector;
  }

  private setConnection(to: ConnectionState): void {
    this.connection.transition(to);
  }
}

type DropFirst<T extends unknown[]> = T extends [unknown, ...infer Rest] ? Rest : never;

/** libmesos fills an empty `user` with the OS user and an empty `hostname` with the host name. */
function fillFrameworkDefaults(framework: FrameworkInfo): FrameworkInfo {
  const filled: FrameworkInfo = { ...framework };
  if (!filled.user) filled.user = currentUser();
  if (!filled.hostname) filled.hostname = os.hostname();
  return filled;
}

function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'root';
  }
}

function makeBackoff(
  option: SchedulerDriverOptions['backoff'],
  failoverTimeoutSeconds: number | undefined,
): BackoffStrategy {
  if (option && typeof (option as BackoffStrategy).next === 'function') return option as BackoffStrategy;
  const given = (option ?? {}) as ConstructorParameters<typeof ExponentialBackoff>[0] & object;
  let maxMs = given.maxMs ?? SCHEDULER_DRIVER_DEFAULTS.backoffMaxMs;
  // libmesos also caps the bound at failover_timeout / 10, so a retry comes before the timeout.
  if (given.maxMs === undefined && failoverTimeoutSeconds !== undefined && failoverTimeoutSeconds > 0) {
    maxMs = Math.min(maxMs, (failoverTimeoutSeconds * 1000) / 10);
  }
  return new ExponentialBackoff({ initialMs: SCHEDULER_DRIVER_DEFAULTS.backoffInitialMs, ...given, maxMs });
}

function masterInfoFromUrl(url: string): MasterInfo {
  try {
    const parsed = new URL(url);
    const port = parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
    return { id: '', ip: 0, port, hostname: parsed.hostname };
  } catch {
    return { id: '', ip: 0, port: 5050 };
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

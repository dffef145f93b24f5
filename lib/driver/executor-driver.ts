/**
 * MesosExecutorDriver: libmesos's ExecutorDriver over the v1 executor HTTP API (/api/v1/executor).
 *
 * One connection loop subscribes to the agent and feeds events to the user's `Executor` in event
 * order, through an ExecutorDispatcher (executor-dispatch.ts says which callback promises are
 * awaited: not those of launchTask, launchTaskGroup, killTask and frameworkMessage, so tasks run
 * concurrently and kills arrive while launches are pending). Status updates are reliable: each is
 * kept until the agent acknowledges it and re-sent in the next SUBSCRIBE; `sendStatusUpdate`
 * hands the call to the connection before it returns. When the agent goes away, a checkpointing
 * executor reconnects within MESOS_RECOVERY_TIMEOUT; otherwise the executor shuts down, as Mesos
 * executors do.
 */
import { randomUUID } from 'node:crypto';
import { bytesToBuffer } from '../codec/bytes';
import { getCodec, TYPE_NAMES } from '../codec/codec';
import type { executor, TaskID, TaskStatus } from '../codec/messages';
import { isTaskState } from '../codec/task-states';
import { delay } from '../common/abort';
import { MesosConfigError, MesosError, MesosMisuseError, MesosProtocolError } from '../common/errors';
import { createLogger } from '../common/logger';
import { ExecutorClient } from '../transport';
import { type ExecutorCallbackName, ExecutorDispatcher } from './executor-dispatch';
import { type ExecutorEnvironment, parseExecutorEnvironment } from './executor-env';
import type { Executor, ExecutorDriver, ExecutorDriverOptions } from './executor-types';
import { UnacknowledgedLedger } from './executor-unacknowledged';
import { FatalErrorReporter } from './fatal-error';
import { Status } from './status';

const log = createLogger('executor');

/** Interval of the HEARTBEAT call: 30 minutes, as libmesos's DEFAULT_HEARTBEAT_CALL_INTERVAL. */
export const DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS = 30 * 60_000;
/** Bound of reconnect delays when the agent gave none (not checkpointing): the agent's default, 2 s. */
const FALLBACK_BACKOFF_MAX_MS = 2_000;
/** Bound of reconnect attempts when the agent gave no recovery timeout: the agent's default, 15 min. */
const FALLBACK_RECOVERY_TIMEOUT_MS = 15 * 60_000;
/** Default per-call time limit of UPDATE, MESSAGE and HEARTBEAT. */
const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/** The open subscription stream, as the transport hands it over. */
export interface AgentSubscription {
  /** Events, in order; throws MesosStreamEndedError when the agent goes away, ends quietly after close(). */
  readonly events: AsyncIterable<executor.Event>;
  /** Closes the stream. */
  close(): void;
}

/** What the driver needs from an HTTP client of /api/v1/executor (ExecutorClient provides it). */
export interface ExecutorConnection {
  /** Sends SUBSCRIBE; resolves once the agent answered 200. */
  subscribe(call: executor.Call, options: { signal?: AbortSignal }): Promise<AgentSubscription>;
  /**
   * Sends a non-subscribe call; resolves on 202. Calls are written in the order `call()` is
   * invoked (the driver relies on it for the order of a task's updates), and ExecutorClient
   * starts writing before `call()` returns when its call connection is open.
   */
  call(call: executor.Call, options: { signal?: AbortSignal }): Promise<void>;
  /** Releases sockets. */
  close(): void;
}

/** Internal: lets unit tests drive the driver without sockets. */
export interface ExecutorDriverInternals {
  /** Builds the connection to the agent. @internal */
  createConnection?: (env: ExecutorEnvironment) => ExecutorConnection;
}

/** Ends the process as the C++ library's shutdown timer does: SIGKILL to our process group, else exit. */
function terminateProcessGroup(): void {
  try {
    process.kill(-process.pid, 'SIGKILL');
  } catch {
    // Not a process group leader (ESRCH/EPERM): end just this process.
    process.exit(1);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Where the agent is reached, for messages: its URL, or its Unix socket. */
function agentAddress(env: ExecutorEnvironment): string {
  return env.domainSocket === undefined ? env.agentUrl : `the Unix socket ${env.domainSocket}`;
}

function uuidBytes(): Buffer {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
}

/**
 * The executor driver. Configuration comes from the environment the agent sets (or
 * `options.environment`); the constructor throws MesosConfigError naming a missing or malformed
 * variable, so a misconfigured executor fails at once and visibly instead of hanging.
 *
 * Shutdown (the agent's SHUTDOWN, agent loss without checkpointing or before the first connection,
 * recovery timeout): the driver calls `shutdown`, awaits it, then stops; with `exitOnShutdown`
 * (default) the process is ended if it is still alive when the grace period
 * (MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD) expires.
 */
export class MesosExecutorDriver implements ExecutorDriver {
  /** The configuration read from the environment (the token is kept but not enumerable). */
  readonly environment: ExecutorEnvironment;
  private readonly executor: Executor;
  private readonly heartbeatIntervalMs: number;
  private readonly exitOnShutdown: boolean;
  private readonly terminateProcess: () => void;
  private readonly random: () => number;
  private readonly callTimeoutMs: number;
  private readonly connection: ExecutorConnection;
  private readonly ledger = new UnacknowledgedLedger();

  private state: Status = Status.DRIVER_NOT_STARTED;
  /** Aborted by stop() and abort(): ends the connection loop and its waits. */
  private readonly lifetime = new AbortController();
  /** Aborted by abort() only: stop() lets queued updates reach the agent. */
  private readonly callsLifetime = new AbortController();
  private attempt: AbortController | undefined;
  private subscription: AgentSubscription | undefined;
  /** True between SUBSCRIBED and the loss of that stream. */
  private subscribed = false;
  private registeredOnce = false;
  /** The agent has answered at least once (a lost connection then means "agent restarting"). */
  private everConnected = false;
  private shuttingDown = false;
  private disconnectReported = false;
  private agentId: string | undefined;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private recoveryExpired = false;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private readonly dispatcher = new ExecutorDispatcher({
    isRunning: () => this.state === Status.DRIVER_RUNNING,
    onFailure: (name, err) => {
      log('executor callback %s threw: %s', name, describe(err));
      return this.reportError(`Executor callback ${name} threw: ${describe(err)}`);
    },
  });
  /** Calls handed to the connection and not yet answered (stop() lets them finish). */
  private readonly inFlight = new Set<Promise<void>>();
  private joiners: Array<(status: Status) => void> = [];

  constructor(executor: Executor, options?: ExecutorDriverOptions);
  /** @internal Unit tests also pass `ExecutorDriverInternals`. */
  constructor(executor: Executor, options?: ExecutorDriverOptions & ExecutorDriverInternals);
  constructor(executor: Executor, options: ExecutorDriverOptions & ExecutorDriverInternals = {}) {
    if (executor === null || typeof executor !== 'object') {
      throw new MesosMisuseError(
        'MesosExecutorDriver needs an Executor object (a class instance or an object literal)',
      );
    }
    this.executor = executor;
    const fromProcess = options.environment === undefined;
    try {
      this.environment = parseExecutorEnvironment(options.environment ?? process.env);
    } finally {
      // libmesos erases the token from its own environment so child processes (tasks) never see
      // it; done even when the configuration is rejected.
      if (fromProcess) delete process.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN;
    }

    this.heartbeatIntervalMs = nonNegative(
      'heartbeatIntervalMs',
      options.heartbeatIntervalMs,
      DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS,
    );
    this.callTimeoutMs = nonNegative('callTimeoutMs', options.callTimeoutMs, DEFAULT_CALL_TIMEOUT_MS);
    this.exitOnShutdown = options.exitOnShutdown ?? true;
    this.terminateProcess = options.terminateProcess ?? terminateProcessGroup;
    this.random = options.random ?? Math.random;
    this.agentId = this.environment.agentId;
    this.connection = options.createConnection
      ? options.createConnection(this.environment)
      : createDefaultConnection(this.environment, this.callTimeoutMs);
  }

  /** The driver's current status. */
  get status(): Status {
    return this.state;
  }

  start(): Status {
    if (this.state !== Status.DRIVER_NOT_STARTED) return this.state;
    this.state = Status.DRIVER_RUNNING;
    log(
      'starting executor %s of framework %s, agent %s',
      this.environment.executorId,
      this.environment.frameworkId,
      agentAddress(this.environment),
    );
    if (this.heartbeatIntervalMs > 0) {
      this.heartbeatTimer = setInterval(() => this.sendHeartbeat(), this.heartbeatIntervalMs);
      this.heartbeatTimer.unref();
    }
    void this.connectionLoop().catch((err: unknown) => {
      // The loop handles its own errors; anything reaching here is a bug, reported rather than lost.
      this.fail(`Executor driver failed: ${describe(err)}`);
    });
    return this.state;
  }

  stop(): Status {
    if (this.state !== Status.DRIVER_RUNNING && this.state !== Status.DRIVER_ABORTED) return this.state;
    const wasRunning = this.state === Status.DRIVER_RUNNING;
    this.state = Status.DRIVER_STOPPED;
    if (wasRunning) this.teardown();
    this.settle();
    return this.state;
  }

  abort(): Status {
    if (this.state !== Status.DRIVER_RUNNING) return this.state;
    this.state = Status.DRIVER_ABORTED;
    this.callsLifetime.abort();
    this.teardown();
    this.settle();
    return this.state;
  }

  join(): Promise<Status> {
    if (this.state !== Status.DRIVER_RUNNING) return Promise.resolve(this.state);
    // A ref'd timer keeps the process alive while joined, even between reconnect attempts
    // (whose timers are unref'd).
    this.keepAliveTimer ??= setInterval(() => undefined, 1 << 30);
    return new Promise((resolve) => this.joiners.push(resolve));
  }

  run(): Promise<Status> {
    const status = this.start();
    if (status !== Status.DRIVER_RUNNING) return Promise.resolve(status);
    return this.join();
  }

  sendStatusUpdate(status: TaskStatus): Status {
    validateStatus(status);
    if (this.state !== Status.DRIVER_RUNNING) return this.state;
    const update: executor.Call.Update = {
      status: {
        ...status,
        uuid: uuidBytes(),
        timestamp: Date.now() / 1000,
        source: 'SOURCE_EXECUTOR',
        executor_id: { value: this.environment.executorId },
        ...(this.agentId !== undefined && { agent_id: { value: this.agentId } }),
      },
    };
    // Encoding now turns a malformed status into a synchronous MesosEncodeError naming the field,
    // instead of a failure later in the background (and in every re-SUBSCRIBE carrying it).
    getCodec<executor.Call>(TYPE_NAMES.ExecutorCall, 'protobuf').encode(this.makeCall('UPDATE', { update }));
    this.ledger.addUpdate(update);
    // While disconnected the update waits in the ledger: the next SUBSCRIBE carries it.
    if (this.subscribed) this.enqueueUpdate(update);
    return this.state;
  }

  sendFrameworkMessage(data: Uint8Array | string): Status {
    if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
      throw new MesosMisuseError(`sendFrameworkMessage needs a Uint8Array or a string, got ${typeof data}`);
    }
    if (this.state !== Status.DRIVER_RUNNING) return this.state;
    if (!this.subscribed) {
      log('framework message dropped: not connected to the agent (messages are best effort)');
      return this.state;
    }
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.enqueue(this.makeCall('MESSAGE', { message: { data: bytes } }));
    return this.state;
  }

  /** Unacknowledged updates and tasks, as the next SUBSCRIBE would carry them (for diagnostics). */
  get unacknowledged(): executor.Call.Subscribe {
    return this.ledger.toSubscribe();
  }

  // ---- connection loop ----------------------------------------------------------------------

  private async connectionLoop(): Promise<void> {
    while (this.isActive()) {
      const attempt = new AbortController();
      this.attempt = attempt;
      const signal = AbortSignal.any([this.lifetime.signal, attempt.signal]);
      const sentUpdates = new Set(this.ledger.updates);
      let subscription: AgentSubscription;
      // libmesos's v1 library connects its call connection before it subscribes; so does this
      // driver, so the first updates of the first tasks find it open (see sendStatusUpdate).
      this.sendHeartbeat(true);
      try {
        log(
          'subscribing (%d unacknowledged updates, %d unacknowledged tasks)',
          sentUpdates.size,
          this.ledger.tasks.length,
        );
        subscription = await this.connection.subscribe(
          this.makeCall('SUBSCRIBE', { subscribe: this.ledger.toSubscribe() }),
          { signal },
        );
      } catch (err) {
        if (!this.isActive()) return;
        if (!(await this.onSubscribeFailed(err))) return;
        continue;
      }
      this.everConnected = true;
      this.subscription = subscription;
      if (!this.isActive()) {
        subscription.close();
        return;
      }
      let failure: unknown;
      try {
        for await (const event of subscription.events) {
          if (!this.isActive()) break;
          await this.handleEvent(event, sentUpdates);
        }
      } catch (err) {
        failure = err;
      } finally {
        subscription.close();
        this.subscription = undefined;
      }
      if (!this.isActive()) return;
      log('connection to the agent lost: %s', failure === undefined ? 'stream ended' : describe(failure));
      if (!(await this.onConnectionLost())) return;
    }
  }

  /** Decides what follows a failed SUBSCRIBE; returns true to try again. */
  private async onSubscribeFailed(err: unknown): Promise<boolean> {
    if (err instanceof MesosProtocolError) {
      this.everConnected = true;
      // The agent answers 503 while it recovers, and 404 before its routes are up: retry.
      if (err.status === 503 || err.status === 404) {
        log('agent not ready for SUBSCRIBE (%d), retrying', err.status);
        return this.waitBeforeRetry();
      }
      this.fail(`The agent refused SUBSCRIBE: ${err.message}`);
      return false;
    }
    if (err instanceof MesosError && !err.retryable) {
      this.fail(`Cannot subscribe to the agent: ${err.message}`);
      return false;
    }
    log('cannot reach the agent: %s', describe(err));
    if (!this.everConnected) {
      // As the C++ library: no backoff when the very first connection fails, even when checkpointing.
      this.beginShutdown(`cannot connect to the agent at ${agentAddress(this.environment)}: ${describe(err)}`);
      return false;
    }
    return this.onConnectionLost();
  }

  /** The agent went away after we had reached it; returns true to reconnect. */
  private async onConnectionLost(): Promise<boolean> {
    this.subscribed = false;
    if (!this.environment.checkpoint) {
      this.beginShutdown('the agent connection was lost and the framework does not checkpoint');
      return false;
    }
    if (!this.disconnectReported && this.registeredOnce) {
      this.disconnectReported = true;
      void this.invoke('disconnected');
    }
    return this.waitBeforeRetry();
  }

  /** Starts the recovery timer if needed, then waits a random delay in [0, backoff max]. */
  private async waitBeforeRetry(): Promise<boolean> {
    if (this.recoveryTimer === undefined && !this.recoveryExpired) {
      const timeoutMs = this.environment.recoveryTimeoutMs ?? FALLBACK_RECOVERY_TIMEOUT_MS;
      this.recoveryTimer = setTimeout(() => {
        this.recoveryTimer = undefined;
        this.recoveryExpired = true;
        this.attempt?.abort();
        this.beginShutdown(`could not reconnect to the agent within the recovery timeout (${timeoutMs} ms)`);
      }, timeoutMs);
      this.recoveryTimer.unref();
    }
    const boundMs = this.environment.subscriptionBackoffMaxMs ?? FALLBACK_BACKOFF_MAX_MS;
    const waitMs = Math.round(this.random() * boundMs);
    log('reconnecting in %d ms', waitMs);
    try {
      await delay(waitMs, AbortSignal.any([this.lifetime.signal, (this.attempt ?? this.lifetime).signal]));
    } catch {
      return false;
    }
    return this.isActive();
  }

  private clearRecoveryTimer(): void {
    if (this.recoveryTimer !== undefined) clearTimeout(this.recoveryTimer);
    this.recoveryTimer = undefined;
  }

  // ---- events -------------------------------------------------------------------------------

  private async handleEvent(event: executor.Event, sentUpdates: Set<executor.Call.Update>): Promise<void> {
    switch (event.type) {
      case 'SUBSCRIBED': {
        const subscribed = event.subscribed;
        if (!subscribed) return this.fail('The agent sent SUBSCRIBED without its `subscribed` field');
        this.subscribed = true;
        this.disconnectReported = false;
        this.clearRecoveryTimer();
        if (subscribed.agent_info.id?.value) this.agentId = subscribed.agent_info.id.value;
        // Updates sent while the SUBSCRIBE was in flight were not in it: send them now.
        for (const update of this.ledger.updates) if (!sentUpdates.has(update)) this.enqueueUpdate(update);
        if (!this.registeredOnce) {
          this.registeredOnce = true;
          log('registered with agent %s', subscribed.agent_info.hostname);
          return this.invoke('registered', subscribed.executor_info, subscribed.framework_info, subscribed.agent_info);
        }
        log('reregistered with agent %s', subscribed.agent_info.hostname);
        return this.invoke('reregistered', subscribed.agent_info);
      }
      case 'LAUNCH':
        if (!event.launch) return this.fail('The agent sent LAUNCH without its `launch` field');
        this.ledger.addTask(event.launch.task);
        return this.invoke('launchTask', event.launch.task);
      case 'LAUNCH_GROUP': {
        if (!event.launch_group) return this.fail('The agent sent LAUNCH_GROUP without its `launch_group` field');
        for (const task of event.launch_group.task_group.tasks ?? []) this.ledger.addTask(task);
        return this.invoke('launchTaskGroup', event.launch_group.task_group);
      }
      case 'KILL':
        if (!event.kill) return this.fail('The agent sent KILL without its `kill` field');
        return this.invoke('killTask', event.kill.task_id);
      case 'ACKNOWLEDGED':
        if (!event.acknowledged) return this.fail('The agent sent ACKNOWLEDGED without its `acknowledged` field');
        if (!this.ledger.acknowledge(event.acknowledged.uuid)) {
          log('acknowledgement of an unknown update for task %s ignored', event.acknowledged.task_id.value);
        }
        return;
      case 'MESSAGE': {
        if (!event.message) return this.fail('The agent sent MESSAGE without its `message` field');
        const data = event.message.data;
        return this.invoke('frameworkMessage', bytesToBuffer(data));
      }
      case 'ERROR':
        return this.fail(event.error?.message ?? 'The agent sent ERROR without a message');
      case 'SHUTDOWN':
        this.beginShutdown('the agent asked (SHUTDOWN)');
        return;
      case 'HEARTBEAT':
        return;
      default:
        log('ignoring event of type %s', String(event.type));
    }
  }

  // ---- callbacks ----------------------------------------------------------------------------

  /** Invokes one executor callback in event order; a throw or rejection aborts the driver and is reported. */
  private invoke(name: ExecutorCallbackName, ...args: unknown[]): Promise<void> {
    const callback = this.executor[name] as ((...a: unknown[]) => unknown) | undefined;
    if (typeof callback !== 'function') return this.dispatcher.enqueue(() => undefined);
    return this.dispatcher.invoke(name, () => callback.call(this.executor, this, ...args));
  }

  /** A fatal error: abort the driver, then tell the executor (libmesos order). */
  private fail(message: string): Promise<void> {
    return this.dispatcher.enqueue(() => this.reportError(message));
  }

  private async reportError(message: string): Promise<void> {
    if (this.state !== Status.DRIVER_RUNNING) {
      log('error after the driver ended, not reported: %s', message);
      return;
    }
    log('aborting: %s', message);
    // join() settles once the error callback is done (the status is ABORTED inside it); none: stderr.
    const joiners = this.joiners.splice(0);
    this.abort();
    const callback = this.executor.error ? () => this.executor.error?.(this, message) : undefined;
    await new FatalErrorReporter('MesosExecutorDriver', true, log).report(message, callback, false);
    for (const resolve of joiners) resolve(Status.DRIVER_ABORTED);
  }

  /** Calls `shutdown`, then stops; the process ends when the grace period expires (exitOnShutdown). */
  private beginShutdown(reason: string): void {
    if (this.shuttingDown || this.state !== Status.DRIVER_RUNNING) return;
    this.shuttingDown = true;
    log('shutting down: %s', reason);
    this.clearRecoveryTimer();
    this.attempt?.abort();
    // `subscribed` stays as it is: after the agent's SHUTDOWN it still takes the tasks' last updates.
    this.subscription?.close();
    if (this.exitOnShutdown) {
      const graceMs = this.environment.shutdownGracePeriodMs;
      const timer = setTimeout(() => {
        log('shutdown grace period (%d ms) expired: ending the process', graceMs);
        this.terminateProcess();
      }, graceMs);
      timer.unref();
    }
    // shutdown is delivered at once, even while launches are pending; once it settles, the driver
    // waits (within the grace period) for those launches, so the updates they send as their tasks
    // end still go out, then stops.
    void this.invoke('shutdown')
      .then(() => this.dispatcher.settled(this.environment.shutdownGracePeriodMs))
      .then(() => this.stop());
  }

  // ---- outgoing calls -----------------------------------------------------------------------

  private makeCall(type: executor.Call.Type, body: Partial<executor.Call> = {}): executor.Call {
    return {
      executor_id: { value: this.environment.executorId },
      framework_id: { value: this.environment.frameworkId },
      type,
      ...body,
    };
  }

  private enqueueUpdate(update: executor.Call.Update): void {
    this.enqueue(this.makeCall('UPDATE', { update }));
  }

  /**
   * Hands the call to the connection now (not after a microtask), so its bytes are on their way
   * even if the caller then blocks the event loop; the connection keeps the order of the calls.
   */
  private enqueue(call: executor.Call): void {
    const sending = this.send(call).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private async send(call: executor.Call): Promise<void> {
    if (this.callsLifetime.signal.aborted) return;
    try {
      await this.connection.call(call, { signal: this.callsLifetime.signal });
    } catch (err) {
      if (this.callsLifetime.signal.aborted) return;
      if (err instanceof MesosProtocolError && !err.retryable && err.status !== 403) {
        // The agent rejected the call itself (400: invalid update, 401: bad token): a bug or
        // misconfiguration that retrying cannot fix.
        void this.fail(`The agent rejected ${call.type}: ${err.message}`);
        return;
      }
      // Transient: an update stays in the ledger and goes out with the next SUBSCRIBE.
      log(
        '%s call failed (%s)%s',
        call.type,
        describe(err),
        call.type === 'UPDATE' ? '; kept for the next SUBSCRIBE' : '',
      );
      // As libmesos, for which a broken call connection is a disconnection: subscribe again now, so
      // the update goes out (in SUBSCRIBE) before any later update of its task, and is not left
      // waiting for a stream loss that may never come.
      if (call.type === 'UPDATE' && this.subscribed) {
        this.subscribed = false;
        this.subscription?.close();
      }
    }
  }

  /** HEARTBEAT, answered at once by the agent; `early` sends it before subscribing, to open the connection. */
  private sendHeartbeat(early = false): void {
    if ((!early && !this.subscribed) || this.state !== Status.DRIVER_RUNNING) return;
    this.connection.call(this.makeCall('HEARTBEAT'), { signal: this.callsLifetime.signal }).catch((err: unknown) => {
      log('HEARTBEAT call failed: %s', describe(err));
    });
  }

  // ---- lifecycle helpers --------------------------------------------------------------------

  private isActive(): boolean {
    return this.state === Status.DRIVER_RUNNING && !this.shuttingDown;
  }

  private teardown(): void {
    this.subscribed = false;
    this.lifetime.abort();
    this.attempt?.abort();
    this.subscription?.close();
    this.clearRecoveryTimer();
    if (this.heartbeatTimer !== undefined) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    // Let calls in flight finish (stop) or be dropped (abort), then release the sockets.
    void Promise.all([...this.inFlight]).then(() => this.connection.close());
  }

  /** Resolves join() callers once the driver is stopped or aborted. */
  private settle(): void {
    if (this.keepAliveTimer !== undefined) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = undefined;
    const joiners = this.joiners;
    this.joiners = [];
    for (const resolve of joiners) resolve(this.state);
  }
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new MesosConfigError(`Option ${name} must be a non-negative number of ms, got ${String(value)}`);
  }
  return value;
}

/** Rejects what the agent would reject, synchronously and with a typed error. */
function validateStatus(status: TaskStatus): void {
  if (status === null || typeof status !== 'object') {
    throw new MesosMisuseError('sendStatusUpdate needs a TaskStatus object');
  }
  const taskId: TaskID | undefined = status.task_id;
  if (!taskId || typeof taskId.value !== 'string' || taskId.value === '') {
    throw new MesosMisuseError('sendStatusUpdate: status.task_id.value is missing');
  }
  if (!isTaskState(status.state)) {
    throw new MesosMisuseError(`sendStatusUpdate: status.state '${String(status.state)}' is not a TaskState`);
  }
  if (status.state === 'TASK_STAGING') {
    throw new MesosMisuseError('sendStatusUpdate: executors may not send TASK_STAGING (the agent rejects it)');
  }
}

/**
 * Base URL of the executor API over MESOS_DOMAIN_SOCKET: the path the C++ library uses there
 * (the agent's libprocess id, `/slave(1)/api/v1/executor`); the host is only the Host header.
 */
const DOMAIN_SOCKET_BASE_URL = 'http://localhost/slave(1)';

function createDefaultConnection(env: ExecutorEnvironment, callTimeoutMs: number): ExecutorConnection {
  const token = env.authenticationToken;
  const socketPath = env.domainSocket;
  return new ExecutorClient(socketPath === undefined ? env.agentUrl : DOMAIN_SOCKET_BASE_URL, {
    ...(callTimeoutMs > 0 && { requestTimeoutMs: callTimeoutMs }),
    ...(token !== undefined && { authToken: token }),
    ...(socketPath !== undefined && { socketPath }),
  });
}

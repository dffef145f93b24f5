/**
 * The master's operator event stream (SUBSCRIBE), kept open: SUBSCRIBED (the whole state) first,
 * then TASK_ADDED, TASK_UPDATED, FRAMEWORK_*, AGENT_*, HEARTBEAT, delivered to callbacks (one at
 * a time, each awaited) and to an async iterator. A stream that ends, breaks, or stays silent for
 * `missedHeartbeats` heartbeat intervals is reported (`disconnected`) and subscribed again through
 * the detector with backoff; the new SUBSCRIBED replaces the old state. Only `stop()` (or a 4xx
 * answer, which retrying cannot fix) ends it; it never exits the process.
 */
import { getCodec, TYPE_NAMES, type WireFormat } from '../codec/codec';
import type { AgentID, FrameworkInfo, master, Task } from '../codec/messages';
import { delay } from '../common/abort';
import type { BackoffStrategy } from '../common/backoff';
import {
  MesosAbortError,
  MesosError,
  MesosMisuseError,
  MesosProtocolError,
  MesosStreamEndedError,
  MesosTimeoutError,
} from '../common/errors';
import type { Logger } from '../common/logger';
import { CallbackQueue } from '../driver/callback-queue';
import { HeartbeatWatchdog } from '../driver/heartbeat-watchdog';
import { EventStream } from '../transport/event-stream';
import { formatOfContentType } from '../transport/http-client';
import type { OperatorStateMirror } from './mirror';
import type { OperatorSession } from './session';

/**
 * Callbacks of the operator event stream, named as pymesos's `OperatorMaster`; every one is
 * optional, they run one at a time in event order, and a returned Promise is awaited first.
 */
export interface OperatorEventHandler {
  /** A (re)subscription: the whole state, replacing anything known before. */
  subscribed?(subscribed: master.Event.Subscribed): unknown;
  /** The master accepted a task (usually TASK_STAGING) or learnt of one from a re-registering agent. */
  taskAdded?(task: Task): unknown;
  /** A task changed state: `update.status` is the update (its `task_id` names the task), `update.state` the latest state. */
  taskUpdated?(update: master.Event.TaskUpdated): unknown;
  /** A framework subscribed (or was recovered). */
  frameworkAdded?(framework: master.Response.GetFrameworks.Framework): unknown;
  /** A framework re-subscribed or updated its FrameworkInfo. */
  frameworkUpdated?(framework: master.Response.GetFrameworks.Framework): unknown;
  /** A framework was torn down or its failover timeout ran out. */
  frameworkRemoved?(frameworkInfo: FrameworkInfo): unknown;
  /** An agent registered (or came back); treat as an upsert. */
  agentAdded?(agent: master.Response.GetAgents.Agent): unknown;
  /** An agent was removed. */
  agentRemoved?(agentId: AgentID): unknown;
  /** A HEARTBEAT arrived. */
  heartbeat?(): unknown;
  /** Any event, known or not (a newer master's), before its own callback. */
  event?(event: master.Event): unknown;
  /** The stream was lost after it had subscribed; a new subscription follows (`subscribed`). */
  disconnected?(error: MesosError): unknown;
  /** A callback threw, or the stream stopped for good (a 4xx answer to SUBSCRIBE). */
  error?(error: unknown): unknown;
}

/** Options of the event stream. */
export interface OperatorEventStreamOptions {
  /** Silent heartbeat intervals after which the stream counts as lost. Default 5 (as the proto suggests). */
  missedHeartbeats?: number;
  /** Backoff between re-subscriptions. Default: the client's backoff. */
  backoff?: () => BackoffStrategy;
  /** A mirror to keep up to date with the stream (see `OperatorStateMirror`). */
  mirror?: OperatorStateMirror;
}

/** Heartbeat interval assumed until SUBSCRIBED gives one (Mesos's default). */
const DEFAULT_HEARTBEAT_SECONDS = 15;

/** A subscription to a master's operator events; iterate it, or pass callbacks. */
export class OperatorEventStream implements AsyncIterable<master.Event> {
  private readonly abort = new AbortController();
  private readonly queue: CallbackQueue;
  private readonly watchdog: HeartbeatWatchdog;
  private current: EventStream<master.Event> | undefined;
  /** Why the current subscription was closed from this side (silence, a leader change). */
  private ended: MesosError | undefined;
  private readonly buffer: master.Event[] = [];
  private waiter: (() => void) | undefined;
  private iterating = false;
  private failure: unknown;
  private readonly done: Promise<void>;
  private isSubscribed = false;
  /** Callbacks running now (stop() called from one must not wait for the queue to drain). */
  private inCallback = 0;

  /** @internal Created by `MesosMasterOperator.subscribe()`. */
  constructor(
    private readonly session: OperatorSession,
    private readonly format: WireFormat,
    private readonly handler: OperatorEventHandler,
    private readonly backoff: () => BackoffStrategy,
    private readonly options: OperatorEventStreamOptions & { maxRecordBytes: number | undefined },
    private readonly log: Logger,
  ) {
    this.queue = new CallbackQueue((error) => this.report(error));
    this.watchdog = new HeartbeatWatchdog(options.missedHeartbeats ?? 5, (silentMs) => {
      this.ended ??= new MesosTimeoutError(`No operator event (not even a heartbeat) for ${silentMs} ms`);
      this.current?.close();
    });
    this.done = this.run();
  }

  /** True while a subscription is open and has delivered SUBSCRIBED. */
  get subscribed(): boolean {
    return this.isSubscribed;
  }

  /** The mirror kept by this stream, if one was asked for. */
  get mirror(): OperatorStateMirror | undefined {
    return this.options.mirror;
  }

  /**
   * Closes the stream for good and resolves once nothing of it is left open (no connection, no
   * timer) and every queued callback has run (called from a callback: once the stream is closed,
   * dropping the callbacks not yet started).
   */
  async stop(): Promise<void> {
    if (!this.abort.signal.aborted) {
      this.log('stopping the event stream');
      this.abort.abort();
      this.current?.close();
      this.watchdog.stop();
    }
    this.isSubscribed = false;
    await this.done;
    // From inside a callback, waiting for the queue to drain would wait for that very callback.
    if (this.inCallback === 0) await this.queue.idle();
    else this.queue.clear();
    this.wake();
  }

  /**
   * The events, SUBSCRIBED and HEARTBEAT included, across reconnections (each starts with a new
   * SUBSCRIBED). Only events that arrive after iteration began are seen; leaving the loop stops
   * the stream. Ends after `stop()`; throws when the stream stopped on an error.
   */
  [Symbol.asyncIterator](): AsyncIterator<master.Event> {
    if (this.iterating) throw new MesosError('The operator event stream can be iterated only once');
    this.iterating = true;
    const next = async (): Promise<IteratorResult<master.Event>> => {
      for (;;) {
        const event = this.buffer.shift();
        if (event) return { value: event, done: false };
        if (this.failure !== undefined) throw this.failure;
        if (this.abort.signal.aborted) return { value: undefined, done: true };
        await new Promise<void>((resolve) => {
          this.waiter = resolve;
        });
      }
    };
    return {
      next,
      return: async () => {
        await this.stop();
        return { value: undefined, done: true };
      },
    };
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }

  private report(error: unknown): void {
    this.log('event callback failed: %s', (error as Error)?.message ?? String(error));
    const onError = this.handler.error;
    if (!onError) return;
    try {
      const result = onError.call(this.handler, error);
      if (result instanceof Promise) result.catch(() => {});
    } catch {
      // A failing error callback has nowhere left to report to.
    }
  }

  private async run(): Promise<void> {
    const backoff = this.backoff();
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let error: MesosError;
      try {
        error = await this.subscribeOnce(backoff);
      } catch (err) {
        error = err instanceof MesosError ? err : new MesosStreamEndedError(String(err), { cause: err });
      }
      this.watchdog.stop();
      this.current = undefined;
      if (signal.aborted || this.session.closeSignal.aborted) break;
      if (this.isSubscribed) {
        this.isSubscribed = false;
        this.log('event stream lost: %s', error.message);
        this.deliver(() => this.handler.disconnected?.(error));
      }
      if (isPermanent(error)) {
        this.failure = error;
        this.deliver(() => this.report(error));
        this.abort.abort();
        break;
      }
      this.session.forgetLeader();
      try {
        // Held like the stream's socket: a subscriber between connections must not see the process end.
        await delay(backoff.next(), signal, true);
      } catch {
        break;
      }
    }
    this.wake();
  }

  /** One subscription, from SUBSCRIBE to its end; returns why it ended. */
  private async subscribeOnce(backoff: BackoffStrategy): Promise<MesosError> {
    const signal = this.abort.signal;
    const body = getCodec<master.Call>(TYPE_NAMES.MasterCall, this.format).encode({ type: 'SUBSCRIBE' });
    const response = await this.session.run(
      'SUBSCRIBE',
      (url) => this.session.endpoint(url, { format: this.format }).subscribe(body, signal),
      signal,
    );
    const format = formatOfContentType(response.headers['content-type']) ?? this.format;
    const codec = getCodec<master.Event>(TYPE_NAMES.MasterEvent, format);
    const events = new EventStream<master.Event>(
      response.body,
      (record) => codec.decode(record),
      this.options.maxRecordBytes,
      'operator event',
      this.log,
    );
    this.current = events;
    this.ended = undefined;
    if (signal.aborted) events.close();
    this.watchdog.start(DEFAULT_HEARTBEAT_SECONDS);
    const watch = new AbortController();
    try {
      for await (const event of events) {
        this.watchdog.touch();
        if (event.type === 'SUBSCRIBED') {
          if (!this.isSubscribed) this.watchLeader(events, watch.signal);
          this.isSubscribed = true;
          backoff.reset();
          this.watchdog.start(event.subscribed?.heartbeat_interval_seconds ?? DEFAULT_HEARTBEAT_SECONDS);
        }
        this.deliverEvent(event);
      }
    } finally {
      watch.abort();
    }
    return this.ended ?? new MesosAbortError('The operator event stream was stopped');
  }

  /** Ends the subscription when the detector reports another leader (the old one may keep the stream open). */
  private watchLeader(events: EventStream<master.Event>, signal: AbortSignal): void {
    this.session.leaderChange(AbortSignal.any([signal, this.abort.signal])).then(
      (leader) => {
        this.ended ??= new MesosStreamEndedError(`The leading master changed (now ${leader})`);
        events.close();
      },
      (err: unknown) => {
        if (!signal.aborted && !this.abort.signal.aborted) this.log('leader watch failed: %s', (err as Error)?.message);
      },
    );
  }

  private deliverEvent(event: master.Event): void {
    this.options.mirror?.apply(event);
    if (this.iterating) {
      this.buffer.push(event);
      this.wake();
    }
    this.deliver(() => this.dispatch(event));
  }

  private deliver(task: () => unknown): void {
    this.queue.push(async () => {
      this.inCallback++;
      try {
        await task();
      } finally {
        this.inCallback--;
      }
    });
  }

  private dispatch(event: master.Event): unknown {
    const h = this.handler;
    const run = (callback: (() => unknown) | undefined) => {
      const before = h.event?.call(h, event);
      if (before instanceof Promise) return before.then(() => callback?.());
      return callback?.();
    };
    switch (event.type) {
      case 'SUBSCRIBED':
        return run(
          event.subscribed && h.subscribed
            ? () => h.subscribed?.(event.subscribed as master.Event.Subscribed)
            : undefined,
        );
      case 'TASK_ADDED':
        return run(event.task_added && (() => h.taskAdded?.(event.task_added?.task as Task)));
      case 'TASK_UPDATED':
        return run(event.task_updated && (() => h.taskUpdated?.(event.task_updated as master.Event.TaskUpdated)));
      case 'FRAMEWORK_ADDED':
        return run(event.framework_added && (() => h.frameworkAdded?.(event.framework_added?.framework as never)));
      case 'FRAMEWORK_UPDATED':
        return run(
          event.framework_updated && (() => h.frameworkUpdated?.(event.framework_updated?.framework as never)),
        );
      case 'FRAMEWORK_REMOVED':
        return run(
          event.framework_removed && (() => h.frameworkRemoved?.(event.framework_removed?.framework_info as never)),
        );
      case 'AGENT_ADDED':
        return run(event.agent_added && (() => h.agentAdded?.(event.agent_added?.agent as never)));
      case 'AGENT_REMOVED':
        return run(event.agent_removed && (() => h.agentRemoved?.(event.agent_removed?.agent_id as AgentID)));
      case 'HEARTBEAT':
        return run(() => h.heartbeat?.());
      default:
        return run(undefined);
    }
  }
}

/** Failures that another subscription cannot fix: 4xx answers (authentication, a bad request). */
function isPermanent(error: MesosError): boolean {
  if (error instanceof MesosMisuseError) return true;
  return error instanceof MesosProtocolError && error.status >= 400 && error.status < 500;
}

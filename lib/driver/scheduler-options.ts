/** Options of MesosSchedulerDriver, their defaults, and the narrow views of the layers below it. */

import type { MasterInfo, scheduler } from '../codec/messages';
import type { BackoffOptions, BackoffStrategy } from '../common/backoff';
import type { DetectorOptions } from '../detector/detector';
import type { TlsOptions } from '../transport/options';

/** The master as the detector reports it: the base URL of its HTTP API, and its MasterInfo if known. */
export interface DetectedMaster {
  /** Base URL, e.g. `http://10.0.0.1:5050` (the API is at `url + /api/v1/scheduler`). */
  url: string;
  /** The leader's MasterInfo, when the detector knows it. */
  info?: MasterInfo;
}

/** What the driver needs from a master detector (`MasterDetector` from lib/detector fits). */
export interface LeaderDetector {
  /** Resolves once the leader differs from `previous` (null = no leader). */
  detect(previous: DetectedMaster | null, options?: { signal?: AbortSignal }): Promise<DetectedMaster | null>;
  /** Releases the detector's resources. */
  close(): void | Promise<void>;
}

/** An open SUBSCRIBE stream, as the transport returns it. */
export interface SchedulerSubscription {
  /** The `Mesos-Stream-Id` of this subscription. */
  streamId: string;
  /** The decoded events; throws when the stream breaks, ends quietly after `close()`. */
  events: AsyncIterable<scheduler.Event>;
  /** Closes the stream. */
  close(): void;
}

/** What the driver needs from a scheduler HTTP client (`SchedulerClient` from lib/transport fits). */
export interface SchedulerTransport {
  /** Sends SUBSCRIBE and opens its event stream. */
  subscribe(call: scheduler.Call, options: { signal: AbortSignal }): Promise<SchedulerSubscription>;
  /**
   * Sends any other call, with the stream id of the last subscription. The driver passes
   * `encoded`, the call already encoded in the factory's `contentType`: send those bytes rather
   * than encoding `call` again (a transport may ignore it and encode `call` itself).
   */
  call(
    call: scheduler.Call,
    options: { signal: AbortSignal; streamId?: string; encoded?: Buffer },
  ): Promise<scheduler.Response | undefined>;
  /** Closes every connection. */
  close(): void;
}

/** What the driver passes to the HTTP client factory. */
export interface SchedulerTransportOptions {
  contentType: 'protobuf' | 'json';
  credential?: { principal: string; secret?: string };
  tls?: TlsOptions;
  headers?: Record<string, string>;
  requestTimeoutMs?: number;
  maxConcurrentAcknowledgements?: number;
  pipelineAcknowledgements?: boolean;
}

/** Heartbeat watchdog settings. */
export interface HeartbeatOptions {
  /** Watch heartbeats at all. @default true */
  enabled?: boolean;
  /** Silent heartbeat intervals after which the subscription counts as lost. @default 5 */
  missedIntervals?: number;
}

/** Options of {@link MesosSchedulerDriver}. */
export interface SchedulerDriverOptions {
  /** Wire format of calls and events. @default 'protobuf' */
  contentType?: 'protobuf' | 'json';
  /** Heartbeat watchdog; the interval comes from SUBSCRIBED (15 s until then). */
  heartbeat?: HeartbeatOptions;
  /**
   * Delay after a failed subscription attempt: a strategy of your own, or options of the default
   * randomised exponential backoff. Default as libmesos's registration backoff: random in [0, b],
   * b from 2 s doubling to 1 min, and b at most failover_timeout/10 when failover_timeout > 0.
   * The first attempt at start() is immediate, and the first after a lost subscription waits
   * `reconnectDelayMaxMs` at most; a successful subscription resets the backoff. When the
   * detector reports another leading master during a backoff wait, the wait ends and the driver
   * subscribes to it after at most `reconnectDelayMaxMs` (libmesos subscribes to a newly detected
   * master at once; the backoff is for retrying the same one).
   */
  backoff?: BackoffStrategy | BackoffOptions;
  /**
   * Upper bound of the random delay before the first subscription attempt after a subscription
   * was lost (new leader, stream end, missed heartbeats), in ms: the attempt waits a random time
   * in [0, this], as the v1 C++ library's `connection_delay_max`. Attempts that fail after it
   * wait by `backoff`, which a successful subscription resets. @default 500
   */
  reconnectDelayMaxMs?: number;
  /**
   * Backpressure: when this many events wait for their callbacks, the driver stops reading the
   * subscription stream (TCP then holds the master back) until half of them were delivered. The
   * heartbeat watchdog is paused meanwhile: the silence is the framework's, not the master's.
   * @default 256
   */
  maxPendingEvents?: number;
  /**
   * Backpressure on calls: while this many calls made through the driver (acknowledgements
   * included) await their answers, the stream is not read, until half of them are answered.
   * @default 256
   */
  maxPendingCalls?: number;
  /**
   * What calls made while not subscribed do. `'libmesos'`: launches are answered by a synthetic
   * TASK_DROPPED/TASK_LOST "Master disconnected" update, other calls are dropped and logged.
   * `'reject'`: the method throws MesosNotSubscribedError. @default 'libmesos'
   */
  callsWhileDisconnected?: 'libmesos' | 'reject';
  /** TLS for `https://` masters. */
  tls?: TlsOptions;
  /** Extra HTTP headers on every request. */
  headers?: Record<string, string>;
  /** Time limit of non-streaming requests, in ms (passed to the HTTP client). */
  requestTimeoutMs?: number;
  /**
   * How many ACKNOWLEDGE / ACKNOWLEDGE_OPERATION_STATUS calls may be in flight at once. They
   * travel on connections of their own and are not ordered with each other nor with other
   * calls (an agent sends a task's next update only once the previous one is acknowledged, so
   * their order does not matter); every other call is sent in the order it was made, pipelined
   * on one connection. @default 128 (16 with `pipelineAcknowledgements` false)
   */
  maxConcurrentAcknowledgements?: number;
  /**
   * Send acknowledgements with HTTP/1.1 pipelining (several per write, answers read in order).
   * Turn off for a proxy in front of the master that mishandles pipelined requests. @default true
   */
  pipelineAcknowledgements?: boolean;
  /** In `stop()`: how long calls made before it may take to be answered, then the time limit for TEARDOWN, in ms. @default 10000 */
  teardownTimeoutMs?: number;
  /**
   * After `abort()` the subscription stays open this long, so that `stop()` called right after
   * (as libmesos examples do) can still send TEARDOWN; v1 has no "deactivate". @default 1000
   */
  abortLingerMs?: number;
  /**
   * Write a fatal error (refused credentials, a malformed master string, an ERROR event …) to
   * stderr, once, when nothing else reports it: the scheduler has no `error` callback and the
   * driver no 'error' listener. The driver aborts either way. @default true
   */
  reportUnhandledErrors?: boolean;
  /** Debug namespace of the driver's log. @default 'mesos-driver:scheduler' */
  loggerNamespace?: string;
  /** A detector to use instead of one built from the master string (not closed by the driver). */
  detector?: LeaderDetector;
  /** Options for the detector built from the master string. */
  detectorOptions?: DetectorOptions;
  /**
   * Builds the HTTP client for a master URL (the default uses lib/transport's SchedulerClient).
   * @internal For tests and instrumentation.
   */
  transportFactory?: (masterUrl: string, options: SchedulerTransportOptions) => SchedulerTransport;
}

/** Named defaults of the scheduler driver. */
export const SCHEDULER_DRIVER_DEFAULTS = Object.freeze({
  /** Wire format of calls and events (`contentType` option). */
  contentType: 'protobuf' as const,
  /** Heartbeat intervals without any event after which the subscription counts as lost (`heartbeat.missedIntervals`). */
  missedHeartbeats: 5,
  /** Mesos's hard-coded heartbeat interval, used until SUBSCRIBED announces one. */
  heartbeatIntervalSeconds: 15,
  /** Upper bound of the first re-subscription delay, in ms (`backoff.initialMs`). */
  backoffInitialMs: 2000,
  /** Upper bound of the random delay before the first attempt after a lost subscription, in ms (`reconnectDelayMaxMs`). */
  reconnectDelayMaxMs: 500,
  /** Events waiting for callbacks at which the stream stops being read (`maxPendingEvents`). */
  maxPendingEvents: 256,
  /**
   * Unanswered calls at which the stream stops being read (`maxPendingCalls`): what the
   * acknowledgement lane can have on the wire (2 connections x 128); more would only wait in memory.
   * (1024 was measured too, issue 14: fewer pauses of the ingest stream, no faster ingest, and
   * LocalCluster's event-loop p99 in the scale benchmark 10 to 15 ms higher from larger bursts.)
   */
  maxPendingCalls: 256,
  /** Cap of the re-subscription delay bound, in ms (`backoff.maxMs`; lowered to failover_timeout/10 when that is positive). */
  backoffMaxMs: 60_000,
  /** In `stop()`, the time limit for calls made before it to be answered, and then for TEARDOWN, in ms (`teardownTimeoutMs`). */
  teardownTimeoutMs: 10_000,
  /** How long the subscription stays open after `abort()`, in ms (`abortLingerMs`). */
  abortLingerMs: 1000,
  /** Write a fatal error nobody handles to stderr, once (`reportUnhandledErrors`). */
  reportUnhandledErrors: true,
  /** Debug namespace of the driver's log, under `mesos-driver:` (`loggerNamespace`). */
  loggerNamespace: 'scheduler',
});

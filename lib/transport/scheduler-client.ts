/** Low-level client of the Mesos v1 scheduler API (`POST /api/v1/scheduler` on the master). */
import { getCodec, type MessageCodec, TYPE_NAMES, type WireFormat } from '../codec/codec';
import type { scheduler } from '../codec/messages';
import { MesosConfigError, type MesosError, MesosMisuseError, MesosProtocolError } from '../common/errors';
import { type AcknowledgementSink, SinkAdapter } from './acknowledgement-sink';
import type { RequestContext } from './errors';
import { EventStream } from './event-stream';
import { type CallLane, formatOfContentType, MesosHttpClient } from './http-client';
import { type HttpClientOptions, positiveInteger } from './options';
import { PipelinedLane } from './pipelined-lane';
import { SCHEDULER_API_PATH } from './url';

/** An open SUBSCRIBE stream of a scheduler. */
export interface SchedulerSubscription {
  /** The `Mesos-Stream-Id` the master gave this subscription. */
  readonly streamId: string;
  /** The wire format of the events, from the response's `Content-Type`. */
  readonly format: WireFormat;
  /**
   * The decoded events, for one consumer. Ends normally only after `close()` or an abort;
   * otherwise throws `MesosStreamEndedError`, `MesosRecordIOError` or `MesosDecodeError`.
   */
  readonly events: AsyncIterable<scheduler.Event>;
  /** Drops the stream connection; a pending iteration of `events` ends normally. */
  close(): void;
}

/** Options of {@link SchedulerClient}. */
export interface SchedulerClientOptions extends HttpClientOptions {
  /**
   * How many ACKNOWLEDGE and ACKNOWLEDGE_OPERATION_STATUS calls may be in flight at once, on
   * their own keep-alive connections. Default 128 when pipelined,
   * or {@link DEFAULT_MAX_CONCURRENT_ACKNOWLEDGEMENTS} with `pipelineAcknowledgements` off.
   */
  maxConcurrentAcknowledgements?: number;
  /**
   * Send acknowledgements with HTTP/1.1 pipelining: several requests per write on a few
   * connections, answers read in order. Default true; turn off for a proxy that mishandles
   * pipelined requests (acknowledgements then use Node's `http.request`, one per connection at a time).
   */
  pipelineAcknowledgements?: boolean;
  /**
   * Send the ordered calls (every call but the acknowledgements) with HTTP/1.1 pipelining on one
   * connection, as libprocess does: up to 64 (`ORDERED_PIPELINE_DEPTH`) calls written before
   * their answers arrive, in the order `call()` was invoked. The master reads one connection's
   * requests in order, so the calls keep their order without waiting for each answer. With
   * `maxConcurrentCalls` above 1, that many are pipelined over two connections (no order kept
   * between them). Default: true, or false when
   * `pipelineAcknowledgements` is false (a proxy that mishandles pipelining); off, each ordered
   * call waits for the answer of the one before it.
   */
  pipelineCalls?: boolean;
}

/** Ordered calls written and not yet answered on the ordered pipelined connection. */
export const ORDERED_PIPELINE_DEPTH = 64;

/** Connections of the pipelined acknowledgement lane. */
const ACKNOWLEDGEMENT_CONNECTIONS = 2;

/**
 * Default of {@link SchedulerClientOptions.maxConcurrentAcknowledgements} with `pipelineAcknowledgements`
 * off: one connection per acknowledgement in flight.
 */
export const DEFAULT_MAX_CONCURRENT_ACKNOWLEDGEMENTS = 16;

/**
 * Default of {@link SchedulerClientOptions.maxConcurrentAcknowledgements} when they are pipelined
 * (the default): 64 on each of the lane's two connections. A shallower pipeline made the
 * acknowledgements of a fast event stream pile up until the driver's `maxPendingCalls` paused
 * the stream (measured: about a fifth of the ingest window idle at 16).
 */
export const DEFAULT_PIPELINED_ACKNOWLEDGEMENTS = 128;

/**
 * Calls that travel on the acknowledgement lane. Each acknowledges one update of one task or
 * operation, and an agent sends a task's next update only once the previous one is acknowledged,
 * so there is at most one outstanding acknowledgement per task: their order does not matter.
 */
const ACKNOWLEDGEMENTS: ReadonlySet<scheduler.Call.Type | undefined> = new Set<scheduler.Call.Type>([
  'ACKNOWLEDGE',
  'ACKNOWLEDGE_OPERATION_STATUS',
]);

/** The calls {@link SchedulerClient.acknowledge} sends. */
export type AcknowledgementType = 'ACKNOWLEDGE' | 'ACKNOWLEDGE_OPERATION_STATUS';

/** Options of {@link SchedulerClient.subscribe}. */
export interface SubscribeOptions {
  /** Cancels the subscribe request, and later closes the stream. */
  signal?: AbortSignal;
}

/** Options of {@link SchedulerClient.call}. */
export interface SchedulerCallOptions {
  /** Cancels the call (before it is sent, or while waiting for the answer). */
  signal?: AbortSignal;
  /** `Mesos-Stream-Id` to send instead of the one of the last subscription. */
  streamId?: string;
  /**
   * `call` already encoded in this client's `contentType`, sent as is: a caller that encoded the
   * call to validate it saves encoding it twice. `call` still gives the type (lane, log names).
   */
  encoded?: Buffer;
}

/**
 * Speaks the scheduler HTTP API to one master: `subscribe()` opens the event stream on its own
 * keep-alive connection, and `call()` sends the other calls on two lanes, each with connections
 * of its own.
 *
 * Ordering guarantee: every call except ACKNOWLEDGE and ACKNOWLEDGE_OPERATION_STATUS goes on the
 * ordered lane, written in the order `call()` was invoked on one connection (pipelined by
 * default, see `pipelineCalls`; one at a time with `pipelineCalls: false`; unordered over
 * two or more connections with `maxConcurrentCalls` above 1), so such calls reach the master in that
 * order. An answer settles only its own call; when the connection breaks, the calls written on
 * it and not yet answered fail with a retryable error, and later calls go on a new connection. Acknowledgements go on the
 * acknowledgement lane, up to `maxConcurrentAcknowledgements` at once: they are not ordered with
 * each other nor with the calls of the ordered lane (an ACKNOWLEDGE may reach the master before
 * a DECLINE made earlier, and two acknowledgements may arrive in either order). Every failure is
 * a typed `MesosError` with `retryable` set.
 */
export class SchedulerClient extends MesosHttpClient {
  private lastStreamId: string | undefined;
  private readonly callCodec: MessageCodec<scheduler.Call>;
  private readonly subscriptions = new Set<SchedulerSubscription>();
  private readonly ackLane: CallLane | PipelinedLane;
  /** The ordered lane's pipelined connection(s); undefined when `pipelineCalls` is off. */
  private readonly orderedPipeline: PipelinedLane | undefined;
  /** The adapters of the sinks given to `acknowledge()`, one per sink. */
  private readonly sinks = new WeakMap<AcknowledgementSink, SinkAdapter>();
  /** The contexts of the two acknowledgement calls, shared by every such request. */
  private readonly ackContexts = new Map<AcknowledgementType, RequestContext>();

  /**
   * Creates a client for the master at `masterUrl` (`host:port` or `http(s)://host:port[/prefix]`).
   * Throws `MesosConfigError` naming a bad option.
   */
  constructor(masterUrl: string, options: SchedulerClientOptions = {}) {
    const { maxConcurrentAcknowledgements, pipelineAcknowledgements, pipelineCalls, ...httpOptions } = options;
    const ackLimit = positiveInteger(
      'maxConcurrentAcknowledgements',
      maxConcurrentAcknowledgements,
      pipelineAcknowledgements === false ? DEFAULT_MAX_CONCURRENT_ACKNOWLEDGEMENTS : DEFAULT_PIPELINED_ACKNOWLEDGEMENTS,
    );
    super(masterUrl, SCHEDULER_API_PATH, httpOptions, 'transport:scheduler');
    this.callCodec = getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, this.options.contentType);
    this.ackLane =
      pipelineAcknowledgements === false
        ? this.createLane(ackLimit)
        : this.createPipelinedLane(ackLimit, Math.min(ackLimit, ACKNOWLEDGEMENT_CONNECTIONS));
    if (pipelineCalls !== undefined && typeof pipelineCalls !== 'boolean') {
      throw new MesosConfigError(`Option pipelineCalls must be a boolean, got ${String(pipelineCalls)}`);
    }
    // One connection, so the order of the writes is the order the master reads the calls in;
    // with maxConcurrentCalls above 1 (unordered by choice), that many over a few connections.
    const pipelined = pipelineCalls ?? pipelineAcknowledgements !== false;
    const width = this.options.maxConcurrentCalls;
    this.orderedPipeline = !pipelined
      ? undefined
      : width === 1
        ? this.createPipelinedLane(ORDERED_PIPELINE_DEPTH, 1)
        : this.createPipelinedLane(width, Math.min(width, ACKNOWLEDGEMENT_CONNECTIONS));
  }

  /** The stream id of the last successful subscription, sent with later calls. */
  get streamId(): string | undefined {
    return this.lastStreamId;
  }

  /**
   * Sends SUBSCRIBE and resolves with the open stream once the master answered 200. Rejects with
   * `MesosRedirectError` (307), `MesosNoLeaderError` (503), `MesosProtocolError`,
   * `MesosTimeoutError` (no answer within `connectTimeoutMs`), `MesosTransportError` or
   * `MesosAbortError`.
   */
  async subscribe(call: scheduler.Call, options: SubscribeOptions = {}): Promise<SchedulerSubscription> {
    if (call?.type !== 'SUBSCRIBE') {
      throw new MesosMisuseError(`subscribe() takes a SUBSCRIBE call, got type ${JSON.stringify(call?.type)}`);
    }
    const body = this.callCodec.encode(call);
    const { headers, body: stream } = await this.openStream(body, 'SUBSCRIBE', options.signal);
    const streamId = headers['mesos-stream-id'];
    const format = formatOfContentType(headers['content-type']);
    if (!streamId || format === undefined) {
      stream.destroy();
      const problem = !streamId
        ? 'no Mesos-Stream-Id header'
        : `unexpected Content-Type ${JSON.stringify(headers['content-type'] ?? '')}`;
      throw new MesosProtocolError(200, '', `SUBSCRIBE to ${this.url} was answered 200 with ${problem}`, {
        retryable: true,
      });
    }
    const codec = getCodec<scheduler.Event>(TYPE_NAMES.SchedulerEvent, format);
    const events = new EventStream<scheduler.Event>(
      stream,
      (record) => codec.decode(record),
      this.options.maxRecordBytes,
      'scheduler event',
      this.log,
    );
    this.lastStreamId = streamId;
    const subscription: SchedulerSubscription = {
      streamId,
      format,
      events,
      close: () => events.close(),
    };
    this.subscriptions.add(subscription);
    const onAbort = () => events.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.closeSignal.addEventListener('abort', onAbort, { once: true });
    events.onClose(() => {
      this.subscriptions.delete(subscription);
      options.signal?.removeEventListener('abort', onAbort);
      this.closeSignal.removeEventListener('abort', onAbort);
      this.log('subscription %s closed', streamId);
    });
    if (options.signal?.aborted || this.closed) events.close();
    this.log('subscribed, stream id %s, %s events', streamId, format);
    return subscription;
  }

  /**
   * Sends any call but SUBSCRIBE, with the `Mesos-Stream-Id` of the last subscription (or
   * `options.streamId`), on the lane its type belongs to (see the class comment). Resolves with undefined on 202, or with the decoded `Response` when the
   * master answered 200 with a body (UPDATE_FRAMEWORK, RECONCILE_OPERATIONS).
   */
  async call(call: scheduler.Call, options: SchedulerCallOptions = {}): Promise<scheduler.Response | undefined> {
    if (call?.type === 'SUBSCRIBE') {
      throw new MesosMisuseError('SUBSCRIBE must be sent with subscribe(), not call()');
    }
    const body = options.encoded ?? this.callCodec.encode(call);
    const streamId = options.streamId ?? this.lastStreamId;
    const what = `call ${call.type ?? 'UNKNOWN'}`;
    const lane = ACKNOWLEDGEMENTS.has(call.type) ? this.ackLane : this.orderedPipeline;
    const response =
      lane instanceof PipelinedLane
        ? await this.sendPipelined(body, what, streamId || undefined, options.signal, lane)
        : await this.sendCall(body, what, streamId || undefined, options.signal, lane);
    if (response.status === 202 || response.body.length === 0) return undefined;
    const format = formatOfContentType(response.headers['content-type']) ?? this.options.contentType;
    return getCodec<scheduler.Response>(TYPE_NAMES.SchedulerResponse, format).decode(response.body);
  }

  /**
   * Sends an ACKNOWLEDGE or ACKNOWLEDGE_OPERATION_STATUS already encoded in this client's
   * `contentType` on the acknowledgement lane, as `call()` does, but without a promise: the
   * outcome goes to `sink` (`sent()` on a 2xx answer, `failed(error)` with the typed error
   * `call()` would reject with; a failure before sending is reported a microtask later). One sink
   * may serve every acknowledgement. Throws `MesosMisuseError` when the client is closed.
   */
  acknowledge(
    type: AcknowledgementType,
    encoded: Buffer,
    sink: AcknowledgementSink,
    options: Pick<SchedulerCallOptions, 'signal' | 'streamId'> = {},
  ): void {
    if (!ACKNOWLEDGEMENTS.has(type)) {
      throw new MesosMisuseError(`acknowledge() takes ACKNOWLEDGE or ACKNOWLEDGE_OPERATION_STATUS, got ${type}`);
    }
    const what = `call ${type}`;
    this.ensureOpen(what);
    const streamId = (options.streamId ?? this.lastStreamId) || undefined;
    const lane = this.ackLane;
    if (!(lane instanceof PipelinedLane)) {
      this.sendCall(encoded, what, streamId, options.signal, lane).then(
        () => sink.sent(),
        (error: MesosError) => sink.failed(error),
      );
      return;
    }
    let adapter = this.sinks.get(sink);
    if (adapter === undefined) {
      adapter = new SinkAdapter(sink, (answer, context) => this.answerError(answer, context), this.log);
      this.sinks.set(sink, adapter);
    }
    let context = this.ackContexts.get(type);
    if (context === undefined) {
      context = { url: this.url, apiPath: this.apiPath, what };
      this.ackContexts.set(type, context);
    }
    if (this.log.enabled) this.log('POST %s (%s, %d bytes, pipelined)', this.url, what, encoded.length);
    const error = lane.post(encoded, streamId, context, options.signal, adapter.answered, adapter.failed);
    if (error !== undefined) queueMicrotask(() => adapter.failed(error, context));
  }

  /** Closes every subscription, aborts every call in flight and destroys the connection pools. */
  override close(): void {
    for (const subscription of [...this.subscriptions]) subscription.close();
    super.close();
  }
}

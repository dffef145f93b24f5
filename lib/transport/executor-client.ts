/** Low-level client of the Mesos v1 executor API (`POST /api/v1/executor` on the agent). */
import { getCodec, type MessageCodec, TYPE_NAMES, type WireFormat } from '../codec/codec';
import type { executor } from '../codec/messages';
import { MesosConfigError, MesosMisuseError, MesosProtocolError } from '../common/errors';
import { EventStream } from './event-stream';
import { formatOfContentType, MesosHttpClient } from './http-client';
import type { HttpClientOptions } from './options';
import { EXECUTOR_API_PATH } from './url';

/** Options of {@link ExecutorClient}. */
export interface ExecutorClientOptions extends HttpClientOptions {
  /**
   * Token sent as `Authorization: Bearer <token>` (the agent's `MESOS_EXECUTOR_AUTHENTICATION_TOKEN`).
   * Cannot be combined with `credential`.
   */
  authToken?: string;
}

/** An open SUBSCRIBE stream of an executor. The executor API has no stream id. */
export interface ExecutorSubscription {
  /** The wire format of the events, from the response's `Content-Type`. */
  readonly format: WireFormat;
  /** The decoded events, for one consumer; same ending rules as the scheduler's. */
  readonly events: AsyncIterable<executor.Event>;
  /** Drops the stream connection; a pending iteration of `events` ends normally. */
  close(): void;
}

/** Options of {@link ExecutorClient.subscribe} and {@link ExecutorClient.call}. */
export interface ExecutorRequestOptions {
  /** Cancels the request (and, for subscribe, later closes the stream). */
  signal?: AbortSignal;
}

/** The agent answers 503 while recovering and 404 before its endpoint is up: both are worth a retry. */
const RETRYABLE_SUBSCRIBE_STATUSES: ReadonlySet<number> = new Set([404, 503]);

/**
 * Speaks the executor HTTP API to one agent, the same way {@link SchedulerClient} speaks to a
 * master: a stream connection for SUBSCRIBE and an ordered call connection for the rest.
 */
export class ExecutorClient extends MesosHttpClient {
  private readonly callCodec: MessageCodec<executor.Call>;
  private readonly subscriptions = new Set<ExecutorSubscription>();

  /** Creates a client for the agent at `agentUrl` (`ip:port` or `http(s)://host:port[/prefix]`). */
  constructor(agentUrl: string, options: ExecutorClientOptions = {}) {
    const { authToken, ...httpOptions } = options;
    if (authToken !== undefined) {
      if (typeof authToken !== 'string' || authToken === '')
        throw new MesosConfigError('Option authToken must be a non-empty string');
      if (httpOptions.credential) throw new MesosConfigError('Options authToken and credential cannot be combined');
    }
    super(
      agentUrl,
      EXECUTOR_API_PATH,
      httpOptions,
      'transport:executor',
      authToken ? `Bearer ${authToken}` : undefined,
    );
    this.callCodec = getCodec<executor.Call>(TYPE_NAMES.ExecutorCall, this.options.contentType);
  }

  /** Sends SUBSCRIBE and resolves with the open event stream once the agent answered 200. */
  async subscribe(call: executor.Call, options: ExecutorRequestOptions = {}): Promise<ExecutorSubscription> {
    if (call?.type !== 'SUBSCRIBE') {
      throw new MesosMisuseError(`subscribe() takes a SUBSCRIBE call, got type ${JSON.stringify(call?.type)}`);
    }
    const body = this.callCodec.encode(call);
    const { headers, body: stream } = await this.openStream(
      body,
      'SUBSCRIBE',
      options.signal,
      RETRYABLE_SUBSCRIBE_STATUSES,
    );
    const format = formatOfContentType(headers['content-type']);
    if (format === undefined) {
      stream.destroy();
      throw new MesosProtocolError(
        200,
        '',
        `SUBSCRIBE to ${this.url} was answered 200 with unexpected Content-Type ${JSON.stringify(headers['content-type'] ?? '')}`,
        { retryable: true },
      );
    }
    const codec = getCodec<executor.Event>(TYPE_NAMES.ExecutorEvent, format);
    const events = new EventStream<executor.Event>(
      stream,
      (record) => codec.decode(record),
      this.options.maxRecordBytes,
      'executor event',
      this.log,
    );
    const subscription: ExecutorSubscription = { format, events, close: () => events.close() };
    this.subscriptions.add(subscription);
    const onAbort = () => events.close();
    options.signal?.addEventListener('abort', onAbort, { once: true });
    this.closeSignal.addEventListener('abort', onAbort, { once: true });
    events.onClose(() => {
      this.subscriptions.delete(subscription);
      options.signal?.removeEventListener('abort', onAbort);
      this.closeSignal.removeEventListener('abort', onAbort);
    });
    if (options.signal?.aborted || this.closed) events.close();
    return subscription;
  }

  /** Sends any call but SUBSCRIBE; resolves when the agent accepted it (202). */
  async call(call: executor.Call, options: ExecutorRequestOptions = {}): Promise<void> {
    if (call?.type === 'SUBSCRIBE') {
      throw new MesosMisuseError('SUBSCRIBE must be sent with subscribe(), not call()');
    }
    const body = this.callCodec.encode(call);
    await this.sendCall(body, `call ${call.type ?? 'UNKNOWN'}`, undefined, options.signal);
  }

  /** Closes every subscription, aborts every call in flight and destroys the connection pools. */
  override close(): void {
    for (const subscription of [...this.subscriptions]) subscription.close();
    super.close();
  }
}

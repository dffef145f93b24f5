/** Low-level client of the Mesos v1 executor API (`POST /api/v1/executor` on the agent). */
import { getCodec, type MessageCodec, TYPE_NAMES, type WireFormat } from '../codec/codec';
import type { executor } from '../codec/messages';
import { MesosConfigError, MesosMisuseError, MesosProtocolError } from '../common/errors';
import { EventStream } from './event-stream';
import { formatOfContentType, MesosHttpClient } from './http-client';
import type { HttpClientOptions } from './options';
import type { PipelinedLane } from './pipelined-lane';
import { EXECUTOR_API_PATH } from './url';

/** Options of {@link ExecutorClient}. */
export interface ExecutorClientOptions extends HttpClientOptions {
  /**
   * Token sent as `Authorization: Bearer <token>` (the agent's `MESOS_EXECUTOR_AUTHENTICATION_TOKEN`).
   * Cannot be combined with `credential`.
   */
  authToken?: string;
  /**
   * Send the calls (UPDATE, MESSAGE, HEARTBEAT) with HTTP/1.1 pipelining on one connection, in
   * the order `call()` was invoked, without waiting for each answer; the bytes of a call are
   * handed to the socket before `call()` returns when that connection is open. Default true;
   * false sends them through Node's `http.request`, one at a time.
   */
  pipelineCalls?: boolean;
  /**
   * Reach the agent over this Unix domain socket instead of TCP (MESOS_DOMAIN_SOCKET, agent flag
   * `--http_executor_domain_sockets`): the subscription and every call (pipelined or not) connect
   * to it; the agent URL then only gives the request path and the Host header, and must be
   * `http:`. At most 107 bytes on Linux (the size of `sun_path` less its NUL), 103 elsewhere.
   */
  socketPath?: string;
}

/**
 * Longest Unix domain socket path, in bytes: what `sun_path` holds with its terminating NUL
 * (108 bytes on Linux, 104 on macOS and the BSDs).
 */
export const MAX_SOCKET_PATH_BYTES = process.platform === 'linux' ? 107 : 103;

/** `socketPath`, checked; throws MesosConfigError naming the option. */
function checkSocketPath(socketPath: unknown): string | undefined {
  if (socketPath === undefined) return undefined;
  if (typeof socketPath !== 'string' || socketPath === '' || socketPath.includes('\0'))
    throw new MesosConfigError('Option socketPath must be a non-empty path without NUL characters');
  const bytes = Buffer.byteLength(socketPath);
  if (bytes > MAX_SOCKET_PATH_BYTES)
    throw new MesosConfigError(
      `Option socketPath is too long for a Unix socket address: ${bytes} bytes, at most ${MAX_SOCKET_PATH_BYTES}`,
    );
  return socketPath;
}

/** Calls written and not yet answered on the executor's pipelined call connection. */
const CALL_PIPELINE_DEPTH = 64;

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
  private readonly callPipeline: PipelinedLane | undefined;

  /**
   * Creates a client for the agent at `agentUrl` (`ip:port` or `http(s)://host:port[/prefix]`);
   * with `socketPath`, `url` shows `http+unix://<encoded socket path>/<path>`.
   */
  constructor(agentUrl: string, options: ExecutorClientOptions = {}) {
    const { authToken, pipelineCalls, socketPath, ...httpOptions } = options;
    if (pipelineCalls !== undefined && typeof pipelineCalls !== 'boolean') {
      throw new MesosConfigError(`Option pipelineCalls must be a boolean, got ${String(pipelineCalls)}`);
    }
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
      checkSocketPath(socketPath),
    );
    this.callCodec = getCodec<executor.Call>(TYPE_NAMES.ExecutorCall, this.options.contentType);
    // One connection: the agent reads its requests in order, so the calls keep theirs.
    this.callPipeline = pipelineCalls === false ? undefined : this.createPipelinedLane(CALL_PIPELINE_DEPTH, 1);
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

  /**
   * Sends any call but SUBSCRIBE; resolves when the agent accepted it (202). Calls reach the agent
   * in the order of the `call()` invocations. With `pipelineCalls` (the default) the call is
   * written before this returns its promise when the call connection is open (a socket write the
   * kernel takes at once), so an executor that blocks its event loop right after a status update
   * does not hold the update back; a connection that must first be opened waits for the event loop.
   */
  async call(call: executor.Call, options: ExecutorRequestOptions = {}): Promise<void> {
    // Everything up to the first await runs before call() returns: encode, queue, write.
    if (call?.type === 'SUBSCRIBE') {
      throw new MesosMisuseError('SUBSCRIBE must be sent with subscribe(), not call()');
    }
    const body = this.callCodec.encode(call);
    const what = `call ${call.type ?? 'UNKNOWN'}`;
    const lane = this.callPipeline;
    if (lane === undefined) {
      await this.sendCall(body, what, undefined, options.signal);
      return;
    }
    const answer = this.sendPipelined(body, what, undefined, options.signal, lane);
    lane.flush(); // now, not at the lane's next setImmediate
    await answer;
  }

  /** Closes every subscription, aborts every call in flight and destroys the connection pools. */
  override close(): void {
    for (const subscription of [...this.subscriptions]) subscription.close();
    super.close();
  }
}

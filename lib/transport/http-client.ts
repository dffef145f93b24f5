/**
 * The HTTP machinery shared by the scheduler and executor clients: axios for the subscription
 * stream, Node's `http.request` for calls, one keep-alive agent for the stream and one per call
 * lane (Mesos wants calls on a different connection from the stream), timeouts, cancellation and
 * error mapping.
 */
import { setMaxListeners } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { MEDIA_TYPES, type WireFormat } from '../codec/codec';
import { MesosAbortError, MesosConfigError, MesosMisuseError, MesosProtocolError } from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import { onAbort } from './abort-fanout';
import { CallQueue } from './call-queue';
import { exchangeCall } from './call-request';
import { bodyText, type CancelReason, errorFromFailure, errorFromStatus, type RequestContext } from './errors';
import { basicAuthorization, type HttpClientOptions, type ResolvedHttpOptions, resolveHttpOptions } from './options';
import { PipelinedLane } from './pipelined-lane';
import { parseEndpointUrl } from './url';

/** Largest error body read from a failed SUBSCRIBE before the connection is dropped. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** An HTTP answer with its body read into memory. */
export interface BufferedResponse {
  /** The HTTP status code (2xx). */
  status: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string | undefined>;
  /** The whole body. */
  body: Buffer;
}

/** An HTTP 200 answer whose body is still streaming. */
export interface StreamingResponse {
  /** Response headers, names lower-cased. */
  headers: Record<string, string | undefined>;
  /** The body stream; destroying it closes the connection. */
  body: Readable;
}

/** Which wire format a response `Content-Type` names, if any of the two. */
export function formatOfContentType(contentType: string | undefined): WireFormat | undefined {
  const media = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (media === MEDIA_TYPES.json) return 'json';
  if (media === MEDIA_TYPES.protobuf) return 'protobuf';
  return undefined;
}

function plainHeaders(response: AxiosResponse): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value == null ? undefined : String(value);
  }
  return out;
}

/** Reads at most `limit` bytes of an error body, then destroys it. @internal */
export async function readBounded(body: Readable, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      parts.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= limit) break;
    }
  } catch {
    // A broken error body still leaves the status code to report.
  } finally {
    body.destroy();
  }
  return Buffer.concat(parts).subarray(0, limit);
}

/** A FIFO of calls with its own concurrency limit and connection pool. @internal */
export interface CallLane {
  /** Starts calls in arrival order, at most `limit` at a time. */
  readonly queue: CallQueue;
  /** The lane's keep-alive agent, with as many sockets as calls may be in flight. */
  readonly agent: http.Agent;
}

/** Base of {@link SchedulerClient} and {@link ExecutorClient}: sends POSTs to one API endpoint. */
export abstract class MesosHttpClient {
  /** The API endpoint every request goes to (`http+unix://<encoded socket path>/<path>` over a Unix socket). */
  readonly url: string;
  /** The `http(s)://` URL the requests are built from (path, Host header). */
  private readonly requestUrl: string;
  /** The Unix domain socket every connection goes to instead of the URL's host and port. */
  private readonly socketPath: string | undefined;
  /** The media type of requests and of the expected events. */
  readonly mediaType: string;
  /** @internal Resolved options. */
  protected readonly options: ResolvedHttpOptions;
  /** @internal The client's debug logger. */
  protected readonly log: Logger;
  private readonly axios: AxiosInstance;
  private readonly streamAgent: http.Agent;
  private readonly makeAgent: (extra: http.AgentOptions) => http.Agent;
  private readonly lanes: CallLane[] = [];
  private readonly pipelinedLanes: PipelinedLane[] = [];
  /** The lane of every call that must keep its order: `maxConcurrentCalls` at a time. */
  private readonly orderedLane: CallLane;
  private readonly closeController = new AbortController();
  /** Cancellers of the calls in flight, so close() reaches each without a listener per call. */
  private readonly inFlight = new Set<(why: CancelReason) => void>();
  private readonly requestFn: typeof http.request;
  private readonly target: http.RequestOptions;
  private readonly authorization: string | undefined;
  /** Headers sent with every request, built once; the Authorization value is never logged. */
  private readonly commonHeaders: Record<string, string>;

  protected constructor(
    baseUrl: string,
    /** @internal Path of the API endpoint under the base URL, e.g. `/api/v1/scheduler`. */
    protected readonly apiPath: string,
    options: HttpClientOptions,
    component: string,
    authorization?: string,
    socketPath?: string,
  ) {
    this.options = resolveHttpOptions(options);
    this.requestUrl = `${parseEndpointUrl(baseUrl)}${apiPath}`;
    this.socketPath = socketPath;
    this.url =
      socketPath === undefined
        ? this.requestUrl
        : `http+unix://${encodeURIComponent(socketPath)}${new URL(this.requestUrl).pathname}`;
    this.mediaType = MEDIA_TYPES[this.options.contentType];
    this.log = createLogger(component);
    this.authorization =
      authorization ?? (this.options.credential ? basicAuthorization(this.options.credential) : undefined);
    this.commonHeaders = { ...this.options.headers, 'Content-Type': this.mediaType, Accept: this.mediaType };
    if (this.authorization !== undefined) this.commonHeaders.Authorization = this.authorization;
    const secure = this.requestUrl.startsWith('https:');
    if (secure && socketPath !== undefined)
      throw new MesosConfigError('An https:// address cannot be combined with a Unix domain socket (socketPath)');
    const tls = this.options.tls;
    const agentOptions: https.AgentOptions = { keepAlive: true };
    if (secure) {
      Object.assign(agentOptions, {
        rejectUnauthorized: tls.rejectUnauthorized ?? true,
        ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
        ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
        ...(tls.key !== undefined ? { key: tls.key } : {}),
        ...(tls.passphrase !== undefined ? { passphrase: tls.passphrase } : {}),
        ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
      });
    }
    this.makeAgent = (extra: http.AgentOptions) =>
      secure ? new https.Agent({ ...agentOptions, ...extra }) : new http.Agent({ ...agentOptions, ...extra });
    this.streamAgent = this.makeAgent({});
    // Each subscription listens for close() (calls do not: they are in `inFlight`); many are not a leak.
    setMaxListeners(0, this.closeController.signal);
    this.orderedLane = this.createLane(this.options.maxConcurrentCalls);
    const endpoint = new URL(this.requestUrl);
    this.requestFn = secure ? https.request : http.request;
    this.target = {
      protocol: endpoint.protocol,
      hostname: endpoint.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: endpoint.port || (secure ? 443 : 80),
      path: `${endpoint.pathname}${endpoint.search}`,
      ...(socketPath !== undefined && { socketPath }),
    };
    this.axios = axios.create({
      // Errors, redirects, proxies and decompression are all handled (or refused) here, not by axios.
      validateStatus: () => true,
      maxRedirects: 0,
      proxy: false,
      decompress: false,
      maxContentLength: -1,
      maxBodyLength: -1,
      transitional: { clarifyTimeoutError: true },
      transformRequest: [(data: unknown) => data],
      transformResponse: [(data: unknown) => data],
    });
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.closeController.signal.aborted;
  }

  /** Aborts every request in flight and every open stream, and destroys the connection pools. */
  close(): void {
    if (this.closed) return;
    this.log('closing %s', this.url);
    this.closeController.abort();
    for (const cancel of [...this.inFlight]) cancel('closed');
    this.inFlight.clear();
    for (const lane of this.lanes) {
      lane.queue.rejectAll(new MesosAbortError('The call was aborted: the client was closed'));
      lane.agent.destroy();
    }
    for (const lane of this.pipelinedLanes) lane.close();
    this.streamAgent.destroy();
  }

  /**
   * A new call lane: a FIFO of at most `limit` calls in flight over a keep-alive agent of its own,
   * with as many sockets (with a limit of 1, calls share one connection in order).
   * @internal
   */
  protected createLane(limit: number): CallLane {
    const lane: CallLane = { queue: new CallQueue(limit), agent: this.makeAgent({ maxSockets: limit }) };
    this.lanes.push(lane);
    return lane;
  }

  /**
   * A new pipelined lane: at most `limit` calls written and not yet answered, over at most
   * `maxConnections` connections of its own. For calls whose order does not matter.
   * @internal
   */
  protected createPipelinedLane(limit: number, maxConnections: number): PipelinedLane {
    const lane = new PipelinedLane({
      url: this.requestUrl,
      ...(this.socketPath !== undefined && { socketPath: this.socketPath }),
      headers: this.commonHeaders,
      tls: this.options.tls,
      limit,
      maxConnections,
      timeoutMs: this.options.requestTimeoutMs,
      log: this.log,
    });
    this.pipelinedLanes.push(lane);
    return lane;
  }

  /**
   * Sends a call on a pipelined lane and reads the whole answer; statuses and failures are typed
   * as on the other lanes.
   * @internal
   */
  protected sendPipelined(
    body: Buffer,
    what: string,
    streamId: string | undefined,
    signal: AbortSignal | undefined,
    lane: PipelinedLane,
  ): Promise<BufferedResponse> {
    this.ensureOpen(what);
    const context: RequestContext = { url: this.url, apiPath: this.apiPath, what };
    if (this.log.enabled) this.log('POST %s (%s, %d bytes, pipelined)', this.url, what, body.length);
    return lane.send(body, streamId, context, signal).then(
      (answer) => this.checkAnswer(answer, context),
      (error: Error) => {
        this.log('%s failed: %s', what, error.message);
        throw error;
      },
    );
  }

  /** The answer of a call when its status is 2xx; otherwise throws the typed error of its status. */
  private checkAnswer(answer: BufferedResponse, context: RequestContext): BufferedResponse {
    const error = this.answerError(answer, context);
    if (error !== undefined) throw error;
    return answer;
  }

  /**
   * Undefined when the answer's status is 2xx, else the typed error of its status (logged).
   * @internal
   */
  protected answerError(answer: BufferedResponse, context: RequestContext): MesosProtocolError | undefined {
    if (this.log.enabled) this.log('%s -> %d', context.what, answer.status);
    // Mesos answers 202 (queued) or 200 (synchronous result); any 2xx means the call was taken.
    if (answer.status >= 200 && answer.status < 300) return undefined;
    return this.statusError(answer.status, bodyText(answer.body), answer.headers, context);
  }

  /** @internal Signal that aborts when the client is closed; streams tie their lifetime to it. */
  protected get closeSignal(): AbortSignal {
    return this.closeController.signal;
  }

  /** @internal Throws MesosMisuseError when the client is closed. */
  protected ensureOpen(what: string): void {
    if (this.closed) throw new MesosMisuseError(`Cannot send ${what}: the client to ${this.url} is closed`);
  }

  /**
   * Sends a call on a lane (by default the ordered one) and reads the whole answer. Non-2xx
   * statuses become typed errors.
   * @internal
   */
  protected sendCall(
    body: Buffer,
    what: string,
    streamId: string | undefined,
    signal: AbortSignal | undefined,
    lane: CallLane = this.orderedLane,
  ): Promise<BufferedResponse> {
    this.ensureOpen(what);
    return lane.queue.run(() => this.exchange(body, what, streamId, signal, lane.agent), signal);
  }

  private exchange(
    body: Buffer,
    what: string,
    streamId: string | undefined,
    signal: AbortSignal | undefined,
    agent: http.Agent,
  ): Promise<BufferedResponse> {
    if (this.closed) return Promise.reject(new MesosAbortError(`${what} was aborted: the client was closed`));
    const context: RequestContext = { url: this.url, apiPath: this.apiPath, what };
    const headers: http.OutgoingHttpHeaders = { ...this.commonHeaders, 'Content-Length': body.length };
    if (streamId !== undefined) headers['Mesos-Stream-Id'] = streamId;
    if (this.log.enabled) this.log('POST %s (%s, %d bytes)', this.url, what, body.length);
    return exchangeCall({
      request: this.requestFn,
      target: this.target,
      agent,
      headers,
      body,
      context,
      timeoutMs: this.options.requestTimeoutMs,
      signal,
      track: this.track,
      onAbort,
    }).then(
      (answer) => this.checkAnswer(answer, context),
      (error: Error) => {
        this.log('%s failed: %s', what, error.message);
        throw error;
      },
    );
  }

  private readonly track = (cancel: (why: CancelReason) => void): (() => void) => {
    this.inFlight.add(cancel);
    return () => this.inFlight.delete(cancel);
  };

  /**
   * Sends SUBSCRIBE over the stream connection and resolves once the 200 answer's headers have
   * arrived. Only the wait for those headers is timed (`connectTimeoutMs`).
   * @internal
   */
  protected async openStream(
    body: Buffer,
    what: string,
    signal: AbortSignal | undefined,
    retryableStatuses: ReadonlySet<number> = new Set(),
  ): Promise<StreamingResponse> {
    this.ensureOpen(what);
    const context: RequestContext = { url: this.url, apiPath: this.apiPath, what };
    const response = await this.postForStream(body, signal, this.options.connectTimeoutMs, context);
    const stream = response.data as Readable;
    const headers = plainHeaders(response);
    this.log('%s -> %d', what, response.status);
    if (response.status !== 200) {
      const text = bodyText(await readBounded(stream, MAX_ERROR_BODY_BYTES));
      const error = this.statusError(response.status, text, headers, context);
      if (retryableStatuses.has(response.status) && !error.retryable) {
        throw new MesosProtocolError(error.status, error.body, error.message, { retryable: true });
      }
      throw error;
    }
    return { headers, body: stream };
  }

  private statusError(
    status: number,
    body: string,
    headers: Record<string, string | undefined>,
    context: RequestContext,
  ): MesosProtocolError {
    const error = errorFromStatus(status, body, headers.location, context);
    this.log('%s failed: %s', context.what, error.message);
    return error;
  }

  /** The SUBSCRIBE POST through axios, its body left streaming; the timer ends at the response headers. */
  private async postForStream(
    body: Buffer,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    context: RequestContext,
  ): Promise<AxiosResponse> {
    let reason: CancelReason | undefined;
    if (signal?.aborted) throw new MesosAbortError(`${context.what} was aborted`, { cause: signal.reason });
    if (this.closed) reason = 'closed';
    const controller = new AbortController();
    const cancel = (why: CancelReason) => {
      reason ??= why;
      controller.abort();
    };
    const unsubscribeUser = signal === undefined ? undefined : onAbort(signal, () => cancel('aborted'));
    const unsubscribeClose = this.track(cancel);
    const timer = setTimeout(() => cancel('timeout'), timeoutMs);
    timer.unref?.();
    if (reason !== undefined) controller.abort();
    if (this.log.enabled) this.log('POST %s (%s, %d bytes)', this.url, context.what, body.length);
    try {
      return await this.axios.request({
        method: 'POST',
        url: this.requestUrl,
        ...(this.socketPath !== undefined && { socketPath: this.socketPath }),
        data: body,
        headers: { ...this.commonHeaders },
        responseType: 'stream',
        signal: controller.signal,
        httpAgent: this.streamAgent,
        httpsAgent: this.streamAgent,
      });
    } catch (err) {
      const error =
        reason === 'aborted'
          ? new MesosAbortError(`${context.what} was aborted`, { cause: signal?.reason })
          : errorFromFailure(err, reason, context, timeoutMs);
      this.log('%s failed: %s', context.what, error.message);
      throw error;
    } finally {
      clearTimeout(timer);
      unsubscribeUser?.();
      unsubscribeClose();
    }
  }
}

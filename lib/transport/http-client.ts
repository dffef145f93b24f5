/**
 * The HTTP machinery shared by the scheduler and executor clients: one axios instance, one
 * keep-alive agent for the subscription stream and another for calls (Mesos wants calls on a
 * different connection from the stream), timeouts, cancellation and error mapping.
 */
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { MEDIA_TYPES, type WireFormat } from '../codec/codec';
import { MesosAbortError, MesosMisuseError, MesosProtocolError } from '../common/errors';
import { createLogger, type Logger } from '../common/logger';
import { CallQueue } from './call-queue';
import { bodyText, type CancelReason, errorFromFailure, errorFromStatus, type RequestContext } from './errors';
import { basicAuthorization, type HttpClientOptions, type ResolvedHttpOptions, resolveHttpOptions } from './options';
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

async function readBounded(body: Readable, limit: number): Promise<Buffer> {
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

/** Base of {@link SchedulerClient} and {@link ExecutorClient}: sends POSTs to one API endpoint. */
export abstract class MesosHttpClient {
  /** The API endpoint every request goes to. */
  readonly url: string;
  /** The media type of requests and of the expected events. */
  readonly mediaType: string;
  /** @internal Resolved options. */
  protected readonly options: ResolvedHttpOptions;
  /** @internal The client's debug logger. */
  protected readonly log: Logger;
  private readonly axios: AxiosInstance;
  private readonly streamAgent: http.Agent;
  private readonly callAgent: http.Agent;
  private readonly closeController = new AbortController();
  private readonly callQueue: CallQueue;
  private readonly authorization: string | undefined;

  protected constructor(
    baseUrl: string,
    /** @internal Path of the API endpoint under the base URL, e.g. `/api/v1/scheduler`. */
    protected readonly apiPath: string,
    options: HttpClientOptions,
    component: string,
    authorization?: string,
  ) {
    this.options = resolveHttpOptions(options);
    this.url = `${parseEndpointUrl(baseUrl)}${apiPath}`;
    this.mediaType = MEDIA_TYPES[this.options.contentType];
    this.log = createLogger(component);
    this.authorization =
      authorization ?? (this.options.credential ? basicAuthorization(this.options.credential) : undefined);
    const secure = this.url.startsWith('https:');
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
    const makeAgent = (extra: http.AgentOptions) =>
      secure ? new https.Agent({ ...agentOptions, ...extra }) : new http.Agent({ ...agentOptions, ...extra });
    this.streamAgent = makeAgent({});
    // As many sockets as calls may be in flight: with the default of 1, calls share one connection in order.
    this.callAgent = makeAgent({ maxSockets: this.options.maxConcurrentCalls });
    this.callQueue = new CallQueue(this.options.maxConcurrentCalls);
    // Every request in flight and every subscription listens for close(): not a leak.
    setMaxListeners(0, this.closeController.signal);
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
    this.callQueue.rejectAll(new MesosAbortError('The call was aborted: the client was closed'));
    this.streamAgent.destroy();
    this.callAgent.destroy();
  }

  /** @internal Signal that aborts when the client is closed; streams tie their lifetime to it. */
  protected get closeSignal(): AbortSignal {
    return this.closeController.signal;
  }

  /** Headers of every request; the Authorization value is never logged. */
  private requestHeaders(extra: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = {
      ...this.options.headers,
      'Content-Type': this.mediaType,
      Accept: this.mediaType,
      ...extra,
    };
    if (this.authorization !== undefined) headers.Authorization = this.authorization;
    return headers;
  }

  private ensureOpen(what: string): void {
    if (this.closed) throw new MesosMisuseError(`Cannot send ${what}: the client to ${this.url} is closed`);
  }

  /**
   * Sends a call (over the call connection, in order) and reads the whole answer. Non-2xx
   * statuses become typed errors.
   * @internal
   */
  protected async sendCall(
    body: Buffer,
    what: string,
    extraHeaders: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<BufferedResponse> {
    this.ensureOpen(what);
    const context: RequestContext = { url: this.url, apiPath: this.apiPath, what };
    return this.callQueue.run(async () => {
      const response = await this.post(
        body,
        extraHeaders,
        signal,
        this.options.requestTimeoutMs,
        'arraybuffer',
        context,
        this.callAgent,
      );
      const data = Buffer.isBuffer(response.data) ? response.data : Buffer.from(response.data as ArrayBuffer);
      const headers = plainHeaders(response);
      this.log('%s -> %d', what, response.status);
      // Mesos answers 202 (queued) or 200 (synchronous result); any 2xx means the call was taken.
      if (response.status >= 200 && response.status < 300) return { status: response.status, headers, body: data };
      throw this.statusError(response.status, bodyText(data), headers, context);
    }, signal);
  }

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
    const response = await this.post(
      body,
      {},
      signal,
      this.options.connectTimeoutMs,
      'stream',
      context,
      this.streamAgent,
    );
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

  /** One POST with the client's headers, a timer and cancellation mapped to typed errors. */
  private async post(
    body: Buffer,
    extraHeaders: Record<string, string>,
    signal: AbortSignal | undefined,
    timeoutMs: number,
    responseType: 'arraybuffer' | 'stream',
    context: RequestContext,
    agent: http.Agent,
  ): Promise<AxiosResponse> {
    let reason: CancelReason | undefined;
    if (signal?.aborted) throw new MesosAbortError(`${context.what} was aborted`, { cause: signal.reason });
    if (this.closed) reason = 'closed';
    const controller = new AbortController();
    const cancel = (why: CancelReason) => {
      reason ??= why;
      controller.abort();
    };
    const onUserAbort = () => cancel('aborted');
    const onClose = () => cancel('closed');
    signal?.addEventListener('abort', onUserAbort, { once: true });
    this.closeSignal.addEventListener('abort', onClose, { once: true });
    const timer = setTimeout(() => cancel('timeout'), timeoutMs);
    timer.unref?.();
    if (reason !== undefined) controller.abort();
    this.log('POST %s (%s, %d bytes)', this.url, context.what, body.length);
    try {
      return await this.axios.request({
        method: 'POST',
        url: this.url,
        data: body,
        headers: this.requestHeaders(extraHeaders),
        responseType,
        signal: controller.signal,
        httpAgent: agent,
        httpsAgent: agent,
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
      signal?.removeEventListener('abort', onUserAbort);
      this.closeSignal.removeEventListener('abort', onClose);
    }
  }
}

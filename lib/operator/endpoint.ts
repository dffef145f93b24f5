/**
 * One operator endpoint (`<base URL>/api/v1` of a master or an agent) on the library's HTTP
 * client: one-shot calls and SUBSCRIBE go through `MesosHttpClient` (keep-alive lanes, timeouts,
 * error mapping); the agent's streaming calls, which need their own headers and may stream the
 * request body, go through `streamCall` here with the same error mapping.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { WireFormat } from '../codec/codec';
import { MesosAbortError } from '../common/errors';
import {
  bodyText,
  type CancelReason,
  errorFromFailure,
  errorFromStatus,
  type RequestContext,
} from '../transport/errors';
import { type BufferedResponse, MesosHttpClient, readBounded, type StreamingResponse } from '../transport/http-client';
import { basicAuthorization, type HttpClientOptions } from '../transport/options';

/** Path of the operator API under a master's or agent's base URL. */
export const OPERATOR_API_PATH = '/api/v1';
/** Media type of a RecordIO stream (agent streaming calls). */
export const RECORDIO_MEDIA_TYPE = 'application/recordio';

/** Streaming calls open at once to one agent. */
const MAX_STREAMS = 64;

/** Largest error body read from a failed streaming call. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** The headers and body of an agent streaming call. */
export interface StreamCall {
  /** Extra headers (Accept, Content-Type, Message-Accept, Message-Content-Type). */
  headers: Record<string, string>;
  /** The whole body, or its chunks as they are produced (a streaming request). */
  body: Buffer | AsyncIterable<Buffer>;
  /** What is being done, for errors and logs. */
  what: string;
  /** Cancels the call and later closes its response stream. */
  signal?: AbortSignal | undefined;
}

/** The operator API of one master or agent. */
export class OperatorEndpoint extends MesosHttpClient {
  private readonly open = new Set<http.ClientRequest>();
  /** Connections of the streaming calls (TLS settings applied, destroyed by close()). */
  private readonly streamingCallAgent: http.Agent;

  /** `baseUrl` is `http(s)://host:port[/prefix]` (or `host:port`). */
  constructor(baseUrl: string, options: HttpClientOptions) {
    super(baseUrl, OPERATOR_API_PATH, options, 'operator:http');
    this.streamingCallAgent = this.createLane(MAX_STREAMS).agent;
  }

  /** The wire format of requests. */
  get format(): WireFormat {
    return this.options.contentType;
  }

  /** Sends a call and reads the whole 2xx answer; other statuses reject with their typed error. */
  send(body: Buffer, what: string, signal?: AbortSignal): Promise<BufferedResponse> {
    return this.sendCall(body, what, undefined, signal);
  }

  /** Sends SUBSCRIBE and resolves with the 200 answer whose body is still streaming. */
  subscribe(body: Buffer, signal?: AbortSignal): Promise<StreamingResponse> {
    return this.openStream(body, 'SUBSCRIBE', signal);
  }

  override close(): void {
    for (const req of this.open) req.destroy();
    this.open.clear();
    super.close();
  }

  /**
   * A streaming call (agent): resolves with the 200 answer's headers and its body still
   * streaming; a request body given as chunks is written as they come (chunked encoding).
   */
  streamCall(call: StreamCall): Promise<StreamingResponse> {
    const context: RequestContext = { url: this.url, apiPath: this.apiPath, what: call.what };
    if (this.closed) return Promise.reject(new MesosAbortError(`${call.what} was aborted: the client was closed`));
    if (call.signal?.aborted) return Promise.reject(new MesosAbortError(`${call.what} was aborted`));
    const endpoint = new URL(this.url);
    const secure = endpoint.protocol === 'https:';
    const headers: http.OutgoingHttpHeaders = { ...this.options.headers, ...call.headers };
    if (this.options.credential) headers.Authorization = basicAuthorization(this.options.credential);
    if (Buffer.isBuffer(call.body)) headers['Content-Length'] = call.body.length;
    const request = secure ? https.request : http.request;
    return new Promise<StreamingResponse>((resolve, reject) => {
      let reason: CancelReason | undefined;
      let settled = false;
      const req = request({
        protocol: endpoint.protocol,
        hostname: endpoint.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: endpoint.port || (secure ? 443 : 80),
        path: `${endpoint.pathname}${endpoint.search}`,
        method: 'POST',
        headers,
        agent: this.streamingCallAgent,
      });
      this.open.add(req);
      const timer = setTimeout(() => cancel('timeout'), this.options.connectTimeoutMs);
      timer.unref();
      const onAbort = () => cancel('aborted');
      call.signal?.addEventListener('abort', onAbort, { once: true });
      const forget = () => {
        this.open.delete(req);
        call.signal?.removeEventListener('abort', onAbort);
      };
      const fail = (error: Error) => {
        clearTimeout(timer);
        forget();
        if (settled) return;
        settled = true;
        this.log('%s failed: %s', call.what, error.message);
        reject(error);
      };
      function cancel(why: CancelReason): void {
        reason ??= why;
        req.destroy();
      }
      req.on('close', () => {
        if (!settled) fail(errorFromFailure(new Error('The connection closed'), reason, context, undefined));
        else forget();
      });
      req.on('error', (err) => fail(errorFromFailure(err, reason, context, this.options.connectTimeoutMs)));
      req.on('response', (res) => {
        clearTimeout(timer);
        const responseHeaders: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          responseHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        this.log('%s -> %d', call.what, res.statusCode);
        if (res.statusCode !== 200) {
          void readBounded(res, MAX_ERROR_BODY_BYTES).then((text) => {
            fail(errorFromStatus(res.statusCode ?? 0, bodyText(text), responseHeaders.location, context));
            // A refused streaming request stops reading its input.
            req.destroy();
          });
          return;
        }
        settled = true;
        res.on('close', () => req.destroy());
        resolve({ headers: responseHeaders, body: res });
      });
      if (Buffer.isBuffer(call.body)) req.end(call.body);
      else void pump(call.body, req);
    });
  }
}

/** Writes chunks to the request as they come; ends it when they end, destroys it when they fail. */
async function pump(chunks: AsyncIterable<Buffer>, req: http.ClientRequest): Promise<void> {
  try {
    for await (const chunk of chunks) {
      if (req.destroyed) return;
      if (!req.write(chunk)) await new Promise((resolve) => req.once('drain', resolve));
    }
    req.end();
  } catch (err) {
    req.destroy(err instanceof Error ? err : new Error(String(err)));
  }
}

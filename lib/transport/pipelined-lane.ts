/**
 * A call lane that pipelines HTTP/1.1 requests over a few plain `net`/`tls` connections: the
 * queued requests go out back to back in one write, and the answers are read in order. It
 * carries the scheduler's acknowledgements, where a round trip (and a write syscall) per call
 * was most of the driver's cost. A request whose connection breaks before its answer fails
 * with a retryable error: the agent re-sends an update that was not acknowledged.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { MesosAbortError, type MesosError } from '../common/errors';
import type { Logger } from '../common/logger';
import { onAbort } from './abort-fanout';
import type { CallAnswer } from './call-request';
import { errorFromFailure, type RequestContext, sanitizeCause } from './errors';
import { HttpResponseParseError, HttpResponseParser, type ParsedResponse } from './http-response-parser';
import type { TlsOptions } from './options';

/** Where the lane connects and what every request carries. */
export interface PipelinedLaneOptions {
  /** The endpoint URL (`http(s)://host:port/path`); requests are POSTs to its path. */
  url: string;
  /** Headers of every request (Content-Type, Accept, Authorization...); never logged. */
  headers: Record<string, string>;
  /** TLS settings for an `https:` URL. */
  tls: TlsOptions;
  /** Connect to this Unix domain socket instead of the URL's host and port (plain HTTP). */
  socketPath?: string;
  /** Requests written and not yet answered, over all connections. */
  limit: number;
  /** Most connections opened at once. */
  maxConnections: number;
  /** Time limit of one request from its write to its answer, in ms. */
  timeoutMs: number;
  /** The client's logger. */
  log: Logger;
}

/** How long a connection with nothing outstanding stays open; below common server keep-alive timeouts (Node: 5 s). */
const IDLE_CLOSE_MS = 2_000;

/** How often the time limits are checked: a tenth of the limit, between 5 ms and 1 s. */
const SWEEP_MS = (timeoutMs: number) => Math.min(1000, Math.max(5, Math.floor(timeoutMs / 10)));

/** An error code for failures of the connection itself, so errors stay retryable. */
function connectionError(message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code: 'ECONNRESET' });
}

/**
 * Where a request's outcome goes: `answered` with its answer (whatever the status), or `failed`.
 * Both get the request's context, so one pair of functions can serve every request of a caller
 * (no closure per request); a promise's resolve and reject serve too (they ignore it).
 */
export interface PipelinedSink {
  answered(answer: CallAnswer, context: RequestContext): void;
  failed(error: MesosError, context: RequestContext): void;
}

/** The `Content-Length` line and the blank line, for bodies of up to 4 KiB (built once per length). */
const contentLengthLines: (Buffer | undefined)[] = [];

function contentLengthLine(length: number): Buffer {
  let line = length < 4096 ? contentLengthLines[length] : undefined;
  if (line === undefined) {
    line = Buffer.from(`Content-Length: ${length}\r\n\r\n`, 'latin1');
    if (length < 4096) contentLengthLines[length] = line;
  }
  return line;
}

/** One request, from `send()` until it settles (and, once written, until its answer is read). */
class PipelinedRequest {
  settled = false;
  /** Set once written: the answer must then be read even if the caller gave up. */
  connection: PipelinedConnection | undefined;
  /** When the answer is due (performance.now() ms), set when written. */
  deadline = 0;

  constructor(
    /** The head up to the Content-Length line, shared by the requests of one stream id. */
    readonly head: Buffer,
    readonly body: Buffer,
    readonly context: RequestContext,
    readonly signal: AbortSignal | undefined,
    private readonly lane: PipelinedLane,
    private readonly answered: PipelinedSink['answered'],
    private readonly failed: PipelinedSink['failed'],
  ) {}

  succeed(answer: CallAnswer): void {
    if (this.finish()) this.answered(answer, this.context);
  }

  fail(error: MesosError): void {
    if (this.finish()) this.failed(error, this.context);
  }

  private finish(): boolean {
    if (this.settled) return false;
    this.settled = true;
    if (this.signal !== undefined) this.lane.unwatch(this.signal);
    return true;
  }
}

/** One connection: requests written in batches, answers matched to them in order. */
class PipelinedConnection {
  readonly outstanding: PipelinedRequest[] = [];
  /** No more writes: the connection failed, or the server said it will close it. */
  retired = false;
  private readonly parser: HttpResponseParser;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly lane: PipelinedLane,
    private readonly socket: net.Socket,
  ) {
    this.parser = new HttpResponseParser((response) => this.onResponse(response));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('end', () => this.onEnd());
    socket.on('error', (err) => this.retire(err));
    socket.on('close', () => this.retire(connectionError('The connection closed before the answer was complete')));
  }

  /** Writes `batch` back to back: the heads and bodies copied into one buffer, one socket write. */
  write(batch: PipelinedRequest[], deadline: number): void {
    this.clearIdle();
    let size = 0;
    for (const request of batch) {
      const length = request.body.length;
      size += request.head.length + contentLengthLine(length).length + length;
    }
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    for (const request of batch) {
      request.connection = this;
      request.deadline = deadline;
      this.outstanding.push(request);
      at += request.head.copy(bytes, at);
      at += contentLengthLine(request.body.length).copy(bytes, at);
      at += request.body.copy(bytes, at);
    }
    this.socket.write(bytes);
  }

  /** Drops the connection and fails what is outstanding on it with `reason` (a retryable error unless TLS verification failed). */
  retire(reason: unknown): void {
    if (!this.retired) {
      this.retired = true;
      this.lane.removeConnection(this);
    }
    this.clearIdle();
    this.socket.destroy();
    const outstanding = this.outstanding.splice(0);
    // A parse error is already typed, but each request still gets an error naming it and its URL.
    const failure = reason instanceof HttpResponseParseError ? sanitizeCause(reason) : reason;
    for (const request of outstanding) request.fail(errorFromFailure(failure, undefined, request.context));
    this.lane.flush();
  }

  /** Destroys the socket; the caller has settled the outstanding requests. */
  destroy(): void {
    this.retired = true;
    this.clearIdle();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    try {
      this.parser.push(chunk);
    } catch (err) {
      this.retire(err);
      return;
    }
    if (this.outstanding.length === 0 && !this.retired) this.armIdle();
    this.lane.flush();
  }

  private onEnd(): void {
    try {
      this.parser.end();
    } catch (err) {
      this.retire(err);
      return;
    }
    this.retire(connectionError('The server closed the connection before answering'));
  }

  private onResponse(response: ParsedResponse): void {
    const request = this.outstanding.shift();
    if (request === undefined) throw connectionError('An answer arrived for no request');
    request.succeed({ status: response.status, headers: response.headers, body: response.body });
    if (response.closesConnection) {
      // The server answers nothing more on this connection: what is still outstanding fails (retryable).
      this.retire(connectionError('The server closed the connection (Connection: close) before answering'));
    }
  }

  private armIdle(): void {
    this.clearIdle();
    this.idleTimer = setTimeout(() => {
      if (this.outstanding.length === 0) this.retire(connectionError('idle'));
    }, IDLE_CLOSE_MS);
    this.idleTimer.unref();
  }

  private clearIdle(): void {
    if (this.idleTimer !== undefined) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}

/**
 * Sends POSTs to one endpoint with HTTP/1.1 pipelining: at most `limit` requests written and not
 * yet answered, spread over at most `maxConnections` connections (the first connection is filled
 * first, so batches are as large as possible). Answers resolve whatever their status; failures
 * are typed as by the `http.request` path (`errorFromFailure`).
 */
export class PipelinedLane {
  private readonly queue: PipelinedRequest[] = [];
  private queueHead = 0;
  private readonly connections: PipelinedConnection[] = [];
  private readonly perConnection: number;
  private readonly headPrefix: string;
  /** `headPrefix` in bytes (heads are latin1: validated header values). */
  private readonly prefixBytes: Buffer;
  private readonly headerError: unknown;
  private lastStreamId: string | undefined;
  /** The head up to the stream id line of `lastStreamId`, built once per stream id. */
  private streamHead: Buffer = Buffer.alloc(0);
  /** Abort listeners: one per signal that queued or outstanding requests carry, with their count. */
  private readonly watched = new Map<AbortSignal, { count: number; unlisten: () => void }>();
  private flushScheduled = false;
  private closed = false;
  /** Checks the time limits of written requests while any is outstanding (one timer, not one per request). */
  private sweeper: ReturnType<typeof setInterval> | undefined;
  private readonly endpoint: URL;

  constructor(private readonly options: PipelinedLaneOptions) {
    this.endpoint = new URL(options.url);
    this.perConnection = Math.max(1, Math.ceil(options.limit / options.maxConnections));
    let headerError: unknown;
    let lines = '';
    for (const [name, value] of Object.entries(options.headers)) {
      try {
        validateHeaderName(name);
        validateHeaderValue(name, value);
      } catch (err) {
        headerError ??= err;
      }
      lines += `${name}: ${value}\r\n`;
    }
    this.headerError = headerError;
    this.headPrefix = `POST ${this.endpoint.pathname}${this.endpoint.search} HTTP/1.1\r\nHost: ${this.endpoint.host}\r\n${lines}`;
    this.prefixBytes = Buffer.from(this.headPrefix, 'latin1');
  }

  /** Queues one POST of `body`; resolves with its answer, or rejects with a typed `MesosError`. */
  send(body: Buffer, streamId: string | undefined, context: RequestContext, signal?: AbortSignal): Promise<CallAnswer> {
    return new Promise<CallAnswer>((resolve, reject) => {
      const error = this.post(body, streamId, context, signal, resolve, reject);
      if (error !== undefined) reject(error);
    });
  }

  /**
   * Queues one POST of `body` without a promise: its outcome goes to `answered` or `failed`
   * (shared functions do: they get the request's context). Returns the error instead when the
   * request cannot be queued (signal already aborted, lane closed, bad header); nothing is then
   * called.
   */
  post(
    body: Buffer,
    streamId: string | undefined,
    context: RequestContext,
    signal: AbortSignal | undefined,
    answered: PipelinedSink['answered'],
    failed: PipelinedSink['failed'],
  ): MesosError | undefined {
    if (signal?.aborted) return new MesosAbortError(`${context.what} was aborted`, { cause: signal.reason });
    if (this.closed) return errorFromFailure(undefined, 'closed', context);
    let head = this.prefixBytes;
    try {
      if (this.headerError !== undefined) throw this.headerError;
      if (streamId !== undefined) {
        if (streamId !== this.lastStreamId) {
          validateHeaderValue('Mesos-Stream-Id', streamId);
          this.lastStreamId = streamId;
          this.streamHead = Buffer.from(`${this.headPrefix}Mesos-Stream-Id: ${streamId}\r\n`, 'latin1');
        }
        head = this.streamHead;
      }
    } catch (err) {
      return errorFromFailure(err, undefined, context);
    }
    if (signal !== undefined) this.watch(signal);
    this.queue.push(new PipelinedRequest(head, body, context, signal, this, answered, failed));
    this.scheduleFlush();
    return undefined;
  }

  /** Counts one more request carrying `signal`; the first one registers the lane's abort listener. */
  private watch(signal: AbortSignal): void {
    const watch = this.watched.get(signal);
    if (watch !== undefined) {
      watch.count++;
      return;
    }
    this.watched.set(signal, { count: 1, unlisten: onAbort(signal, () => this.abortAll(signal)) });
  }

  /** @internal A request carrying `signal` settled; the last one unregisters the listener. */
  unwatch(signal: AbortSignal): void {
    const watch = this.watched.get(signal);
    if (watch === undefined || --watch.count > 0) return;
    this.watched.delete(signal);
    watch.unlisten();
  }

  /** Fails every queued and outstanding request (`MesosAbortError`: closed) and drops the connections. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopSweeping();
    for (const connection of this.connections.splice(0)) {
      for (const request of connection.outstanding.splice(0)) {
        request.fail(errorFromFailure(undefined, 'closed', request.context));
      }
      connection.destroy();
    }
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const request = this.queue[i] as PipelinedRequest;
      request.fail(errorFromFailure(undefined, 'closed', request.context));
    }
    this.queue.length = 0;
    this.queueHead = 0;
  }

  /**
   * Fails the oldest written request of each connection whose time limit passed (the requests
   * behind it on that connection then fail too, see `timeout`); stops when nothing is outstanding.
   */
  private sweepTimeouts(): void {
    const now = performance.now();
    let outstanding = 0;
    for (const connection of [...this.connections]) {
      // Written in order, so deadlines only grow along a connection's list.
      for (const request of connection.outstanding) {
        if (request.deadline > now) break;
        if (request.settled) continue;
        this.timeout(request);
        break;
      }
      outstanding += connection.outstanding.length;
    }
    if (outstanding === 0) this.stopSweeping();
  }

  private stopSweeping(): void {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }

  /** @internal Forgets a retired connection. */
  removeConnection(connection: PipelinedConnection): void {
    const at = this.connections.indexOf(connection);
    if (at >= 0) this.connections.splice(at, 1);
  }

  /** @internal Writes queued requests to connections with room, opening connections as needed. */
  flush(): void {
    if (this.closed) return;
    let index = 0;
    while (this.queueHead < this.queue.length) {
      let connection = this.connections[index];
      if (connection === undefined) {
        if (this.connections.length >= this.options.maxConnections) break;
        connection = this.connect();
      }
      index++;
      const room = Math.min(
        this.perConnection - connection.outstanding.length,
        this.options.limit - this.outstanding(),
      );
      if (room <= 0 || connection.retired) continue;
      const batch: PipelinedRequest[] = [];
      while (batch.length < room && this.queueHead < this.queue.length) {
        const request = this.queue[this.queueHead++] as PipelinedRequest;
        if (!request.settled) batch.push(request);
      }
      if (batch.length > 0) {
        connection.write(batch, performance.now() + this.options.timeoutMs);
        this.sweeper ??= setInterval(() => this.sweepTimeouts(), SWEEP_MS(this.options.timeoutMs)).unref();
      }
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead >= 1024 && this.queueHead * 2 >= this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
  }

  /** True when a connection is open and each open one has answers outstanding. */
  private busy(): boolean {
    if (this.connections.length === 0) return false;
    for (const connection of this.connections) {
      if (connection.outstanding.length === 0 && !connection.retired) return false;
    }
    return true;
  }

  /** Requests written and not yet answered, over all connections. */
  private outstanding(): number {
    let count = 0;
    for (const connection of this.connections) count += connection.outstanding.length;
    return count;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    // While every connection waits for answers, the next answer read flushes (see onData): a busy
    // lane then writes once per answer, in larger batches, instead of once per event-loop turn.
    if (this.busy()) return;
    this.flushScheduled = true;
    // After the current I/O callbacks: acknowledgements made for one read of events share a write.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private connect(): PipelinedConnection {
    const { endpoint, options } = this;
    const secure = endpoint.protocol === 'https:';
    const host = endpoint.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(endpoint.port || (secure ? 443 : 80));
    let socket: net.Socket;
    if (options.socketPath !== undefined) {
      socket = net.connect({ path: options.socketPath });
    } else if (secure) {
      const settings = options.tls;
      socket = tls.connect({
        host,
        port,
        rejectUnauthorized: settings.rejectUnauthorized ?? true,
        ...(settings.ca !== undefined ? { ca: settings.ca } : {}),
        ...(settings.cert !== undefined ? { cert: settings.cert } : {}),
        ...(settings.key !== undefined ? { key: settings.key } : {}),
        ...(settings.passphrase !== undefined ? { passphrase: settings.passphrase } : {}),
        servername: settings.servername ?? (net.isIP(host) ? '' : host),
      });
    } else {
      socket = net.connect({ host, port });
    }
    const connection = new PipelinedConnection(this, socket);
    this.connections.push(connection);
    if (options.log.enabled)
      options.log('pipelined connection %d to %s', this.connections.length, options.socketPath ?? endpoint.host);
    return connection;
  }

  /** Fails every queued and outstanding request carrying `signal`, which aborted. */
  private abortAll(signal: AbortSignal): void {
    const watch = this.watched.get(signal);
    this.watched.delete(signal);
    watch?.unlisten();
    // A written request stays outstanding (its answer must still be read, then dropped); a queued one is skipped.
    const affected: PipelinedRequest[] = [];
    for (let i = this.queueHead; i < this.queue.length; i++) {
      const request = this.queue[i] as PipelinedRequest;
      if (request.signal === signal && !request.settled) affected.push(request);
    }
    for (const connection of this.connections) {
      for (const request of connection.outstanding) {
        if (request.signal === signal && !request.settled) affected.push(request);
      }
    }
    for (const request of affected) {
      request.fail(new MesosAbortError(`${request.context.what} was aborted`, { cause: signal.reason }));
    }
  }

  private timeout(request: PipelinedRequest): void {
    if (request.settled) return;
    const connection = request.connection;
    request.fail(errorFromFailure(undefined, 'timeout', request.context, this.options.timeoutMs));
    // The answers behind a silent one cannot be told apart: the connection goes, the rest fail retryably.
    connection?.retire(connectionError(`The connection was dropped: an earlier call on it timed out`));
  }
}

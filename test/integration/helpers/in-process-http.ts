/**
 * Serving one HTTP request in-process, with no socket: a real `http.IncomingMessage` and
 * `http.ServerResponse` on a stand-in Duplex are handed to the same request listener a node
 * HTTP server would call (LocalMaster.serveRequest, AgentServers.serveTcp, handleControlRequest).
 * The answer is the status written and how the response ended: 'ended' (complete), 'streaming'
 * (head sent, body still open a turn of the event loop later: cut here, as a client would) or
 * 'destroyed' (the server dropped the connection).
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Duplex } from 'node:stream';

/** A request listener, as `http.createServer` takes. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => unknown;

/** One request to serve. */
export interface InProcessRequest {
  method: string;
  /** Path and query. */
  url: string;
  /** Raw header pairs, in order (duplicates allowed, as on the wire). */
  headers: readonly (readonly [string, string])[];
  /** The body, in the chunks it arrives in. */
  chunks: readonly Buffer[];
  /** The client goes away after this many chunks (the request errors with ECONNRESET). */
  abortAfter?: number;
}

/** How one request was answered. */
export interface InProcessAnswer {
  status: number;
  end: 'ended' | 'streaming' | 'destroyed';
  /** Response bytes on the wire (head included). */
  bytes: number;
  /** The first bytes of the answer's body. */
  bodyStart: string;
}

/** Stands in for the connection: takes what the response writes, never delivers anything itself. */
class NullSocket extends Duplex {
  bytes = 0;
  /** The first bytes written (head and start of the body). */
  start = '';
  readonly remoteAddress = '127.0.0.1';
  readonly remotePort = 40000;
  readonly localAddress = '127.0.0.1';
  readonly localPort = 5050;
  constructor() {
    super();
    // The request's destruction (a client gone mid-body) destroys the socket with its error.
    this.on('error', () => undefined);
  }
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.bytes += chunk.length;
    if (this.start.length < 1024) this.start += chunk.subarray(0, 1024).toString('latin1');
    callback();
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  setTimeout(): this {
    return this;
  }
}

/**
 * Serves `request` with `listener`; resolves with the answer, or rejects when the listener throws,
 * returns a promise that rejects, or the response neither ends nor sends its head within `boundMs`.
 */
export function serveInProcess(
  listener: RequestListener,
  request: InProcessRequest,
  boundMs = 2000,
): Promise<InProcessAnswer> {
  const socket = new NullSocket();
  const req = new IncomingMessage(socket as never);
  req.method = request.method;
  req.url = request.url;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  setHeaders(req, request.headers);
  const res = new ServerResponse(req);
  res.assignSocket(socket as never);
  return new Promise<InProcessAnswer>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(
      () => settle(new Error(`no answer within ${boundMs} ms: ${request.method} ${request.url}`)),
      boundMs,
    );
    function settle(outcome: Error | InProcessAnswer['end']): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome instanceof Error) {
        res.destroy();
        reject(outcome);
        return;
      }
      const bodyAt = socket.start.indexOf('\r\n\r\n');
      const bodyStart = bodyAt < 0 ? '' : socket.start.slice(bodyAt + 4, bodyAt + 260);
      const answer = { status: res.statusCode, end: outcome, bytes: socket.bytes, bodyStart };
      if (outcome === 'streaming') res.destroy();
      resolve(answer);
    }
    res.on('finish', () => settle('ended'));
    res.on('close', () => settle(res.writableFinished ? 'ended' : 'destroyed'));
    // A head with no end yet: look again once the turn's work is done (a stream stays open).
    const write = socket._write.bind(socket);
    socket._write = (chunk, encoding, callback) => {
      if (socket.bytes === 0) setImmediate(() => !res.writableEnded && settle('streaming'));
      write(chunk, encoding, callback);
    };
    try {
      const returned = listener(req, res);
      if (returned instanceof Promise) returned.catch((err: unknown) => settle(asError(err)));
    } catch (err) {
      settle(asError(err));
    }
    feed(req, request);
  });
}

/** Headers node keeps the first of when repeated (its parser drops the others). */
const SINGLE_VALUED = new Set([
  'host',
  'content-type',
  'content-length',
  'authorization',
  'proxy-authorization',
  'user-agent',
  'referer',
  'from',
  'location',
  'max-forwards',
  'if-modified-since',
  'if-unmodified-since',
  'retry-after',
  'etag',
  'last-modified',
  'server',
  'age',
  'expires',
]);

/** Gives `req` these header lines as node's parser does: names lower-cased, repeats joined with ", " or dropped. */
export function setHeaders(req: IncomingMessage, headers: readonly (readonly [string, string])[]): void {
  const parsed: Record<string, string> = {};
  const raw: string[] = [];
  for (const [name, value] of headers) {
    raw.push(name, value);
    const key = name.toLowerCase();
    const before = parsed[key];
    if (before === undefined) parsed[key] = value;
    else if (!SINGLE_VALUED.has(key)) parsed[key] = `${before}, ${value}`;
  }
  req.headers = parsed;
  req.rawHeaders = raw;
}

function feed(req: IncomingMessage, request: InProcessRequest): void {
  let sent = 0;
  for (const chunk of request.chunks) {
    if (request.abortAfter !== undefined && sent >= request.abortAfter) {
      req.destroy(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
      return;
    }
    req.push(chunk);
    sent++;
  }
  req.complete = true;
  req.push(null);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

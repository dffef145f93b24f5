/**
 * An incremental parser of HTTP/1.1 responses arriving back to back on one connection, as a
 * pipelining client reads them: status line, headers, then a body framed by Content-Length,
 * chunked encoding or the end of the connection. Only what a client of the Mesos API meets is
 * supported; anything else is a parse error, after which the connection must be dropped.
 */
import { MesosTransportError } from '../common/errors';

/** One complete response. */
export interface ParsedResponse {
  /** The status code. */
  status: number;
  /** Headers, names lower-cased, repeated ones joined with `, `. */
  headers: Record<string, string | undefined>;
  /** The whole body (chunked encoding removed). */
  body: Buffer;
  /** The server will close the connection after this response (`Connection: close`, or HTTP/1.0 without keep-alive). */
  closesConnection: boolean;
}

/** What a response head says: status, headers (frozen: shared by the responses with the same head) and body framing. */
interface ParsedHead {
  status: number;
  headers: Readonly<Record<string, string | undefined>>;
  closes: boolean;
  /** interim: a 1xx to skip; none: no body; length: `length` bytes; chunked; until-close. */
  body: 'interim' | 'none' | 'length' | 'chunked' | 'until-close';
  length: number;
}

function parseHead(head: string): ParsedHead {
  const lines = head.split('\r\n');
  const match = STATUS_LINE.exec(lines[0] ?? '');
  if (!match) throw new HttpResponseParseError('Malformed status line');
  const minor = match[1];
  const status = Number(match[2]);
  const headers: Record<string, string | undefined> = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).toLowerCase() : '';
    if (!HEADER_NAME.test(name)) throw new HttpResponseParseError('Malformed header line');
    const value = line.slice(colon + 1).trim();
    const previous = headers[name];
    headers[name] = previous === undefined ? value : `${previous}, ${value}`;
  }
  Object.freeze(headers);
  if (status < 200) {
    // 100 Continue and other interim answers precede the real one; 101 would switch protocols.
    if (status === 101) throw new HttpResponseParseError('Unexpected protocol switch');
    return { status, headers, closes: false, body: 'interim', length: 0 };
  }
  const connection = (headers.connection ?? '').toLowerCase();
  let closes = /(^|,)\s*close\s*(,|$)/.test(connection) || (minor === '0' && !/keep-alive/.test(connection));
  const encoding = headers['transfer-encoding'];
  const length = headers['content-length'];
  if (status === 204 || status === 304) return { status, headers, closes, body: 'none', length: 0 };
  if (encoding !== undefined) {
    const codings = encoding.toLowerCase().split(',');
    // Without chunked as the last coding the body runs until the connection closes.
    if (codings[codings.length - 1]?.trim() === 'chunked')
      return { status, headers, closes, body: 'chunked', length: 0 };
    return { status, headers, closes: true, body: 'until-close', length: 0 };
  }
  if (length !== undefined) {
    const values = new Set(length.split(',').map((value) => value.trim()));
    const only = values.size === 1 ? [...values][0] : undefined;
    if (only === undefined || !/^\d{1,15}$/.test(only)) throw new HttpResponseParseError('Malformed Content-Length');
    return { status, headers, closes, body: 'length', length: Number(only) };
  }
  closes = true;
  return { status, headers, closes, body: 'until-close', length: 0 };
}

/**
 * A response that breaks HTTP/1.1 framing; its `code` lets error mapping name it. Retryable: the
 * connection is dropped and a repeat goes over a fresh one.
 */
export class HttpResponseParseError extends MesosTransportError {
  constructor(message: string) {
    super(message, { code: 'HPE_INVALID_RESPONSE', retryable: true });
  }
}

/** Longest status line plus headers accepted. */
const MAX_HEAD_BYTES = 64 * 1024;
/** Largest body accepted (acknowledgements are answered with an empty body; errors with a short text). */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Longest chunk-size line (size plus extensions) accepted. */
const MAX_CHUNK_SIZE_LINE = 1024;
const CRLF = Buffer.from('\r\n', 'latin1');
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9]\d\d)(?: .*)?$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

enum State {
  Head,
  LengthBody,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
}

/**
 * Feed it the bytes of a connection with `push()`; it calls `onResponse` for each complete
 * response, in order. Throws {@link HttpResponseParseError} (from `push()` or `end()`) for
 * malformed input, or for a connection that ends in the middle of a response.
 */
export class HttpResponseParser {
  private state = State.Head;
  private buffer: Buffer = Buffer.alloc(0);
  private offset = 0;
  private remaining = 0;
  private bodySize = 0;
  private status = 0;
  private headers: Record<string, string | undefined> = {};
  private closes = false;
  private chunks: Buffer[] = [];
  private lastHead = '';
  private lastParsed: ParsedHead | undefined;

  constructor(private readonly onResponse: (response: ParsedResponse) => void) {}

  /** True between responses: nothing of a next response was received yet. */
  get idle(): boolean {
    return this.state === State.Head && this.offset === this.buffer.length;
  }

  /** Parses `chunk`, emitting every response it completes. */
  push(chunk: Buffer): void {
    this.buffer =
      this.offset === this.buffer.length ? chunk : Buffer.concat([this.buffer.subarray(this.offset), chunk]);
    this.offset = 0;
    while (this.step()) {
      // each step consumes input or completes a part of a response
    }
    if (this.offset === this.buffer.length) {
      this.buffer = Buffer.alloc(0);
      this.offset = 0;
    }
  }

  /** The connection ended: completes a body read until close, or throws if a response was cut short. */
  end(): void {
    if (this.state === State.UntilClose) {
      this.complete();
      return;
    }
    if (!this.idle) throw new HttpResponseParseError('The connection closed in the middle of a response');
  }

  /** One parsing step; false when more input is needed. */
  private step(): boolean {
    const buffer = this.buffer;
    switch (this.state) {
      case State.Head: {
        if (this.offset === buffer.length) return false;
        const end = buffer.indexOf(HEAD_END, this.offset);
        // The cap holds however the head was split into reads: unterminated, up to 3 bytes may be the terminator's.
        if (end < 0 ? buffer.length - this.offset > MAX_HEAD_BYTES + 3 : end - this.offset > MAX_HEAD_BYTES) {
          throw new HttpResponseParseError('Response headers too large');
        }
        if (end < 0) return false;
        const head = buffer.toString('latin1', this.offset, end);
        this.offset = end + 4;
        this.startResponse(head);
        return true;
      }
      case State.LengthBody:
      case State.ChunkData: {
        if (this.remaining > 0) {
          if (this.offset === buffer.length) return false;
          const take = Math.min(this.remaining, buffer.length - this.offset);
          this.chunks.push(buffer.subarray(this.offset, this.offset + take));
          this.offset += take;
          this.remaining -= take;
          if (this.remaining > 0) return false;
        }
        if (this.state === State.LengthBody) this.complete();
        else this.state = State.ChunkEnd;
        return true;
      }
      case State.ChunkEnd: {
        if (buffer.length - this.offset < 2) return false;
        if (buffer[this.offset] !== 13 || buffer[this.offset + 1] !== 10) {
          throw new HttpResponseParseError('Malformed chunked body');
        }
        this.offset += 2;
        this.state = State.ChunkSize;
        return true;
      }
      case State.ChunkSize: {
        const end = buffer.indexOf(CRLF, this.offset);
        // As for the head, unterminated the last byte may be the CR.
        if (end < 0 ? buffer.length - this.offset > MAX_CHUNK_SIZE_LINE + 1 : end - this.offset > MAX_CHUNK_SIZE_LINE) {
          throw new HttpResponseParseError('Malformed chunk size');
        }
        if (end < 0) return false;
        const text = buffer.toString('latin1', this.offset, end).split(';', 1)[0]?.trim() ?? '';
        if (!/^[0-9a-fA-F]{1,8}$/.test(text)) throw new HttpResponseParseError('Malformed chunk size');
        this.offset = end + 2;
        const size = Number.parseInt(text, 16);
        if (size === 0) {
          this.state = State.Trailers;
          return true;
        }
        this.addBodySize(size);
        this.remaining = size;
        this.state = State.ChunkData;
        return true;
      }
      case State.Trailers: {
        const end = buffer.indexOf(CRLF, this.offset);
        if (end < 0 ? buffer.length - this.offset > MAX_HEAD_BYTES + 1 : end - this.offset > MAX_HEAD_BYTES) {
          throw new HttpResponseParseError('Trailers too large');
        }
        if (end < 0) return false;
        const empty = end === this.offset;
        this.offset = end + 2;
        if (empty) this.complete();
        return true;
      }
      case State.UntilClose: {
        if (this.offset === buffer.length) return false;
        this.addBodySize(buffer.length - this.offset);
        this.chunks.push(buffer.subarray(this.offset));
        this.offset = buffer.length;
        return false;
      }
    }
  }

  private addBodySize(size: number): void {
    this.bodySize += size;
    if (this.bodySize > MAX_BODY_BYTES) throw new HttpResponseParseError('Response body too large');
  }

  private startResponse(head: string): void {
    // A server answers a run of calls with the same head (its Date changes once a second): parsed once.
    let parsed = this.lastHead === head ? this.lastParsed : undefined;
    if (parsed === undefined) {
      parsed = parseHead(head);
      this.lastHead = head;
      this.lastParsed = parsed;
    }
    if (parsed.body === 'interim') return;
    this.status = parsed.status;
    this.headers = parsed.headers;
    this.closes = parsed.closes;
    this.chunks = [];
    this.bodySize = 0;
    switch (parsed.body) {
      case 'none':
        this.complete();
        return;
      case 'chunked':
        this.state = State.ChunkSize;
        return;
      case 'until-close':
        this.state = State.UntilClose;
        return;
      case 'length':
        this.remaining = parsed.length;
        this.addBodySize(this.remaining);
        this.state = State.LengthBody;
        return;
    }
  }

  private complete(): void {
    const chunks = this.chunks;
    const body =
      chunks.length === 0 ? Buffer.alloc(0) : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
    const response: ParsedResponse = {
      status: this.status,
      headers: this.headers,
      body,
      closesConnection: this.closes,
    };
    this.state = State.Head;
    this.chunks = [];
    this.headers = {};
    this.onResponse(response);
  }
}

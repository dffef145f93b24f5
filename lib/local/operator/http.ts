/**
 * The HTTP plumbing every LocalCluster endpoint shares: plain-text and JSON answers, a bounded
 * body reader, and the front checks of Mesos's `/api/v1` handlers (method, Content-Type, Accept,
 * body parsing) in Mesos's order, answering with Mesos's codes and words.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { getCodec, MEDIA_TYPES, type WireFormat } from '../../codec/codec';
import { formatOfContentType, negotiateResponseFormat } from '../media-types';

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** Answers `status` with a plain-text body (none when empty). */
export function respond(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body.length > 0) res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(body);
}

/** Answers 200 with `value` as JSON. */
export function respondJson(res: ServerResponse, value: unknown): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  res.end(JSON.stringify(value));
}

/** Past this many times the limit, the rest of an oversized body is not read: the connection is cut. */
const DISCARD_FACTOR = 4;

/**
 * The whole request body, or undefined beyond `limit` bytes. What follows the limit is read and
 * dropped (up to a few times the limit), so that the caller's 413 reaches the client instead of a
 * connection reset; a body that goes on further ends the connection. Rejects when the request
 * fails or closes before its end.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (result: Buffer | undefined | Error): void => {
      if (settled) return;
      settled = true;
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (settled) {
        if (size > DISCARD_FACTOR * limit) req.destroy();
        return;
      }
      if (size > limit) {
        chunks.length = 0;
        settle(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => settle(Buffer.concat(chunks)));
    req.once('error', (err) => settle(err));
    req.once('close', () => settle(new Error('The request closed before its body ended')));
  });
}

/** A header's first value. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** A parsed operator call with the formats of its request and of its answer. */
export interface ParsedCall<C> {
  call: C;
  /** Format of the request body. */
  format: WireFormat;
  /** Format of the answer, from Accept (JSON first). */
  accept: WireFormat;
}

/** An early answer: the status and text Mesos gives. */
export interface Refused {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

/**
 * Mesos's checks of an `/api/v1` POST after leadership: 405, 400 without Content-Type, 415
 * unless it is exactly JSON or protobuf, 400 for a body that does not parse, then `validate`
 * (400 `Failed to validate <kind>::Call: ...`), then 406 when Accept allows neither format.
 */
export async function parseOperatorCall<C>(
  req: IncomingMessage,
  typeName: string,
  kind: 'master' | 'agent',
  validate: (call: C) => string | undefined,
  negotiate: (req: IncomingMessage, call: C) => WireFormat | Refused | undefined = (r) =>
    negotiateResponseFormat(headerValue(r.headers.accept)),
): Promise<ParsedCall<C> | Refused> {
  if (req.method !== 'POST') {
    req.resume();
    return { status: 405, body: `Expecting 'POST', received '${req.method}'`, headers: { Allow: 'POST' } };
  }
  const body = await readBody(req);
  if (body === undefined) return { status: 413, body: `Request body exceeds ${MAX_BODY_BYTES} bytes` };
  const contentType = headerValue(req.headers['content-type']);
  if (contentType === undefined) return { status: 400, body: "Expecting 'Content-Type' to be present" };
  const format = formatOfContentType(contentType);
  if (!format) {
    return { status: 415, body: `Expecting 'Content-Type' of ${MEDIA_TYPES.json} or ${MEDIA_TYPES.protobuf}` };
  }
  let call: C;
  try {
    call = getCodec<C>(typeName, format).decode(body);
  } catch (err) {
    const what =
      format === 'json' ? 'Failed to convert JSON into Call protobuf' : 'Failed to parse body into Call protobuf';
    return { status: 400, body: `${what}: ${err instanceof Error ? err.message : String(err)}` };
  }
  const invalid = validate(call);
  if (invalid !== undefined) return { status: 400, body: `Failed to validate ${kind}::Call: ${invalid}` };
  const accept = negotiate(req, call);
  if (typeof accept === 'object') return accept;
  if (!accept) {
    return {
      status: 406,
      body: `Expecting 'Accept' to allow '${MEDIA_TYPES.protobuf}' or '${MEDIA_TYPES.json}'`,
    };
  }
  return { call, format, accept };
}

/** True when `parsed` is an early answer. */
export function isRefused<C>(parsed: ParsedCall<C> | Refused): parsed is Refused {
  return (parsed as Refused).status !== undefined;
}

/**
 * Answers `status` with `message` encoded as `typeName` in `format` (an empty body when undefined),
 * gzip-compressed when the request's Accept-Encoding allows it, as Mesos compresses non-streaming answers.
 */
export function respondMessage(
  req: IncomingMessage,
  res: ServerResponse,
  typeName: string,
  format: WireFormat,
  message: object | undefined,
  status = 200,
): void {
  res.statusCode = status;
  if (message === undefined) {
    res.end();
    return;
  }
  res.setHeader('Content-Type', MEDIA_TYPES[format]);
  const body = getCodec<object>(typeName, format).encode(message);
  if (!acceptsGzip(headerValue(req.headers['accept-encoding']))) {
    res.end(body);
    return;
  }
  res.setHeader('Content-Encoding', 'gzip');
  res.end(gzipSync(body));
}

/** True when an Accept-Encoding header allows gzip (not refused with q=0). */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (coding !== 'gzip' && coding !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

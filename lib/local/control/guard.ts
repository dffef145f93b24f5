/**
 * The checks every request to the mesos-local control endpoint passes before it is acted on,
 * so that a web page open in the developer's browser cannot drive it: a loopback Host header
 * (against DNS rebinding), no foreign Origin, the secret token in a header no cross-site form
 * can send (and no CORS answer that would let a script send it), and a JSON content type.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

/** A request refused: the HTTP status and what was wrong. */
export interface Refusal {
  status: number;
  error: string;
  headers?: Record<string, string>;
}

/** Shortest token accepted from MESOS_LOCAL_CONTROL_TOKEN. */
export const MIN_TOKEN_LENGTH = 16;

/** A fresh random token: 32 bytes, base64url. */
export function newControlToken(): string {
  return randomBytes(32).toString('base64url');
}

/** True for `localhost`, `127.x.y.z` and `::1`, with or without a port (`[::1]:80`). */
export function isLoopbackHost(host: string): boolean {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    if (end < 0) return false;
    const rest = name.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return false;
    name = name.slice(1, end);
    return name === '::1';
  }
  const colon = name.indexOf(':');
  if (colon >= 0) {
    if (!/^\d{1,5}$/.test(name.slice(colon + 1))) return false;
    name = name.slice(0, colon);
  }
  if (name === 'localhost') return true;
  return isIP(name) === 4 && name.startsWith('127.');
}

function foreignHostMessage(host: string | undefined): string {
  return `Host header must name a loopback address (localhost, 127.0.0.1, [::1]); got '${host ?? ''}'`;
}

/**
 * The check every LocalCluster HTTP server (masters, agents, control) runs first: a request whose
 * Host is not a loopback name or address is answered 403 and dropped, so that a web page served
 * from elsewhere cannot reach the simulator through DNS rebinding. True when it answered.
 */
export function refuseForeignHost(req: IncomingMessage, res: ServerResponse): boolean {
  const host = req.headers.host;
  if (host !== undefined && isLoopbackHost(host)) return false;
  req.resume();
  res.statusCode = 403;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Connection', 'close');
  res.end(`${foreignHostMessage(host)}\n`);
  return true;
}

function loopbackOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHost(url.host);
  } catch {
    return false;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The token a request carries (Authorization: Bearer, or X-Mesos-Local-Token), if any. */
function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return match?.[1];
  }
  const header = headers['x-mesos-local-token'];
  return typeof header === 'string' ? header.trim() : undefined;
}

/**
 * Checks Host, Origin and token of a request (in that order); undefined when it may go on.
 * The token comparison takes the same time whatever the token.
 */
export function checkRequest(headers: IncomingHttpHeaders, token: string): Refusal | undefined {
  const host = headers.host;
  if (host === undefined || !isLoopbackHost(host)) return { status: 403, error: foreignHostMessage(host) };
  const origin = headers.origin;
  if (origin !== undefined && !loopbackOrigin(origin))
    return { status: 403, error: `Requests from origin '${origin}' are refused` };
  const presented = presentedToken(headers);
  if (presented === undefined || !timingSafeEqual(digest(presented), digest(token))) {
    return {
      status: 401,
      error:
        presented === undefined
          ? "Missing token: send 'Authorization: Bearer <token>' (or 'X-Mesos-Local-Token') with the token mesos-local printed"
          : 'Wrong token',
      headers: { 'WWW-Authenticate': 'Bearer realm="mesos-local"' },
    };
  }
  return undefined;
}

/** Checks the Content-Type of a POST: JSON required for a body, simple (form) types always refused. */
export function checkContentType(contentType: string | undefined, bodyLength: number): Refusal | undefined {
  const mediaType = contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType === undefined || mediaType === '') {
    if (bodyLength === 0) return undefined;
    return { status: 415, error: "A request body needs 'Content-Type: application/json'" };
  }
  // Only JSON: the types a cross-site form can send (form-urlencoded, multipart, text/plain) are refused.
  if (mediaType !== 'application/json')
    return { status: 415, error: `Content-Type must be application/json, got '${mediaType}'` };
  return undefined;
}

/**
 * Turns HTTP answers and network failures into the library's typed errors. Axios errors carry the
 * request config (with the Authorization header), so they are never kept: only a sanitized copy
 * of the underlying error (message, code, syscall, address, port) becomes the `cause`.
 */
import {
  MesosAbortError,
  MesosAuthenticationError,
  MesosError,
  MesosNoLeaderError,
  MesosProtocolError,
  MesosRedirectError,
  MesosTimeoutError,
  MesosTransportError,
} from '../common/errors';
import { leaderFromLocation } from './url';

/** Longest body text kept in an error. */
const MAX_BODY_CHARS = 4096;

/** TLS verification failures: retrying will not fix them, the configuration must change. */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

/** A plain copy of a network error: no request, no config, no headers. */
export class SanitizedNetworkError extends Error {
  code?: string;
  syscall?: string;
  address?: string;
  port?: number;
}

/** The innermost Node error of an axios (or other) error. */
function rootError(err: unknown): Record<string, unknown> | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5; depth++) {
    if (typeof current !== 'object' || current === null) return undefined;
    const inner = (current as { cause?: unknown }).cause;
    if (typeof inner !== 'object' || inner === null) return current as Record<string, unknown>;
    current = inner;
  }
  return current as Record<string, unknown>;
}

/** Copies the harmless facts of a network error into a fresh Error. */
export function sanitizeCause(err: unknown): SanitizedNetworkError {
  const root = rootError(err) ?? {};
  const top = (typeof err === 'object' && err !== null ? err : {}) as Record<string, unknown>;
  const message = typeof root.message === 'string' ? root.message : String(err);
  const copy = new SanitizedNetworkError(message);
  const code = typeof root.code === 'string' ? root.code : typeof top.code === 'string' ? top.code : undefined;
  if (code !== undefined) copy.code = code;
  if (typeof root.syscall === 'string') copy.syscall = root.syscall;
  if (typeof root.address === 'string') copy.address = root.address;
  if (typeof root.port === 'number') copy.port = root.port;
  copy.name = typeof root.name === 'string' && root.name !== 'AxiosError' ? root.name : 'Error';
  return copy;
}

/** The error code of a network failure (`ECONNREFUSED`...), looking through axios wrappers. */
export function networkErrorCode(err: unknown): string | undefined {
  return sanitizeCause(err).code;
}

/** The text of an error body, trimmed and bounded. */
export function bodyText(body: Buffer | string | undefined): string {
  if (body === undefined) return '';
  const text = (typeof body === 'string' ? body : body.toString('utf8')).trim();
  return text.length > MAX_BODY_CHARS ? `${text.slice(0, MAX_BODY_CHARS)}…` : text;
}

/** What the request was, for error messages (never headers). */
export interface RequestContext {
  /** Full URL of the request. */
  url: string;
  /** The API path (`/api/v1/scheduler`), stripped from redirect targets. */
  apiPath: string;
  /** What was being done, e.g. `SUBSCRIBE` or `call ACCEPT`. */
  what: string;
}

/**
 * The typed error for a non-success HTTP answer: 307 redirect, 503 no leader, 401
 * authentication, other statuses a protocol error (retryable for 5xx other than 501).
 */
export function errorFromStatus(
  status: number,
  body: string,
  location: string | undefined,
  context: RequestContext,
): MesosProtocolError {
  switch (status) {
    case 307: {
      const leader = location ? leaderFromLocation(location, context.url, context.apiPath) : undefined;
      if (leader !== undefined) return new MesosRedirectError(location as string, leader);
      return new MesosProtocolError(
        307,
        body,
        `${context.what} was redirected (307) without a usable Location header${body ? `: ${body}` : ''}`,
        { retryable: true },
      );
    }
    case 503:
      return new MesosNoLeaderError(body);
    case 401:
      return new MesosAuthenticationError(body);
    default:
      return new MesosProtocolError(
        status,
        body,
        `${context.what} failed with HTTP ${status}${body ? `: ${body}` : ''}`,
      );
  }
}

/** Why a request was cancelled by the client itself. */
export type CancelReason = 'timeout' | 'closed' | 'aborted';

/**
 * The typed error for a request that failed before an HTTP answer (or while reading the body):
 * cancellation (`reason` says by whom), or a network failure.
 */
export function errorFromFailure(
  err: unknown,
  reason: CancelReason | undefined,
  context: RequestContext,
  timeoutMs?: number,
): MesosError {
  if (err instanceof MesosError) return err;
  if (reason === 'timeout') {
    return new MesosTimeoutError(`${context.what} to ${context.url} timed out after ${timeoutMs ?? '?'} ms`);
  }
  if (reason === 'closed') return new MesosAbortError(`${context.what} was aborted: the client was closed`);
  if (reason === 'aborted') return new MesosAbortError(`${context.what} was aborted`);
  const cause = sanitizeCause(err);
  const code = cause.code;
  const retryable = code === undefined || !CERTIFICATE_CODES.has(code);
  return new MesosTransportError(
    `${context.what} to ${context.url} failed: ${cause.message}${code && !cause.message.includes(code) ? ` (${code})` : ''}`,
    {
      cause,
      retryable,
      ...(code !== undefined ? { code } : {}),
    },
  );
}

/** Options shared by the scheduler and executor HTTP clients, with their defaults. */
import type { WireFormat } from '../codec/codec';
import type { Credential as CredentialMessage } from '../codec/messages';
import { MesosConfigError } from '../common/errors';

/**
 * A framework principal and its secret, sent as HTTP Basic on every request: the `mesos.v1.Credential`
 * message. Mesos's basic authenticator cannot accept a secret that contains `:`.
 */
export type Credential = CredentialMessage;

/** TLS settings for `https://` URLs; passed to Node's `https.Agent`. */
export interface TlsOptions {
  /** Trusted CA certificates (PEM), replacing Node's default list. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate chain (PEM), for mutual TLS. */
  cert?: string | Buffer | Array<string | Buffer>;
  /** Client private key (PEM), for mutual TLS. */
  key?: string | Buffer | Array<string | Buffer>;
  /** Passphrase of `key`. */
  passphrase?: string;
  /** Verify the server's certificate. Default true; turn off only for testing. */
  rejectUnauthorized?: boolean;
  /** SNI server name, and the name the certificate is checked against. Default: the URL's host. */
  servername?: string;
}

/** Options of {@link SchedulerClient} and {@link ExecutorClient}. */
export interface HttpClientOptions {
  /** Encoding of calls and events: `Content-Type` and `Accept` of every request. Default `'protobuf'`. */
  contentType?: WireFormat;
  /** HTTP Basic credential, sent on every request. */
  credential?: Credential;
  /** TLS settings, used with `https://` URLs. */
  tls?: TlsOptions;
  /**
   * Extra headers sent on every request. `Content-Type`, `Accept`, `Authorization` and
   * `Mesos-Stream-Id` are set by the client and cannot be overridden here.
   */
  headers?: Record<string, string>;
  /** Overall time limit of one call (not of the subscription stream), in ms. Default 30000. */
  requestTimeoutMs?: number;
  /**
   * Time limit of SUBSCRIBE from sending the request to receiving the response headers, in ms.
   * It is the subscription's only limit: its body never ends, so watching for silence (missed
   * heartbeats) is the driver's job. Calls are bounded by `requestTimeoutMs` instead. Default 10000.
   */
  connectTimeoutMs?: number;
  /** Largest event record accepted from the stream, in bytes. Default 64 MiB. */
  maxRecordBytes?: number;
  /**
   * How many calls of the ordered lane may be in flight at once. Default 1: calls go over one
   * keep-alive connection in the order they were made, so they reach the master in that order,
   * like libmesos (pipelined on it unless the client's `pipelineCalls` is off). A higher value
   * raises throughput when the master is far away, but calls then travel over several connections and may be processed out of order (an ACCEPT may
   * overtake the DECLINE before it); use it only for calls whose order does not matter. The
   * scheduler's acknowledgements have a lane of their own (see `SchedulerClientOptions`).
   */
  maxConcurrentCalls?: number;
}

/** The options after defaults were applied and values checked. */
export interface ResolvedHttpOptions {
  contentType: WireFormat;
  credential: Credential | undefined;
  tls: TlsOptions;
  headers: Record<string, string>;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  maxRecordBytes: number | undefined;
  maxConcurrentCalls: number;
}

/** Default of {@link HttpClientOptions.requestTimeoutMs}. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** Default of {@link HttpClientOptions.connectTimeoutMs}. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const RESERVED_HEADERS = new Set([
  'content-type',
  'accept',
  'authorization',
  'mesos-stream-id',
  'content-length',
  'host',
]);

/** `value`, or `fallback` when undefined; throws `MesosConfigError` naming `name` unless a positive safe integer. */
export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new MesosConfigError(`Option ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Applies defaults to `options` and checks them; throws `MesosConfigError` naming a bad option. */
export function resolveHttpOptions(options: HttpClientOptions = {}): ResolvedHttpOptions {
  const contentType = options.contentType ?? 'protobuf';
  if (contentType !== 'protobuf' && contentType !== 'json') {
    throw new MesosConfigError(`Option contentType must be 'protobuf' or 'json', got ${JSON.stringify(contentType)}`);
  }
  const credential = options.credential;
  if (credential !== undefined) {
    if (typeof credential.principal !== 'string' || credential.principal === '') {
      throw new MesosConfigError('Option credential.principal must be a non-empty string');
    }
    if (credential.principal.includes(':')) {
      throw new MesosConfigError('Option credential.principal must not contain ":" (HTTP Basic cannot carry it)');
    }
    if (credential.secret !== undefined && typeof credential.secret !== 'string') {
      throw new MesosConfigError('Option credential.secret must be a string');
    }
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new MesosConfigError(`Option headers must not set "${name}": the client sets it`);
    }
    if (typeof value !== 'string') throw new MesosConfigError(`Option headers["${name}"] must be a string`);
    headers[name] = value;
  }
  return {
    contentType,
    credential,
    tls: options.tls ?? {},
    headers,
    requestTimeoutMs: positiveInteger('requestTimeoutMs', options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
    connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs, DEFAULT_CONNECT_TIMEOUT_MS),
    maxRecordBytes:
      options.maxRecordBytes === undefined ? undefined : positiveInteger('maxRecordBytes', options.maxRecordBytes, 0),
    maxConcurrentCalls: positiveInteger('maxConcurrentCalls', options.maxConcurrentCalls, 1),
  };
}

/** The `Authorization` value for a credential. Callers must never log it. */
export function basicAuthorization(credential: Credential): string {
  const token = Buffer.from(`${credential.principal}:${credential.secret ?? ''}`, 'utf8').toString('base64');
  return `Basic ${token}`;
}

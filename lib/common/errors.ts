/**
 * The one error root of mesos-driver and its subclasses.
 *
 * Every error carries `retryable` (would the same operation plausibly succeed if repeated
 * later, e.g. after reconnecting?) and, where there is one, the underlying `cause`.
 * Messages never contain credentials or Authorization headers.
 */

/** Options shared by every mesos-driver error. */
export interface MesosErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
  /** Overrides the class's default retryability. */
  retryable?: boolean;
}

/** Root of every error thrown or reported by mesos-driver. */
export class MesosError extends Error {
  /** True when repeating the operation later (after a reconnect or backoff) may succeed. */
  readonly retryable: boolean;
  /** The underlying error that led to this one (a Node socket error, a decode failure, an abort reason), when there is one. */
  override readonly cause?: unknown;

  constructor(message: string, options: MesosErrorOptions = {}) {
    super(message);
    this.name = new.target.name;
    this.retryable = options.retryable ?? false;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

/** The library was used in a way it does not allow (a bad argument, a call in the wrong state). */
export class MesosMisuseError extends MesosError {
  constructor(message: string, options: MesosErrorOptions = {}) {
    super(message, { retryable: false, ...options });
  }
}

/** Configuration (options, environment, master string) is missing or malformed. */
export class MesosConfigError extends MesosMisuseError {}

/** Bytes could not be turned into a message, or a message into bytes. */
export class MesosDecodeError extends MesosError {
  constructor(message: string, options: MesosErrorOptions = {}) {
    super(message, { retryable: false, ...options });
  }
}

/** A RecordIO stream was malformed or exceeded the configured record size. */
export class MesosRecordIOError extends MesosDecodeError {}

/** The network failed: connection refused or reset, DNS, TLS, a stream that ended. */
export class MesosTransportError extends MesosError {
  /** Node's error code (ECONNREFUSED, ECONNRESET, ...), when there is one. */
  readonly code?: string;
  constructor(message: string, options: MesosErrorOptions & { code?: string } = {}) {
    super(message, { retryable: true, ...options });
    if (options.code !== undefined) this.code = options.code;
  }
}

/** The subscription stream ended or broke (EOF from the master, reset, a truncated record). */
export class MesosStreamEndedError extends MesosTransportError {}

/** An operation did not finish within its time limit. */
export class MesosTimeoutError extends MesosError {
  constructor(message: string, options: MesosErrorOptions = {}) {
    super(message, { retryable: true, ...options });
  }
}

/** The operation was cancelled through its AbortSignal or by stopping the component. */
export class MesosAbortError extends MesosError {
  constructor(message = 'The operation was aborted', options: MesosErrorOptions = {}) {
    super(message, { retryable: false, ...options });
  }
}

/** The master (or agent) answered with an HTTP status that is not success. */
export class MesosProtocolError extends MesosError {
  /** The HTTP status code. */
  readonly status: number;
  /** The plain-text message from the body of the response, trimmed. */
  readonly body: string;
  constructor(status: number, body: string, message?: string, options: MesosErrorOptions = {}) {
    super(message ?? `HTTP ${status}${body ? `: ${body}` : ''}`, {
      retryable: status >= 500 && status !== 501,
      ...options,
    });
    this.status = status;
    this.body = body;
  }
}

/** 307 from a master that is not the leader; `leader` is where the leader is. */
export class MesosRedirectError extends MesosProtocolError {
  /** The leader's base URL (scheme taken from the request, as Mesos's Location has none). */
  readonly leader: string;
  /** The raw Location header. */
  readonly location: string;
  constructor(location: string, leader: string, options: MesosErrorOptions = {}) {
    super(307, '', `Not the leading master; the leader is at ${leader}`, { retryable: true, ...options });
    this.location = location;
    this.leader = leader;
  }
}

/** 503 "No leader elected" / "Master has not finished recovery". */
export class MesosNoLeaderError extends MesosProtocolError {
  constructor(body: string, options: MesosErrorOptions = {}) {
    super(503, body, `Master unavailable (503)${body ? `: ${body}` : ''}`, { retryable: true, ...options });
  }
}

/** 401: credentials missing or refused. The message never contains the credentials. */
export class MesosAuthenticationError extends MesosProtocolError {
  constructor(body: string, options: MesosErrorOptions = {}) {
    super(401, body, `Authentication failed (401)${body ? `: ${body}` : ''}`, { retryable: false, ...options });
  }
}

/** True when `err` is a mesos-driver error that is worth retrying. */
export function isRetryable(err: unknown): boolean {
  return err instanceof MesosError && err.retryable;
}

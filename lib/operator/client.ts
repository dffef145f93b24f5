/**
 * What the master and agent operator clients share: options, the session (leader, retries),
 * encoding a call and decoding its answer, and the calls both servers answer alike.
 */
import { getCodec, type WireFormat } from '../codec/codec';
import { parseMesosJsonExact, stringifyJson } from '../codec/int64-json';
import type { AgentID, DurationInfo, master } from '../codec/messages';
import { getMessageInfo } from '../codec/reflect';
import type { BackoffStrategy } from '../common/backoff';
import { MesosConfigError, MesosDecodeError, MesosMisuseError, MesosProtocolError } from '../common/errors';
import type { Logger } from '../common/logger';
import { formatOfContentType } from '../transport/http-client';
import { type HttpClientOptions, positiveInteger, resolveHttpOptions } from '../transport/options';
import { defaultOperatorBackoff, type OperatorSession, type SessionOptions } from './session';

/** Options of {@link MesosMasterOperator} and {@link MesosAgentOperator}. */
export interface OperatorClientOptions extends HttpClientOptions {
  /**
   * How long one call keeps retrying a 503 (no leader elected, recovery not finished), a refused
   * connection or the search for the leader, in ms. Default 60000.
   */
  retryTimeoutMs?: number;
  /** Largest number of 307 redirects one master call follows. Default 5. */
  maxRedirects?: number;
  /** A fresh backoff for each call's retries. Default: 100 ms doubling to 5 s, with jitter. */
  backoff?: () => BackoffStrategy;
}

/** Options of one call. */
export interface OperatorCallOptions {
  /** Cancels the call (and its retries); it then rejects with MesosAbortError. */
  signal?: AbortSignal;
}

/** An agent id as a message or as its value. */
export type AgentIdLike = AgentID | string;

/** `id` as an AgentID message. */
export function agentId(id: AgentIdLike): AgentID {
  return typeof id === 'string' ? { value: id } : id;
}

/** A call as the raw `call()` takes it: a message with at least its `type`. */
export type OperatorCall = {
  /** The call type, e.g. `GET_STATE`. */
  type?: string;
} & Record<string, unknown>;

/** Default of {@link OperatorClientOptions.retryTimeoutMs}. */
export const DEFAULT_OPERATOR_RETRY_TIMEOUT_MS = 60_000;
/** Default of {@link OperatorClientOptions.maxRedirects}. */
export const DEFAULT_OPERATOR_MAX_REDIRECTS = 5;

/** Checks the options and turns them into the session's. */
export function sessionOptions(
  options: OperatorClientOptions,
  followRedirects: boolean,
  log: Logger,
): SessionOptions & { format: WireFormat; maxRecordBytes: number | undefined } {
  const { retryTimeoutMs, maxRedirects, backoff, ...http } = options;
  const resolved = resolveHttpOptions(http);
  if (backoff !== undefined && typeof backoff !== 'function') {
    throw new MesosConfigError('Option backoff must be a function returning a BackoffStrategy');
  }
  return {
    http,
    followRedirects,
    maxRedirects:
      maxRedirects === 0 ? 0 : positiveInteger('maxRedirects', maxRedirects, DEFAULT_OPERATOR_MAX_REDIRECTS),
    retryTimeoutMs: positiveInteger('retryTimeoutMs', retryTimeoutMs, DEFAULT_OPERATOR_RETRY_TIMEOUT_MS),
    backoff: backoff ?? defaultOperatorBackoff,
    log,
    format: resolved.contentType,
    maxRecordBytes: resolved.maxRecordBytes,
  };
}

/** The lower-cased name of a call type: the field of its sub-message and of its answer. */
export function fieldOf(type: string): string {
  return type.toLowerCase();
}

/**
 * Base of the two clients: `call()` and the calls masters and agents answer alike (their
 * messages have the same shape on both). `R` is the server's Response type.
 */
export abstract class OperatorClient<C extends object, R extends object> {
  /** @internal */
  protected readonly session: OperatorSession;

  /** @internal */
  protected constructor(
    session: OperatorSession,
    private readonly names: { call: string; response: string },
    /** @internal The wire format of requests. */
    protected readonly format: WireFormat,
    /** @internal Largest record accepted from a stream, in bytes (default: the codec's). */
    protected readonly maxRecordBytes: number | undefined,
  ) {
    this.session = session;
  }

  /**
   * Sends any call and resolves with the decoded Response, or undefined when the server answered
   * a 2xx with no body. A call whose type this library's schema does not know (a newer or forked
   * server) is sent as JSON as given, and its answer returned as parsed JSON.
   */
  async call(message: C | OperatorCall, options: OperatorCallOptions = {}): Promise<R | undefined> {
    const call = message as OperatorCall;
    const type = call?.type;
    if (call === null || typeof call !== 'object' || typeof type !== 'string') {
      throw new MesosMisuseError(`call() takes a ${this.names.call} message with a string 'type'`);
    }
    if (this.session.closeSignal.aborted) {
      throw new MesosMisuseError(`Cannot send ${type}: the operator client is closed`);
    }
    const known = this.knows(type);
    const format: WireFormat = known ? this.format : 'json';
    const body = known
      ? getCodec<OperatorCall>(this.names.call, format).encode(call)
      : Buffer.from(stringifyJson(call), 'utf8');
    const answer = await this.session.run(
      type,
      (url) => this.session.endpoint(url, { format, longPoll: this.isLongPoll(type) }).send(body, type, options.signal),
      options.signal,
    );
    if (answer.body.length === 0) return undefined;
    const answerFormat = formatOfContentType(answer.headers['content-type']) ?? format;
    if (known || answerFormat !== 'json') return getCodec<R>(this.names.response, answerFormat).decode(answer.body);
    // The schema does not know this call, so it may not know its answer either: keep every field.
    return parseMesosJsonExact(answer.body.toString('utf8')) as R;
  }

  /** Closes every connection (and the detector); calls in flight reject with MesosAbortError. */
  close(): Promise<void> {
    return this.session.close();
  }

  /** GET_HEALTH. */
  getHealth(options?: OperatorCallOptions): Promise<master.Response.GetHealth> {
    return this.fetch({ type: 'GET_HEALTH' }, options);
  }

  /** GET_FLAGS. */
  getFlags(options?: OperatorCallOptions): Promise<master.Response.GetFlags> {
    return this.fetch({ type: 'GET_FLAGS' }, options);
  }

  /** GET_VERSION. */
  getVersion(options?: OperatorCallOptions): Promise<master.Response.GetVersion> {
    return this.fetch({ type: 'GET_VERSION' }, options);
  }

  /** GET_METRICS; the `get_metrics` sub-message is always sent (Mesos refuses the call without it). */
  getMetrics(timeout?: DurationInfo, options?: OperatorCallOptions): Promise<master.Response.GetMetrics> {
    return this.fetch({ type: 'GET_METRICS', get_metrics: timeout ? { timeout } : {} }, options);
  }

  /** GET_LOGGING_LEVEL. */
  getLoggingLevel(options?: OperatorCallOptions): Promise<master.Response.GetLoggingLevel> {
    return this.fetch({ type: 'GET_LOGGING_LEVEL' }, options);
  }

  /** SET_LOGGING_LEVEL: `level` for `duration`, then back to the default. */
  setLoggingLevel(level: number, duration: DurationInfo, options?: OperatorCallOptions): Promise<void> {
    return this.act({ type: 'SET_LOGGING_LEVEL', set_logging_level: { level, duration } }, options);
  }

  /** LIST_FILES of a virtual path (e.g. `/master/log`, or a sandbox path on an agent). */
  listFiles(path: string, options?: OperatorCallOptions): Promise<master.Response.ListFiles> {
    return this.fetch({ type: 'LIST_FILES', list_files: { path } }, options);
  }

  /** READ_FILE: `length` bytes (all the server gives when left out) from `offset`; also the file's size. */
  readFile(
    path: string,
    offset = 0,
    length?: number,
    options?: OperatorCallOptions,
  ): Promise<master.Response.ReadFile> {
    const read = length === undefined ? { path, offset } : { path, offset, length };
    return this.fetch({ type: 'READ_FILE', read_file: read }, options);
  }

  /** @internal Sends a call and returns its answer's sub-message (named after the call). */
  protected async fetch<T>(call: OperatorCall, options: OperatorCallOptions = {}): Promise<T> {
    const type = call.type as string;
    const response = (await this.call(call, options)) as Record<string, unknown> | undefined;
    const value = response?.[fieldOf(type)];
    if (value === undefined) {
      throw new MesosProtocolError(200, '', `${type} was answered without '${fieldOf(type)}'`, {
        cause: new MesosDecodeError(`Response of type ${String(response?.type)}`),
      });
    }
    return value as T;
  }

  /** @internal Sends a call that returns nothing: resolves on any 2xx. */
  protected async act(call: OperatorCall, options?: OperatorCallOptions): Promise<void> {
    await this.call(call, options);
  }

  /** @internal True for calls answered only when something happens (no time limit applies). */
  protected isLongPoll(_type: string): boolean {
    return false;
  }

  private knows(type: string): boolean {
    const value = getMessageInfo(this.names.call).fieldByName.get('type')?.value;
    return value?.kind === 'enum' && value.enumInfo.numberByName.has(type);
  }
}

/**
 * Where operator calls go, and what happens when they fail: a 307 from a master that is not the
 * leader is followed by the client itself (keeping the scheme and credentials, up to
 * `maxRedirects` hops) and the leader remembered; a 503 (no leader elected, recovery not finished)
 * or a failed connection is retried with backoff until `retryTimeoutMs`, asking the detector for
 * the leader again; every other failure (4xx among them) is thrown at once as its typed error.
 */

import type { WireFormat } from '../codec/codec';
import { delay } from '../common/abort';
import { type BackoffStrategy, ExponentialBackoff } from '../common/backoff';
import {
  MesosAbortError,
  MesosError,
  MesosNoLeaderError,
  MesosProtocolError,
  MesosRedirectError,
  MesosTimeoutError,
  MesosTransportError,
} from '../common/errors';
import type { Logger } from '../common/logger';
import type { MasterDetector } from '../detector/detector';
import type { HttpClientOptions } from '../transport/options';
import { OperatorEndpoint } from './endpoint';

/** Time limit of a long poll: the longest a Node timer allows (about 24 days). */
const LONG_POLL_TIMEOUT_MS = 2 ** 31 - 1;

/** Network failures after which nothing reached the server: safe to send the call again. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

/** How a session finds its server and retries. */
export interface SessionOptions {
  /** HTTP options of every endpoint. */
  http: HttpClientOptions;
  /** Follow 307 redirects (masters); an agent never redirects. */
  followRedirects: boolean;
  /** Largest number of 307 hops of one call. */
  maxRedirects: number;
  /** How long one call keeps retrying 503s and refused connections, in ms. */
  retryTimeoutMs: number;
  /** A fresh backoff for each call. */
  backoff: () => BackoffStrategy;
  /** The component's logger. */
  log: Logger;
}

/** True for a failure worth retrying: 503, or a connection that was never made. */
export function isRetriedFailure(err: unknown): boolean {
  if (err instanceof MesosNoLeaderError) return true;
  return err instanceof MesosTransportError && err.code !== undefined && NOT_SENT_CODES.has(err.code);
}

/** The default backoff of operator calls: 100 ms doubling to 5 s, full jitter. */
export function defaultOperatorBackoff(): BackoffStrategy {
  return new ExponentialBackoff({ initialMs: 100, maxMs: 5000 });
}

/** Endpoints by base URL, the remembered leader, and the retry loop of every call. */
export class OperatorSession {
  private readonly endpoints = new Map<string, OperatorEndpoint>();
  private readonly closeController = new AbortController();
  private current: string | undefined;
  /** What `locate` reported last: a leader change is a change of this. */
  private located: string | undefined;

  constructor(
    /** Finds the server's base URL (the detector for masters, the fixed URL for agents). */
    private readonly locate: (signal: AbortSignal) => Promise<string>,
    private readonly options: SessionOptions,
    private readonly detector?: MasterDetector,
  ) {}

  /** The base URL calls go to now (the leader last seen), if known. */
  get leader(): string | undefined {
    return this.current;
  }

  /** Aborts when the session is closed. */
  get closeSignal(): AbortSignal {
    return this.closeController.signal;
  }

  /** Forgets the leader, so that the next call asks the detector. */
  forgetLeader(): void {
    this.current = undefined;
  }

  /**
   * The endpoint of a base URL, created once per variant: in another wire format than the
   * configured one (raw calls of types the schema does not know go as JSON), or for long polls
   * (no request time limit, e.g. WAIT_CONTAINER, which answers when the container exits).
   */
  endpoint(url: string, variant: { format?: WireFormat; longPoll?: boolean } = {}): OperatorEndpoint {
    const format = variant.format ?? this.options.http.contentType ?? 'protobuf';
    const key = `${format} ${variant.longPoll ? 'long' : 'short'} ${url}`;
    let endpoint = this.endpoints.get(key);
    if (!endpoint) {
      endpoint = new OperatorEndpoint(url, {
        ...this.options.http,
        contentType: format,
        ...(variant.longPoll ? { requestTimeoutMs: LONG_POLL_TIMEOUT_MS } : {}),
      });
      this.endpoints.set(key, endpoint);
    }
    return endpoint;
  }

  /**
   * Runs `attempt` against the leader's base URL (use `endpoint()` to reach it), following redirects and retrying 503s and refused
   * connections until the deadline; resolves with its result or rejects with a typed error.
   */
  async run<T>(what: string, attempt: (baseUrl: string) => Promise<T>, signal?: AbortSignal): Promise<T> {
    const { maxRedirects, retryTimeoutMs, log } = this.options;
    const deadline = Date.now() + retryTimeoutMs;
    const stop = AbortSignal.any([this.closeController.signal, ...(signal ? [signal] : [])]);
    const backoff = this.options.backoff();
    let hops = 0;
    let url = this.current ?? (await this.find(what, deadline, stop));
    for (;;) {
      if (stop.aborted) throw new MesosAbortError(`${what} was aborted`);
      try {
        const result = await attempt(url);
        this.current = url;
        return result;
      } catch (err) {
        if (err instanceof MesosRedirectError && this.options.followRedirects) {
          if (++hops > maxRedirects) {
            throw new MesosProtocolError(
              307,
              '',
              `${what}: more than ${maxRedirects} redirects (the last to ${err.leader})`,
              {
                cause: err,
                retryable: true,
              },
            );
          }
          url = withScheme(err.leader, url);
          this.current = url;
          log('%s redirected to %s', what, url);
          continue;
        }
        if (!isRetriedFailure(err) || stop.aborted) throw err;
        const wait = backoff.next();
        if (Date.now() + wait > deadline) throw err;
        log('%s failed (%s); retrying in %d ms', what, (err as Error).message, wait);
        await delay(wait, stop, true); // the caller awaits this call: hold the process
        this.current = undefined;
        url = await this.find(what, deadline, stop);
      }
    }
  }

  /**
   * Resolves with the new leader's base URL once the detector reports a leader other than the one
   * it reported last (never, for a single fixed master or an agent); rejects when `signal` aborts.
   */
  async leaderChange(signal: AbortSignal): Promise<string> {
    const detector = this.detector;
    if (!detector || this.located === undefined) {
      return new Promise((_resolve, reject) => {
        const onAbort = () => reject(new MesosAbortError('The leader watch was stopped'));
        if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      });
    }
    const previous = this.located;
    let seen: string | null = previous;
    for (;;) {
      const found = await detector.detect(seen === null ? null : { url: seen }, { signal });
      if (found && found.url !== previous) return found.url;
      // No leader for now (or the old one back): wait for the next change from there.
      seen = found?.url ?? null;
    }
  }

  /** Closes every endpoint and the detector; calls in flight reject with MesosAbortError. */
  async close(): Promise<void> {
    this.closeController.abort();
    for (const endpoint of this.endpoints.values()) endpoint.close();
    this.endpoints.clear();
    await this.detector?.close();
  }

  private async find(what: string, deadline: number, stop: AbortSignal): Promise<string> {
    const timeout = AbortSignal.timeout(Math.max(1, deadline - Date.now()));
    try {
      const url = await this.locate(AbortSignal.any([stop, timeout]));
      this.located = url;
      return url;
    } catch (err) {
      if (timeout.aborted && !stop.aborted) {
        throw new MesosTimeoutError(`${what}: no leading master was found within ${this.options.retryTimeoutMs} ms`, {
          cause: err,
        });
      }
      if (err instanceof MesosError) throw err;
      throw new MesosAbortError(`${what} was aborted`, { cause: err });
    }
  }
}

/** `target` with the scheme of `current` (Mesos's Location has none; an explicit one is not trusted). */
function withScheme(target: string, current: string): string {
  const scheme = new URL(current).protocol;
  const url = new URL(target);
  return `${scheme}//${url.host}${url.pathname === '/' ? '' : url.pathname}`.replace(/\/+$/, '');
}

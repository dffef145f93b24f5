/**
 * One call over Node's own `http.request`: POST a buffer on a keep-alive agent and read the whole
 * answer. Calls take this path rather than axios because axios's per-request work (config
 * merging, header objects, interceptor chain) cost more than half of a loopback call's CPU.
 */
import type * as http from 'node:http';
import { MesosAbortError, type MesosError } from '../common/errors';
import { type CancelReason, errorFromFailure, type RequestContext } from './errors';

/** A call's answer with its body read into memory. */
export interface CallAnswer {
  /** The HTTP status code. */
  status: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string | undefined>;
  /** The whole body (empty for a 202). */
  body: Buffer;
}

/** What one call needs: where it goes and how its failures are named. */
export interface CallExchange {
  /** `http.request` or `https.request`. */
  request: typeof http.request;
  /** Protocol, host, port and path of the endpoint; method, agent and headers are added per call. */
  target: http.RequestOptions;
  agent: http.Agent;
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
  context: RequestContext;
  timeoutMs: number;
  /** The caller's signal; its abort rejects with MesosAbortError (the request is destroyed). */
  signal: AbortSignal | undefined;
  /** Registers the canceller of this call until it settles; returns the unregister function. */
  track: (cancel: (why: CancelReason) => void) => () => void;
  /** Registers an abort listener on `signal` (one shared listener per signal); returns the unregister function. */
  onAbort: (signal: AbortSignal, listener: () => void) => () => void;
}

function plainHeaders(headers: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const name in headers) {
    const value = headers[name];
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * One call in flight. A class rather than closures: a call is the unit of work of the busiest
 * path (one per acknowledgement), so it keeps its state in one object.
 */
class PendingCall {
  private settled = false;
  private req: http.ClientRequest | undefined;
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly untrack: () => void;
  private readonly unlisten: (() => void) | undefined;
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly call: CallExchange,
    private readonly resolve: (answer: CallAnswer) => void,
    private readonly reject: (error: MesosError) => void,
  ) {
    this.timer = setTimeout(() => this.cancel('timeout'), call.timeoutMs);
    this.timer.unref();
    this.untrack = call.track((why) => this.cancel(why));
    const signal = call.signal;
    this.unlisten = signal === undefined ? undefined : call.onAbort(signal, () => this.cancel('aborted'));
    let req: http.ClientRequest;
    try {
      req = call.request({ ...call.target, method: 'POST', agent: call.agent, headers: call.headers });
    } catch (err) {
      this.fail(err, undefined);
      return;
    }
    this.req = req;
    req.on('error', (err) => this.fail(err, undefined));
    req.on('response', (res) => this.onResponse(res));
    req.end(call.body);
  }

  private onResponse(res: http.IncomingMessage): void {
    res.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    res.on('end', () => {
      const chunks = this.chunks;
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      this.settle(undefined, { status: res.statusCode ?? 0, headers: plainHeaders(res.headers), body });
    });
    res.on('error', (err) => this.fail(err, undefined));
    res.on('close', () => {
      if (!res.complete) this.fail(new Error('The connection closed before the answer was complete'), undefined);
    });
  }

  private cancel(why: CancelReason): void {
    if (this.settled) return;
    this.fail(undefined, why);
    this.req?.destroy();
  }

  private fail(err: unknown, reason: CancelReason | undefined): void {
    const { context, signal, timeoutMs } = this.call;
    this.settle(
      reason === 'aborted'
        ? new MesosAbortError(`${context.what} was aborted`, { cause: signal?.reason })
        : errorFromFailure(err, reason, context, timeoutMs),
    );
  }

  private settle(error: MesosError | undefined, answer?: CallAnswer): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.untrack();
    this.unlisten?.();
    if (error) this.reject(error);
    else this.resolve(answer as CallAnswer);
  }
}

/** Sends one call and resolves with its answer, whatever the status; rejects with a typed MesosError. */
export function exchangeCall(call: CallExchange): Promise<CallAnswer> {
  const signal = call.signal;
  if (signal?.aborted) {
    return Promise.reject(new MesosAbortError(`${call.context.what} was aborted`, { cause: signal.reason }));
  }
  return new Promise<CallAnswer>((resolve, reject) => {
    new PendingCall(call, resolve, reject);
  });
}

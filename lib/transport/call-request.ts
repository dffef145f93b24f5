/**
 * One call over Node's own `http.request`: POST a buffer on a keep-alive agent and read the whole
 * answer. Calls take this path rather than axios because axios's per-request work (config
 * merging, header objects, interceptor chain) cost more than half of a loopback call's CPU.
 */
import type http from 'node:http';
import { errorFromFailure, type CancelReason, type RequestContext } from './errors';
import { MesosAbortError, type MesosError } from '../common/errors';

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

/** Sends one call and resolves with its answer, whatever the status; rejects with a typed MesosError. */
export function exchangeCall(call: CallExchange): Promise<CallAnswer> {
  const { context, signal, timeoutMs } = call;
  if (signal?.aborted) return Promise.reject(new MesosAbortError(`${context.what} was aborted`, { cause: signal.reason }));
  return new Promise<CallAnswer>((resolve, reject) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    let untrack: (() => void) | undefined;
    let unlisten: (() => void) | undefined;
    const settle = (error: MesosError | undefined, answer?: CallAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      untrack?.();
      unlisten?.();
      if (error) reject(error);
      else resolve(answer as CallAnswer);
    };
    const fail = (err: unknown, reason: CancelReason | undefined) => {
      settle(
        reason === 'aborted'
          ? new MesosAbortError(`${context.what} was aborted`, { cause: signal?.reason })
          : errorFromFailure(err, reason, context, timeoutMs),
      );
    };
    const cancel = (why: CancelReason) => {
      if (settled) return;
      fail(undefined, why);
      req?.destroy();
    };
    const timer = setTimeout(cancel, timeoutMs, 'timeout');
    timer.unref();
    untrack = call.track(cancel);
    if (signal !== undefined) unlisten = call.onAbort(signal, () => cancel('aborted'));
    try {
      req = call.request({ ...call.target, method: 'POST', agent: call.agent, headers: call.headers });
    } catch (err) {
      fail(err, undefined);
      return;
    }
    req.on('error', (err) => fail(err, undefined));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        settle(undefined, { status: res.statusCode ?? 0, headers: plainHeaders(res.headers), body });
      });
      res.on('error', (err) => fail(err, undefined));
      res.on('close', () => {
        if (!res.complete) fail(new Error('The connection closed before the answer was complete'), undefined);
      });
    });
    req.end(call.body);
  });
}

/** Helpers for AbortSignal-driven cancellation and unref'd timers. */
import { MesosAbortError } from './errors';

/** Throws a MesosAbortError when `signal` is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'operation'): void {
  if (signal?.aborted) throw new MesosAbortError(`The ${what} was aborted`, { cause: signal.reason });
}

/**
 * Resolves after `ms` milliseconds; rejects with MesosAbortError when `signal` aborts first. The
 * timer is unref'd (a background wait never keeps the process alive) unless `keepAlive` is set:
 * a wait inside an operation the caller awaits (a retried one-shot call) must hold the process,
 * or a script awaiting that call would exit mid-retry with its promise never settled.
 */
export function delay(ms: number, signal?: AbortSignal, keepAlive = false): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new MesosAbortError('The wait was aborted', { cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new MesosAbortError('The wait was aborted', { cause: signal?.reason }));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (!keepAlive) timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A signal that aborts when any of `signals` aborts. */
export function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length === 1) return present[0] as AbortSignal;
  return AbortSignal.any(present);
}

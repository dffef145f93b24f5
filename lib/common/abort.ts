/** Helpers for AbortSignal-driven cancellation and unref'd timers. */
import { MesosAbortError } from './errors';

/** Throws a MesosAbortError when `signal` is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'operation'): void {
  if (signal?.aborted) throw new MesosAbortError(`The ${what} was aborted`, { cause: signal.reason });
}

/**
 * Resolves after `ms` milliseconds on an unref'd timer (it never keeps the process alive);
 * rejects with MesosAbortError when `signal` aborts first.
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
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
    timer.unref?.();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A signal that aborts when any of `signals` aborts. */
export function anySignal(signals: Array<AbortSignal | undefined>): AbortSignal {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length === 1) return present[0] as AbortSignal;
  return AbortSignal.any(present);
}

/**
 * The last known leader plus the callers waiting for it to change: the shared core of the
 * watch-driven detectors.
 */
import { MesosAbortError, type MesosError } from '../common/errors';
import type { MasterLocation } from './types';

interface Waiter {
  previousUrl: string | null;
  resolve(location: MasterLocation | null): void;
  reject(err: Error): void;
}

/** Holds the current leader (or "unknown" before the first answer) and wakes detect() callers on change. */
export class LeaderState {
  /** undefined until the first result is known. */
  private current: MasterLocation | null | undefined;
  private readonly waiters = new Set<Waiter>();
  /** A failure not yet handed to any caller. */
  private undelivered: MesosError | undefined;
  private closedWith: Error | undefined;

  /** The current leader, null for none, undefined while unknown. */
  get leader(): MasterLocation | null | undefined {
    return this.current;
  }

  /** Records the current leader (null for none) and wakes the callers for whom it is a change. */
  set(location: MasterLocation | null): void {
    this.current = location;
    this.undelivered = undefined;
    const url = location?.url ?? null;
    for (const waiter of [...this.waiters]) {
      if (waiter.previousUrl !== url) waiter.resolve(location);
    }
  }

  /**
   * Reports a failure: waiting callers reject with it; when nobody waits, the next caller does.
   * Each failure is delivered once, so a caller that calls detect(null) again waits for the next change.
   */
  fail(err: MesosError): void {
    // Whatever was known is no longer trustworthy; a caller that asks again sees "no leader".
    this.current = null;
    if (this.waiters.size === 0) {
      this.undelivered = err;
      return;
    }
    for (const waiter of [...this.waiters]) waiter.reject(err);
  }

  detect(previous: MasterLocation | null, signal?: AbortSignal): Promise<MasterLocation | null> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (signal?.aborted)
      return Promise.reject(new MesosAbortError('Master detection was aborted', { cause: signal.reason }));
    if (this.undelivered) {
      const err = this.undelivered;
      this.undelivered = undefined;
      return Promise.reject(err);
    }
    const previousUrl = previous?.url ?? null;
    const current = this.current;
    if (current !== undefined && (current?.url ?? null) !== previousUrl) return Promise.resolve(current);
    return new Promise<MasterLocation | null>((resolve, reject) => {
      const onAbort = () =>
        settle(() => reject(new MesosAbortError('Master detection was aborted', { cause: signal?.reason })));
      const settle = (fn: () => void) => {
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const waiter: Waiter = {
        previousUrl,
        resolve: (location) => settle(() => resolve(location)),
        reject: (err) => settle(() => reject(err)),
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Rejects every waiting and later caller with `err`. */
  close(err: Error): void {
    this.closedWith = err;
    for (const waiter of [...this.waiters]) waiter.reject(err);
  }
}

/** A FIFO limiter: at most `limit` tasks run at once, started in the order they were queued. */
import { MesosAbortError } from '../common/errors';

interface Waiter {
  start: () => void;
  cancel: (err: unknown) => void;
}

/**
 * Runs async tasks in arrival order with bounded concurrency. With a limit of 1 a task starts
 * only after the previous one settled, which is what keeps calls in order on the wire.
 */
export class CallQueue {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly limit: number) {}

  /** Number of tasks waiting for a slot. */
  get pending(): number {
    return this.waiting.length;
  }

  /**
   * Runs `task` when a slot is free. If `signal` aborts while the task is still waiting, the task
   * never starts and the promise rejects with `MesosAbortError`.
   */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) throw new MesosAbortError('The call was aborted before it was sent', { cause: signal.reason });
    if (this.running >= this.limit) await this.waitForSlot(signal);
    else this.running++;
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  /** Rejects every waiting task with `err` (used by close()). */
  rejectAll(err: unknown): void {
    for (const waiter of this.waiting.splice(0)) waiter.cancel(err);
  }

  private waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.waiting.indexOf(waiter);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(new MesosAbortError('The call was aborted before it was sent', { cause: signal?.reason }));
      };
      const waiter: Waiter = {
        // The slot is handed over directly: `running` is not decremented in between, so a newcomer cannot jump the queue.
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        cancel: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      this.waiting.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.running--;
  }
}

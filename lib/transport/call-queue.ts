/** A FIFO limiter: at most `limit` tasks run at once, started in the order they were queued. */
import { MesosAbortError } from '../common/errors';
import { onAbort } from './abort-fanout';

interface Waiter {
  start: () => void;
  cancel: (err: unknown) => void;
  /** Set once the waiter was started or cancelled; a settled waiter left in the queue is skipped. */
  settled: boolean;
}

/**
 * Runs async tasks in arrival order with bounded concurrency. With a limit of 1 a task starts
 * only after the previous one settled, which is what keeps calls in order on the wire.
 */
export class CallQueue {
  private running = 0;
  /** Waiters from `head` on; cancelled ones stay until reached, so an abort costs O(1). */
  private waiting: Waiter[] = [];
  private head = 0;
  private waitingCount = 0;

  constructor(readonly limit: number) {}

  /** Number of tasks waiting for a slot. */
  get pending(): number {
    return this.waitingCount;
  }

  /** Number of tasks running now. */
  get active(): number {
    return this.running;
  }

  /**
   * Runs `task` when a slot is free. If `signal` aborts while the task is still waiting, the task
   * never starts and the promise rejects with `MesosAbortError`.
   */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) {
      return Promise.reject(new MesosAbortError('The call was aborted before it was sent', { cause: signal.reason }));
    }
    if (this.running < this.limit) {
      this.running++;
      return this.start(task);
    }
    return this.waitForSlot(signal).then(() => this.start(task));
  }

  /** Runs `task` in a slot already taken, and hands the slot on when it settles. */
  private start<T>(task: () => Promise<T>): Promise<T> {
    let running: Promise<T>;
    try {
      running = task();
    } catch (error) {
      this.release();
      return Promise.reject(error);
    }
    return running.then(
      (value) => {
        this.release();
        return value;
      },
      (error: unknown) => {
        this.release();
        throw error;
      },
    );
  }

  /** Rejects every waiting task with `err` (used by close()). */
  rejectAll(err: unknown): void {
    const waiting = this.waiting;
    const head = this.head;
    this.waiting = [];
    this.head = 0;
    this.waitingCount = 0;
    for (let i = head; i < waiting.length; i++) {
      const waiter = waiting[i] as Waiter;
      if (!waiter.settled) waiter.cancel(err);
    }
  }

  private waitForSlot(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let unsubscribe: (() => void) | undefined;
      const waiter: Waiter = {
        settled: false,
        // The slot is handed over directly: `running` is not decremented in between, so a newcomer cannot jump the queue.
        start: () => {
          waiter.settled = true;
          unsubscribe?.();
          resolve();
        },
        cancel: (err) => {
          waiter.settled = true;
          unsubscribe?.();
          reject(err);
        },
      };
      this.waiting.push(waiter);
      this.waitingCount++;
      if (signal !== undefined) {
        unsubscribe = onAbort(signal, () => {
          if (waiter.settled) return;
          this.waitingCount--;
          waiter.cancel(new MesosAbortError('The call was aborted before it was sent', { cause: signal.reason }));
        });
      }
    });
  }

  private release(): void {
    while (this.head < this.waiting.length) {
      const next = this.waiting[this.head] as Waiter;
      this.waiting[this.head++] = undefined as unknown as Waiter;
      if (next.settled) continue;
      this.waitingCount--;
      this.compact();
      next.start();
      return;
    }
    this.waiting = [];
    this.head = 0;
    this.running--;
  }

  /** Drops the consumed front of the array now and then, so it does not grow for ever. */
  private compact(): void {
    if (this.head >= 1024 && this.head * 2 >= this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
  }
}

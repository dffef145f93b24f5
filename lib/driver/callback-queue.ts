/**
 * Runs the user's callbacks one at a time, in the order they were queued, awaiting any Promise
 * a callback returns before starting the next (libmesos runs them on one actor thread).
 */

/** A unit of work on the queue; may return a Promise, which is awaited. */
export type QueuedTask = () => unknown;

/** A serial queue of callbacks; a task that throws or rejects is handed to `onFailure`. */
export class CallbackQueue {
  private readonly tasks: QueuedTask[] = [];
  private draining = false;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly onFailure: (error: unknown) => void) {}

  /** Number of tasks not yet started. */
  get pending(): number {
    return this.tasks.length;
  }

  /** Appends a task; it runs after every task queued before it has finished. */
  push(task: QueuedTask): void {
    this.tasks.push(task);
    if (!this.draining) {
      this.draining = true;
      void Promise.resolve().then(() => this.drain());
    }
  }

  /** Drops every task not yet started (used when the driver stops or aborts). */
  clear(): void {
    this.tasks.length = 0;
  }

  /** Resolves when the queue has nothing running and nothing pending. */
  idle(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async drain(): Promise<void> {
    try {
      for (let task = this.tasks.shift(); task !== undefined; task = this.tasks.shift()) {
        try {
          const result = task();
          if (isThenable(result)) await result;
        } catch (error) {
          this.onFailure(error);
        }
      }
    } finally {
      this.draining = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

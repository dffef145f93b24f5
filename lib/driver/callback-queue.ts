/**
 * Runs the user's callbacks one at a time, in the order they were queued, awaiting any Promise
 * a callback returns before starting the next (libmesos runs them on one actor thread).
 */

/** A unit of work on the queue; may return a Promise, which is awaited. */
export type QueuedTask = () => unknown;

/**
 * A serial queue of callbacks; a task that throws or rejects is handed to `onFailure`. Tasks that
 * return a non-promise run back to back synchronously: only a returned thenable costs a microtask.
 */
export class CallbackQueue {
  private tasks: QueuedTask[] = [];
  private head = 0;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  private lowWaiter: { limit: number; resolve: () => void } | undefined;

  constructor(private readonly onFailure: (error: unknown) => void) {}

  /** Number of tasks not yet started. */
  get pending(): number {
    return this.tasks.length - this.head;
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
    this.tasks = [];
    this.head = 0;
    this.notifyLow();
  }

  /** Resolves when the queue has nothing running and nothing pending. */
  idle(): Promise<void> {
    if (!this.draining) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Resolves once at most `limit` tasks are pending (at once if already so). One waiter at a
   * time: the driver's stream reader, waiting to read again.
   */
  whenPendingAtMost(limit: number): Promise<void> {
    if (this.pending <= limit) return Promise.resolve();
    return new Promise((resolve) => {
      this.lowWaiter = { limit, resolve };
    });
  }

  private shift(): QueuedTask | undefined {
    if (this.head >= this.tasks.length) {
      if (this.head > 0) {
        this.tasks = [];
        this.head = 0;
      }
      return undefined;
    }
    const task = this.tasks[this.head] as QueuedTask;
    this.tasks[this.head++] = undefined as unknown as QueuedTask;
    // Drop the consumed front now and then so the array does not grow for ever.
    if (this.head >= 1024 && this.head * 2 >= this.tasks.length) {
      this.tasks = this.tasks.slice(this.head);
      this.head = 0;
    }
    if (this.lowWaiter !== undefined && this.pending <= this.lowWaiter.limit) this.notifyLow();
    return task;
  }

  private notifyLow(): void {
    const waiter = this.lowWaiter;
    this.lowWaiter = undefined;
    waiter?.resolve();
  }

  private async drain(): Promise<void> {
    try {
      for (let task = this.shift(); task !== undefined; task = this.shift()) {
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

/** True for a Promise or any object with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs the user's callbacks one at a time, in the order they were queued, awaiting any Promise
 * a callback returns before starting the next (libmesos runs them on one actor thread).
 */

/** A unit of work on the queue; may return a Promise, which is awaited. */
export type QueuedTask = () => unknown;

/** A queued method call: `fn.call(self, a, b)`; lets a hot caller queue work without a closure. */
export type QueuedCall<S, A, B> = (this: S, a: A, b: B) => unknown;

/** Slots per queued entry in the flat task array: fn, self, a, b. */
const STRIDE = 4;
/** Consumed slots after which the front of the array is dropped (when it is at least half). */
const COMPACT_AT = 1024 * STRIDE;

/**
 * A serial queue of callbacks; a task that throws or rejects is handed to `onFailure`. Tasks that
 * return a non-promise run back to back synchronously: only a returned thenable costs a microtask.
 * Entries live in one flat array (no object per entry), so queueing an event allocates nothing
 * but the array's growth.
 */
export class CallbackQueue {
  private tasks: unknown[] = [];
  private head = 0;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  private lowWaiter: { limit: number; resolve: () => void } | undefined;
  private readonly drainNow = (): void => this.drain();
  private readonly resumeAfterFailure = (error: unknown): void => {
    this.onFailure(error);
    this.drain();
  };

  constructor(private readonly onFailure: (error: unknown) => void) {}

  /** Number of tasks not yet started. */
  get pending(): number {
    return (this.tasks.length - this.head) / STRIDE;
  }

  /** Appends a task; it runs after every task queued before it has finished. */
  push(task: QueuedTask): void {
    this.pushCall(task as QueuedCall<undefined, undefined, undefined>, undefined, undefined, undefined);
  }

  /** Appends `fn.call(self, a, b)` as a task (see `push`), without allocating a closure. */
  pushCall<S, A, B>(fn: QueuedCall<S, A, B>, self: S, a: A, b: B): void {
    this.tasks.push(fn, self, a, b);
    if (!this.draining) {
      this.draining = true;
      queueMicrotask(this.drainNow);
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

  private notifyLow(): void {
    const waiter = this.lowWaiter;
    this.lowWaiter = undefined;
    waiter?.resolve();
  }

  /**
   * Runs the queued tasks synchronously until the queue is empty or a task returns a thenable;
   * then resumes once that settles (a rejection goes to `onFailure` first).
   */
  private drain(): void {
    for (;;) {
      const tasks = this.tasks;
      const at = this.head;
      if (at >= tasks.length) break;
      const fn = tasks[at] as QueuedCall<unknown, unknown, unknown>;
      const self = tasks[at + 1];
      const a = tasks[at + 2];
      const b = tasks[at + 3];
      tasks[at] = tasks[at + 1] = tasks[at + 2] = tasks[at + 3] = undefined;
      this.head = at + STRIDE;
      // Drop the consumed front now and then so the array does not grow for ever.
      if (this.head >= COMPACT_AT && this.head * 2 >= tasks.length) {
        this.tasks = tasks.slice(this.head);
        this.head = 0;
      }
      if (this.lowWaiter !== undefined && this.pending <= this.lowWaiter.limit) this.notifyLow();
      let result: unknown;
      try {
        result = fn.call(self, a, b);
      } catch (error) {
        this.onFailure(error);
        continue;
      }
      if (result !== undefined && isThenable(result)) {
        Promise.resolve(result).then(this.drainNow, this.resumeAfterFailure);
        return;
      }
    }
    if (this.head > 0) {
      this.tasks = [];
      this.head = 0;
    }
    this.draining = false;
    const waiters = this.idleWaiters;
    if (waiters.length === 0) return;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** True for a Promise or any object with a `then` method. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * How the executor driver hands events to the user's `Executor`: the Node form of libmesos's
 * contract, where callbacks run one at a time on the driver's thread and an executor runs each
 * task on a thread of its own ("start the work, return").
 *
 * - Callbacks are invoked one at a time, in the order of the events. The synchronous part of a
 *   callback always runs to completion before the next callback is invoked.
 * - A promise returned by `registered`, `reregistered`, `disconnected`, `shutdown` or `error` is
 *   awaited before the next callback is invoked (set-up finishes before the first launch).
 * - A promise returned by `launchTask`, `launchTaskGroup`, `killTask` or `frameworkMessage` is NOT
 *   awaited: the work it stands for has started, and the next event is delivered at once. So
 *   launches of different tasks run concurrently, and a kill, a message or a shutdown reaches the
 *   executor while earlier launches are still pending. Such a promise is tracked: its rejection is
 *   reported as a throwing callback is (the driver aborts, then `error` is called), and
 *   {@link ExecutorDispatcher.settled} lets shutdown wait for the pending work.
 */
import { isThenable } from './callback-queue';
import type { Executor } from './executor-types';

/** The callbacks the dispatcher invokes (`error` is invoked by the driver itself). */
export type ExecutorCallbackName = Exclude<keyof Executor, 'error'>;

/** Callbacks whose promise stands for work that has started; the driver does not wait for it. */
export const DETACHED_CALLBACKS: ReadonlySet<ExecutorCallbackName> = new Set<ExecutorCallbackName>([
  'launchTask',
  'launchTaskGroup',
  'killTask',
  'frameworkMessage',
]);

/** What the dispatcher needs from the driver. */
export interface DispatchHooks {
  /** False once the driver stopped or aborted: later callbacks are skipped. */
  isRunning(): boolean;
  /** Reports a callback that threw or whose promise rejected (aborts the driver, calls `error`). */
  onFailure(name: ExecutorCallbackName, error: unknown): Promise<void>;
}

/** Invokes executor callbacks in event order (see the file comment for what is awaited). */
export class ExecutorDispatcher {
  private chain: Promise<void> = Promise.resolve();
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly hooks: DispatchHooks) {}

  /** Number of launchTask/launchTaskGroup/killTask/frameworkMessage promises not yet settled. */
  get pendingCount(): number {
    return this.pending.size;
  }

  /**
   * Runs `step` after every step queued before it has finished; resolves when it has. `step`
   * must not reject (the driver's steps report their own failures).
   */
  enqueue(step: () => unknown): Promise<void> {
    this.chain = this.chain.then(async () => {
      await step();
    });
    return this.chain;
  }

  /**
   * Invokes `callback` (bound by the caller) in event order. Resolves once the next event may be
   * dispatched: after the synchronous part for a detached callback, after its promise otherwise.
   */
  invoke(name: ExecutorCallbackName, callback: () => unknown): Promise<void> {
    return this.enqueue(async () => {
      if (!this.hooks.isRunning()) return;
      let result: unknown;
      try {
        result = callback();
      } catch (err) {
        await this.hooks.onFailure(name, err);
        return;
      }
      if (!isThenable(result)) return;
      if (DETACHED_CALLBACKS.has(name)) {
        this.track(name, result);
        return;
      }
      try {
        await result;
      } catch (err) {
        await this.hooks.onFailure(name, err);
      }
    });
  }

  /**
   * Resolves once every tracked promise pending now has settled, or after `timeoutMs` (an unref'd
   * timer), whichever comes first. Shutdown waits here so terminal updates sent when the tasks end
   * still go out before the driver stops.
   */
  settled(timeoutMs: number): Promise<void> {
    if (this.pending.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      void Promise.all([...this.pending]).then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private track(name: ExecutorCallbackName, work: PromiseLike<unknown>): void {
    const tracked: Promise<void> = Promise.resolve(work)
      .then(
        () => undefined,
        (err: unknown) => {
          // Reported in event order, like any other callback failure.
          void this.enqueue(() => this.hooks.onFailure(name, err));
        },
      )
      .finally(() => this.pending.delete(tracked));
    this.pending.add(tracked);
  }
}

/**
 * The promise behind a driver's join(): settled once, with the first status given, but only after
 * the work held on it is over (a fatal error's `error` callback, stopping an embedded cluster), so
 * that code running after `await driver.join()` sees a driver that is completely done.
 */
export class JoinGate<T> {
  /** What join() returns. */
  readonly promise: Promise<T>;
  private resolve!: (value: T) => void;
  private readonly held: Array<Promise<unknown>> = [];
  private readonly finalizers: Array<() => unknown> = [];
  private settling = false;

  constructor() {
    this.promise = new Promise<T>((resolve) => {
      this.resolve = resolve;
    });
  }

  /** join() waits until the returned function is called (once the work is over). */
  hold(): () => void {
    let release!: () => void;
    this.held.push(
      new Promise<void>((resolve) => {
        release = resolve;
      }),
    );
    return release;
  }

  /** Runs `finalizer` when the gate settles, and waits for the Promise it returns (its rejection is ignored). */
  onSettle(finalizer: () => unknown): void {
    this.finalizers.push(finalizer);
  }

  /** Settles with `value` (later calls change nothing): at once when nothing is held, else once all of it is over. */
  settle(value: T): void {
    if (this.settling) return;
    this.settling = true;
    if (this.held.length === 0 && this.finalizers.length === 0) {
      this.resolve(value);
      return;
    }
    void this.drain().then(() => this.resolve(value));
  }

  private async drain(): Promise<void> {
    // Work may be held while waiting (an abort's error callback calling stop()): wait for that too.
    while (this.held.length > 0 || this.finalizers.length > 0) {
      const finalizers = this.finalizers.splice(0);
      const work = [...this.held.splice(0), ...finalizers.map((run) => Promise.resolve().then(run))];
      await Promise.allSettled(work);
    }
  }
}

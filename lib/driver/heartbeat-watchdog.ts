/**
 * Declares a subscription lost when nothing (no event, heartbeat or otherwise) has arrived for
 * `missedIntervals` heartbeat intervals. Mesos leaves this to the client; the docs suggest ~5.
 *
 * While the driver stops reading the stream because its callbacks are behind (backpressure), the
 * watch is paused: the silence is then the framework's own, not the master's (a paused reader
 * cannot see heartbeats, and the master does not drop a slow reader). Reading again restarts the
 * full deadline.
 */

/** Watches the time since the last event on the subscription stream. */
export class HeartbeatWatchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deadlineMs = 0;
  private paused = false;

  /**
   * @param missedIntervals - how many silent intervals count as a lost subscription.
   * @param onExpired - called once when the deadline passes, with the silence in ms.
   */
  constructor(
    private readonly missedIntervals: number,
    private readonly onExpired: (silentMs: number) => void,
  ) {}

  /** (Re)starts the watch with a heartbeat interval in seconds. */
  start(intervalSeconds: number): void {
    this.deadlineMs = Math.max(1, Math.round(intervalSeconds * 1000 * this.missedIntervals));
    this.paused = false;
    this.arm();
  }

  /** Something arrived on the stream: push the deadline back. */
  touch(): void {
    // refresh() re-arms the same timer: no allocation on the per-event path.
    this.timer?.refresh();
  }

  /** Suspends the watch while the stream is deliberately not read (see the class comment). */
  pause(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.paused = true;
  }

  /** Ends a pause: the full deadline starts again from now. */
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.arm();
  }

  /** Stops watching. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.paused = false;
  }

  private arm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    const silentMs = this.deadlineMs;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.onExpired(silentMs);
    }, silentMs);
    this.timer.unref?.();
  }
}

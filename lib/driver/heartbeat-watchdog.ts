/**
 * Declares a subscription lost when nothing (no event, heartbeat or otherwise) has arrived for
 * `missedIntervals` heartbeat intervals. Mesos leaves this to the client; the docs suggest ~5.
 */

/** Watches the time since the last event on the subscription stream. */
export class HeartbeatWatchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private deadlineMs = 0;

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
    this.arm();
  }

  /** Something arrived on the stream: push the deadline back. */
  touch(): void {
    if (this.timer !== undefined) this.arm();
  }

  /** Stops watching. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
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

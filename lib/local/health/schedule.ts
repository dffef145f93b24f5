/**
 * The timing both kinds of task checks share: the first run `delay` after the start, then each run
 * `interval` after the previous one ended (as Mesos's checker library schedules them), every run
 * bounded by `timeout`. Timers are unref'd; {@link ProbeLoop.stop} ends the loop for good.
 */
import { createLogger } from '../../common/logger';
import type { Probe, ProbeResult, ProbeTarget } from './probes';

const log = createLogger('local:checks');

/** Runs a probe; {@link runProbe} in production, a fake in unit tests. */
export type ProbeRunner = (probe: Probe, target: ProbeTarget, timeoutMs: number) => Promise<ProbeResult>;

/** Timing of a loop, in ms. */
export interface LoopTiming {
  readonly delayMs: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
}

/** Seconds (a proto double) to ms, never negative. */
export function secondsToMs(seconds: number | undefined, defaultSeconds: number): number {
  return Math.max(0, (seconds ?? defaultSeconds) * 1000);
}

/** The timing of a HealthCheck or CheckInfo, with Mesos's defaults (15 s delay, 10 s interval, 20 s timeout). */
export function loopTiming(check: {
  delay_seconds?: number;
  interval_seconds?: number;
  timeout_seconds?: number;
}): LoopTiming {
  return {
    delayMs: secondsToMs(check.delay_seconds, 15),
    intervalMs: secondsToMs(check.interval_seconds, 10),
    timeoutMs: secondsToMs(check.timeout_seconds, 20),
  };
}

export class ProbeLoop {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly name: string,
    private readonly probe: Probe,
    private readonly target: ProbeTarget,
    private readonly timing: LoopTiming,
    private readonly run: ProbeRunner,
    private readonly onResult: (result: ProbeResult) => void,
  ) {}

  start(): void {
    this.schedule(this.timing.delayMs);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  get active(): boolean {
    return !this.stopped;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.once(), ms);
    this.timer.unref();
  }

  private async once(): Promise<void> {
    this.timer = undefined;
    let result: ProbeResult;
    try {
      result = await this.run(this.probe, this.target, this.timing.timeoutMs);
    } catch (err) {
      result = { error: (err as Error).message };
    }
    if (this.stopped) return;
    log('%s: %o', this.name, result);
    this.onResult(result);
    this.schedule(this.timing.intervalMs);
  }
}

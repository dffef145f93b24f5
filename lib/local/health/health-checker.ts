/**
 * Mesos's health checker for one task (TaskInfo.health_check), as the built-in executors run it:
 * failures during the grace period (counted from the start, delay included) are ignored until the
 * first success; every failure after it is reported unhealthy, the first success and the first
 * success after failures healthy; after `consecutive_failures` failures in a row the report asks
 * for the task to be killed. A COMMAND succeeds on exit code 0, HTTP on a status in 200-399, TCP
 * when the connection opens; a timeout is a failure.
 */
import type { HealthCheck } from '../../codec/messages';
import type { Probe, ProbeResult, ProbeTarget } from './probes';
import { loopTiming, ProbeLoop, type ProbeRunner, secondsToMs } from './schedule';

/** One report of the checker. */
export interface HealthReport {
  readonly healthy: boolean;
  /** True once the consecutive failures allowed are used up: the executor kills the task. */
  readonly killTask: boolean;
  readonly consecutiveFailures: number;
}

/** The probe a (validated) health check describes. */
export function healthProbe(check: HealthCheck): Probe {
  if (check.type === 'COMMAND') return { kind: 'COMMAND', command: check.command ?? {} };
  if (check.type === 'HTTP') {
    const http = check.http ?? { port: 0 };
    return { kind: 'HTTP', port: http.port, path: http.path, scheme: http.scheme, ipv6: http.protocol === 'IPv6' };
  }
  return { kind: 'TCP', port: check.tcp?.port ?? 0, ipv6: check.tcp?.protocol === 'IPv6' };
}

/** Whether a probe's result is a healthy one. */
export function isHealthy(probe: Probe, result: ProbeResult): boolean {
  if (result.timedOut) return false;
  if (probe.kind === 'COMMAND') return result.exitCode === 0;
  if (probe.kind === 'HTTP')
    return result.statusCode !== undefined && result.statusCode >= 200 && result.statusCode < 400;
  return result.connected === true;
}

export class HealthChecker {
  private readonly loop: ProbeLoop;
  private readonly probe: Probe;
  private startedAt = 0;
  private initializing = true;
  private failures = 0;

  constructor(
    private readonly check: HealthCheck,
    target: ProbeTarget,
    run: ProbeRunner,
    private readonly report: (report: HealthReport) => void,
    name = 'health check',
  ) {
    this.probe = healthProbe(check);
    const timing = loopTiming(check);
    this.loop = new ProbeLoop(name, this.probe, target, timing, run, (result) => this.judge(result));
  }

  start(): void {
    this.startedAt = Date.now();
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private judge(result: ProbeResult): void {
    if (isHealthy(this.probe, result)) {
      if (this.initializing || this.failures > 0)
        this.report({ healthy: true, killTask: false, consecutiveFailures: 0 });
      this.initializing = false;
      this.failures = 0;
      return;
    }
    const graceMs = secondsToMs(this.check.grace_period_seconds, 10);
    if (this.initializing && graceMs > 0 && Date.now() - this.startedAt <= graceMs) return;
    this.failures += 1;
    const allowed = this.check.consecutive_failures ?? 3;
    this.report({ healthy: false, killTask: this.failures >= allowed, consecutiveFailures: this.failures });
  }
}

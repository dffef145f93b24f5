/**
 * Mesos's general check for one task (TaskInfo.check): runs like a health check but only reports
 * what it saw, in a CheckStatusInfo (a COMMAND's exit code, an HTTP status code, whether a TCP
 * connection opened), and only when that differs from the last report. A run that produced no
 * result (timeout, command not started, HTTP connection failed) leaves the field empty: "unknown".
 */
import type { CheckInfo, CheckStatusInfo } from '../../codec/messages';
import type { Probe, ProbeResult, ProbeTarget } from './probes';
import { loopTiming, ProbeLoop, type ProbeRunner } from './schedule';

/** The probe a (validated) check describes. */
export function checkProbe(check: CheckInfo): Probe {
  if (check.type === 'COMMAND') return { kind: 'COMMAND', command: check.command?.command ?? {} };
  if (check.type === 'HTTP') return { kind: 'HTTP', port: check.http?.port ?? 0, path: check.http?.path };
  return { kind: 'TCP', port: check.tcp?.port ?? 0 };
}

/** The CheckStatusInfo of a check that has no result yet (what TASK_RUNNING carries). */
export function emptyCheckStatus(type: CheckInfo.Type | undefined): CheckStatusInfo {
  if (type === 'COMMAND') return { type, command: {} };
  if (type === 'HTTP') return { type, http: {} };
  if (type === 'TCP') return { type, tcp: {} };
  return { type: type ?? 'UNKNOWN' };
}

/** The CheckStatusInfo a result of `type`'s probe gives. */
export function checkStatusOf(type: CheckInfo.Type | undefined, result: ProbeResult): CheckStatusInfo {
  const status = emptyCheckStatus(type);
  if (result.timedOut) return status;
  if (status.command && result.exitCode !== undefined) status.command.exit_code = result.exitCode;
  if (status.http && result.statusCode !== undefined) status.http.status_code = result.statusCode;
  if (status.tcp && result.connected !== undefined) status.tcp.succeeded = result.connected;
  return status;
}

function sameStatus(a: CheckStatusInfo, b: CheckStatusInfo): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class Checker {
  private readonly loop: ProbeLoop;
  private last: CheckStatusInfo;

  constructor(
    private readonly check: CheckInfo,
    target: ProbeTarget,
    run: ProbeRunner,
    private readonly report: (status: CheckStatusInfo) => void,
    name = 'check',
  ) {
    this.last = emptyCheckStatus(check.type);
    const timing = loopTiming(check);
    this.loop = new ProbeLoop(name, checkProbe(check), target, timing, run, (result) => this.judge(result));
  }

  /** The latest status (empty until a run gave a result). */
  get status(): CheckStatusInfo {
    return this.last;
  }

  start(): void {
    this.loop.start();
  }

  stop(): void {
    this.loop.stop();
  }

  private judge(result: ProbeResult): void {
    const status = checkStatusOf(this.check.type, result);
    if (sameStatus(status, this.last)) return;
    this.last = status;
    this.report(status);
  }
}

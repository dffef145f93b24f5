/**
 * How a command task is killed, as Mesos's command executor does it: SIGTERM to the task's process
 * group, then SIGKILL when the grace period runs out. The grace period is the KILL call's
 * KillPolicy, else the task's, else the agent's default (3 s, Mesos's). A later kill can shorten
 * what is left of the grace period (SIGKILL at once if it is already over) but never lengthen it.
 */
import type { KillPolicy } from '../codec/messages';
import type { SandboxedProcess } from './task-process';

/** The grace period of a kill in ms: the call's policy first, then the task's, then `defaultMs`. */
export function killGraceMs(call: KillPolicy | undefined, task: KillPolicy | undefined, defaultMs: number): number {
  const duration = call?.grace_period ?? task?.grace_period;
  return duration === undefined ? defaultMs : Math.max(0, Number(duration.nanoseconds) / 1e6);
}

/** The SIGTERM/SIGKILL escalation of one process group. */
export class KillEscalation {
  private startedAt: number | undefined;
  private deadline = Number.POSITIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly child: SandboxedProcess) {
    void child.exited.then(() => this.cancel());
  }

  /** True once the first kill was sent. */
  get started(): boolean {
    return this.startedAt !== undefined;
  }

  /** First call: SIGTERM and SIGKILL after `graceMs`. Later calls: SIGKILL earlier if `graceMs` says so. */
  kill(graceMs: number): void {
    if (this.child.hasExited) return;
    const now = Date.now();
    if (this.startedAt === undefined) {
      this.startedAt = now;
      this.child.signalGroup('SIGTERM');
    }
    const deadline = this.startedAt + graceMs;
    if (deadline >= this.deadline) return;
    this.deadline = deadline;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.child.signalGroup('SIGKILL'), Math.max(0, deadline - now));
    this.timer.unref();
  }

  /** Forgets the pending SIGKILL (the process is gone). */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

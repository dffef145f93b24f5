/**
 * Health checks and checks of one command task, as Mesos's command executor runs them: both start
 * when the task runs; a change of health is a TASK_RUNNING update with `healthy` and reason
 * REASON_TASK_HEALTH_CHECK_STATUS_UPDATED, a change of check status one with `check_status` and
 * REASON_TASK_CHECK_STATUS_UPDATED. Like Mesos's executors, these two repeat the previous such
 * update (a check update keeps the last `healthy`, a health update the last check status); every
 * other update of a task with a check carries an empty CheckStatusInfo of its type. When the
 * consecutive failures allowed are used up the task is killed, and its terminal update says
 * `healthy: false`. A kill stops both loops.
 * Also the master's validation of both fields (a bad one is TASK_ERROR, REASON_TASK_INVALID).
 */
import type { CheckInfo, CheckStatusInfo, HealthCheck, TaskInfo, TaskStatus } from '../../codec/messages';
import { Checker, emptyCheckStatus } from './checker';
import { HealthChecker } from './health-checker';
import { type ProbeTarget, runProbe } from './probes';
import type { ProbeRunner } from './schedule';

/** What the checks need from the agent. */
export interface TaskChecksHooks {
  /** Sends a TASK_RUNNING update with these fields (the caller decorates it again). */
  update(fields: Pick<TaskStatus, 'healthy' | 'reason' | 'check_status'>): void;
  /** Kills the task as a framework's KILL would (the task's kill policy applies). */
  kill(): void;
}

export class TaskChecks {
  private readonly health: HealthChecker | undefined;
  private readonly checker: Checker | undefined;
  private readonly type: CheckInfo.Type | undefined;
  private killedByHealthCheck = false;
  /** What the last health or check update said. */
  private healthy: boolean | undefined;
  private checkStatus: CheckStatusInfo | undefined;

  /** The checks of `task`, or undefined when it has neither a health check nor a check. */
  static of(
    task: TaskInfo,
    target: ProbeTarget,
    update: TaskChecksHooks['update'],
    kill: TaskChecksHooks['kill'],
    run: ProbeRunner = runProbe,
  ): TaskChecks | undefined {
    return task.health_check || task.check ? new TaskChecks(task, target, { update, kill }, run) : undefined;
  }

  private constructor(task: TaskInfo, target: ProbeTarget, hooks: TaskChecksHooks, run: ProbeRunner) {
    const name = task.task_id.value;
    this.type = task.check?.type;
    if (task.health_check) {
      this.health = new HealthChecker(
        task.health_check,
        target,
        run,
        (report) => {
          this.healthy = report.healthy;
          const reason = 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';
          hooks.update({ healthy: report.healthy, reason, check_status: this.lastCheckStatus() });
          if (report.killTask) {
            this.killedByHealthCheck = true;
            hooks.kill();
          }
        },
        `health check of ${name}`,
      );
    }
    if (task.check) {
      this.checker = new Checker(
        task.check,
        target,
        run,
        (status) => {
          this.checkStatus = status;
          hooks.update({ healthy: this.healthy, reason: 'REASON_TASK_CHECK_STATUS_UPDATED', check_status: status });
        },
        `check of ${name}`,
      );
    }
  }

  /** Starts both loops (when the task runs). */
  start(): void {
    this.health?.start();
    this.checker?.start();
  }

  /** Stops both loops (on a kill or the task's end); the latest statuses stay. */
  stop(): void {
    this.health?.stop();
    this.checker?.stop();
  }

  /** Completes an update of the task: an empty check status unless it has one; `healthy: false` ending a health kill. */
  decorate(status: TaskStatus, terminal: boolean): void {
    if (this.type && !status.check_status) status.check_status = emptyCheckStatus(this.type);
    if (terminal && this.killedByHealthCheck) status.healthy = false;
  }

  private lastCheckStatus(): CheckStatusInfo | undefined {
    return this.checkStatus ? structuredClone(this.checkStatus) : this.type && emptyCheckStatus(this.type);
  }
}

function nonNegative(fields: Record<string, number | undefined>): string | undefined {
  for (const [name, value] of Object.entries(fields))
    if (value !== undefined && !(value >= 0)) return `Expecting '${name}' to be non-negative`;
  return undefined;
}

/** Mesos's validation of a HealthCheck; undefined when valid. */
export function healthCheckProblem(check: HealthCheck): string | undefined {
  if (check.type === undefined) return "HealthCheck must specify 'type'";
  if (check.type === 'COMMAND') {
    if (!check.command) return "Expecting 'command' to be set for COMMAND health check";
    if (!check.command.value) return 'Command health check must contain a shell command or an executable';
  } else if (check.type === 'HTTP') {
    if (!check.http) return "Expecting 'http' to be set for HTTP health check";
    const scheme = check.http.scheme;
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https')
      return `Unsupported HTTP health check scheme: '${scheme}'`;
    if (check.http.path !== undefined && !check.http.path.startsWith('/'))
      return `The path '${check.http.path}' of HTTP health check must start with '/'`;
  } else if (check.type === 'TCP') {
    if (!check.tcp) return "Expecting 'tcp' to be set for TCP health check";
  } else {
    return `'${check.type}' is not a valid health check type`;
  }
  return nonNegative({
    delay_seconds: check.delay_seconds,
    interval_seconds: check.interval_seconds,
    timeout_seconds: check.timeout_seconds,
    grace_period_seconds: check.grace_period_seconds,
  });
}

/** Mesos's validation of a CheckInfo; undefined when valid. */
export function checkProblem(check: CheckInfo): string | undefined {
  if (check.type === undefined) return "CheckInfo must specify 'type'";
  if (check.type === 'COMMAND') {
    if (!check.command) return "Expecting 'command' to be set for COMMAND check";
    if (!check.command.command?.value) return 'Command check must contain a shell command or an executable';
  } else if (check.type === 'HTTP') {
    if (!check.http) return "Expecting 'http' to be set for HTTP check";
    if (check.http.path !== undefined && !check.http.path.startsWith('/'))
      return `The path '${check.http.path}' of HTTP check must start with '/'`;
  } else if (check.type === 'TCP') {
    if (!check.tcp) return "Expecting 'tcp' to be set for TCP check";
  } else {
    return `'${check.type}' is not a valid check type`;
  }
  return nonNegative({
    delay_seconds: check.delay_seconds,
    interval_seconds: check.interval_seconds,
    timeout_seconds: check.timeout_seconds,
  });
}

/** The master's verdict on a task's health check and check: a TASK_ERROR message, or undefined. */
export function taskChecksProblem(task: TaskInfo): string | undefined {
  const health = task.health_check && healthCheckProblem(task.health_check);
  if (health) return `Task's health check is invalid: ${health}`;
  const check = task.check && checkProblem(task.check);
  return check ? `Task's check is invalid: ${check}` : undefined;
}

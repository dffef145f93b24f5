/** The task checks' logic on a fake clock with scripted probe results: grace period, reports, kill, check status changes, validation; and the kill escalation. */
import { expect } from 'chai';
import sinon from 'sinon';
import type { CheckStatusInfo, HealthCheck, TaskInfo, TaskStatus } from '../../lib/codec/messages';
import { Checker } from '../../lib/local/health/checker';
import { HealthChecker, type HealthReport } from '../../lib/local/health/health-checker';
import type { Probe, ProbeResult } from '../../lib/local/health/probes';
import { checkProblem, healthCheckProblem, TaskChecks, taskChecksProblem } from '../../lib/local/health/task-checks';
import { KillEscalation, killGraceMs } from '../../lib/local/kill-escalation';
import type { ProcessExit, SandboxedProcess } from '../../lib/local/task-process';

const target = { sandbox: '/nonexistent', env: {} };

/** A probe runner answering from a script (the last answer repeats) and counting its runs. */
function scripted(answers: ProbeResult[]) {
  const runs: Array<{ probe: Probe; at: number; timeoutMs: number }> = [];
  const run = async (probe: Probe, _target: unknown, timeoutMs: number) => {
    runs.push({ probe, at: Date.now(), timeoutMs });
    return answers[Math.min(runs.length - 1, answers.length - 1)] as ProbeResult;
  };
  return { run, runs };
}

describe('local health checks (logic)', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => clock.restore());

  it('runs after delay_seconds, then every interval_seconds after the previous run, with timeout_seconds', async () => {
    const { run, runs } = scripted([{ exitCode: 0 }]);
    const checker = new HealthChecker(
      { type: 'COMMAND', command: { value: 'true' }, delay_seconds: 2, interval_seconds: 1, timeout_seconds: 0.5 },
      target,
      run,
      () => {},
    );
    checker.start();
    await clock.tickAsync(1999);
    expect(runs).to.have.length(0);
    await clock.tickAsync(1);
    await clock.tickAsync(2000);
    expect(runs.map((r) => r.at - 1_000_000)).to.deep.equal([2000, 3000, 4000]);
    expect(runs[0]?.timeoutMs).to.equal(500);
    checker.stop();
    await clock.tickAsync(5000);
    expect(runs).to.have.length(3);
  });

  it('uses Mesos defaults: 15 s delay, 10 s interval, 20 s timeout', async () => {
    const { run, runs } = scripted([{ connected: true }]);
    const checker = new HealthChecker({ type: 'TCP', tcp: { port: 1 } }, target, run, () => {});
    checker.start();
    await clock.tickAsync(25_000);
    checker.stop();
    expect(runs.map((r) => r.at - 1_000_000)).to.deep.equal([15_000, 25_000]);
    expect(runs[0]?.timeoutMs).to.equal(20_000);
  });

  it('ignores failures in the grace period until the first success, reports the first success, each failure, and a recovery', async () => {
    const reports: HealthReport[] = [];
    const answers: ProbeResult[] = [
      { error: 'refused' }, // t=0: in grace, ignored
      { statusCode: 503 }, // t=1: in grace, ignored
      { statusCode: 200 }, // t=2: healthy
      { statusCode: 204 }, // t=3: still healthy, no report
      { statusCode: 500 }, // t=4: unhealthy 1
      { timedOut: true }, // t=5: unhealthy 2
      { statusCode: 302 }, // t=6: healthy again
      { statusCode: 404 }, // t=7: unhealthy 1
    ];
    const { run } = scripted(answers);
    const checker = new HealthChecker(
      {
        type: 'HTTP',
        http: { port: 80 },
        delay_seconds: 0,
        interval_seconds: 1,
        grace_period_seconds: 1.5,
        consecutive_failures: 3,
      },
      target,
      run,
      (r) => reports.push(r),
    );
    checker.start();
    await clock.tickAsync(7000);
    checker.stop();
    expect(reports).to.deep.equal([
      { healthy: true, killTask: false, consecutiveFailures: 0 },
      { healthy: false, killTask: false, consecutiveFailures: 1 },
      { healthy: false, killTask: false, consecutiveFailures: 2 },
      { healthy: true, killTask: false, consecutiveFailures: 0 },
      { healthy: false, killTask: false, consecutiveFailures: 1 },
    ]);
  });

  it('counts failures once the grace period is over even without a success, and asks for the kill at consecutive_failures', async () => {
    const reports: HealthReport[] = [];
    const { run } = scripted([{ exitCode: 1 }]);
    const checker = new HealthChecker(
      {
        type: 'COMMAND',
        command: { value: 'false' },
        delay_seconds: 0,
        interval_seconds: 1,
        grace_period_seconds: 2,
        consecutive_failures: 2,
      },
      target,
      run,
      (r) => reports.push(r),
    );
    checker.start();
    await clock.tickAsync(4000);
    checker.stop();
    // t=0,1,2 within the grace period (<= 2 s); t=3 and t=4 count.
    expect(reports).to.deep.equal([
      { healthy: false, killTask: false, consecutiveFailures: 1 },
      { healthy: false, killTask: true, consecutiveFailures: 2 },
    ]);
  });

  it('judges HTTP by 200-399 (statuses ignored), TCP by the connection, COMMAND by exit code 0', async () => {
    const cases: Array<[HealthCheck, ProbeResult, boolean]> = [
      [{ type: 'HTTP', http: { port: 1, statuses: [500] } }, { statusCode: 500 }, false],
      [{ type: 'HTTP', http: { port: 1 } }, { statusCode: 399 }, true],
      [{ type: 'HTTP', http: { port: 1 } }, { statusCode: 400 }, false],
      [{ type: 'TCP', tcp: { port: 1 } }, { connected: false }, false],
      [{ type: 'TCP', tcp: { port: 1 } }, { connected: true }, true],
      [{ type: 'COMMAND', command: { value: 'x' } }, { exitCode: 2 }, false],
      [{ type: 'COMMAND', command: { value: 'x' } }, { exitCode: 0 }, true],
    ];
    for (const [check, answer, healthy] of cases) {
      const reports: HealthReport[] = [];
      const { run } = scripted([answer]);
      const checker = new HealthChecker(
        { ...check, delay_seconds: 0, grace_period_seconds: 0, consecutive_failures: 5 },
        target,
        run,
        (r) => reports.push(r),
      );
      checker.start();
      await clock.tickAsync(1);
      checker.stop();
      expect(
        reports.map((r) => r.healthy),
        JSON.stringify(check),
      ).to.deep.equal([healthy]);
    }
  });

  it('a check reports its status only when it changes; no result leaves the field empty', async () => {
    const statuses: CheckStatusInfo[] = [];
    const { run } = scripted([
      { statusCode: 200 },
      { statusCode: 200 },
      { statusCode: 503 },
      { error: 'refused' },
      { timedOut: true },
      { statusCode: 200 },
    ]);
    const checker = new Checker(
      { type: 'HTTP', http: { port: 1, path: '/ready' }, delay_seconds: 0, interval_seconds: 1 },
      target,
      run,
      (s) => statuses.push(s),
    );
    expect(checker.status).to.deep.equal({ type: 'HTTP', http: {} });
    checker.start();
    await clock.tickAsync(5000);
    checker.stop();
    expect(statuses).to.deep.equal([
      { type: 'HTTP', http: { status_code: 200 } },
      { type: 'HTTP', http: { status_code: 503 } },
      { type: 'HTTP', http: {} },
      { type: 'HTTP', http: { status_code: 200 } },
    ]);
  });

  it('COMMAND and TCP checks report the exit code and whether the connection opened', async () => {
    const seen: CheckStatusInfo[] = [];
    const command = scripted([{ exitCode: 3 }, { exitCode: 0 }]);
    const tcp = scripted([{ connected: false }, { connected: true }]);
    const a = new Checker(
      { type: 'COMMAND', command: { command: { value: 'x' } }, delay_seconds: 0 },
      target,
      command.run,
      (s) => seen.push(s),
    );
    const b = new Checker(
      { type: 'TCP', tcp: { port: 1 }, delay_seconds: 0, interval_seconds: 1 },
      target,
      tcp.run,
      (s) => seen.push(s),
    );
    a.start();
    b.start();
    await clock.tickAsync(10_000);
    a.stop();
    b.stop();
    expect(seen).to.deep.include.members([
      { type: 'COMMAND', command: { exit_code: 3 } },
      { type: 'COMMAND', command: { exit_code: 0 } },
      { type: 'TCP', tcp: { succeeded: false } },
      { type: 'TCP', tcp: { succeeded: true } },
    ]);
  });

  it('a task with both: a health update repeats the last check status, a check update the last health', async () => {
    const fields: Array<Record<string, unknown>> = [];
    const kills: number[] = [];
    const run = async (probe: Probe): Promise<ProbeResult> =>
      probe.kind === 'TCP' ? { connected: Date.now() < 1_002_500 } : { exitCode: 7 };
    const task = {
      name: 't',
      task_id: { value: 't' },
      agent_id: { value: 'a' },
      health_check: { type: 'TCP', tcp: { port: 1 }, delay_seconds: 0, interval_seconds: 1, consecutive_failures: 1 },
      check: { type: 'COMMAND', command: { command: { value: 'x' } }, delay_seconds: 0.5, interval_seconds: 1 },
    } as TaskInfo;
    const checks = TaskChecks.of(
      task,
      target,
      (f) => fields.push(f),
      () => kills.push(Date.now()),
      run,
    );
    checks?.start();
    await clock.tickAsync(3000);
    checks?.stop();
    const health = 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';
    expect(fields).to.deep.equal([
      { healthy: true, reason: health, check_status: { type: 'COMMAND', command: {} } },
      {
        healthy: true,
        reason: 'REASON_TASK_CHECK_STATUS_UPDATED',
        check_status: { type: 'COMMAND', command: { exit_code: 7 } },
      },
      { healthy: false, reason: health, check_status: { type: 'COMMAND', command: { exit_code: 7 } } },
    ]);
    expect(kills).to.deep.equal([1_003_000]);
    const terminal = { task_id: { value: 't' }, state: 'TASK_KILLED' } as TaskStatus;
    checks?.decorate(terminal, true);
    expect(terminal).to.include({ healthy: false });
    expect(terminal.check_status).to.deep.equal({ type: 'COMMAND', command: {} });
  });

  it('validates health checks and checks as Mesos does', () => {
    expect(healthCheckProblem({})).to.equal("HealthCheck must specify 'type'");
    expect(healthCheckProblem({ type: 'UNKNOWN' })).to.match(/not a valid health check type/);
    expect(healthCheckProblem({ type: 'HTTP' })).to.equal("Expecting 'http' to be set for HTTP health check");
    expect(healthCheckProblem({ type: 'HTTP', http: { port: 1, scheme: 'ftp' } })).to.match(/scheme: 'ftp'/);
    expect(healthCheckProblem({ type: 'HTTP', http: { port: 1, path: 'x' } })).to.match(/must start with '\/'/);
    expect(healthCheckProblem({ type: 'TCP', tcp: { port: 1 }, interval_seconds: -1 })).to.match(/interval_seconds/);
    expect(healthCheckProblem({ type: 'COMMAND', command: {} })).to.match(/shell command/);
    expect(healthCheckProblem({ type: 'TCP', tcp: { port: 1 } })).to.equal(undefined);
    expect(checkProblem({ type: 'COMMAND' })).to.equal("Expecting 'command' to be set for COMMAND check");
    expect(checkProblem({ type: 'TCP', tcp: { port: 1 }, timeout_seconds: -2 })).to.match(/timeout_seconds/);
    expect(checkProblem({ type: 'HTTP', http: { port: 1, path: '/ok' } })).to.equal(undefined);
    const task = { name: 't', task_id: { value: 't' }, agent_id: { value: 'a' } } as TaskInfo;
    expect(taskChecksProblem({ ...task, check: {} })).to.equal(
      "Task's check is invalid: CheckInfo must specify 'type'",
    );
    expect(taskChecksProblem({ ...task, health_check: {} })).to.match(/^Task's health check is invalid/);
    expect(taskChecksProblem(task)).to.equal(undefined);
  });
});

describe('local kill escalation', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers({ now: 5_000 });
  });
  afterEach(() => clock.restore());

  function fakeProcess() {
    const signals: Array<[string, number]> = [];
    let resolveExit: (exit: ProcessExit) => void = () => {};
    const child: SandboxedProcess & { exit(): void } = {
      pid: 1234,
      exited: new Promise<ProcessExit>((resolve) => (resolveExit = resolve)),
      hasExited: false,
      signalGroup(signal) {
        signals.push([signal, Date.now() - 5_000]);
        return true;
      },
      exit() {
        (this as { hasExited: boolean }).hasExited = true;
        resolveExit({ waitStatus: 15, code: null, signal: 'SIGTERM' });
      },
    };
    return { child, signals };
  }

  it('takes the grace period from the call, then the task, then the default', () => {
    const s = (ms: number) => ({ grace_period: { nanoseconds: ms * 1e6 } });
    expect(killGraceMs(s(100), s(200), 3000)).to.equal(100);
    expect(killGraceMs(undefined, s(200), 3000)).to.equal(200);
    expect(killGraceMs({}, s(200), 3000)).to.equal(200);
    expect(killGraceMs(undefined, undefined, 3000)).to.equal(3000);
  });

  it('SIGTERM at once, SIGKILL after the grace period; a later kill shortens it but never lengthens it', async () => {
    const { child, signals } = fakeProcess();
    const escalation = new KillEscalation(child);
    escalation.kill(5000);
    await clock.tickAsync(1000);
    escalation.kill(10_000); // longer: ignored
    escalation.kill(3000); // shorter: SIGKILL at 3 s from the first kill
    await clock.tickAsync(1999);
    expect(signals).to.deep.equal([['SIGTERM', 0]]);
    await clock.tickAsync(1);
    expect(signals).to.deep.equal([
      ['SIGTERM', 0],
      ['SIGKILL', 3000],
    ]);
  });

  it('a later kill whose grace period is already over sends SIGKILL at once; nothing after the exit', async () => {
    const { child, signals } = fakeProcess();
    const escalation = new KillEscalation(child);
    escalation.kill(5000);
    await clock.tickAsync(2000);
    escalation.kill(0);
    await clock.tickAsync(0);
    expect(signals.map((s) => s[0])).to.deep.equal(['SIGTERM', 'SIGKILL']);

    const other = fakeProcess();
    const second = new KillEscalation(other.child);
    second.kill(1000);
    other.child.exit();
    await clock.tickAsync(5000);
    second.kill(0);
    expect(other.signals.map((s) => s[0])).to.deep.equal(['SIGTERM']);
  });
});

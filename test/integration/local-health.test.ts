import { expect } from 'chai';
import { FRAMEWORK, freePort, httpServerCommand, task, useLocalAgent } from './local-task-helpers';

const fast = { delay_seconds: 0, interval_seconds: 0.1, timeout_seconds: 2 };

describe('LocalAgent health checks and checks (real processes)', function () {
  this.timeout(20_000);
  const ctx = useLocalAgent();

  it('HTTP: healthy once the task serves 2xx, unhealthy on each failure, TASK_KILLED with healthy false after consecutive_failures', async () => {
    const port = await freePort();
    ctx.agent.launch(FRAMEWORK, [
      task('web', httpServerCommand(port, 2), {
        health_check: {
          type: 'HTTP',
          http: { port, path: '/health' },
          ...fast,
          grace_period_seconds: 5,
          consecutive_failures: 2,
        },
      }),
    ]);
    await ctx.updates.until('TASK_KILLED', () => ctx.updates.of('web').some((s) => s.state === 'TASK_KILLED'));
    const seen = ctx.updates.of('web').map((s) => [s.state, s.healthy, s.reason]);
    const reason = 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';
    expect(seen).to.deep.equal([
      ['TASK_STARTING', undefined, undefined],
      ['TASK_RUNNING', undefined, undefined],
      ['TASK_RUNNING', true, reason],
      ['TASK_RUNNING', false, reason],
      ['TASK_RUNNING', false, reason],
      ['TASK_KILLING', undefined, undefined],
      ['TASK_KILLED', false, undefined],
    ]);
  });

  it('COMMAND: runs in the sandbox with the task environment; TCP: connects to the port', async () => {
    const port = await freePort();
    const environment = { variables: [{ name: 'MARKER', value: 'ready.flag' }] };
    ctx.agent.launch(FRAMEWORK, [
      task('cmd', 'touch "$MARKER"; exec sleep 30', {
        command: { value: 'touch "$MARKER"; exec sleep 30', environment },
        health_check: {
          type: 'COMMAND',
          command: { value: 'test -f "$MARKER" && test "$MESOS_TASK_ID" = cmd' },
          ...fast,
        },
      }),
      task('tcp', httpServerCommand(port, 1000), { health_check: { type: 'TCP', tcp: { port }, ...fast } }),
    ]);
    await ctx.updates.until('both healthy', () =>
      ['cmd', 'tcp'].every((id) => ctx.updates.of(id).some((s) => s.healthy === true)),
    );
    // Healthy and staying healthy: one report only.
    await new Promise((resolve) => setTimeout(resolve, 400));
    for (const id of ['cmd', 'tcp'])
      expect(ctx.updates.of(id).filter((s) => s.healthy !== undefined)).to.have.length(1);
    ctx.agent.kill(FRAMEWORK.id?.value as string, 'cmd');
    await ctx.updates.until('cmd killed', () => ctx.updates.of('cmd').some((s) => s.state === 'TASK_KILLED'));
    const killed = ctx.updates.of('cmd').find((s) => s.state === 'TASK_KILLED');
    expect(killed?.healthy).to.equal(undefined); // killed by the framework, not by its health check
  });

  it('checks: every update carries check_status; changes come with REASON_TASK_CHECK_STATUS_UPDATED', async () => {
    const port = await freePort();
    ctx.agent.launch(FRAMEWORK, [
      task('checked', httpServerCommand(port, 2), { check: { type: 'HTTP', http: { port, path: '/' }, ...fast } }),
      task('exit', 'exec sleep 30', { check: { type: 'COMMAND', command: { command: { value: 'exit 3' } }, ...fast } }),
    ]);
    await ctx.updates.until('503 seen', () =>
      ctx.updates.of('checked').some((s) => s.check_status?.http?.status_code === 503),
    );
    await ctx.updates.until('exit code', () =>
      ctx.updates.of('exit').some((s) => s.check_status?.command?.exit_code === 3),
    );
    const checked = ctx.updates.of('checked');
    expect(checked[0]?.check_status).to.deep.equal({ type: 'HTTP', http: {} }); // TASK_STARTING
    const changes = checked.filter((s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED');
    const codes = changes.map((s) => s.check_status?.http?.status_code);
    expect(codes.slice(-2)).to.deep.equal([200, 503]); // maybe an empty one first while the server started
    expect(changes.every((s) => s.state === 'TASK_RUNNING')).to.equal(true);
    ctx.agent.kill(FRAMEWORK.id?.value as string, 'exit');
    await ctx.updates.until('exit killed', () => ctx.updates.of('exit').some((s) => s.state === 'TASK_KILLED'));
    const killed = ctx.updates.of('exit').find((s) => s.state === 'TASK_KILLED');
    // As Mesos's executors: updates other than check updates carry an empty status of the check's type.
    expect(killed?.check_status).to.deep.equal({ type: 'COMMAND', command: {} });
  });

  it('kill policy: SIGKILL after the task kill_policy grace period, or the shorter one of the KILL', async () => {
    const stubborn = 'trap "" TERM; while :; do sleep 0.05; done';
    const ms = (n: number) => ({ grace_period: { nanoseconds: n * 1e6 } });
    ctx.agent.launch(FRAMEWORK, [
      task('policy', stubborn, { kill_policy: ms(300) }),
      task('override', stubborn, { kill_policy: ms(30_000) }),
    ]);
    await ctx.updates.until('running', () =>
      ['policy', 'override'].every((id) => ctx.updates.of(id).some((s) => s.state === 'TASK_RUNNING')),
    );
    const started = Date.now();
    ctx.agent.kill('fw-h', 'policy');
    ctx.agent.kill('fw-h', 'override');
    ctx.agent.kill('fw-h', 'override', ms(200)); // a repeated KILL with a shorter grace period
    await ctx.updates.until('both killed', () =>
      ['policy', 'override'].every((id) => ctx.updates.of(id).some((s) => s.state === 'TASK_KILLED')),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).to.be.within(250, 5000);
    expect(ctx.updates.of('policy').find((s) => s.state === 'TASK_KILLED')?.message).to.match(/signal|SIGKILL|9/i);
  });
});

/**
 * Health checks and checks of command tasks run for real against the task's process on a
 * LocalAgent: HTTP to the port the task serves, TCP, and a COMMAND in the sandbox with the task's
 * environment; a task killed by its health check ends TASK_KILLED with `healthy: false`. Also the
 * kill policy: SIGTERM, SIGKILL after the grace period of the task or of the KILL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { FrameworkInfo, TaskInfo, TaskStatus } from '../../lib/codec/messages';
import { type AgentEvents, LocalAgent } from '../../lib/local/agent';
import { parseResources } from '../../lib/local/resources';

const FRAMEWORK: FrameworkInfo = {
  user: 'tester',
  name: 'health-test',
  id: { value: 'fw-h' },
  capabilities: [{ type: 'TASK_KILLING_STATE' }],
};

class Updates implements AgentEvents {
  readonly all: TaskStatus[] = [];
  agent: LocalAgent | undefined;
  statusUpdate(_agentId: string, frameworkId: string, status: TaskStatus): void {
    this.all.push(status);
    const uuid = Buffer.from(status.uuid as Uint8Array);
    setImmediate(() => this.agent?.acknowledge(frameworkId, status.task_id.value, uuid));
  }
  frameworkMessage(): void {}
  executorExited(): void {}
  of(taskId: string): TaskStatus[] {
    return this.all.filter((s) => s.task_id.value === taskId);
  }
  async until(what: string, predicate: () => boolean, timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(`Timed out waiting for ${what}; seen ${JSON.stringify(this.all.map(brief))}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

function brief(s: TaskStatus) {
  return [s.task_id.value, s.state, s.healthy, s.reason, s.check_status];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A node one-liner serving HTTP on `port`: 200 for the first `good` requests, then 503. */
function httpServerCommand(port: number, good: number): string {
  const js = `let n=0;require('http').createServer((q,s)=>{n++;s.statusCode=n<=${good}?200:503;s.end()}).listen(${port},'127.0.0.1')`;
  return `exec "${process.execPath}" -e "${js}"`;
}

function task(id: string, value: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: 'agent-h' },
    command: { value },
    resources: parseResources('cpus:0.1;mem:32'),
    ...extra,
  };
}

const fast = { delay_seconds: 0, interval_seconds: 0.1, timeout_seconds: 2 };

describe('LocalAgent health checks and checks (real processes)', function () {
  this.timeout(20_000);
  let root: string;
  let agent: LocalAgent;
  let updates: Updates;

  beforeEach(async () => {
    root = mkdtempSync(join(tmpdir(), 'local-health-'));
    updates = new Updates();
    agent = new LocalAgent({ id: 'agent-h', resources: parseResources('cpus:4;mem:1024'), workDir: root }, updates);
    updates.agent = agent;
    await agent.start();
  });
  afterEach(async () => {
    await agent.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('HTTP: healthy once the task serves 2xx, unhealthy on each failure, TASK_KILLED with healthy false after consecutive_failures', async () => {
    const port = await freePort();
    agent.launch(FRAMEWORK, [
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
    await updates.until('TASK_KILLED', () => updates.of('web').some((s) => s.state === 'TASK_KILLED'));
    const seen = updates.of('web').map((s) => [s.state, s.healthy, s.reason]);
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
    agent.launch(FRAMEWORK, [
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
    await updates.until('both healthy', () =>
      ['cmd', 'tcp'].every((id) => updates.of(id).some((s) => s.healthy === true)),
    );
    // Healthy and staying healthy: one report only.
    await new Promise((resolve) => setTimeout(resolve, 400));
    for (const id of ['cmd', 'tcp']) expect(updates.of(id).filter((s) => s.healthy !== undefined)).to.have.length(1);
    agent.kill(FRAMEWORK.id?.value as string, 'cmd');
    await updates.until('cmd killed', () => updates.of('cmd').some((s) => s.state === 'TASK_KILLED'));
    const killed = updates.of('cmd').find((s) => s.state === 'TASK_KILLED');
    expect(killed?.healthy).to.equal(undefined); // killed by the framework, not by its health check
  });

  it('checks: every update carries check_status; changes come with REASON_TASK_CHECK_STATUS_UPDATED', async () => {
    const port = await freePort();
    agent.launch(FRAMEWORK, [
      task('checked', httpServerCommand(port, 2), { check: { type: 'HTTP', http: { port, path: '/' }, ...fast } }),
      task('exit', 'exec sleep 30', { check: { type: 'COMMAND', command: { command: { value: 'exit 3' } }, ...fast } }),
    ]);
    await updates.until('503 seen', () => updates.of('checked').some((s) => s.check_status?.http?.status_code === 503));
    await updates.until('exit code', () => updates.of('exit').some((s) => s.check_status?.command?.exit_code === 3));
    const checked = updates.of('checked');
    expect(checked[0]?.check_status).to.deep.equal({ type: 'HTTP', http: {} }); // TASK_STARTING
    const changes = checked.filter((s) => s.reason === 'REASON_TASK_CHECK_STATUS_UPDATED');
    const codes = changes.map((s) => s.check_status?.http?.status_code);
    expect(codes.slice(-2)).to.deep.equal([200, 503]); // maybe an empty one first while the server started
    expect(changes.every((s) => s.state === 'TASK_RUNNING')).to.equal(true);
    agent.kill(FRAMEWORK.id?.value as string, 'exit');
    await updates.until('exit killed', () => updates.of('exit').some((s) => s.state === 'TASK_KILLED'));
    const killed = updates.of('exit').find((s) => s.state === 'TASK_KILLED');
    // As Mesos's executors: updates other than check updates carry an empty status of the check's type.
    expect(killed?.check_status).to.deep.equal({ type: 'COMMAND', command: {} });
  });

  it('kill policy: SIGKILL after the task kill_policy grace period, or the shorter one of the KILL', async () => {
    const stubborn = 'trap "" TERM; while :; do sleep 0.05; done';
    const ms = (n: number) => ({ grace_period: { nanoseconds: n * 1e6 } });
    agent.launch(FRAMEWORK, [
      task('policy', stubborn, { kill_policy: ms(300) }),
      task('override', stubborn, { kill_policy: ms(30_000) }),
    ]);
    await updates.until('running', () =>
      ['policy', 'override'].every((id) => updates.of(id).some((s) => s.state === 'TASK_RUNNING')),
    );
    const started = Date.now();
    agent.kill('fw-h', 'policy');
    agent.kill('fw-h', 'override');
    agent.kill('fw-h', 'override', ms(200)); // a repeated KILL with a shorter grace period
    await updates.until('both killed', () =>
      ['policy', 'override'].every((id) => updates.of(id).some((s) => s.state === 'TASK_KILLED')),
    );
    const elapsed = Date.now() - started;
    expect(elapsed).to.be.within(250, 5000);
    expect(updates.of('policy').find((s) => s.state === 'TASK_KILLED')?.message).to.match(/signal|SIGKILL|9/i);
  });
});

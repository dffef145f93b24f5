/**
 * The mesos-local control endpoint (LocalControlServer) over real loopback HTTP: what it refuses
 * (no token, a foreign Host or Origin, form content types, CORS preflights, bad bodies) and that
 * each fault route acts on the cluster. Then `mesos-local` itself with --work-dir, --credentials,
 * --executor-env and --ready-file, driven through its control endpoint.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Offer, TaskInfo } from '../../lib/codec/messages';
import { MesosConfigError } from '../../lib/common/errors';
import { LocalCluster } from '../../lib/local/cluster';
import { LocalControlServer } from '../../lib/local/control/server';
import { type RawResponse, rawRequest, Subscription, subscribeCall } from './local-master-helpers';

const CLI = join(__dirname, '../../lib/local/cli.ts');

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** A control request with the token (unless headers override it) and a JSON body when given. */
function control(
  url: string,
  token: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<RawResponse & { json: Record<string, unknown> }> {
  const base = new URL(url);
  return rawRequest(base.origin, {
    method: body === undefined && !path.startsWith('/local/faults') && path !== '/local/agents' ? 'GET' : 'POST',
    path,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  }).then((response) => ({ ...response, json: JSON.parse(response.text || '{}') as Record<string, unknown> }));
}

/**
 * Launches one task on a custom executor `executorId` that never subscribes (it runs `command`,
 * then sleeps): a process to kill. `headers` go with the ACCEPT (e.g. Authorization).
 */
async function launchSleepingExecutor(
  url: string,
  subscription: Subscription,
  executorId: string,
  command = '',
  headers: Record<string, string> = {},
): Promise<void> {
  const offer = (await subscription.waitForEvent('OFFERS')).offers?.offers?.[0] as Offer;
  const task: TaskInfo = {
    name: 'sleeper',
    task_id: { value: 'sleeper' },
    agent_id: offer.agent_id,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
    executor: { executor_id: { value: executorId }, command: { value: `${command}exec sleep 30` } },
  };
  const operations = [{ type: 'LAUNCH' as const, launch: { task_infos: [task] } }];
  const accepted = await subscription.call(
    url,
    { type: 'ACCEPT', accept: { offer_ids: [offer.id], operations } },
    headers,
  );
  expect(accepted.status, accepted.text).to.equal(202);
}

describe('mesos-local control endpoint (LocalControlServer)', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  let server: LocalControlServer;
  let url: string;

  beforeEach(async () => {
    cluster = await LocalCluster.start({ masters: 2, agents: 2, heartbeatIntervalSeconds: 1 });
    server = await LocalControlServer.start(cluster);
    url = server.url;
  });
  afterEach(async () => {
    await server.stop();
    await cluster.stop();
  });

  it('refuses a short token', async () => {
    let error: unknown;
    await LocalControlServer.start(cluster, { token: 'short' }).catch((err: unknown) => {
      error = err;
    });
    expect(error)
      .to.be.instanceOf(MesosConfigError)
      .with.property('message')
      .that.matches(/at least 16 characters/);
  });

  it('listens on 127.0.0.1 only and refuses what a web page could send', async () => {
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/local$/);
    const token = server.token;
    const missing = await control(url, token, '/local/state', undefined, { Authorization: '' });
    expect(missing.status).to.equal(401);
    expect(missing.headers['www-authenticate']).to.equal('Bearer realm="mesos-local"');
    expect(missing.json.error).to.match(/Missing token/);
    expect((await control(url, 'x'.repeat(43), '/local/state')).json).to.deep.equal({ error: 'Wrong token' });
    const rebound = await control(url, token, '/local/state', undefined, { Host: 'attacker.example' });
    expect(rebound.status).to.equal(403);
    expect(rebound.json.error).to.match(/Host header must name a loopback address/);
    const cross = await control(url, token, '/local/faults/reset', {}, { Origin: 'https://attacker.example' });
    expect(cross.status).to.equal(403);
    const form = await control(url, token, '/local/faults/reset', 'a=b', {
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect([form.status, form.json.error]).to.deep.equal([
      415,
      "Content-Type must be application/json, got 'application/x-www-form-urlencoded'",
    ]);
    const preflight = await rawRequest(new URL(url).origin, {
      method: 'OPTIONS',
      path: '/local/faults/failover',
      headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).to.equal(401);
    expect(Object.keys(preflight.headers).filter((name) => name.startsWith('access-control-'))).to.deep.equal([]);
    // With the token, still no CORS: an OPTIONS is a wrong method, never a grant.
    const options = await rawRequest(new URL(url).origin, {
      method: 'OPTIONS',
      path: '/local/faults/failover',
      headers: { Authorization: `Bearer ${token}`, 'Access-Control-Request-Method': 'POST' },
    });
    expect([options.status, options.headers.allow]).to.deep.equal([405, 'POST']);
    expect(Object.keys(options.headers).filter((name) => name.startsWith('access-control-'))).to.deep.equal([]);
    expect(cluster.leader?.url).to.equal(cluster.masters[0]?.url);
  });

  it('answers bad input with a 4xx JSON error naming what was wrong', async () => {
    const token = server.token;
    const cases: Array<[string, unknown, number, RegExp]> = [
      ['/local/faults/nope', {}, 404, /No such control route: \/local\/faults\/nope/],
      ['/local/faults/lose-agent', {}, 400, /Missing field 'agent'/],
      ['/local/faults/lose-agent', { agent: 7 }, 404, /No such agent: 7/],
      ['/local/faults/lose-agent', { agent: 0, mode: 'gone' }, 400, /'mode' must be 'removed' or 'unreachable'/],
      ['/local/faults/restart-agent', { agent: -1 }, 400, /'agent' must be an agent index/],
      ['/local/faults/kill-executor', { executorId: 'none' }, 404, /No running executor 'none'/],
      ['/local/faults/kill-executor', { executorId: 'x', signal: 'SIGNOPE' }, 400, /'signal' must name a signal/],
      ['/local/faults/latency', { ms: -1 }, 400, /ms must be >= 0/],
      ['/local/faults/latency', { ms: '5' }, 400, /Field 'ms' must be a number, got "5"/],
      ['/local/faults/fail-next-calls', { status: 42 }, 400, /status must be an HTTP status code/],
      ['/local/faults/reset', { extra: 1 }, 400, /Unknown field 'extra' \(this action takes none\)/],
      ['/local/faults/reset', '{"broken', 400, /Body is not valid JSON/],
      ['/local/faults/reset', '[1]', 400, /Body must be a JSON object/],
      ['/local/faults/reset', JSON.stringify({ pad: 'x'.repeat(70_000) }), 413, /exceeds 65536 bytes/],
      ['/local/agents', { resources: 'cpus:lots' }, 400, /cpus/],
    ];
    for (const [path, body, status, error] of cases) {
      const response = await control(url, token, path, body);
      expect(response.status, `${path} ${JSON.stringify(body).slice(0, 60)}`).to.equal(status);
      expect(response.headers['content-type']).to.equal('application/json');
      expect(response.json.error).to.match(error);
    }
    const emptyBody = await control(url, token, '/local/faults/reset'); // a POST without body or Content-Type
    expect(emptyBody.status).to.equal(200);
    const wrongMethod = await rawRequest(new URL(url).origin, {
      method: 'GET',
      path: '/local/faults/reset',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect([wrongMethod.status, wrongMethod.headers.allow]).to.deep.equal([405, 'POST']);
  });

  it('drives the cluster: state, agents, failover, kill-leader, heartbeats, call failures, executors', async () => {
    const token = server.token;
    const state = await control(url, token, '/local/state');
    expect(state.status).to.equal(200);
    expect(state.json).to.deep.include({ leader: cluster.masters[0]?.url, executors: [] });
    expect((state.json.agents as unknown[]).length).to.equal(2);

    const added = await control(url, token, '/local/agents', { resources: 'cpus:1;mem:128' });
    expect(added.json).to.deep.include({ ok: true });
    expect(cluster.agents).to.have.length(3);
    expect((await control(url, token, '/local/faults/lose-agent', { agent: 2 })).status).to.equal(200);
    expect(cluster.agents).to.have.length(2);
    const agentId = cluster.agents[1]?.id as string;
    expect((await control(url, token, '/local/faults/restart-agent', { agent: agentId })).status).to.equal(200);

    const subscription = await Subscription.open(cluster.masterUrl, subscribeCall({ name: 'control-check' }));
    try {
      await launchSleepingExecutor(cluster.masterUrl, subscription, 'sleepy');
      await waitFor('the executor to run', () => cluster.faults.executors().length === 1);
      const [executor] = (await control(url, token, '/local/state')).json.executors as Array<{ pid: number }>;
      expect(executor?.pid).to.equal(cluster.faults.executors()[0]?.pid);
      const killed = await control(url, token, '/local/faults/kill-executor', {
        executorId: 'sleepy',
        signal: 'SIGTERM',
      });
      expect(killed.json.killed).to.deep.include({ executorId: 'sleepy', pid: executor?.pid });
      await subscription.waitForEvent('FAILURE');
      expect(cluster.faults.executors()).to.deep.equal([]);

      expect((await control(url, token, '/local/faults/stop-heartbeats')).status).to.equal(200);
      expect((await control(url, token, '/local/faults/resume-heartbeats')).status).to.equal(200);
      await control(url, token, '/local/faults/fail-next-calls', { status: 503, count: 1, callType: 'REVIVE' });
      expect((await subscription.call(cluster.masterUrl, { type: 'REVIVE' })).status).to.equal(503);
      expect((await subscription.call(cluster.masterUrl, { type: 'REVIVE' })).status).to.equal(202);
      expect((await control(url, token, '/local/faults/latency', { ms: 0 })).status).to.equal(200);
      const dropped = await control(url, token, '/local/faults/drop-subscription', { midRecord: true });
      expect(dropped.json).to.deep.equal({ ok: true, dropped: 1 });
    } finally {
      subscription.close();
    }

    const before = cluster.leader?.url;
    const failover = await control(url, token, '/local/faults/failover');
    expect(failover.json.leader).to.equal(cluster.masters[1]?.url).and.not.equal(before);
    expect((await control(url, token, '/local/faults/kill-leader')).status).to.equal(200);
    await cluster.waitForLeader();
    expect(cluster.leader?.url).to.equal(cluster.masters[0]?.url);
    expect((await control(url, token, '/local/faults/reset')).json).to.deep.equal({ ok: true });
  });
});

describe('mesos-local with --work-dir, --credentials, --executor-env and the control endpoint', function () {
  this.timeout(30_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mesos-local-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('authenticates frameworks, gives executors the environment, keeps sandboxes after exit, injects faults', async () => {
    const workDir = join(dir, 'work');
    const readyFile = join(dir, 'ready.json');
    writeFileSync(join(dir, 'credentials'), 'porter s3cret\n');
    const args = ['--work-dir', workDir, '--credentials', join(dir, 'credentials'), '--ready-file', readyFile];
    args.push('--executor-env', '{"PORTED":"yes"}', '--status-update-retry-ms', '200', '--heartbeat-interval', '1');
    const env = { ...process.env, MESOS_LOCAL_CONTROL_TOKEN: 'a-token-chosen-by-the-harness' };
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      await waitFor(
        'the ready file',
        () => existsSync(readyFile) && readFileSync(readyFile, 'utf8').endsWith('\n'),
        15_000,
      );
      const ready = JSON.parse(readFileSync(readyFile, 'utf8')) as Record<string, string>;
      expect(output).to.include(`master at ${ready.master}`);
      expect(output).to.include(`control at ${ready.control}`);
      expect(ready.token).to.equal('a-token-chosen-by-the-harness');
      expect(output).to.include(`control token ${ready.token}`);
      expect(output).to.include(`work dir ${workDir} (sandboxes are kept after exit)`);
      expect(output).not.to.include('s3cret');

      expect((await Subscription.open(ready.master as string, subscribeCall())).status).to.equal(401);
      const basic = `Basic ${Buffer.from('porter:s3cret').toString('base64')}`;
      const subscription = await Subscription.open(ready.master as string, subscribeCall({ principal: 'porter' }), {
        headers: { Authorization: basic },
      });
      try {
        expect(subscription.status).to.equal(200);
        await launchSleepingExecutor(
          ready.master as string,
          subscription,
          'env-exec',
          'echo "$PORTED" > ported.txt; ',
          {
            Authorization: basic,
          },
        );
        const token = ready.token as string;
        let executors: Array<{ executorId: string; directory: string }> = [];
        await waitFor('the executor in /local/state', async () => {
          executors = (await control(ready.control as string, token, '/local/state')).json
            .executors as typeof executors;
          return executors.length === 1 && existsSync(join(executors[0]?.directory as string, 'ported.txt'));
        });
        const sandbox = executors[0]?.directory as string;
        expect(sandbox.startsWith(workDir)).to.equal(true);
        const killed = await control(ready.control as string, token, '/local/faults/kill-executor', {
          executorId: 'env-exec',
        });
        expect(killed.status, killed.text).to.equal(200);
        await subscription.waitForEvent('FAILURE');
        child.kill('SIGTERM');
        expect(await exited).to.equal(0);
        expect(readFileSync(join(sandbox, 'ported.txt'), 'utf8')).to.equal('yes\n');
      } finally {
        subscription.close();
      }
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

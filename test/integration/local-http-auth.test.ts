/**
 * LocalCluster's HTTP authentication (`authenticateHttpReadwrite` / `authenticateHttpReadonly`, Mesos's
 * `--authenticate_http_readwrite|readonly`) over loopback HTTP: Mesos's 401 (realm per endpoint,
 * body `401 Unauthorized.`) without, with wrong or with malformed credentials, 200 with the right
 * ones; the operator API (every call) is readwrite, `/state` and `/files/*` readonly, on masters and
 * agents; the status page's HTML is served to anyone while its data calls are checked (its file
 * relay passes the credentials on); the library's operator clients authenticate with `credential`;
 * no secret reaches the log.
 */
import { format } from 'node:util';
import { expect } from 'chai';
import createDebug from 'debug';
import { MesosAuthenticationError, MesosConfigError } from '../../lib/common/errors';
import { MesosSchedulerDriver, Status } from '../../lib/index';
import { LocalCluster } from '../../lib/local/cluster';
import { MesosAgentOperator, MesosMasterOperator } from '../../lib/operator';
import { type RawResponse, rawRequest } from './local-master-helpers';

const OPS = { principal: 'ops', secret: 'ops-secret-7f3a' };
const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;
const RIGHT = basic(`${OPS.principal}:${OPS.secret}`);
const GET_HEALTH = JSON.stringify({ type: 'GET_HEALTH' });

function operatorCall(url: string, body: string, authorization?: string): Promise<RawResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json', Accept: 'application/json' };
  if (authorization !== undefined) headers.Authorization = authorization;
  return rawRequest(url, { path: '/api/v1', headers, body });
}

function get(url: string, path: string, authorization?: string): Promise<RawResponse> {
  return rawRequest(url, {
    method: 'GET',
    path,
    headers: authorization === undefined ? {} : { Authorization: authorization },
  });
}

function expect401(res: RawResponse, realm: string): void {
  expect([res.status, res.headers['www-authenticate'], res.text]).to.deep.equal([
    401,
    `Basic realm="${realm}"`,
    '401 Unauthorized.',
  ]);
}

describe('LocalCluster HTTP authentication (authenticateHttpReadwrite/Readonly)', function () {
  this.timeout(20_000);
  const clusters: LocalCluster[] = [];
  const clients: Array<{ close(): Promise<void> }> = [];
  const start = async (options: Parameters<typeof LocalCluster.start>[0]) => {
    const cluster = await LocalCluster.start({ log: false, taskMode: 'simulated', credentials: [OPS], ...options });
    clusters.push(cluster);
    return cluster;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(clusters.splice(0).map((cluster) => cluster.stop()));
  });

  it('master /api/v1: 401 with the readwrite realm without, with wrong or malformed credentials; 200 with the right ones', async () => {
    const cluster = await start({ authenticateHttpReadwrite: true });
    const url = cluster.masterUrl;
    for (const authorization of [
      undefined,
      basic('ops:wrong'),
      basic('nobody:ops-secret-7f3a'),
      basic(`ops:${OPS.secret}:extra`),
      `basic ${RIGHT.slice(6)}`,
      `Bearer ${RIGHT.slice(6)}`,
      `${RIGHT} x`,
      'Basic !!!not-base64',
    ]) {
      expect401(await operatorCall(url, GET_HEALTH, authorization), 'mesos-master-readwrite');
    }
    // Padding is optional, as stout's base64 decoding reads it.
    expect((await operatorCall(url, GET_HEALTH, RIGHT.replace(/=+$/, ''))).status).to.equal(200);
    const ok = await operatorCall(url, GET_HEALTH, RIGHT);
    expect([ok.status, JSON.parse(ok.text)]).to.deep.equal([
      200,
      { type: 'GET_HEALTH', get_health: { healthy: true } },
    ]);
    // Before anything else, as libprocess authenticates: a bad call is 401, not 400, without credentials.
    expect401(await operatorCall(url, '{', undefined), 'mesos-master-readwrite');
    // Mesos puts every operator call in the readwrite realm, GET_* ones included, and /master/api/v1 too.
    expect401(await operatorCall(`${url}/master`, JSON.stringify({ type: 'GET_STATE' })), 'mesos-master-readwrite');
    expect((await operatorCall(url, JSON.stringify({ type: 'GET_STATE' }), RIGHT)).status).to.equal(200);
    // Readonly endpoints stay open with only the readwrite realm on; /health and /version always.
    expect((await get(url, '/state')).status).to.equal(200);
    expect((await get(url, '/health')).status).to.equal(200);
    expect((await get(url, '/version')).status).to.equal(200);
    const flags = JSON.parse((await operatorCall(url, JSON.stringify({ type: 'GET_FLAGS' }), RIGHT)).text) as {
      get_flags: { flags: Array<{ name: string; value: string }> };
    };
    const flag = (name: string) => flags.get_flags.flags.find((f) => f.name === name)?.value;
    expect([flag('authenticate_http_readwrite'), flag('authenticate_http_readonly')]).to.deep.equal(['true', 'false']);
  });

  it('readonly realm: /state and /files/* of masters and agents; the operator API stays open without readwrite', async () => {
    const cluster = await start({ authenticateHttpReadonly: true });
    const agent = cluster.agents[0]?.url as string;
    expect401(await get(cluster.masterUrl, '/master/state'), 'mesos-master-readonly');
    expect401(await get(cluster.masterUrl, '/state.json', basic('ops:wrong')), 'mesos-master-readonly');
    expect((await get(cluster.masterUrl, '/state', RIGHT)).status).to.equal(200);
    expect401(await get(agent, '/state'), 'mesos-agent-readonly');
    expect((await get(agent, '/state', RIGHT)).status).to.equal(200);
    expect401(await get(agent, '/files/browse?path=/nowhere'), 'mesos-agent-readonly');
    expect((await get(agent, '/files/browse?path=/nowhere', RIGHT)).status).to.equal(404);
    expect((await operatorCall(cluster.masterUrl, GET_HEALTH)).status).to.equal(200);
    expect((await operatorCall(agent, GET_HEALTH)).status).to.equal(200);
  });

  it('agentHttpCredentials: agents check their own credentials (Mesos agent --http_credentials), masters the cluster ones', async () => {
    const AGENT = { principal: 'agent-ops', secret: 'agent-secret-91c4' };
    const agentRight = basic(`${AGENT.principal}:${AGENT.secret}`);
    const cluster = await start({
      authenticateHttpReadwrite: true,
      authenticateHttpReadonly: true,
      agentHttpCredentials: [AGENT],
    });
    const agent = cluster.agents[0]?.url as string;
    expect401(await operatorCall(agent, GET_HEALTH, RIGHT), 'mesos-agent-readwrite');
    expect401(await get(agent, '/state', RIGHT), 'mesos-agent-readonly');
    expect((await operatorCall(agent, GET_HEALTH, agentRight)).status).to.equal(200);
    expect((await get(agent, '/state', agentRight)).status).to.equal(200);
    expect401(await operatorCall(cluster.masterUrl, GET_HEALTH, agentRight), 'mesos-master-readwrite');
    expect((await operatorCall(cluster.masterUrl, GET_HEALTH, RIGHT)).status).to.equal(200);
    for (const bad of [[], [{ principal: 'p' }], 'p:s'])
      await LocalCluster.start({ agentHttpCredentials: bad as never }).then(
        (started) => {
          clusters.push(started);
          expect.fail('started with a malformed agentHttpCredentials');
        },
        (err: unknown) => {
          expect(err).to.be.instanceOf(MesosConfigError);
          expect((err as Error).message).to.match(/^LocalCluster option 'agentHttpCredentials'/);
        },
      );
  });

  it('agent /api/v1 is in the agent readwrite realm; the scheduler API keeps its own (frameworks unauthenticated here)', async () => {
    const cluster = await start({ authenticateHttpReadwrite: true, authenticateFrameworks: false });
    const agent = cluster.agents[0]?.url as string;
    expect401(await operatorCall(agent, GET_HEALTH), 'mesos-agent-readwrite');
    expect401(await operatorCall(agent, GET_HEALTH, basic('ops:wrong')), 'mesos-agent-readwrite');
    expect((await operatorCall(agent, GET_HEALTH, RIGHT)).status).to.equal(200);
    expect((await get(agent, '/state')).status).to.equal(200);
    // A framework without credentials subscribes: the readwrite realm is not the scheduler's.
    let registered = false;
    const scheduler = new MesosSchedulerDriver(
      {
        registered: (d) => {
          registered = true;
          d.stop();
        },
      },
      { name: 'no-credential', user: '' },
      cluster.masterString,
    );
    expect(await scheduler.run()).to.equal(Status.DRIVER_STOPPED);
    expect(registered).to.equal(true);
  });

  it('the status page is served to anyone; its data calls and controls are checked, the file relay passes credentials on', async () => {
    const cluster = await start({ authenticateHttpReadwrite: true, authenticateHttpReadonly: true });
    const url = cluster.masterUrl;
    const agentId = encodeURIComponent(cluster.agents[0]?.id as string);
    for (const path of ['/', '/status/app.js', '/status/app.css'])
      expect((await get(url, path)).status, path).to.equal(200);
    expect401(await get(url, '/status/cluster'), 'mesos-master-readonly');
    expect((await get(url, '/status/cluster', RIGHT)).status).to.equal(200);
    const files = `/status/agents/${agentId}/files/browse?path=/nowhere`;
    expect401(await get(url, files), 'mesos-master-readonly');
    // 404 from the agent, which checked the relayed credentials (it would answer 401 without them).
    expect((await get(url, files, RIGHT)).status).to.equal(404);
    expect401(await get(url, '/local/state'), 'mesos-master-readwrite');
    expect401(await operatorCall(url, GET_HEALTH), 'mesos-master-readwrite');
  });

  it("the library's operator clients authenticate with `credential`, calls and the event stream; without, a typed 401 naming no secret", async () => {
    const cluster = await start({ authenticateHttpReadwrite: true });
    const master = new MesosMasterOperator(cluster.masterString, { credential: OPS, retryTimeoutMs: 2000 });
    const agent = new MesosAgentOperator(cluster.agents[0]?.url as string, { credential: OPS });
    const anonymous = new MesosMasterOperator(cluster.masterString, { retryTimeoutMs: 2000 });
    const wrong = new MesosMasterOperator(cluster.masterString, {
      credential: { principal: 'ops', secret: 'wrong-secret-91c' },
      retryTimeoutMs: 2000,
    });
    clients.push(master, agent, anonymous, wrong);
    expect(await master.getHealth()).to.deep.equal({ healthy: true });
    expect((await master.getAgents()).agents).to.have.length(1);
    expect(await agent.getHealth()).to.deep.equal({ healthy: true });
    const subscribed = new Promise<number>((resolve) => {
      master.subscribe({ subscribed: (state) => resolve(state.get_state?.get_agents?.agents?.length ?? -1) });
    });
    expect(await subscribed).to.equal(1);
    for (const client of [anonymous, wrong]) {
      const failure = await client.getHealth().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).to.be.instanceOf(MesosAuthenticationError);
      expect(String((failure as Error).message)).to.not.include('wrong-secret-91c');
    }
  });

  it('refusals are logged with the path and realm, never the Authorization value or the secret', async () => {
    const cluster = await start({ authenticateHttpReadwrite: true });
    const lines: string[] = [];
    const previous = createDebug.disable();
    const log = createDebug.log;
    createDebug.enable('mesos-driver:local:http-auth');
    createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
    try {
      const wrong = basic(`ops:${OPS.secret}x`);
      expect401(await operatorCall(cluster.masterUrl, GET_HEALTH, wrong), 'mesos-master-readwrite');
      const text = lines.join('\n');
      expect(text).to.include('/api/v1').and.to.include('mesos-master-readwrite');
      for (const secret of [OPS.secret, wrong, wrong.slice(6)]) expect(text).to.not.include(secret);
    } finally {
      createDebug.log = log;
      createDebug.enable(previous);
    }
  });

  it('a realm switched on without credentials is a MesosConfigError, as Mesos refuses to start', async () => {
    for (const options of [{ authenticateHttpReadwrite: true }, { authenticateHttpReadonly: true }]) {
      const failure = await LocalCluster.start({ log: false, taskMode: 'simulated', ...options }).then(
        (cluster) => cluster.stop(),
        (err: unknown) => err,
      );
      expect(failure).to.be.instanceOf(MesosConfigError);
      expect(String(failure)).to.match(/needs 'credentials'/);
    }
  });
});

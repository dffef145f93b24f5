/**
 * The operator clients against a scripted loopback stub: typed calls in both wire formats, the
 * leader handling (307 chains with credentials and a hop limit, 503 then a leader, the leader
 * remembered), 4xx never retried and typed with the master's message, raw calls, and the agent's
 * rules (no redirects, 503 retried).
 */
import { expect } from 'chai';
import { getCodec, TYPE_NAMES, type WireFormat } from '../../lib/codec/codec';
import type { master } from '../../lib/codec/messages';
import {
  MesosAuthenticationError,
  MesosConfigError,
  MesosMisuseError,
  MesosNoLeaderError,
  MesosProtocolError,
  MesosRedirectError,
} from '../../lib/common/errors';
import { MesosAgentOperator, MesosMasterOperator } from '../../lib/operator';
import { FakeHttpMaster, type RecordedRequest, reply } from './helpers/http-master';
import { makeSelfSignedCert } from './helpers/http-tls';

const MEDIA: Record<WireFormat, string> = { json: 'application/json', protobuf: 'application/x-protobuf' };
const FAST = { retryTimeoutMs: 3000, backoff: () => ({ next: () => 20, reset: () => {} }) };
const CREDENTIAL = { principal: 'ops', secret: 's3cret' };
const BASIC = `Basic ${Buffer.from('ops:s3cret').toString('base64')}`;

const STATE: master.Response = {
  type: 'GET_STATE',
  get_state: {
    get_tasks: {
      tasks: [
        {
          name: 'web',
          task_id: { value: 't1' },
          framework_id: { value: 'fw' },
          agent_id: { value: 'a1' },
          state: 'TASK_RUNNING',
        },
      ],
    },
    get_executors: {},
    get_frameworks: {},
    get_agents: {},
  },
};

function answer(res: import('node:http').ServerResponse, message: master.Response, format: WireFormat = 'json'): void {
  const body = getCodec<master.Response>(TYPE_NAMES.MasterResponse, format).encode(message);
  res.writeHead(200, { 'Content-Type': MEDIA[format], 'Content-Length': body.length });
  res.end(body);
}

function callOf(request: RecordedRequest): master.Call {
  const format: WireFormat = request.headers['content-type'] === MEDIA.json ? 'json' : 'protobuf';
  return getCodec<master.Call>(TYPE_NAMES.MasterCall, format).decode(request.body);
}

describe('operator clients against a scripted stub', () => {
  const fakes: FakeHttpMaster[] = [];
  const clients: Array<{ close(): Promise<void> }> = [];
  async function fake(): Promise<FakeHttpMaster> {
    const f = await FakeHttpMaster.start();
    fakes.push(f);
    return f;
  }
  function masterClient(where: string, options: ConstructorParameters<typeof MesosMasterOperator>[1] = {}) {
    const client = new MesosMasterOperator(where, { ...FAST, ...options });
    clients.push(client);
    return client;
  }
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  for (const format of ['json', 'protobuf'] as const) {
    it(`getState() posts GET_STATE to /api/v1 in ${format} and gives the unwrapped Response.GetState`, async () => {
      const m = await fake();
      m.handle((_req, res) => answer(res, STATE, format));
      const state = await masterClient(m.url, { contentType: format }).getState();
      expect(state).to.deep.equal(STATE.get_state);
      const [request] = m.requests as [RecordedRequest];
      expect(request.method).to.equal('POST');
      expect(request.path).to.equal('/api/v1');
      expect(request.headers['content-type']).to.equal(MEDIA[format]);
      expect(request.headers.accept).to.equal(MEDIA[format]);
      expect(callOf(request)).to.deep.equal({ type: 'GET_STATE' });
    });

    it(`getMetrics() always sends the get_metrics sub-message (${format})`, async () => {
      const m = await fake();
      m.handle((_req, res) =>
        answer(res, { type: 'GET_METRICS', get_metrics: { metrics: [{ name: 'x', value: 1 }] } }, format),
      );
      const client = masterClient(m.url, { contentType: format });
      expect(await client.getMetrics()).to.deep.equal({ metrics: [{ name: 'x', value: 1 }] });
      await client.getMetrics({ nanoseconds: 2e9 });
      expect(callOf(m.requests[0] as RecordedRequest)).to.deep.equal({ type: 'GET_METRICS', get_metrics: {} });
      expect(callOf(m.requests[1] as RecordedRequest)).to.deep.equal({
        type: 'GET_METRICS',
        get_metrics: { timeout: { nanoseconds: 2e9 } },
      });
    });
  }

  it('calls that return nothing resolve on 200 and 202 with an empty body', async () => {
    const m = await fake();
    const statuses = [200, 202];
    m.handle((_req, res) => {
      res.writeHead(statuses.shift() ?? 200).end();
    });
    const client = masterClient(m.url, { contentType: 'json' });
    await client.markAgentGone('a1');
    await client.reserveResources('a1', [{ name: 'cpus', type: 'SCALAR', scalar: { value: 1 } }]);
    expect(callOf(m.requests[0] as RecordedRequest)).to.deep.equal({
      type: 'MARK_AGENT_GONE',
      mark_agent_gone: { agent_id: { value: 'a1' } },
    });
    expect(callOf(m.requests[1] as RecordedRequest).reserve_resources?.agent_id).to.deep.equal({ value: 'a1' });
  });

  it('follows a 307 chain itself, keeping scheme and credentials, and remembers the leader', async () => {
    const [a, b, c] = [await fake(), await fake(), await fake()];
    const hostOf = (f: FakeHttpMaster) => f.url.replace(/^http:/, '');
    a.handle((_req, res) => reply(res, 307, '', { Location: `${hostOf(b)}/api/v1` }));
    b.handle((_req, res) => reply(res, 307, '', { Location: `${hostOf(c)}/api/v1` }));
    c.handle((_req, res) => answer(res, { type: 'GET_HEALTH', get_health: { healthy: true } }));
    const client = masterClient(a.url, { contentType: 'json', credential: CREDENTIAL });
    expect(await client.getHealth()).to.deep.equal({ healthy: true });
    for (const f of [a, b, c]) expect(f.requests.map((r) => r.headers.authorization)).to.deep.equal([BASIC]);
    expect(client.leader).to.equal(c.url);
    await client.getHealth();
    expect([a.requests.length, b.requests.length, c.requests.length]).to.deep.equal([1, 1, 2]);
  });

  it('over TLS, a protocol-relative 307 keeps https and the credentials', async () => {
    const cert = makeSelfSignedCert();
    const a = await FakeHttpMaster.start(cert);
    const b = await FakeHttpMaster.start(cert);
    fakes.push(a, b);
    a.handle((_req, res) => reply(res, 307, '', { Location: `${b.url.replace(/^https:/, '')}/api/v1` }));
    b.handle((_req, res) => answer(res, { type: 'GET_HEALTH', get_health: { healthy: true } }));
    const client = masterClient(a.url, { contentType: 'json', credential: CREDENTIAL, tls: { ca: cert.cert } });
    expect(await client.getHealth()).to.deep.equal({ healthy: true });
    expect(client.leader).to.equal(b.url);
    expect(b.url.startsWith('https://')).to.equal(true);
    expect(b.requests.map((r) => r.headers.authorization)).to.deep.equal([BASIC]);
  });

  it('gives up after maxRedirects hops with a typed 307 error naming the hops', async () => {
    const [a, b] = [await fake(), await fake()];
    a.handle((_req, res) => reply(res, 307, '', { Location: `${b.url.slice(5)}/api/v1` }));
    b.handle((_req, res) => reply(res, 307, '', { Location: `${a.url.slice(5)}/api/v1` }));
    const client = masterClient(a.url, { contentType: 'json', maxRedirects: 3 });
    const error = await client.getHealth().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(MesosProtocolError);
    expect((error as MesosProtocolError).status).to.equal(307);
    expect((error as Error).message).to.match(/more than 3 redirects/);
    expect(a.requests.length + b.requests.length).to.equal(4);
  });

  it('retries 503 (no leader elected) with backoff until a leader answers', async () => {
    const m = await fake();
    let calls = 0;
    m.handle((_req, res) => {
      calls++;
      if (calls <= 2) reply(res, 503, 'No leader elected');
      else answer(res, { type: 'GET_VERSION', get_version: { version_info: { version: '1.11.0' } } });
    });
    const version = await masterClient(m.url, { contentType: 'json' }).getVersion();
    expect(version.version_info.version).to.equal('1.11.0');
    expect(calls).to.equal(3);
  });

  it('gives the 503 as MesosNoLeaderError with the master message once the deadline passes', async () => {
    const m = await fake();
    m.handle((_req, res) => reply(res, 503, 'Master has not finished recovery'));
    const started = Date.now();
    const error = await masterClient(m.url, { contentType: 'json', retryTimeoutMs: 200 })
      .getFlags()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).to.be.instanceOf(MesosNoLeaderError);
    expect((error as Error).message).to.include('Master has not finished recovery');
    expect(m.requests.length).to.be.greaterThan(1);
    expect(Date.now() - started).to.be.lessThan(2000);
  });

  it('never retries 401 and 400; both are typed and carry the master message', async () => {
    const m = await fake();
    m.handle((_req, res) => reply(res, 401, 'Unauthorized', { 'WWW-Authenticate': 'Basic realm="mesos"' }));
    const client = masterClient(m.url, { contentType: 'json', credential: CREDENTIAL });
    const unauthorized = await client.getState().catch((e: unknown) => e);
    expect(unauthorized).to.be.instanceOf(MesosAuthenticationError);
    expect((unauthorized as Error).message).to.not.include('s3cret');
    m.handle((_req, res) => reply(res, 400, "Failed to validate master::Call: Expecting 'type' to be present"));
    const bad = await client.teardown('fw-9').catch((e: unknown) => e);
    expect(bad).to.be.instanceOf(MesosProtocolError);
    expect((bad as MesosProtocolError).status).to.equal(400);
    expect((bad as Error).message).to.include("Expecting 'type' to be present");
    expect(m.requests.length).to.equal(2);
  });

  it('refuses calls and subscriptions once closed, with a misuse error', async () => {
    const m = await fake();
    const client = masterClient(m.url);
    await client.close();
    expect(await client.getHealth().catch((e: unknown) => e)).to.be.instanceOf(MesosMisuseError);
    expect(() => client.subscribe()).to.throw(MesosMisuseError, /closed/);
    expect(m.requests.length).to.equal(0);
  });

  it('raw call() sends a call type the schema does not know as JSON and returns the parsed answer', async () => {
    const m = await fake();
    m.handle((_req, res) => {
      const body = JSON.stringify({ type: 'GET_FUTURE', get_future: { answer: 42 } });
      res.writeHead(200, { 'Content-Type': MEDIA.json });
      res.end(body);
    });
    const client = masterClient(m.url, { contentType: 'protobuf' });
    const result = await client.call({ type: 'GET_FUTURE', get_future: { question: 'x' } });
    expect(result).to.deep.equal({ type: 'GET_FUTURE', get_future: { answer: 42 } });
    const [request] = m.requests as [RecordedRequest];
    expect(request.headers['content-type']).to.equal(MEDIA.json);
    expect(JSON.parse(request.body.toString())).to.deep.equal({ type: 'GET_FUTURE', get_future: { question: 'x' } });
  });

  it('finds the leader of a master list and takes https/credential options', async () => {
    const [a, b] = [await fake(), await fake()];
    // List detection probes /master/redirect; the second master says it leads.
    const probe = (leader: FakeHttpMaster) => (req: RecordedRequest, res: import('node:http').ServerResponse) => {
      if (req.path.startsWith('/master/redirect'))
        reply(res, 307, '', { Location: `${leader.url.slice(5)}/master/redirect` });
      else answer(res, { type: 'GET_HEALTH', get_health: { healthy: true } });
    };
    a.handle(probe(b));
    b.handle(probe(b));
    const client = masterClient(`${a.url.slice(7)},${b.url.slice(7)}`, { contentType: 'json' });
    expect(await client.getHealth()).to.deep.equal({ healthy: true });
    expect(client.leader).to.equal(b.url);
    expect(() => new MesosMasterOperator('zk://', {})).to.throw(MesosConfigError);
    expect(() => new MesosMasterOperator('m:5050', { retryTimeoutMs: -1 })).to.throw(
      MesosConfigError,
      /retryTimeoutMs/,
    );
    expect(() => client.subscribe({}, { missedHeartbeats: 0 })).to.throw(MesosConfigError, /missedHeartbeats/);
  });

  describe('agent', () => {
    it('never follows a redirect, and retries its 503', async () => {
      const agentFake = await fake();
      const other = await fake();
      agentFake.handle((_req, res) => reply(res, 307, '', { Location: `${other.url.slice(5)}/api/v1` }));
      const agent = new MesosAgentOperator(agentFake.url, { ...FAST, contentType: 'json' });
      clients.push(agent);
      expect(await agent.getHealth().catch((e: unknown) => e)).to.be.instanceOf(MesosRedirectError);
      expect(other.requests.length).to.equal(0);
      let calls = 0;
      agentFake.handle((_req, res) => {
        if (++calls === 1) reply(res, 503, 'Agent has not finished recovery');
        else answer(res, { type: 'GET_HEALTH', get_health: { healthy: true } });
      });
      expect(await agent.getHealth()).to.deep.equal({ healthy: true });
      expect(calls).to.equal(2);
    });
  });
});

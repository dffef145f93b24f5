/** The scheduler endpoint's checks, row by row of the master's table (§1.4), over real loopback HTTP. */
import { expect } from 'chai';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { scheduler } from '../../lib/codec/messages';
import { FaultSwitches } from '../../lib/local/faults';
import { LocalMaster } from '../../lib/local/master';
import { parseResources } from '../../lib/local/resources';
import { FakeAgent, postCall, rawRequest, Subscription, subscribeCall } from './local-master-helpers';

describe('LocalMaster scheduler endpoint: status codes', () => {
  let master: LocalMaster;
  let standby: LocalMaster;
  let url: string;
  const open: Subscription[] = [];

  function newMaster(extra: Partial<ConstructorParameters<typeof LocalMaster>[0]> = {}): LocalMaster {
    const agent = new FakeAgent('agent-1', parseResources('cpus:2;mem:1024'));
    return new LocalMaster({
      heartbeatIntervalSeconds: 0.2,
      allocationIntervalMs: 50,
      offerTimeoutMs: undefined,
      roles: undefined,
      credentials: undefined,
      faults: new FaultSwitches(),
      agents: () => [agent] as never,
      ...extra,
    });
  }

  async function subscribe(
    call: scheduler.Call = subscribeCall({ failover_timeout: 60 }),
    options: Parameters<typeof Subscription.open>[2] = {},
  ): Promise<Subscription> {
    const subscription = await Subscription.open(url, call, options);
    open.push(subscription);
    return subscription;
  }

  before(async () => {
    master = newMaster();
    await master.start();
    master.setLeader(master.info);
    url = master.url;
    standby = newMaster();
    await standby.start();
  });

  afterEach(() => {
    for (const subscription of open.splice(0)) subscription.close();
  });

  after(async () => {
    await master.stop();
    await standby.stop();
  });

  it('307 with a protocol-relative Location keeping path and query, from a master that is not the leader', async () => {
    standby.setLeader(master.info);
    const res = await rawRequest(standby.url, {
      path: '/api/v1/scheduler?x=1',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(res.status).to.equal(307);
    expect(res.headers.location).to.equal(`//127.0.0.1:${master.info.port}/api/v1/scheduler?x=1`);
  });

  it('503 "No leader elected" when no leader is known', async () => {
    standby.setLeader(null);
    const res = await postCall(standby.url, subscribeCall());
    expect(res.status).to.equal(503);
    expect(res.text).to.equal('No leader elected');
  });

  it('/redirect answers 307 to the leader base URL, or 503', async () => {
    standby.setLeader(master.info);
    const redirected = await rawRequest(standby.url, { method: 'GET', path: '/master/redirect' });
    expect(redirected.status).to.equal(307);
    expect(redirected.headers.location).to.equal(`//127.0.0.1:${master.info.port}`);
    standby.setLeader(null);
    expect((await rawRequest(standby.url, { method: 'GET', path: '/redirect' })).status).to.equal(503);
  });

  it('405 with Allow: POST for another method', async () => {
    const res = await rawRequest(url, { method: 'GET' });
    expect(res.status).to.equal(405);
    expect(res.headers.allow).to.equal('POST');
  });

  it('400 when Content-Type is missing', async () => {
    const res = await rawRequest(url, { body: '{}' });
    expect(res.status).to.equal(400);
    expect(res.text).to.equal("Expecting 'Content-Type' to be present");
  });

  it('415 for a Content-Type that is not exactly one of the two', async () => {
    const res = await postCall(url, subscribeCall(), { 'Content-Type': 'application/json; charset=utf-8' });
    expect(res.status).to.equal(415);
  });

  it('400 with the decode error for a body that does not parse (JSON and protobuf)', async () => {
    const json = await postCall(url, '{"type": "SUBSCRIBE",');
    expect(json.status).to.equal(400);
    expect(json.text).to.not.equal('');
    const proto = await rawRequest(url, {
      headers: { 'Content-Type': 'application/x-protobuf' },
      body: Buffer.from([0x0a, 0xff, 0xff]),
    });
    expect(proto.status).to.equal(400);
  });

  it('400 "Failed to validate scheduler::Call" for invalid calls', async () => {
    const cases: Array<[unknown, string]> = [
      [{}, "Expecting 'type' to be present"],
      [{ type: 'SUBSCRIBE' }, "Expecting 'subscribe' to be present"],
      [
        { ...subscribeCall(), framework_id: { value: 'x' } },
        "'framework_id' differs from 'subscribe.framework_info.id'",
      ],
      [{ type: 'TEARDOWN' }, "Expecting 'framework_id' to be present"],
      [{ type: 'KILL', framework_id: { value: 'f' } }, "Expecting 'kill' to be present"],
      [
        {
          type: 'ACKNOWLEDGE',
          framework_id: { value: 'f' },
          acknowledge: {
            agent_id: { value: 'a' },
            task_id: { value: 't' },
            uuid: Buffer.from('short').toString('base64'),
          },
        },
        'Invalid UUID',
      ],
      [
        {
          type: 'UPDATE_FRAMEWORK',
          framework_id: { value: 'f' },
          update_framework: { framework_info: { user: 'u', name: 'n', id: { value: 'g' } } },
        },
        "'framework_id' differs from 'update_framework.framework_info.id'",
      ],
    ];
    for (const [call, message] of cases) {
      const res = await postCall(url, call);
      expect(res.status, JSON.stringify(call)).to.equal(400);
      expect(res.text).to.contain('Failed to validate scheduler::Call: ').and.to.contain(message);
    }
  });

  it('406 for a SUBSCRIBE whose Accept allows neither encoding, including q=0 refusals', async () => {
    for (const accept of ['text/html', 'application/json;q=0, application/x-protobuf;q=0', 'application/recordio']) {
      const res = await postCall(url, subscribeCall(), { Accept: accept });
      expect(res.status, accept).to.equal(406);
    }
  });

  it('negotiates the stream encoding from Accept: absent, */*, application/*, compound lists, q=0', async () => {
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'application/json'],
      ['*/*', 'application/json'],
      ['application/*', 'application/json'],
      ['text/html, application/x-protobuf', 'application/x-protobuf'],
      ['application/json;q=0, */*', 'application/x-protobuf'],
    ];
    for (const [accept, expected] of cases) {
      const headers: Record<string, string> = accept === undefined ? {} : { Accept: accept };
      const body = JSON.stringify(subscribeCall());
      const subscription = await subscribe(body as never, { headers: accept === undefined ? { Accept: '' } : headers });
      expect(subscription.status, String(accept)).to.equal(200);
      expect(subscription.headers['content-type'], String(accept)).to.equal(expected);
      subscription.close();
    }
  });

  it('400 for a SUBSCRIBE that carries Mesos-Stream-Id', async () => {
    const res = await postCall(url, subscribeCall(), { 'Mesos-Stream-Id': 'abc' });
    expect(res.status).to.equal(400);
  });

  it('200 stream: SUBSCRIBED, an immediate HEARTBEAT, then heartbeats every interval, one record per chunk', async () => {
    const subscription = await subscribe();
    expect(subscription.status).to.equal(200);
    expect(subscription.headers['content-type']).to.equal('application/json');
    expect(subscription.streamId).to.match(/^[0-9a-f-]{36}$/);
    await subscription.waitFor(
      (events) => events.filter((event) => event.type === 'HEARTBEAT').length >= 2 || undefined,
      2000,
      'two heartbeats',
    );
    expect(subscription.events[0]?.type).to.equal('SUBSCRIBED');
    expect(subscription.events[1]?.type).to.equal('HEARTBEAT');
    const subscribed = subscription.events[0]?.subscribed;
    expect(subscribed?.heartbeat_interval_seconds).to.equal(0.2);
    expect(subscribed?.master_info?.port).to.equal(master.info.port);
    // Every HTTP chunk holds exactly one whole record: "<length>\n<payload>".
    for (const chunk of subscription.chunks) {
      const text = chunk.toString('utf8');
      const newline = text.indexOf('\n');
      expect(Number(text.slice(0, newline))).to.equal(chunk.length - newline - 1);
    }
  });

  it('200 stream in protobuf', async () => {
    const subscription = await subscribe(subscribeCall(), { format: 'protobuf' });
    expect(subscription.headers['content-type']).to.equal('application/x-protobuf');
    const event = await subscription.waitForEvent('SUBSCRIBED');
    expect(event.subscribed?.framework_id.value).to.be.a('string').and.not.equal('');
  });

  it('non-SUBSCRIBE: 400 unknown framework, 400 missing stream id, 400 stream-id mismatch, 202, 200, 501', async () => {
    const subscription = await subscribe();
    await subscription.waitForEvent('SUBSCRIBED');
    const frameworkId = subscription.frameworkId;
    const unknown = await postCall(
      url,
      { type: 'REVIVE', framework_id: { value: 'nope' } },
      { 'Mesos-Stream-Id': subscription.streamId },
    );
    expect([unknown.status, unknown.text]).to.deep.equal([400, 'Framework cannot be found']);
    const missing = await postCall(url, { type: 'REVIVE', framework_id: { value: frameworkId } });
    expect(missing.status).to.equal(400);
    expect(missing.text).to.contain('Mesos-Stream-Id');
    const mismatch = await postCall(
      url,
      { type: 'REVIVE', framework_id: { value: frameworkId } },
      { 'Mesos-Stream-Id': 'stale' },
    );
    expect(mismatch.status).to.equal(400);
    expect(mismatch.text).to.equal(
      `The stream ID 'stale' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`,
    );
    expect((await subscription.call(url, { type: 'REVIVE' })).status).to.equal(202);
    expect((await subscription.call(url, { type: 'REQUEST', request: { requests: [] } })).status).to.equal(202);
    const update = await subscription.call(url, {
      type: 'UPDATE_FRAMEWORK',
      update_framework: {
        framework_info: { user: 'tester', name: 'renamed', id: { value: frameworkId }, failover_timeout: 60 },
      },
    });
    expect(update.status).to.equal(200);
    expect((await subscription.call(url, { type: 'UNKNOWN' })).status).to.equal(501);
  });

  it('403 "Framework is not subscribed" after the subscription connection broke', async () => {
    const subscription = await subscribe();
    await subscription.waitForEvent('SUBSCRIBED');
    const { frameworkId, streamId } = subscription;
    subscription.close();
    await waitUntil(() => !master.core?.frameworks.get(frameworkId)?.stream);
    const res = await postCall(
      url,
      { type: 'REVIVE', framework_id: { value: frameworkId } },
      { 'Mesos-Stream-Id': streamId },
    );
    expect([res.status, res.text]).to.deep.equal([403, 'Framework is not subscribed']);
  });

  it('accepts what real clients send: chunked bodies, unknown and null fields, a query string', async () => {
    const subscription = await subscribe();
    await subscription.waitForEvent('SUBSCRIBED');
    const body = JSON.stringify({
      type: 'REVIVE',
      framework_id: { value: subscription.frameworkId, extra: 1 },
      unknown_field: { a: 1 },
      revive: null,
    });
    const res = await rawRequest(url, {
      path: '/api/v1/scheduler?client=x',
      headers: {
        'Content-Type': 'application/json',
        'Transfer-Encoding': 'chunked',
        'Mesos-Stream-Id': subscription.streamId,
      },
      chunks: [body.slice(0, 10), body.slice(10, 30), body.slice(30)],
    });
    expect([res.status, res.text]).to.deep.equal([202, '']);
  });

  it('401 with WWW-Authenticate when credentials are configured, and 200 with the right ones', async () => {
    const secured = newMaster({ credentials: [{ principal: 'alice', secret: 's3cret' }] });
    await secured.start();
    secured.setLeader(secured.info);
    try {
      const none = await postCall(secured.url, subscribeCall());
      expect(none.status).to.equal(401);
      expect(none.headers['www-authenticate']).to.equal('Basic realm="mesos-master-scheduler"');
      // libprocess's http::Unauthorized: its default text body, as on the operator realms.
      expect([none.text, none.headers['content-type']]).to.deep.equal([
        '401 Unauthorized.',
        'text/plain; charset=utf-8',
      ]);
      const wrong = await postCall(secured.url, subscribeCall(), {
        Authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}`,
      });
      expect(wrong.status).to.equal(401);
      const good = await Subscription.open(secured.url, subscribeCall(), {
        headers: { Authorization: `Basic ${Buffer.from('alice:s3cret').toString('base64')}` },
      });
      open.push(good);
      expect(good.status).to.equal(200);
      await good.waitForEvent('SUBSCRIBED');
      expect(secured.core?.frameworks.get(good.frameworkId)?.info.principal).to.equal('alice');
    } finally {
      await secured.stop();
    }
  });

  it('protobuf calls are decoded like JSON ones', async () => {
    const subscription = await subscribe();
    await subscription.waitForEvent('SUBSCRIBED');
    const call: scheduler.Call = { type: 'REVIVE', framework_id: { value: subscription.frameworkId } };
    const res = await rawRequest(url, {
      headers: { 'Content-Type': 'application/x-protobuf', 'Mesos-Stream-Id': subscription.streamId },
      body: getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, 'protobuf').encode(call),
    });
    expect(res.status).to.equal(202);
  });
});

async function waitUntil(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

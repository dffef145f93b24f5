/**
 * LocalCluster's operator API answers with Mesos's codes in Mesos's order: on a master
 * leadership first (307 to the leader, 503 without one), then 405, 400 without Content-Type, 415,
 * 400 for a body that does not parse or validate, 406; on an agent the same checks after 503
 * while recovering, and Message-Accept only for streaming answers. Paths: /api/v1,
 * /master/api/v1, /api/v1/<anything> (longest prefix), /slave(1)/api/v1.
 */
import { gunzipSync } from 'node:zlib';
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local/cluster';
import { MesosMasterOperator } from '../../lib/operator';
import { rawRequest } from './local-master-helpers';

const JSON_TYPE = 'application/json';

describe('LocalCluster operator API: status codes in order', function () {
  this.timeout(10_000);
  let cluster: LocalCluster;
  before(async () => {
    cluster = await LocalCluster.start({ log: false, masters: 2, taskMode: 'simulated' });
  });
  after(async () => {
    await cluster.stop();
  });

  const leaderUrl = () => cluster.masterUrl;
  const post = (
    url: string,
    path: string,
    headers: Record<string, string>,
    body = '{"type":"GET_HEALTH"}',
    method = 'POST',
  ) => rawRequest(url, { method, path, headers, body: method === 'GET' ? undefined : body });

  it('a non-leading master answers 307 to the leader before any other check, keeping path and query', async () => {
    const other = cluster.masters.find((m) => !m.isLeader);
    expect(other).to.not.equal(undefined);
    const res = await post(other?.url as string, '/api/v1/operator?x=1', {}, 'garbage', 'GET');
    expect(res.status).to.equal(307);
    const leader = cluster.leader?.info;
    expect(res.headers.location).to.equal(`//${leader?.hostname}:${leader?.port}/api/v1/operator?x=1`);
  });

  it('405, 400 (no Content-Type), 415 (not exactly JSON/protobuf), 400 (parse), 400 (validation), 406, then 200', async () => {
    const url = leaderUrl();
    const method = await post(url, '/api/v1', { 'Content-Type': JSON_TYPE }, '', 'GET');
    expect([method.status, method.headers.allow]).to.deep.equal([405, 'POST']);
    const noType = await post(url, '/api/v1', {}, 'not json');
    expect([noType.status, noType.text]).to.deep.equal([400, "Expecting 'Content-Type' to be present"]);
    const charset = await post(url, '/api/v1', {
      'Content-Type': 'application/json; charset=utf-8',
      Accept: 'text/html',
    });
    expect(charset.status).to.equal(415);
    expect(charset.text).to.equal("Expecting 'Content-Type' of application/json or application/x-protobuf");
    const garbage = await post(url, '/api/v1', { 'Content-Type': JSON_TYPE, Accept: 'text/html' }, '{"type":');
    expect(garbage.status).to.equal(400);
    const missing = await post(
      url,
      '/api/v1',
      { 'Content-Type': JSON_TYPE, Accept: 'text/html' },
      '{"type":"GET_METRICS"}',
    );
    expect([missing.status, missing.text]).to.deep.equal([
      400,
      "Failed to validate master::Call: Expecting 'get_metrics' to be present",
    ]);
    const unknown = await post(url, '/api/v1', { 'Content-Type': JSON_TYPE }, '{"type":"NO_SUCH_CALL"}');
    expect([unknown.status, unknown.text]).to.deep.equal([
      400,
      "Failed to validate master::Call: Expecting 'type' to be present",
    ]);
    const notAcceptable = await post(url, '/api/v1', { 'Content-Type': JSON_TYPE, Accept: 'application/recordio' });
    expect(notAcceptable.status).to.equal(406);
    for (const path of ['/api/v1', '/master/api/v1', '/api/v1/operator']) {
      const ok = await post(url, path, { 'Content-Type': JSON_TYPE });
      expect([path, ok.status, JSON.parse(ok.text)]).to.deep.equal([
        path,
        200,
        { type: 'GET_HEALTH', get_health: { healthy: true } },
      ]);
    }
  });

  it('compresses a non-streaming answer with gzip when Accept-Encoding allows it', async () => {
    const res = await post(leaderUrl(), '/api/v1', { 'Content-Type': JSON_TYPE, 'Accept-Encoding': 'gzip' });
    expect(res.headers['content-encoding']).to.equal('gzip');
    expect(JSON.parse(gunzipSync(res.body).toString())).to.deep.equal({
      type: 'GET_HEALTH',
      get_health: { healthy: true },
    });
  });

  it('503 without a leader', async () => {
    const solo = await LocalCluster.start({ log: false, taskMode: 'simulated' });
    try {
      const master = solo.masters[0];
      master?.setLeader(null);
      const res = await post(master?.url as string, '/api/v1', { 'Content-Type': JSON_TYPE });
      expect([res.status, res.text]).to.deep.equal([503, 'No leader elected']);
    } finally {
      await solo.stop();
    }
  });

  it('503 while a newly elected master recovers, then answers', async () => {
    const recovering = await LocalCluster.start({ log: false, taskMode: 'simulated', masterRecoveryMs: 300 });
    try {
      const res = await post(recovering.masterUrl, '/api/v1', { 'Content-Type': JSON_TYPE });
      expect([res.status, res.text]).to.deep.equal([503, 'Master has not finished recovery']);
      const client = new MesosMasterOperator(recovering.masterString, { contentType: 'json' });
      expect(await client.getHealth()).to.deep.equal({ healthy: true });
      await client.close();
    } finally {
      await recovering.stop();
    }
  });

  it('an agent applies the same checks on /api/v1 and /slave(1)/api/v1, and Message-Accept only on streaming calls', async () => {
    const agent = cluster.agents[0]?.url as string;
    expect((await post(agent, '/slave(1)/api/v1', {}, '', 'GET')).status).to.equal(405);
    expect((await post(agent, '/api/v1', {})).status).to.equal(400);
    expect((await post(agent, '/api/v1', { 'Content-Type': 'text/plain' })).status).to.equal(415);
    const invalid = await post(agent, '/api/v1', { 'Content-Type': JSON_TYPE }, '{"type":"GET_METRICS"}');
    expect([invalid.status, invalid.text]).to.deep.equal([
      400,
      "Failed to validate agent::Call: Expecting 'get_metrics' to be present",
    ]);
    const messageAccept = await post(agent, '/api/v1', { 'Content-Type': JSON_TYPE, 'Message-Accept': JSON_TYPE });
    expect(messageAccept.status).to.equal(406);
    const ok = await post(agent, '/slave(1)/api/v1', { 'Content-Type': JSON_TYPE });
    expect(JSON.parse(ok.text)).to.deep.equal({ type: 'GET_HEALTH', get_health: { healthy: true } });
    // The executor API keeps its own endpoint.
    const executor = await post(agent, '/api/v1/executor', { 'Content-Type': JSON_TYPE }, '{}');
    expect(executor.status).to.equal(400);
    expect(executor.text).to.not.include('agent::Call');
  });
});

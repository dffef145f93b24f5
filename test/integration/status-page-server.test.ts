/**
 * The status page's server side over real loopback HTTP (the page itself is tested in Chromium in
 * status-page-browser.test.ts): every LocalCluster server refuses a foreign Host (DNS rebinding);
 * `/` serves the page with its control token and a strict CSP, and a standby sends the browser to
 * the leader; the page's control routes on the master need that token and refuse foreign origins;
 * `/status/cluster` reports what the operator API does not; `statusPage: false` turns it all off.
 */
import { connect } from 'node:net';
import { expect } from 'chai';
import sinon from 'sinon';
import { LocalCluster } from '../../lib/local/cluster';
import { LocalControlServer } from '../../lib/local/control/server';
import { rawRequest } from './local-master-helpers';

function get(baseUrl: string, path: string, headers: Record<string, string> = {}) {
  return rawRequest(baseUrl, { method: 'GET', path, headers });
}

/** A raw HTTP/1.0 request without any Host header. */
function withoutHost(baseUrl: string): Promise<string> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end('GET / HTTP/1.0\r\n\r\n'));
    let text = '';
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

function tokenOf(html: string): string {
  const match = /<meta name="mesos-local-token" content="([^"]*)">/.exec(html);
  if (!match) throw new Error('no token meta in the page');
  return match[1] as string;
}

describe('LocalCluster status page (server side)', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  let control: LocalControlServer;

  before(async () => {
    cluster = await LocalCluster.start({ masters: 2, agents: 1, log: false, taskMode: 'simulated' });
    control = await LocalControlServer.start(cluster);
  });
  after(async () => {
    await control?.stop();
    await cluster?.stop();
  });

  it('refuses a foreign Host on masters (leader and standby), agents and the control endpoint', async () => {
    const standby = cluster.masters.find((master) => !master.isLeader);
    const bases = [cluster.masterUrl, standby?.url ?? '', cluster.agents[0]?.url ?? '', new URL(control.url).origin];
    for (const base of bases) {
      for (const host of ['attacker.example', 'attacker.example:80', '127.0.0.1.nip.io', '10.0.0.1', '[::2]:80']) {
        const answer = await get(base, '/', { Host: host });
        expect(answer.status, `${base} with Host ${host}`).to.equal(403);
        expect(answer.text).to.include('loopback');
      }
      // The scheduler and executor APIs too, not only the page.
      const api = await rawRequest(base, { path: '/api/v1/scheduler', headers: { Host: 'attacker.example' } });
      expect(api.status).to.equal(403);
      expect(await withoutHost(base)).to.match(/^HTTP\/1\.[01] 403/);
    }
    for (const host of ['localhost', `localhost:${new URL(cluster.masterUrl).port}`, '127.0.0.2:1', '[::1]:5050']) {
      expect((await get(cluster.masterUrl, '/', { Host: host })).status, host).to.equal(200);
    }
    expect((await get(cluster.agents[0]?.url ?? '', '/state', { Host: 'localhost' })).status).to.equal(200);
  });

  it('serves the page with its token, a strict CSP and its assets; a standby redirects to the leader', async () => {
    const page = await get(cluster.masterUrl, '/');
    expect(page.status).to.equal(200);
    expect(page.headers['content-type']).to.match(/^text\/html/);
    expect(page.headers['content-security-policy'])
      .to.include("script-src 'self'")
      .and.include("frame-ancestors 'none'");
    expect(page.headers['x-frame-options']).to.equal('DENY');
    expect(page.headers['cache-control']).to.equal('no-store');
    expect(tokenOf(page.text)).to.have.length.greaterThan(30);
    for (const [path, type] of [
      ['/status/app.js', /^text\/javascript/],
      ['/status/app.css', /^text\/css/],
    ] as const) {
      const asset = await get(cluster.masterUrl, path);
      expect(asset.status).to.equal(200);
      expect(asset.headers['content-type']).to.match(type);
      expect(asset.text.length).to.be.greaterThan(1000);
    }
    const standby = cluster.masters.find((master) => !master.isLeader);
    const redirect = await get(standby?.url ?? '', '/?tab=tasks');
    expect(redirect.status).to.equal(307);
    expect(redirect.headers.location).to.equal(`//127.0.0.1:${new URL(cluster.masterUrl).port}/?tab=tasks`);
    expect((await get(cluster.masterUrl, '/status/nothing')).status).to.equal(404);
    expect((await rawRequest(cluster.masterUrl, { path: '/', body: '' })).status).to.equal(405);
  });

  it("runs the page's control routes on the master only with its token and from no foreign origin", async () => {
    const token = tokenOf((await get(cluster.masterUrl, '/')).text);
    expect(token).to.not.equal(control.token);
    const post = (headers: Record<string, string>, body = '{"ms":25}') =>
      rawRequest(cluster.masterUrl, {
        path: '/local/faults/latency',
        headers: { 'Content-Type': 'application/json', ...headers },
        body,
      });
    expect((await post({})).status).to.equal(401);
    expect((await post({ Authorization: `Bearer ${control.token}` })).status).to.equal(401);
    const setLatency = sinon.spy(cluster.faults, 'setLatency');
    const foreign = await post({ Authorization: `Bearer ${token}`, Origin: 'https://attacker.example' });
    expect(foreign.status).to.equal(403);
    const form = await post({ Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' });
    expect(form.status).to.equal(415);
    try {
      const ok = await post({ Authorization: `Bearer ${token}`, Origin: cluster.masterUrl });
      expect(ok.status).to.equal(200);
      expect((await post({ Authorization: `Bearer ${token}` }, '{"ms":0}')).status).to.equal(200);
      expect(setLatency.args).to.deep.equal([[25], [0]]);
    } finally {
      setLatency.restore();
    }
    const state = await rawRequest(cluster.masterUrl, {
      method: 'GET',
      path: '/local/state',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(JSON.parse(state.text).agents).to.have.length(1);
  });

  it('reports masters, leader and start time at /status/cluster; relays files only for live agents', async () => {
    const overview = JSON.parse((await get(cluster.masterUrl, '/status/cluster')).text);
    expect(overview.version).to.be.a('string');
    expect(overview.controls).to.equal(true);
    expect(overview.startedAt).to.be.within(Date.now() - 60_000, Date.now());
    expect(overview.masters.map((m: { leading: boolean }) => m.leading)).to.have.members([true, false]);
    expect(overview.masters.find((m: { leading: boolean }) => m.leading).url).to.equal(cluster.masterUrl);
    const missing = await get(cluster.masterUrl, '/status/agents/no-such-agent/files/read?path=/x&offset=0');
    expect(missing.status).to.equal(404);
    expect(missing.headers['content-type']).to.equal('application/json');
    const malformed = await get(cluster.masterUrl, '/status/agents/%E0%A4%A/files/read?path=/x');
    expect(malformed.status).to.equal(400);
    expect((await get(cluster.masterUrl, '/status/cluster')).status).to.equal(200);
  });

  it('statusPage: false leaves / and the control routes unanswered; controls: false keeps the page without a token', async () => {
    const off = await LocalCluster.start({ agents: 0, log: false, statusPage: false });
    const noControls = await LocalCluster.start({ agents: 0, log: false, statusPage: { controls: false } });
    try {
      expect((await get(off.masterUrl, '/')).status).to.equal(404);
      expect((await get(off.masterUrl, '/local/state')).status).to.equal(404);
      const page = await get(noControls.masterUrl, '/');
      expect(page.status).to.equal(200);
      expect(tokenOf(page.text)).to.equal('');
      expect((await get(noControls.masterUrl, '/local/state', { Authorization: 'Bearer x' })).status).to.equal(404);
    } finally {
      await off.stop();
      await noControls.stop();
    }
  });
});

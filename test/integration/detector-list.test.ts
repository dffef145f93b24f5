import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { MesosAbortError } from '../../lib/common/errors';
import { createDetector } from '../../lib/detector';

/** A tiny fake master answering /master/redirect according to `behaviour`. */
interface FakeMaster {
  port: number;
  behaviour: { leaderPort?: number | null };
  requests: string[];
  authorization: Array<string | undefined>;
  close(): Promise<void>;
}

async function fakeMaster(): Promise<FakeMaster> {
  const master: Partial<FakeMaster> = { behaviour: {}, requests: [], authorization: [] };
  const server = http.createServer((req, res) => {
    master.requests?.push(req.url ?? '');
    master.authorization?.push(req.headers.authorization);
    const leaderPort = master.behaviour?.leaderPort;
    if (req.url !== '/master/redirect' && req.url !== '/prefix/master/redirect') {
      res.writeHead(404).end();
    } else if (leaderPort === undefined || leaderPort === null) {
      res.writeHead(503).end('No leader elected');
    } else {
      res.writeHead(307, { Location: `//127.0.0.1:${leaderPort}` }).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  master.port = (server.address() as AddressInfo).port;
  master.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return master as FakeMaster;
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('detector: list of masters (GET /master/redirect)', function () {
  this.timeout(10_000);
  let masters: FakeMaster[] = [];

  beforeEach(async () => {
    masters = await Promise.all([fakeMaster(), fakeMaster(), fakeMaster()]);
  });
  afterEach(async () => {
    await Promise.all(masters.map((m) => m.close()));
  });

  const setLeader = (port: number | null) => {
    for (const m of masters) m.behaviour.leaderPort = port;
  };

  it('finds the leader that every master names, keeping the list entry prefix', async () => {
    const [a, b, c] = masters as [FakeMaster, FakeMaster, FakeMaster];
    setLeader(b.port);
    const detector = createDetector(`127.0.0.1:${a.port},http://127.0.0.1:${b.port}/prefix,127.0.0.1:${c.port}`);
    try {
      expect(await detector.detect(null)).to.deep.equal({ url: `http://127.0.0.1:${b.port}/prefix` });
      expect(b.requests).to.include('/prefix/master/redirect');
      expect(a.requests).to.include('/master/redirect');
    } finally {
      await detector.close();
    }
  });

  it('works when one master is down, and sends the credential as Basic auth', async () => {
    const [a, b] = masters as [FakeMaster, FakeMaster];
    setLeader(a.port);
    const dead = await closedPort();
    const detector = createDetector(`127.0.0.1:${dead},127.0.0.1:${a.port},127.0.0.1:${b.port}`, {
      credential: { principal: 'fw', secret: 'pw' },
    });
    try {
      expect(await detector.detect(null)).to.deep.equal({ url: `http://127.0.0.1:${a.port}` });
      expect(a.authorization[0]).to.equal(`Basic ${Buffer.from('fw:pw').toString('base64')}`);
    } finally {
      await detector.close();
    }
  });

  it('waits while no master knows a leader (503), then reports a leader change by polling', async () => {
    const [a, b, c] = masters as [FakeMaster, FakeMaster, FakeMaster];
    setLeader(null);
    const detector = createDetector(masters.map((m) => `127.0.0.1:${m.port}`).join(','), { pollIntervalMs: 50 });
    try {
      const first = detector.detect(null);
      await new Promise((r) => setTimeout(r, 200));
      expect(a.requests.length).to.be.greaterThan(1); // polled more than once
      setLeader(c.port);
      const leader = await first;
      expect(leader).to.deep.equal({ url: `http://127.0.0.1:${c.port}` });
      const next = detector.detect(leader);
      await new Promise((r) => setTimeout(r, 150));
      setLeader(b.port);
      expect(await next).to.deep.equal({ url: `http://127.0.0.1:${b.port}` });
      // The leader vanishing entirely is a change to "no leader".
      setLeader(null);
      expect(await detector.detect({ url: `http://127.0.0.1:${b.port}` })).to.equal(null);
    } finally {
      await detector.close();
    }
  });

  it('reports no leader when every master is down, and stops on abort', async () => {
    const ports = [await closedPort(), await closedPort()];
    const detector = createDetector(ports.map((p) => `127.0.0.1:${p}`).join(','), {
      pollIntervalMs: 50,
      probeTimeoutMs: 500,
    });
    try {
      expect(await detector.detect({ url: `http://127.0.0.1:${ports[0]}` })).to.equal(null);
      const controller = new AbortController();
      const waiting = detector.detect(null, { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      const err = await waiting.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(MesosAbortError);
    } finally {
      await detector.close();
    }
  });

  it('times a probe out against a master that never answers', async () => {
    const silent = http.createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentPort = (silent.address() as AddressInfo).port;
    const [a] = masters as [FakeMaster];
    setLeader(a.port);
    const detector = createDetector(`127.0.0.1:${silentPort},127.0.0.1:${a.port}`, { probeTimeoutMs: 200 });
    const started = Date.now();
    try {
      expect(await detector.detect(null)).to.deep.equal({ url: `http://127.0.0.1:${a.port}` });
      expect(Date.now() - started).to.be.lessThan(2000);
    } finally {
      await detector.close();
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

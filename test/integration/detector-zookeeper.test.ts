import { expect } from 'chai';
import createDebug from 'debug';
import type { MasterInfo } from '../../lib/codec/messages';
import { MesosDecodeError } from '../../lib/common/errors';
import { createDetector, type MasterDetector, type MasterLocation, MesosZooKeeperError } from '../../lib/detector';
import { closeZooKeeperClient, type RawZkClient, ZkOps, zookeeper } from '../../lib/detector/zookeeper';
import {
  connectTestClient,
  freePort,
  startZooKeeper,
  startZooKeeperProxy,
  type ZooKeeperServer,
} from './helpers/zookeeper';

const SESSION_MS = 2000;

function masterInfo(port: number): MasterInfo {
  return {
    id: `master-${port}`,
    ip: 16777343,
    port,
    pid: `master@127.0.0.1:${port}`,
    hostname: 'localhost',
    version: '1.12.0',
    address: { hostname: '127.0.0.1', ip: '127.0.0.1', port },
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** Resolves with `promise`, or fails the test after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    }),
  ]);
}

/** True when `promise` is still pending after `ms`. */
async function staysPending(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  promise.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await new Promise((r) => setTimeout(r, ms));
  return !settled;
}

describe('detector: ZooKeeper (real server)', function () {
  this.timeout(20_000);
  let zk: ZooKeeperServer;
  let admin: RawZkClient;
  let ops: ZkOps;
  const detectors: MasterDetector[] = [];
  let counter = 0;
  let group: string;

  before(async function () {
    this.timeout(40_000);
    zk = await startZooKeeper();
    admin = await connectTestClient(zk.connectString);
    ops = new ZkOps(admin);
  });
  after(async () => {
    if (admin) await closeZooKeeperClient(admin);
    if (zk) await zk.destroy();
  });
  beforeEach(() => {
    counter += 1;
    group = `/mesos-${counter}`;
  });
  afterEach(async () => {
    await Promise.all(detectors.splice(0).map((d) => d.close()));
  });

  const detector = (url: string, options = {}) => {
    const d = createDetector(url, { zkSessionTimeoutMs: SESSION_MS, ...options });
    detectors.push(d);
    return d;
  };
  const url = () => `zk://${zk.connectString}${group}`;
  const addMember = async (port: number, mode = zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL) => {
    await ops.mkdirp(group, zookeeper.ACL.OPEN_ACL_UNSAFE);
    const data = Buffer.from(JSON.stringify(masterInfo(port)));
    return ops.create(`${group}/json.info_`, data, zookeeper.ACL.OPEN_ACL_UNSAFE, mode);
  };
  const at = (port: number) => `http://127.0.0.1:${port}`;

  it('reports the leader with its MasterInfo', async () => {
    await addMember(5050);
    await addMember(5051);
    const leader = await within(detector(url()).detect(null), 5000, 'detect');
    expect(leader?.url).to.equal(at(5050));
    expect(leader?.info?.id).to.equal('master-5050');
    expect(leader?.info?.address?.port).to.equal(5050);
  });

  it('follows several leader changes in a row (lowest sequence leads)', async () => {
    const a = await addMember(6001);
    const b = await addMember(6002);
    const c = await addMember(6003);
    const d = detector(url());
    let leader = await within(d.detect(null), 5000, 'first');
    expect(leader?.url).to.equal(at(6001));
    await ops.remove(a);
    leader = await within(d.detect(leader), 5000, 'after removing a');
    expect(leader?.url).to.equal(at(6002));
    const e = await addMember(6004);
    await ops.remove(b);
    leader = await within(d.detect(leader), 5000, 'after removing b');
    expect(leader?.url).to.equal(at(6003));
    await ops.remove(c);
    leader = await within(d.detect(leader), 5000, 'after removing c');
    expect(leader?.url).to.equal(at(6004));
    await ops.remove(e);
    expect(await within(d.detect(leader), 5000, 'after removing e')).to.equal(null);
  });

  it('reads legacy bare-sequence members (UPID text) and uses https when asked', async () => {
    // A bare sequence name, as pre-0.24 masters created them, holding the UPID text.
    await ops.mkdirp(group, zookeeper.ACL.OPEN_ACL_UNSAFE);
    await ops.create(
      `${group}/0000000007`,
      Buffer.from('master@127.0.0.1:6101'),
      zookeeper.ACL.OPEN_ACL_UNSAFE,
      zookeeper.CreateMode.EPHEMERAL,
    );
    await ops.create(
      `${group}/log_replicas`,
      Buffer.from(''),
      zookeeper.ACL.OPEN_ACL_UNSAFE,
      zookeeper.CreateMode.EPHEMERAL,
    );
    const leader = await within(detector(url(), { scheme: 'https' }).detect(null), 5000, 'detect');
    expect(leader?.url).to.equal('https://127.0.0.1:6101');
  });

  it('waits on an empty group (even a missing path) until a master appears', async () => {
    const d = detector(url());
    const first = d.detect(null);
    expect(await staysPending(first, 500)).to.equal(true);
    await ops.mkdirp(group, zookeeper.ACL.OPEN_ACL_UNSAFE);
    expect(await staysPending(first, 300)).to.equal(true);
    await addMember(6201);
    expect((await within(first, 5000, 'detect'))?.url).to.equal(at(6201));
  });

  it('skips non-master children (log_replicas, junk)', async () => {
    await ops.mkdirp(`${group}/log_replicas`, zookeeper.ACL.OPEN_ACL_UNSAFE);
    await ops.create(`${group}/junk`, Buffer.from('x'), zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.PERSISTENT);
    await ops.create(
      `${group}/not_a_number`,
      Buffer.from('x'),
      zookeeper.ACL.OPEN_ACL_UNSAFE,
      zookeeper.CreateMode.PERSISTENT,
    );
    await addMember(6301);
    expect((await within(detector(url()).detect(null), 5000, 'detect'))?.url).to.equal(at(6301));
  });

  it('reports malformed content as a MesosDecodeError naming the znode, then recovers', async () => {
    await ops.mkdirp(group, zookeeper.ACL.OPEN_ACL_UNSAFE);
    const bad = await ops.create(
      `${group}/json.info_`,
      Buffer.from('{"id": "x", "ip": '),
      zookeeper.ACL.OPEN_ACL_UNSAFE,
      zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
    );
    await addMember(6401);
    const d = detector(url());
    const err = await within(rejection(d.detect(null)), 5000, 'detect');
    expect(err).to.be.instanceOf(MesosDecodeError);
    expect((err as Error).message).to.include(bad);
    // The error is reported once; the next call waits for a change, which then succeeds.
    const next = d.detect(null);
    expect(await staysPending(next, 300)).to.equal(true);
    await ops.remove(bad);
    expect((await within(next, 5000, 'after fixing'))?.url).to.equal(at(6401));
  });

  it('uses digest credentials from the URL; the wrong password gets a typed error and is never shown', async () => {
    const owner = await connectTestClient(zk.connectString, 'alice:s3cret');
    const captured: string[] = [];
    const originalLog = createDebug.log;
    const enabledBefore = createDebug.disable();
    createDebug.enable('mesos-driver:*');
    createDebug.log = (...args: unknown[]) => {
      captured.push(args.map(String).join(' '));
    };
    try {
      const ownerOps = new ZkOps(owner);
      const aclAliceOnly = zookeeper.ACL.CREATOR_ALL_ACL;
      await ownerOps.mkdirp(group, aclAliceOnly);
      await ownerOps.create(
        `${group}/json.info_`,
        Buffer.from(JSON.stringify(masterInfo(6501))),
        aclAliceOnly,
        zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
      );
      const good = detector(`zk://alice:s3cret@${zk.connectString}${group}`);
      expect((await within(good.detect(null), 5000, 'good'))?.url).to.equal(at(6501));
      const wrong = detector(`zk://alice:WRONGpw@${zk.connectString}${group}`);
      const err = await within(rejection(wrong.detect(null)), 5000, 'wrong');
      expect(err).to.be.instanceOf(MesosZooKeeperError);
      expect((err as MesosZooKeeperError).code).to.equal('NO_AUTH');
      expect((err as Error).message).not.to.include('WRONGpw');
      expect(captured.length).to.be.greaterThan(0);
      for (const line of captured) {
        expect(line).not.to.include('WRONGpw');
        expect(line).not.to.include('s3cret');
      }
    } finally {
      createDebug.log = originalLog;
      createDebug.disable();
      if (enabledBefore) createDebug.enable(enabledBefore);
      await closeZooKeeperClient(owner);
    }
  });

  it('works through a server list where one server is down', async () => {
    await addMember(6601);
    const dead = await freePort();
    const d = detector(`zk://127.0.0.1:${dead},${zk.connectString}${group}`);
    expect((await within(d.detect(null), 8000, 'detect'))?.url).to.equal(at(6601));
  });

  it('reports no leader on session expiry, then re-reads in a new session', async () => {
    await addMember(6701);
    const d = detector(url());
    const leader = await within(d.detect(null), 5000, 'detect');
    const client = (d as unknown as { client: RawZkClient }).client;
    // Waiting before the expiry, as a driver always is: the "no leader" blip must reach it.
    const blip = d.detect(leader);
    await zk.expireSession(client.getSessionId(), client.getSessionPassword());
    expect(await within(blip, 8000, 'after expiry')).to.equal(null);
    const again = await within(d.detect(null), 8000, 'new session');
    expect(again?.url).to.equal(at(6701));
    expect((d as unknown as { client: RawZkClient }).client).not.to.equal(client);
  });

  it('a reconnect the server never answers (as a starting ZooKeeper may) costs a retry, not the session', async () => {
    const first = await addMember(6901);
    await addMember(6902);
    const proxy = await startZooKeeperProxy(zk.port);
    try {
      // The handshake must give up well before the session timeout, or the detector declares the session lost.
      const d = detector(`zk://${proxy.connectString}${group}`, { zkSessionTimeoutMs: 4000 });
      const leader = await within(d.detect(null), 5000, 'detect');
      expect(leader?.url).to.equal(at(6901));
      const waiting = d.detect(leader);
      proxy.silenceNext(1);
      const reconnected = proxy.nextForwarded();
      proxy.dropAll();
      await within(reconnected, 10_000, 'a reconnect past the silent connection');
      // Same session, watches re-armed: the next leader is seen, with no "no leader" blip before it.
      await ops.remove(first);
      expect((await within(waiting, 5000, 'after the leader left'))?.url).to.equal(at(6902));
    } finally {
      await Promise.all(detectors.splice(0).map((d) => d.close()));
      await proxy.close();
    }
  });

  it('survives a short ZooKeeper restart, and reports no leader when the outage outlasts the session', async () => {
    await addMember(6801, zookeeper.CreateMode.PERSISTENT_SEQUENTIAL);
    const second = await addMember(6802, zookeeper.CreateMode.PERSISTENT_SEQUENTIAL);
    // A session long enough to outlast a JVM restart on a busy machine.
    const patient = detector(url(), { zkSessionTimeoutMs: 8000 });
    let leader: MasterLocation | null = await within(patient.detect(null), 5000, 'detect');
    expect(leader?.url).to.equal(at(6801));
    // Short outage: the leader stays known and the session survives.
    const waiting = patient.detect(leader);
    await zk.stop();
    await new Promise((r) => setTimeout(r, 300));
    await zk.restart();
    expect(await staysPending(waiting, 500)).to.equal(true);
    await ops.remove(`${group}/${(await ops.getChildren(group)).sort()[0]}`);
    leader = await within(waiting, 8000, 'after restart');
    expect(leader?.url).to.equal(at(6802));
    // Long outage (longer than a short session): no leader after the session timeout, then the leader again.
    const d = detector(url());
    expect((await within(d.detect(null), 5000, 'short-session detect'))?.url).to.equal(at(6802));
    const lost = d.detect(leader);
    await zk.stop();
    const started = Date.now();
    expect(await within(lost, 8000, 'during outage')).to.equal(null);
    expect(Date.now() - started).to.be.greaterThan(SESSION_MS - 500);
    await zk.restart();
    expect((await within(d.detect(null), 10_000, 'after long outage'))?.url).to.equal(at(6802));
    await ops.remove(second);
  });
});

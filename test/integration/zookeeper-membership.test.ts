import { expect } from 'chai';
import type { MasterInfo } from '../../lib/codec/messages';
import { createDetector } from '../../lib/detector';
import { closeZooKeeperClient, type RawZkClient, ZkOps } from '../../lib/detector/zookeeper';
import { ZkMasterMembership } from '../../lib/local/zk-membership';
import { connectTestClient, startZooKeeper, type ZooKeeperServer } from './helpers/zookeeper';

function info(port: number): MasterInfo {
  return {
    id: `m-${port}`,
    ip: 16777343,
    port,
    hostname: 'localhost',
    version: '1.12.0',
    address: { hostname: '127.0.0.1', ip: '127.0.0.1', port },
  };
}

function nextLeader(member: ZkMasterMembership): Promise<[MasterInfo | null, boolean]> {
  return new Promise((resolve) => member.once('leader', (leader, isSelf) => resolve([leader, isSelf])));
}

describe('ZkMasterMembership: LocalCluster masters in ZooKeeper (real server)', function () {
  this.timeout(20_000);
  let zk: ZooKeeperServer;
  let admin: RawZkClient;
  const members: ZkMasterMembership[] = [];

  before(async function () {
    this.timeout(40_000);
    zk = await startZooKeeper();
    admin = await connectTestClient(zk.connectString);
  });
  after(async () => {
    if (admin) await closeZooKeeperClient(admin);
    if (zk) await zk.destroy();
  });
  afterEach(async () => {
    await Promise.all(members.splice(0).map((m) => m.stop()));
  });

  const join = async (url: string, port: number) => {
    const member = new ZkMasterMembership({ zk: url, masterInfo: info(port), sessionTimeoutMs: 2000 });
    members.push(member);
    await member.start();
    return member;
  };

  it('writes MasterInfo JSON as Mesos does, and elects the oldest member; the next takes over on loss', async () => {
    const url = `zk://${zk.connectString}/ha/mesos`;
    const a = await join(url, 7001);
    const b = await join(url, 7002);
    const c = await join(url, 7003);
    expect([a.isLeader, b.isLeader, c.isLeader]).to.deep.equal([true, false, false]);
    expect(b.leader()?.id).to.equal('m-7001');
    expect(a.znode).to.match(/^\/ha\/mesos\/json\.info_\d{10}$/);

    const json = JSON.parse((await new ZkOps(admin).getData(a.znode as string)).toString('utf8'));
    expect(json).to.include({
      id: 'm-7001',
      ip: 16777343,
      port: 7001,
      pid: 'master@127.0.0.1:7001',
      hostname: 'localhost',
    });
    expect(json.address).to.deep.equal({ hostname: '127.0.0.1', ip: '127.0.0.1', port: 7001 });

    const detector = createDetector(url, { zkSessionTimeoutMs: 2000 });
    try {
      const first = await detector.detect(null);
      expect(first?.url).to.equal('http://127.0.0.1:7001');
      const bSees = nextLeader(b);
      const cSees = nextLeader(c);
      await a.stop();
      expect(await bSees).to.deep.equal([{ ...info(7002), pid: 'master@127.0.0.1:7002' }, true]);
      expect((await cSees)[1]).to.equal(false);
      expect(b.isLeader).to.equal(true);
      expect((await detector.detect(first))?.url).to.equal('http://127.0.0.1:7002');
      const cSeesAgain = nextLeader(c);
      await b.stop();
      expect(await cSeesAgain).to.deep.include.members([true]);
      expect(c.isLeader).to.equal(true);
    } finally {
      await detector.close();
    }
  });

  it('rejoins after its session expires, behind the other members', async () => {
    const url = `zk://${zk.connectString}/ha2`;
    const a = await join(url, 7101);
    const b = await join(url, 7102);
    expect(a.isLeader).to.equal(true);
    const lost = new Promise<string>((resolve) => a.once('lost', resolve));
    const bLeads = new Promise<void>((resolve) => b.on('leader', (_l, isSelf) => isSelf && resolve()));
    const client = (a as unknown as { client: RawZkClient }).client;
    await zk.expireSession(client.getSessionId(), client.getSessionPassword());
    expect(await lost).to.match(/expired/);
    await bLeads;
    await new Promise<void>((resolve) => (a.znode ? resolve() : a.once('leader', () => resolve())));
    expect(a.isLeader).to.equal(false);
    expect(a.leader()?.id).to.equal('m-7102');
  });
});

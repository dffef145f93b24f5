/** LocalCluster in HA: masters elect their leader through a real ZooKeeper, as Mesos masters do. */
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local/cluster';
import { startZooKeeper, startZooKeeperProxy, type ZooKeeperServer } from './helpers/zookeeper';
import { postCall, Subscription, subscribeCall } from './local-master-helpers';

describe('LocalCluster with ZooKeeper', function () {
  this.timeout(30_000);
  let zk: ZooKeeperServer;
  let cluster: LocalCluster | undefined;
  let group = 0;

  before(async () => {
    zk = await startZooKeeper();
  });

  after(async () => {
    await zk?.destroy();
  });

  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('elects one leader; standbys redirect; masterString is the zk URL', async () => {
    const url = `zk://${zk.connectString}/mesos-local-${group++}`;
    cluster = await LocalCluster.start({ masters: 3, zk: url, heartbeatIntervalSeconds: 5, taskMode: 'simulated' });
    expect(cluster.masterString).to.equal(url);
    const leaders = cluster.masters.filter((master) => master.isLeader);
    expect(leaders).to.have.length(1);
    for (const standby of cluster.masters.filter((master) => !master.isLeader)) {
      const res = await postCall(standby.url, subscribeCall());
      expect(res.status).to.equal(307);
      expect(res.headers.location).to.equal(`//127.0.0.1:${leaders[0]?.info.port}/api/v1/scheduler`);
    }
  });

  it('killing the leader lets another take over through ZooKeeper; failover() moves leadership again', async () => {
    cluster = await LocalCluster.start({
      masters: 3,
      zk: `zk://${zk.connectString}/mesos-local-${group++}`,
      heartbeatIntervalSeconds: 5,
      taskMode: 'simulated',
    });
    const first = cluster.leader;
    const subscription = await Subscription.open(cluster.masterUrl, subscribeCall({ failover_timeout: 60 }));
    await subscription.waitForEvent('SUBSCRIBED');
    await cluster.faults.killLeader();
    await subscription.waitForEnd();
    const second = await cluster.waitForLeader((leader) => leader !== first);
    expect(second.isAlive).to.equal(true);
    const again = await Subscription.open(
      second.url,
      subscribeCall({ failover_timeout: 60 }, subscription.frameworkId),
    );
    const subscribed = await again.waitForEvent('SUBSCRIBED');
    expect(subscribed.subscribed?.master_info?.id).to.equal(second.info.id);
    const third = await cluster.failover();
    expect(third).to.not.equal(second);
    await again.waitForEnd();
    again.close();
  });

  it('a leader killed while ZooKeeper is unreachable gives way as soon as ZooKeeper answers, not when its session expires', async () => {
    const proxy = await startZooKeeperProxy(zk.port);
    try {
      cluster = await LocalCluster.start({
        masters: 3,
        zk: `zk://${proxy.connectString}/mesos-local-${group++}`,
        heartbeatIntervalSeconds: 5,
        taskMode: 'simulated',
      });
      const killed = cluster.leader;
      // Every master loses ZooKeeper for 3 s (less than the 10 s session); the leader dies meanwhile.
      proxy.refuse = true;
      proxy.dropAll();
      await cluster.faults.killLeader();
      await new Promise((r) => setTimeout(r, 3000));
      proxy.refuse = false;
      const back = Date.now();
      // The killed master's znode must go when its client reconnects; left to expire, it would lead ~7 s more.
      const next = await cluster.waitForLeader((leader) => leader !== killed, 5000);
      expect(next.isAlive).to.equal(true);
      expect(Date.now() - back).to.be.below(5000);
    } finally {
      await cluster?.stop();
      cluster = undefined;
      await proxy.close();
    }
  });
});

/** LocalCluster end to end: real agents and task processes, multi-master, failover, faults, clean stop. */
import { expect } from 'chai';
import type { Offer, TaskInfo } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { parseResources, scalar } from '../../lib/local/resources';
import { postCall, rawRequest, Subscription, subscribeCall } from './local-master-helpers';

function countHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

function commandTask(id: string, offer: Offer, command: string, resources = 'cpus:0.5;mem:32'): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: parseResources(resources),
    command: { value: command },
  };
}

describe('LocalCluster', () => {
  const open: Subscription[] = [];
  let cluster: LocalCluster | undefined;

  async function subscribe(
    url: string,
    info: Parameters<typeof subscribeCall>[0] = { failover_timeout: 60 },
    frameworkId?: string,
  ): Promise<Subscription> {
    const subscription = await Subscription.open(url, subscribeCall(info, frameworkId));
    open.push(subscription);
    await subscription.waitFor(
      (events) => events.some((event) => event.type === 'SUBSCRIBED' || event.type === 'ERROR') || undefined,
      3000,
      'SUBSCRIBED',
    );
    return subscription;
  }

  afterEach(async () => {
    for (const subscription of open.splice(0)) subscription.close();
    await cluster?.stop();
    cluster = undefined;
  });

  it('starts, serves /version, /master/state and /health, and stop() leaves no server, socket, process or timer behind', async () => {
    await new Promise((resolve) => setTimeout(resolve, 10)); // let mocha's own timers settle before the baseline
    const before = countHandles();
    cluster = await LocalCluster.start({ agents: 2, heartbeatIntervalSeconds: 0.1, taskMode: 'simulated' });
    const url = cluster.masterUrl;
    expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(cluster.masterString).to.equal(url);
    const version = JSON.parse((await rawRequest(url, { method: 'GET', path: '/version' })).text);
    expect(version.version).to.equal('1.12.0');
    const state = JSON.parse((await rawRequest(url, { method: 'GET', path: '/master/state' })).text);
    expect(state.slaves).to.have.length(2);
    expect(state.slaves[0].resources.cpus).to.equal(4);
    expect(state.leader_info.port).to.equal(cluster.masters[0]?.info.port);
    expect((await rawRequest(url, { method: 'GET', path: '/health' })).status).to.equal(200);
    const subscription = await subscribe(url);
    await subscription.waitForEvent('OFFERS');
    await cluster.stop();
    cluster = undefined;
    await subscription.waitForEnd();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const after = countHandles();
    for (const kind of ['TCPServerWrap', 'TCPSocketWrap', 'ProcessWrap', 'Timeout']) {
      expect(after[kind] ?? 0, kind).to.be.at.most(before[kind] ?? 0);
    }
  });

  it('runs a real command task: TASK_STARTING/RUNNING then TASK_FINISHED, and its resources return', async () => {
    cluster = await LocalCluster.start({ resources: 'cpus:2;mem:256', heartbeatIntervalSeconds: 5 });
    const url = cluster.masterUrl;
    const subscription = await subscribe(url);
    const offer = (await subscription.waitForEvent('OFFERS')).offers?.offers?.[0] as Offer;
    const index = subscription.events.length;
    await subscription.call(url, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('sleepy', offer, 'sleep 0.2')] } }],
        filters: { refuse_seconds: 0 },
      },
    });
    // Updates of a task come one at a time, each after the previous one is acknowledged (§1.8).
    const acked = new Set<string>();
    const states: string[] = [];
    await subscription.waitFor(
      (events) => {
        for (const event of events.slice(index)) {
          const status = event.update?.status;
          if (event.type !== 'UPDATE' || !status?.uuid) continue;
          const uuid = Buffer.from(status.uuid).toString('base64');
          if (acked.has(uuid)) continue;
          acked.add(uuid);
          states.push(status.state);
          void subscription.call(url, {
            type: 'ACKNOWLEDGE',
            acknowledge: { agent_id: offer.agent_id, task_id: status.task_id, uuid: uuid as never },
          });
        }
        return states.includes('TASK_FINISHED') || undefined;
      },
      5000,
      'TASK_FINISHED',
    );
    expect(states[0]).to.equal('TASK_STARTING');
    expect(states).to.include('TASK_RUNNING');
    expect(states.indexOf('TASK_RUNNING')).to.be.lessThan(states.indexOf('TASK_FINISHED'));
    // The freed resources are offered again.
    await subscription.waitFor(
      () => {
        const offers = cluster?.leader?.core?.outstandingOffers() ?? [];
        return offers.reduce((sum, item) => sum + scalar(item.resources ?? [], 'cpus'), 0) === 2 || undefined;
      },
      3000,
      'all cpus offered again',
    );
  });

  it('several masters: standbys answer 307; failover() moves leadership, closes streams, frameworks re-subscribe', async () => {
    cluster = await LocalCluster.start({
      masters: 3,
      heartbeatIntervalSeconds: 5,
      taskMode: 'simulated',
      simulatedTaskMs: 60_000,
    });
    expect(cluster.masterString.split(',')).to.have.length(3);
    const oldLeader = cluster.masterUrl;
    const standby = cluster.masters.find((master) => !master.isLeader);
    const redirected = await postCall(standby?.url as string, subscribeCall());
    expect(redirected.status).to.equal(307);
    expect(redirected.headers.location).to.equal(`//127.0.0.1:${cluster.leader?.info.port}/api/v1/scheduler`);

    const subscription = await subscribe(oldLeader);
    const offer = (await subscription.waitForEvent('OFFERS')).offers?.offers?.[0] as Offer;
    await subscription.call(oldLeader, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('long', offer, 'sleep 60')] } }],
      },
    });
    await subscription.waitForEvent('UPDATE', { where: (event) => event.update?.status.state === 'TASK_RUNNING' });

    const newLeader = await cluster.failover();
    expect(newLeader.url).to.not.equal(oldLeader);
    await subscription.waitForEnd();
    // The new leader learned the framework from the agent: known but not subscribed.
    const notSubscribed = await postCall(
      newLeader.url,
      { type: 'REVIVE', framework_id: { value: subscription.frameworkId } },
      { 'Mesos-Stream-Id': subscription.streamId },
    );
    expect([notSubscribed.status, notSubscribed.text]).to.deep.equal([403, 'Framework is not subscribed']);
    const unknown = await postCall(
      newLeader.url,
      { type: 'REVIVE', framework_id: { value: 'never-seen' } },
      { 'Mesos-Stream-Id': 'x' },
    );
    expect([unknown.status, unknown.text]).to.deep.equal([400, 'Framework cannot be found']);
    // The old leader now redirects.
    expect((await postCall(oldLeader, subscribeCall())).status).to.equal(307);

    const again = await subscribe(newLeader.url, { failover_timeout: 60 }, subscription.frameworkId);
    expect(again.frameworkId).to.equal(subscription.frameworkId);
    expect(again.events[0]?.subscribed?.master_info?.port).to.equal(newLeader.info.port);
    const index = again.events.length;
    await again.call(newLeader.url, { type: 'RECONCILE', reconcile: { tasks: [] } });
    const answer = await again.waitForEvent('UPDATE', { from: index });
    expect([answer.update?.status.task_id.value, answer.update?.status.state]).to.deep.equal(['long', 'TASK_RUNNING']);
  });

  it('failover() with a single master restarts its leadership under a new id', async () => {
    cluster = await LocalCluster.start({ heartbeatIntervalSeconds: 5, taskMode: 'simulated' });
    const oldId = cluster.leader?.info.id;
    const subscription = await subscribe(cluster.masterUrl);
    const leader = await cluster.failover();
    expect(leader.info.id).to.not.equal(oldId);
    await subscription.waitForEnd();
    const res = await postCall(
      cluster.masterUrl,
      { type: 'REVIVE', framework_id: { value: subscription.frameworkId } },
      { 'Mesos-Stream-Id': subscription.streamId },
    );
    expect([res.status, res.text]).to.deep.equal([400, 'Framework cannot be found']);
  });

  it('faults.killLeader(): another master takes over', async () => {
    cluster = await LocalCluster.start({ masters: 2, heartbeatIntervalSeconds: 5, taskMode: 'simulated' });
    const first = cluster.leader;
    await cluster.faults.killLeader();
    const next = await cluster.waitForLeader((leader) => leader !== first);
    expect(next).to.not.equal(first);
    expect(first?.isAlive).to.equal(false);
    expect((await rawRequest(next.url, { method: 'GET', path: '/version' })).status).to.equal(200);
  });

  it('faults: drop a subscription in the middle of a record, stop heartbeats, malformed record, failNextCalls, latency', async () => {
    cluster = await LocalCluster.start({ heartbeatIntervalSeconds: 0.1, taskMode: 'simulated' });
    const url = cluster.masterUrl;
    const subscription = await subscribe(url);
    await subscription.waitForEvent('HEARTBEAT');

    cluster.faults.stopHeartbeats();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const quietFrom = subscription.events.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(subscription.events.slice(quietFrom).filter((event) => event.type === 'HEARTBEAT')).to.have.length(0);
    cluster.faults.resumeHeartbeats();
    await subscription.waitForEvent('HEARTBEAT', { from: quietFrom });

    expect(cluster.faults.sendMalformedRecord()).to.equal(1);
    await subscription.waitForEvent('UNKNOWN'); // our reader maps an undecodable record to UNKNOWN

    cluster.faults.failNextCalls({ status: 503, body: 'try later', callType: 'REVIVE', count: 2 });
    expect((await subscription.call(url, { type: 'SUPPRESS' })).status).to.equal(202);
    expect((await subscription.call(url, { type: 'REVIVE' })).status).to.equal(503);
    expect((await subscription.call(url, { type: 'REVIVE' })).text).to.equal('try later');
    expect((await subscription.call(url, { type: 'REVIVE' })).status).to.equal(202);

    cluster.faults.setLatency(150);
    const started = Date.now();
    await subscription.call(url, { type: 'REVIVE' });
    expect(Date.now() - started).to.be.at.least(140);
    cluster.faults.setLatency(0);

    const chunksBefore = subscription.chunks.length;
    expect(cluster.faults.dropSubscription({ midRecord: true })).to.equal(1);
    await subscription.waitForEnd();
    const last = subscription.chunks.slice(chunksBefore).at(-1)?.toString('utf8') ?? '';
    const newline = last.indexOf('\n');
    expect(newline).to.be.greaterThan(0);
    expect(last.length - newline - 1).to.be.lessThan(Number(last.slice(0, newline)));
  });

  it('faults.loseAgent(): TASK_LOST for its tasks, FAILURE with the agent id, RESCIND of its offers', async () => {
    cluster = await LocalCluster.start({
      agents: 2,
      heartbeatIntervalSeconds: 5,
      taskMode: 'simulated',
      simulatedTaskMs: 60_000,
    });
    const url = cluster.masterUrl;
    const subscription = await subscribe(url);
    await subscription.waitFor(
      (events) => {
        const offers = events.filter((event) => event.type === 'OFFERS').flatMap((event) => event.offers?.offers ?? []);
        return offers.length >= 2 || undefined;
      },
      3000,
      'offers from both agents',
    );
    const offers = subscription.events
      .filter((event) => event.type === 'OFFERS')
      .flatMap((event) => event.offers?.offers ?? []);
    const lostAgentId = cluster.agents[0]?.info.id?.value as string;
    const onLost = offers.filter((offer) => offer.agent_id.value === lostAgentId);
    const launchOffer = onLost[0] as Offer;
    await subscription.call(url, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [launchOffer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [commandTask('doomed', launchOffer, 'sleep 60')] } }],
        filters: { refuse_seconds: 0 },
      },
    });
    await subscription.waitForEvent('UPDATE', { where: (event) => event.update?.status.state === 'TASK_RUNNING' });
    const pendingOffer = await subscription.waitForEvent('OFFERS', {
      where: (event) =>
        event.offers?.offers?.[0]?.agent_id.value === lostAgentId &&
        event.offers.offers[0].id.value !== launchOffer.id.value,
    });
    const index = subscription.events.length;
    await cluster.faults.loseAgent(0);
    const lost = await subscription.waitForEvent('UPDATE', {
      from: index,
      where: (event) => event.update?.status.task_id.value === 'doomed',
    });
    expect(lost.update?.status.state).to.equal('TASK_LOST');
    expect(lost.update?.status.reason).to.equal('REASON_AGENT_REMOVED');
    expect(lost.update?.status.uuid).to.equal(undefined);
    const failure = await subscription.waitForEvent('FAILURE', { from: index });
    expect(failure.failure?.agent_id?.value).to.equal(lostAgentId);
    const rescind = await subscription.waitForEvent('RESCIND', { from: index });
    expect(rescind.rescind?.offer_id.value).to.equal(pendingOffer.offers?.offers?.[0]?.id.value);
    expect(cluster.agents).to.have.length(1);
  });

  it('faults.restartAgent(): its offers are rescinded, it comes back and is offered again', async () => {
    cluster = await LocalCluster.start({ heartbeatIntervalSeconds: 5, taskMode: 'simulated' });
    const subscription = await subscribe(cluster.masterUrl);
    const offer = (await subscription.waitForEvent('OFFERS')).offers?.offers?.[0] as Offer;
    const index = subscription.events.length;
    await cluster.faults.restartAgent(0);
    const rescind = await subscription.waitForEvent('RESCIND', { from: index });
    expect(rescind.rescind?.offer_id.value).to.equal(offer.id.value);
    const again = await subscription.waitForEvent('OFFERS', { from: index });
    expect(again.offers?.offers?.[0]?.agent_id.value).to.equal(offer.agent_id.value);
    expect(scalar(again.offers?.offers?.[0]?.resources ?? [], 'cpus')).to.equal(4);
  });

  it('offerTimeoutSeconds rescinds unanswered offers', async () => {
    cluster = await LocalCluster.start({
      heartbeatIntervalSeconds: 5,
      taskMode: 'simulated',
      offerTimeoutSeconds: 0.2,
    });
    const subscription = await subscribe(cluster.masterUrl);
    const offer = (await subscription.waitForEvent('OFFERS')).offers?.offers?.[0] as Offer;
    const rescind = await subscription.waitForEvent('RESCIND');
    expect(rescind.rescind?.offer_id.value).to.equal(offer.id.value);
  });

  it('rejects bad options with a MesosConfigError naming the option', async () => {
    for (const options of [
      { masters: 0 },
      { heartbeatIntervalSeconds: -1 },
      { zk: 'http://x' },
      { resources: 'cpus:lots' },
    ]) {
      let error: unknown;
      try {
        cluster = await LocalCluster.start({ ...options, taskMode: 'simulated' });
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(options)).to.be.instanceOf(Error);
      expect((error as Error).name).to.equal('MesosConfigError');
    }
  });
});

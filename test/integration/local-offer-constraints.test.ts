/** A LocalCluster master applies frameworks' offer constraints (SUBSCRIBE and UPDATE_FRAMEWORK) to its offers, and validates them. */
import { expect } from 'chai';
import { MesosSchedulerDriver } from '../../lib';
import type { scheduler } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { MesosMasterOperator } from '../../lib/operator';
import { postCall, Subscription, subscribeCall } from './local-master-helpers';

function rackConstraint(rack: string): scheduler.OfferConstraints {
  const constraint = { selector: { attribute_name: 'rack' }, predicate: { text_equals: { value: rack } } };
  return { role_constraints: { '*': { groups: [{ attribute_constraints: [constraint] }] } } };
}

describe('LocalCluster offer constraints', function () {
  this.timeout(15_000);
  let cluster: LocalCluster;
  const subscriptions: Subscription[] = [];
  before(async () => {
    cluster = await LocalCluster.start({
      agents: [{ attributes: 'rack:r1' }, { attributes: 'rack:r2' }],
      taskMode: 'simulated',
    });
  });
  after(async () => {
    for (const subscription of subscriptions) subscription.close();
    await cluster.stop();
  });

  const rackOf = (agentId: string) =>
    cluster.agents.find((agent) => agent.id === agentId)?.info.attributes?.[0]?.text?.value;

  it('offers only agents the constraints of SUBSCRIBE allow, then those of UPDATE_FRAMEWORK', async () => {
    const call = subscribeCall({ name: 'constrained' });
    (call.subscribe as scheduler.Call.Subscribe).offer_constraints = rackConstraint('r2');
    const subscription = await Subscription.open(cluster.masterUrl, call);
    subscriptions.push(subscription);
    const first = await subscription.waitForEvent('OFFERS');
    await new Promise((resolve) => setTimeout(resolve, 300)); // no other offer follows
    const offered = subscription.events.filter((e) => e.type === 'OFFERS').flatMap((e) => e.offers?.offers ?? []);
    expect(offered.map((offer) => rackOf(offer.agent_id.value))).to.deep.equal(['r2']);
    expect(first.offers?.offers).to.have.length(1);

    const from = subscription.events.length;
    const update = await postCall(
      cluster.masterUrl,
      {
        type: 'UPDATE_FRAMEWORK',
        framework_id: { value: subscription.frameworkId },
        update_framework: {
          framework_info: { user: 'tester', name: 'constrained', id: { value: subscription.frameworkId } },
          offer_constraints: rackConstraint('r1'),
        },
      },
      { 'Mesos-Stream-Id': subscription.streamId },
    );
    expect(update.status).to.equal(200);
    const next = await subscription.waitForEvent('OFFERS', { from });
    expect(next.offers?.offers?.map((offer) => rackOf(offer.agent_id.value))).to.deep.equal(['r1']);
    // GET_FRAMEWORKS shows the constraints in force.
    const client = new MesosMasterOperator(cluster.masterString, { retryTimeoutMs: 3000 });
    try {
      const frameworks = (await client.getFrameworks()).frameworks ?? [];
      const mine = frameworks.find((f) => f.framework_info.id?.value === subscription.frameworkId);
      expect(mine?.offer_constraints).to.deep.equal(rackConstraint('r1'));
    } finally {
      await client.close();
    }
  });

  it("mesos-driver's updateFramework constraints apply, and survive a master failover (SUBSCRIBE carries them)", async () => {
    const offered: Array<{ rack: string | undefined; at: number }> = [];
    let registered = false;
    const driver = new MesosSchedulerDriver(
      {
        registered: () => void (registered = true),
        resourceOffers: (d, offers) => {
          for (const offer of offers) {
            offered.push({ rack: rackOf(offer.agent_id.value), at: Date.now() });
            d.declineOffer(offer.id, { refuse_seconds: 0.05 });
          }
        },
      },
      { name: 'driver-constrained', user: '' },
      cluster.masterString,
      true,
      undefined,
      { reconnectDelayMaxMs: 50, backoff: { initialMs: 50, maxMs: 200 } },
    );
    driver.start();
    try {
      while (!registered) await new Promise((resolve) => setTimeout(resolve, 10));
      driver.updateFramework({ name: 'driver-constrained', user: '' }, [], rackConstraint('r1'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const since = Date.now();
      await cluster.failover();
      await new Promise((resolve) => setTimeout(resolve, 700));
      const after = offered.filter((o) => o.at >= since);
      expect(after.length).to.be.greaterThan(0);
      expect(new Set(after.map((o) => o.rack))).to.deep.equal(new Set(['r1']));
    } finally {
      driver.stop();
      await driver.join();
    }
  });

  it('refuses on SUBSCRIBE (ERROR) constraints for a role the framework does not have', async () => {
    const call = subscribeCall({ name: 'bad-constraints' });
    (call.subscribe as scheduler.Call.Subscribe).offer_constraints = {
      role_constraints: { other: rackConstraint('r1').role_constraints?.['*'] ?? {} },
    };
    const subscription = await Subscription.open(cluster.masterUrl, call);
    subscriptions.push(subscription);
    const error = await subscription.waitForEvent('ERROR');
    expect(error.error?.message).to.match(/role 'other'/);
  });
});

/** A LocalCluster master reads offer-constraint regexes as Mesos's RE2 does: RE2-only syntax works, what RE2 refuses is refused as Mesos does. */
import { expect } from 'chai';
import type { scheduler } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { postCall, Subscription, subscribeCall } from './local-master-helpers';

function rackMatches(regex: string): scheduler.OfferConstraints {
  const constraint = { selector: { attribute_name: 'rack' }, predicate: { text_matches: { regex } } };
  return { role_constraints: { '*': { groups: [{ attribute_constraints: [constraint] }] } } };
}

describe('LocalCluster offer constraints with RE2 regexes', function () {
  this.timeout(15_000);
  let cluster: LocalCluster;
  const subscriptions: Subscription[] = [];
  before(async () => {
    cluster = await LocalCluster.start({
      agents: [{ attributes: 'rack:r1' }, { attributes: 'rack:rx' }],
      taskMode: 'simulated',
    });
  });
  after(async () => {
    for (const subscription of subscriptions) subscription.close();
    await cluster.stop();
  });

  const subscribe = async (name: string, constraints: scheduler.OfferConstraints) => {
    const call = subscribeCall({ name });
    (call.subscribe as scheduler.Call.Subscribe).offer_constraints = constraints;
    const subscription = await Subscription.open(cluster.masterUrl, call);
    subscriptions.push(subscription);
    return subscription;
  };
  const rackOf = (agentId: string) =>
    cluster.agents.find((agent) => agent.id === agentId)?.info.attributes?.[0]?.text?.value;

  it('offers the agents an RE2-only pattern ((?P<name>...), [[:digit:]]) fully matches', async () => {
    const subscription = await subscribe('re2-syntax', rackMatches('(?P<rack>r[[:digit:]]+)'));
    await subscription.waitForEvent('OFFERS');
    await new Promise((resolve) => setTimeout(resolve, 300)); // no other offer follows
    const offered = subscription.events.filter((e) => e.type === 'OFFERS').flatMap((e) => e.offers?.offers ?? []);
    expect(offered.map((offer) => rackOf(offer.agent_id.value))).to.deep.equal(['r1']);
  });

  it('refuses SUBSCRIBE (ERROR event) for a regex RE2 cannot parse, with Mesos message', async () => {
    const subscription = await subscribe('re2-lookahead', rackMatches('(?=r)r1'));
    const error = await subscription.waitForEvent('ERROR');
    expect(error.error?.message).to.equal(
      "Offer constraints are not valid: A role * has an invalid 'AttributeConstraint': " +
        "Failed to construct regex from pattern '(?=r)r1': invalid perl operator: (?=",
    );
    await subscription.waitForEnd();
    expect(subscription.events.some((e) => e.type === 'SUBSCRIBED')).to.equal(false);
  });

  it('refuses SUBSCRIBE for a regex whose RE2 program is too large', async () => {
    const subscription = await subscribe('re2-too-complex', rackMatches('(r+){50}'));
    const error = await subscription.waitForEvent('ERROR');
    expect(error.error?.message).to.match(
      /Regex '\(r\+\)\{50\}' is too complex: program size of \d+ is larger than maximum of 100 allowed$/,
    );
  });

  it('answers UPDATE_FRAMEWORK with 400 for an invalid regex and keeps the constraints in force', async () => {
    const subscription = await subscribe('re2-update', rackMatches('r\\x{78}')); // RE2's \x{...}: rx
    await subscription.waitForEvent('SUBSCRIBED');
    const update = await postCall(
      cluster.masterUrl,
      {
        type: 'UPDATE_FRAMEWORK',
        framework_id: { value: subscription.frameworkId },
        update_framework: {
          framework_info: { user: 'tester', name: 're2-update', id: { value: subscription.frameworkId } },
          offer_constraints: rackMatches('r\\1'),
        },
      },
      { 'Mesos-Stream-Id': subscription.streamId },
    );
    expect(update.status).to.equal(400);
    expect(update.text).to.equal(
      "'UpdateFramework' call is not valid: Offer constraints are not valid: A role * has an invalid 'AttributeConstraint': " +
        "Failed to construct regex from pattern 'r\\1': invalid escape sequence: \\1",
    );
    const offers = await subscription.waitForEvent('OFFERS');
    expect(offers.offers?.offers?.map((offer) => rackOf(offer.agent_id.value))).to.deep.equal(['rx']);
  });
});

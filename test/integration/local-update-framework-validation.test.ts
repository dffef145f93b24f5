/**
 * UPDATE_FRAMEWORK refusals as Mesos's master answers them (400, checked in Mesos's order with
 * its prefixes), and the RE2 limits of offer constraints set through LocalCluster options
 * (Mesos --offer_constraints_re2_max_program_size, --offer_constraints_re2_max_mem).
 */
import { expect } from 'chai';
import type { FrameworkInfo, scheduler } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { offerConstraintsProblem } from '../../lib/local/offer-constraints';
import { postCall, Subscription, subscribeCall } from './local-master-helpers';

function rackMatches(regex: string, role = '*'): scheduler.OfferConstraints {
  const constraint = { selector: { attribute_name: 'rack' }, predicate: { text_matches: { regex } } };
  return { role_constraints: { [role]: { groups: [{ attribute_constraints: [constraint] }] } } };
}

describe('LocalCluster UPDATE_FRAMEWORK refusals and offer-constraint RE2 limits', function () {
  this.timeout(15_000);
  let cluster: LocalCluster;
  const subscriptions: Subscription[] = [];
  before(async () => {
    cluster = await LocalCluster.start({
      agents: [{ attributes: 'rack:r1' }],
      taskMode: 'simulated',
      roles: ['web', 'batch'],
      offerConstraintsRe2MaxProgramSize: 10,
      log: false,
    });
  });
  after(async () => {
    for (const subscription of subscriptions) subscription.close();
    await cluster.stop();
  });

  const subscribe = async (info: Partial<FrameworkInfo>, constraints?: scheduler.OfferConstraints) => {
    const call = subscribeCall(info);
    if (constraints) (call.subscribe as scheduler.Call.Subscribe).offer_constraints = constraints;
    const subscription = await Subscription.open(cluster.masterUrl, call);
    subscriptions.push(subscription);
    return subscription;
  };

  it('a lower offerConstraintsRe2MaxProgramSize refuses a regex the default accepts', async () => {
    const wide = rackMatches('(r|s)[0-9]+'); // RE2 program size 11
    expect(offerConstraintsProblem(wide, ['*'])).to.equal(undefined); // the default limit (100) takes it
    const refused = await subscribe({ name: 'too-large' }, wide);
    expect((await refused.waitForEvent('ERROR')).error?.message).to.equal(
      "Offer constraints are not valid: A role * has an invalid 'AttributeConstraint': " +
        "Regex '(r|s)[0-9]+' is too complex: program size of 11 is larger than maximum of 10 allowed",
    );
    const accepted = await subscribe({ name: 'small-enough' }, rackMatches('r[0-9]+')); // size 7
    await accepted.waitForEvent('SUBSCRIBED');
  });

  it('answers UPDATE_FRAMEWORK 400 with the prefix of the check that failed, in Mesos order', async () => {
    const base = { user: 'tester', name: 'updating', roles: ['web'], capabilities: [{ type: 'MULTI_ROLE' as const }] };
    const subscription = await subscribe(base);
    await subscription.waitForEvent('SUBSCRIBED');
    const id = { value: subscription.frameworkId };
    const update = (framework: Partial<FrameworkInfo>, extra: Partial<scheduler.Call.UpdateFramework> = {}) =>
      postCall(
        cluster.masterUrl,
        {
          type: 'UPDATE_FRAMEWORK',
          framework_id: id,
          update_framework: { framework_info: { ...base, ...framework, id }, ...extra },
        },
        { 'Mesos-Stream-Id': subscription.streamId },
      );
    const cases: Array<[Partial<FrameworkInfo>, Partial<scheduler.Call.UpdateFramework>, string]> = [
      // FrameworkInfo first, even with an unchangeable field changed too.
      [
        { roles: ['web', 'other', 'another'], user: 'someone' },
        {},
        "Supplied FrameworkInfo is not valid: Roles { another, other } are not present in the master's --roles",
      ],
      [
        { user: 'someone' },
        {},
        "FrameworkInfo update is not valid: Updating 'FrameworkInfo.user' is unsupported; attempted to update from 'tester' to 'someone'",
      ],
      [
        { checkpoint: true },
        {},
        "FrameworkInfo update is not valid: Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from 'false' to 'true'",
      ],
      [
        { principal: 'someone' },
        {},
        "FrameworkInfo update is not valid: Changing framework's principal is not allowed.",
      ],
      [
        {},
        { suppressed_roles: ['batch'] },
        "'UpdateFramework' call is not valid: Suppressed roles { batch } are not contained in the set of roles",
      ],
      [
        {},
        { offer_constraints: rackMatches('r\\1', 'web') },
        "'UpdateFramework' call is not valid: Offer constraints are not valid: A role web has an invalid " +
          "'AttributeConstraint': Failed to construct regex from pattern 'r\\1': invalid escape sequence: \\1",
      ],
      [
        {},
        { offer_constraints: rackMatches('r1', 'batch') },
        "'UpdateFramework' call is not valid: Offer constraints specify `role_constraints` for a role 'batch'not contained in the set of roles",
      ],
    ];
    for (const [framework, extra, message] of cases) {
      const response = await update(framework, extra);
      expect([response.status, response.text], message).to.deep.equal([400, message]);
    }
    expect((await update({ name: 'renamed' }, { offer_constraints: rackMatches('r[0-9]+', 'web') })).status).to.equal(
      200,
    );
  });

  it('offerConstraintsRe2MaxMem bounds the memory of a regex', async () => {
    const small = await LocalCluster.start({ agents: 0, offerConstraintsRe2MaxMem: 500, log: false });
    try {
      const call = subscribeCall({ name: 'mem' });
      (call.subscribe as scheduler.Call.Subscribe).offer_constraints = rackMatches('rack-(a|b|c)[0-9]{2}');
      expect(offerConstraintsProblem(rackMatches('rack-(a|b|c)[0-9]{2}'), ['*'])).to.equal(undefined);
      const subscription = await Subscription.open(small.masterUrl, call);
      subscriptions.push(subscription);
      expect((await subscription.waitForEvent('ERROR')).error?.message).to.equal(
        "Offer constraints are not valid: A role * has an invalid 'AttributeConstraint': " +
          "Failed to construct regex from pattern 'rack-(a|b|c)[0-9]{2}': pattern too large - compile failed",
      );
    } finally {
      await small.stop();
    }
  });

  it('refuses bad master flag options with a MesosConfigError naming them', async () => {
    const cases: Array<[object, RegExp]> = [
      [{ agentReregisterTimeoutMs: 0 }, /'agentReregisterTimeoutMs' must be a number > 0, got 0/],
      [{ recoveryAgentRemovalLimitPercent: 101 }, /'recoveryAgentRemovalLimitPercent' must be a number within/],
      [{ offerConstraintsRe2MaxMem: -1 }, /'offerConstraintsRe2MaxMem' must be an integer >= 0/],
      [{ offerConstraintsRe2MaxProgramSize: 1.5 }, /'offerConstraintsRe2MaxProgramSize' must be an integer >= 0/],
    ];
    for (const [options, message] of cases) {
      const error = await LocalCluster.start(options).then(
        (started) => started.stop().then(() => undefined),
        (err: unknown) => err as Error,
      );
      expect(error?.name, JSON.stringify(options)).to.equal('MesosConfigError');
      expect(error?.message).to.match(message);
    }
  });
});

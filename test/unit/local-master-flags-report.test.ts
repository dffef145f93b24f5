/** GET_FLAGS of a LocalCluster master reports the recovery and offer-constraint flags as a Mesos master prints them. */
import { expect } from 'chai';
import { masterFlagSettings } from '../../lib/local/master-flag-options';
import { masterFlags } from '../../lib/local/operator/master-api';

const base = { allocationIntervalMs: 1000, offerTimeoutMs: undefined, roles: undefined, credentials: undefined };
const byName = (flags: Array<{ name: string; value?: string }>) =>
  Object.fromEntries(flags.map((f) => [f.name, f.value]));

describe('LocalCluster master flags (GET_FLAGS)', () => {
  it("reports Mesos's defaults for the agent reregistration timeout, removal limit and RE2 limits", () => {
    const flags = byName(masterFlags({ ...base, flags: masterFlagSettings({}) }));
    expect(flags.agent_reregister_timeout).to.equal('10mins');
    expect(flags.recovery_agent_removal_limit).to.equal('100%');
    expect(flags.offer_constraints_re2_max_mem).to.equal('4KB');
    expect(flags.offer_constraints_re2_max_program_size).to.equal('100');
  });

  it('reports the values a cluster was given', () => {
    const settings = masterFlagSettings({
      agentReregisterTimeoutMs: 90_000,
      recoveryAgentRemovalLimitPercent: 12.5,
      offerConstraintsRe2MaxMem: 1000,
      offerConstraintsRe2MaxProgramSize: 10,
    });
    const flags = byName(masterFlags({ ...base, flags: settings }));
    expect(flags.agent_reregister_timeout).to.equal('90secs');
    expect(flags.recovery_agent_removal_limit).to.equal('12.5%');
    expect(flags.offer_constraints_re2_max_mem).to.equal('1000B');
    expect(flags.offer_constraints_re2_max_program_size).to.equal('10');
  });
});

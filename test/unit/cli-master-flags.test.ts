/** mesos-local's Mesos master flags (lib/local/cli-master-flags.ts) reach the LocalCluster options, in Mesos's syntax. */
import { expect } from 'chai';
import { parseCliArgs, USAGE } from '../../lib/local/cli-options';

const clusterOf = (argv: string[]) => {
  const parsed = parseCliArgs(argv);
  if (parsed === 'help') throw new Error('help');
  return parsed.cluster;
};

describe('mesos-local master flags', () => {
  it('takes Mesos durations, percentages, byte sizes and integers, with dashes or underscores', () => {
    expect(
      clusterOf([
        '--agent-reregister-timeout',
        '1.5mins',
        '--recovery-agent-removal-limit',
        '50%',
        '--offer-constraints-re2-max-mem',
        '8KB',
        '--offer-constraints-re2-max-program-size',
        '10',
      ]),
    ).to.deep.equal({
      agentReregisterTimeoutMs: 90_000,
      recoveryAgentRemovalLimitPercent: 50,
      offerConstraintsRe2MaxMem: 8192,
      offerConstraintsRe2MaxProgramSize: 10,
    });
    expect(
      clusterOf([
        '--agent_reregister_timeout=500ms',
        '--recovery_agent_removal_limit=0%',
        '--offer_constraints_re2_max_mem=4096',
        '--offer_constraints_re2_max_program_size=100',
      ]),
    ).to.deep.equal({
      agentReregisterTimeoutMs: 500,
      recoveryAgentRemovalLimitPercent: 0,
      offerConstraintsRe2MaxMem: 4096,
      offerConstraintsRe2MaxProgramSize: 100,
    });
    expect(clusterOf([])).to.deep.equal({});
  });

  it('refuses malformed values, naming the flag', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--agent-reregister-timeout', '10'], /--agent-reregister-timeout is not a valid duration: '10'/],
      [['--recovery-agent-removal-limit', '50'], /--recovery-agent-removal-limit must be a percentage/],
      [['--recovery-agent-removal-limit', '101%'], /within \[0%-100%\], got '101%'/],
      [['--recovery-agent-removal-limit', '%'], /--recovery-agent-removal-limit must be a percentage/],
      [['--offer-constraints-re2-max-mem', '4XB'], /--offer-constraints-re2-max-mem must be bytes/],
      [['--offer-constraints-re2-max-mem', '1.5KB'], /--offer-constraints-re2-max-mem must be bytes/],
      [['--offer-constraints-re2-max-program-size=-1'], /must be an integer, got '-1'/],
    ];
    for (const [argv, message] of cases) expect(() => parseCliArgs(argv), argv.join(' ')).to.throw(message);
  });

  it('documents them in --help', () => {
    for (const flag of [
      '--agent-reregister-timeout',
      '--recovery-agent-removal-limit',
      '--offer-constraints-re2-max-mem',
      '--offer-constraints-re2-max-program-size',
    ])
      expect(USAGE).to.include(flag);
  });
});

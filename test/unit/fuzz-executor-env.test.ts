/**
 * Fuzzing the executor environment (fast-check; counts: test/unit/helpers/fuzz.ts): any values
 * of the variables an agent sets give an ExecutorEnvironment or a MesosConfigError naming a
 * variable, never another error, and the token never appears in an error message.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { MesosConfigError } from '../../lib/common/errors';
import { parseExecutorEnvironment } from '../../lib/driver/executor-env';
import { fuzz, fuzzRuns } from './helpers/fuzz';

const TOKEN = 'secret-token-value-7d1e';
const VALID: Record<string, string> = {
  MESOS_AGENT_ENDPOINT: '127.0.0.1:5051',
  MESOS_SLAVE_PID: 'slave(1)@127.0.0.1:5051',
  MESOS_FRAMEWORK_ID: 'fw-1',
  MESOS_EXECUTOR_ID: 'exec-1',
  MESOS_DIRECTORY: '/tmp/sandbox',
  MESOS_SANDBOX: '/mnt/sandbox',
  MESOS_SLAVE_ID: 'agent-1',
  MESOS_CHECKPOINT: '1',
  MESOS_RECOVERY_TIMEOUT: '15mins',
  MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs',
  MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
  MESOS_HTTP_COMMAND_EXECUTOR: '0',
  MESOS_EXECUTOR_AUTHENTICATION_TOKEN: TOKEN,
};
const KEYS = Object.keys(VALID);

describe('fuzz: executor environment', function () {
  this.timeout(120_000);

  it('any values of the agent-set variables: an environment or a MesosConfigError', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 24 }),
      fc.constantFrom(
        '',
        ' ',
        '0',
        '1',
        'true',
        '1e309secs',
        '-5secs',
        '5 secs',
        '[::1]:5051',
        'host:0',
        'h:99999',
        'slave(1)@',
      ),
      fc
        .tuple(fc.double(), fc.constantFrom('ns', 'us', 'ms', 'secs', 'mins', 'hrs', 'days', 'weeks'))
        .map(([n, u]) => `${n}${u}`),
    );
    const env = fc
      .dictionary(fc.constantFrom(...KEYS), fc.option(value, { nil: undefined }), { maxKeys: 6 })
      .map((changes) => ({
        ...VALID,
        ...changes,
      }));
    fuzz(
      'executor-env',
      fuzzRuns(100_000),
      fc.property(env, (vars) => {
        try {
          const parsed = parseExecutorEnvironment(vars);
          expect(parsed.agentUrl).to.match(/^http:\/\//);
          expect(Number.isFinite(parsed.shutdownGracePeriodMs)).to.equal(true);
        } catch (error) {
          expect(error).to.be.instanceOf(MesosConfigError);
          expect((error as Error).message).to.match(/MESOS_|duration/);
          if (vars.MESOS_EXECUTOR_AUTHENTICATION_TOKEN === TOKEN)
            expect((error as Error).message).not.to.include(TOKEN);
        }
      }),
    );
  });
});

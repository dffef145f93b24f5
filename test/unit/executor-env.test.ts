import { expect } from 'chai';
import { MesosConfigError } from '../../lib/common/errors';
import {
  DEFAULT_SHUTDOWN_GRACE_PERIOD_MS,
  parseDuration,
  parseExecutorEnvironment,
} from '../../lib/driver/executor-env';

/** The environment a checkpointing agent gives its executors. */
function agentEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    MESOS_AGENT_ENDPOINT: '10.0.0.5:5051',
    MESOS_SLAVE_PID: 'slave(1)@10.0.0.5:5051',
    MESOS_FRAMEWORK_ID: 'fw-1',
    MESOS_EXECUTOR_ID: 'default',
    MESOS_DIRECTORY: '/var/lib/mesos/sandbox',
    MESOS_SANDBOX: '/mnt/mesos/sandbox',
    MESOS_SLAVE_ID: 'agent-S0',
    MESOS_CHECKPOINT: '1',
    MESOS_RECOVERY_TIMEOUT: '15mins',
    MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
    ...overrides,
  };
}

function configError(fn: () => unknown): MesosConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(MesosConfigError);
    return err as MesosConfigError;
  }
  expect.fail('expected a MesosConfigError');
}

describe('executor environment', () => {
  describe('parseDuration', () => {
    const cases: Array<[string, number]> = [
      ['5secs', 5_000],
      ['250ms', 250],
      ['15mins', 900_000],
      ['2hrs', 7_200_000],
      ['1days', 86_400_000],
      ['1weeks', 604_800_000],
      ['1500us', 1.5],
      ['2000000ns', 2],
      ['1.5secs', 1_500],
      ['0secs', 0],
    ];
    for (const [text, ms] of cases) {
      it(`reads ${text} as ${ms} ms`, () => {
        expect(parseDuration(text)).to.equal(ms);
      });
    }

    for (const bad of ['', '5', 'secs', '5 seconds', '5s', '-1secs', '5secs5', 'fivesecs', '1e3ms']) {
      it(`rejects '${bad}' naming what was parsed`, () => {
        const err = configError(() => parseDuration(bad, 'Environment variable X'));
        expect(err.message).to.contain('Environment variable X').and.contain('not a valid duration');
      });
    }
  });

  it('reads every variable a checkpointing agent sets', () => {
    const env = parseExecutorEnvironment(
      agentEnv({ MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'jwt-secret', MESOS_HTTP_COMMAND_EXECUTOR: '1' }),
    );
    expect(env).to.deep.include({
      agentUrl: 'http://10.0.0.5:5051',
      frameworkId: 'fw-1',
      executorId: 'default',
      directory: '/var/lib/mesos/sandbox',
      sandbox: '/mnt/mesos/sandbox',
      agentId: 'agent-S0',
      checkpoint: true,
      recoveryTimeoutMs: 900_000,
      subscriptionBackoffMaxMs: 2_000,
      shutdownGracePeriodMs: 5_000,
      httpCommandExecutor: true,
    });
    expect(env.authenticationToken).to.equal('jwt-secret');
  });

  it('never shows the token when the configuration is serialized or inspected', () => {
    const env = parseExecutorEnvironment(agentEnv({ MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'jwt-secret' }));
    expect(JSON.stringify(env)).not.to.contain('jwt-secret');
    expect(Object.keys(env)).not.to.include('authenticationToken');
  });

  it('prefers MESOS_AGENT_ID over MESOS_SLAVE_ID', () => {
    expect(parseExecutorEnvironment(agentEnv({ MESOS_AGENT_ID: 'new-id' })).agentId).to.equal('new-id');
  });

  it('falls back to MESOS_SLAVE_PID when MESOS_AGENT_ENDPOINT is absent', () => {
    const env = parseExecutorEnvironment(
      agentEnv({ MESOS_AGENT_ENDPOINT: undefined, MESOS_SLAVE_PID: 'slave(1)@127.0.0.1:40123' }),
    );
    expect(env.agentUrl).to.equal('http://127.0.0.1:40123');
  });

  it('accepts an IPv6 endpoint', () => {
    expect(parseExecutorEnvironment(agentEnv({ MESOS_AGENT_ENDPOINT: '[::1]:5051' })).agentUrl).to.equal(
      'http://[::1]:5051',
    );
  });

  it('needs neither recovery variable without checkpointing, and defaults the grace period', () => {
    const env = parseExecutorEnvironment(
      agentEnv({
        MESOS_CHECKPOINT: '0',
        MESOS_RECOVERY_TIMEOUT: undefined,
        MESOS_SUBSCRIPTION_BACKOFF_MAX: undefined,
        MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: undefined,
        MESOS_SANDBOX: undefined,
        MESOS_SLAVE_ID: undefined,
      }),
    );
    expect(env.checkpoint).to.equal(false);
    expect(env.recoveryTimeoutMs).to.equal(undefined);
    expect(env.subscriptionBackoffMaxMs).to.equal(undefined);
    expect(env.shutdownGracePeriodMs).to.equal(DEFAULT_SHUTDOWN_GRACE_PERIOD_MS);
    expect(env).not.to.have.property('sandbox');
    expect(env).not.to.have.property('agentId');
  });

  for (const name of [
    'MESOS_FRAMEWORK_ID',
    'MESOS_EXECUTOR_ID',
    'MESOS_DIRECTORY',
    'MESOS_RECOVERY_TIMEOUT',
    'MESOS_SUBSCRIPTION_BACKOFF_MAX',
  ]) {
    it(`names ${name} when it is missing`, () => {
      const err = configError(() => parseExecutorEnvironment(agentEnv({ [name]: undefined })));
      expect(err.message).to.contain(name).and.contain('missing');
    });
    it(`names ${name} when it is empty`, () => {
      const err = configError(() => parseExecutorEnvironment(agentEnv({ [name]: '  ' })));
      expect(err.message).to.contain(name).and.contain('empty');
    });
  }

  it('says where the agent should be when both address variables are missing', () => {
    const err = configError(() =>
      parseExecutorEnvironment(agentEnv({ MESOS_AGENT_ENDPOINT: undefined, MESOS_SLAVE_PID: undefined })),
    );
    expect(err.message).to.contain('MESOS_AGENT_ENDPOINT').and.contain('MESOS_SLAVE_PID');
  });

  for (const bad of ['10.0.0.5', '10.0.0.5:', ':5051', '10.0.0.5:99999', 'http://10.0.0.5:5051', '10.0.0.5:50x1']) {
    it(`rejects MESOS_AGENT_ENDPOINT='${bad}'`, () => {
      const err = configError(() => parseExecutorEnvironment(agentEnv({ MESOS_AGENT_ENDPOINT: bad })));
      expect(err.message).to.contain('MESOS_AGENT_ENDPOINT').and.contain(bad);
    });
  }

  it('rejects a MESOS_SLAVE_PID without @ip:port', () => {
    const err = configError(() =>
      parseExecutorEnvironment(agentEnv({ MESOS_AGENT_ENDPOINT: undefined, MESOS_SLAVE_PID: 'slave(1)' })),
    );
    expect(err.message).to.contain('MESOS_SLAVE_PID');
  });

  for (const name of [
    'MESOS_RECOVERY_TIMEOUT',
    'MESOS_SUBSCRIPTION_BACKOFF_MAX',
    'MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD',
  ]) {
    it(`names ${name} when its duration is malformed`, () => {
      const err = configError(() => parseExecutorEnvironment(agentEnv({ [name]: '5 minutes' })));
      expect(err.message).to.contain(name).and.contain("'5 minutes'");
    });
  }

  for (const name of ['MESOS_CHECKPOINT', 'MESOS_HTTP_COMMAND_EXECUTOR']) {
    it(`rejects ${name} other than "1" or "0"`, () => {
      const err = configError(() => parseExecutorEnvironment(agentEnv({ [name]: 'yes' })));
      expect(err.message).to.contain(name).and.contain("'yes'");
    });
  }
});

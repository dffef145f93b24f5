import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import type { TaskInfo } from '../../lib/codec/messages';
import { MesosConfigError } from '../../lib/common/errors';
import { MesosExecutorDriver } from '../../lib/driver/executor-driver';
import type { Executor, ExecutorDriverOptions } from '../../lib/driver/executor-types';
import { Status } from '../../lib/driver/status';
import { FakeAgent } from './helpers/fake-agent';

const REPO = join(__dirname, '..', '..');

function task(id: string): TaskInfo {
  return { name: `Task ${id}`, task_id: { value: id }, agent_id: { value: 'agent-1' } };
}

/** An executor that reports RUNNING then FINISHED on launch and KILLED on kill, and records callbacks. */
function recordingExecutor(log: string[]): Executor {
  return {
    registered: (_d, executorInfo, _f, agentInfo) =>
      void log.push(`registered ${executorInfo.executor_id.value}@${agentInfo.hostname}`),
    reregistered: (_d, agentInfo) => void log.push(`reregistered ${agentInfo.hostname}`),
    disconnected: () => void log.push('disconnected'),
    launchTask: (d, t) => {
      log.push(`launch ${t.task_id.value}`);
      d.sendStatusUpdate({ task_id: t.task_id, state: 'TASK_RUNNING' });
    },
    killTask: (d, id) => {
      log.push(`kill ${id.value}`);
      d.sendStatusUpdate({ task_id: id, state: 'TASK_KILLED' });
    },
    frameworkMessage: (d, data) => {
      log.push(`message ${data.toString()}`);
      d.sendFrameworkMessage(`echo ${data.toString()}`);
    },
    shutdown: () => void log.push('shutdown'),
    error: (_d, message) => void log.push(`error ${message}`),
  };
}

describe('MesosExecutorDriver against a loopback agent', function () {
  this.timeout(15_000);
  let agent: FakeAgent;
  const drivers: MesosExecutorDriver[] = [];
  const children: ChildProcess[] = [];

  afterEach(async () => {
    for (const driver of drivers.splice(0)) driver.abort();
    for (const child of children.splice(0))
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await agent?.stop();
  });

  function startDriver(exec: Executor, env: Record<string, string | undefined>, options: ExecutorDriverOptions = {}) {
    const driver = new MesosExecutorDriver(exec, { environment: env, exitOnShutdown: false, ...options });
    drivers.push(driver);
    const joined = driver.run();
    return { driver, joined };
  }

  it('registers, launches, sends updates in order and forgets them once ACKNOWLEDGED', async () => {
    agent = await FakeAgent.start();
    const log: string[] = [];
    const { driver } = startDriver(
      {
        ...recordingExecutor(log),
        launchTask: (d, t) => {
          d.sendStatusUpdate({ task_id: t.task_id, state: 'TASK_RUNNING' });
          d.sendStatusUpdate({ task_id: t.task_id, state: 'TASK_FINISHED', message: 'done' });
        },
      },
      agent.env(),
    );
    await agent.waitFor(() => agent.streaming, 'SUBSCRIBE');
    expect(agent.subscribes[0]).to.deep.include({
      type: 'SUBSCRIBE',
      executor_id: { value: 'exec-1' },
      framework_id: { value: 'fw-1' },
    });
    agent.send({ type: 'LAUNCH', launch: { task: task('t1') } });
    await agent.waitFor(() => agent.callsOf('UPDATE').length === 2, 'two updates');
    const statuses = agent.callsOf('UPDATE').map((c) => c.update?.status);
    expect(statuses.map((s) => s?.state)).to.deep.equal(['TASK_RUNNING', 'TASK_FINISHED']);
    for (const status of statuses) {
      expect(status?.uuid).to.have.length(16);
      expect(status?.source).to.equal('SOURCE_EXECUTOR');
      expect(status?.executor_id?.value).to.equal('exec-1');
      expect(status?.agent_id?.value).to.equal('agent-1');
    }
    await agent.waitFor(() => driver.unacknowledged.unacknowledged_updates?.length === 0, 'acknowledgements');
    expect(driver.unacknowledged.unacknowledged_tasks).to.deep.equal([]);
    expect(log).to.deep.equal(['registered exec-1@fake-agent']);
    expect(driver.stop()).to.equal(Status.DRIVER_STOPPED);
  });

  it('passes framework messages both ways, and a KILL gets the executor’s terminal update', async () => {
    agent = await FakeAgent.start();
    const log: string[] = [];
    startDriver(recordingExecutor(log), agent.env());
    await agent.waitFor(() => agent.streaming, 'SUBSCRIBE');
    agent.send({ type: 'MESSAGE', message: { data: Buffer.from('ping') } });
    await agent.waitFor(() => agent.callsOf('MESSAGE').length === 1, 'MESSAGE call');
    expect(Buffer.from(agent.callsOf('MESSAGE')[0]?.message?.data ?? []).toString()).to.equal('echo ping');
    agent.send({ type: 'LAUNCH', launch: { task: task('t1') } });
    agent.send({ type: 'KILL', kill: { task_id: { value: 't1' } } });
    await agent.waitFor(() => agent.callsOf('UPDATE').length === 2, 'updates');
    expect(agent.callsOf('UPDATE').map((c) => c.update?.status.state)).to.deep.equal(['TASK_RUNNING', 'TASK_KILLED']);
    expect(log.slice(1)).to.deep.equal(['message ping', 'launch t1', 'kill t1']);
  });

  it('SHUTDOWN: shutdown callback, its updates delivered, driver STOPPED, process ended after the grace period', async () => {
    agent = await FakeAgent.start();
    const terminateProcess = sinon.spy();
    const log: string[] = [];
    const exec: Executor = {
      ...recordingExecutor(log),
      shutdown: (d) => {
        log.push('shutdown');
        d.sendStatusUpdate({ task_id: { value: 't1' }, state: 'TASK_KILLED' });
      },
    };
    const { joined } = startDriver(exec, agent.env({ MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '400ms' }), {
      exitOnShutdown: true,
      terminateProcess,
    });
    await agent.waitFor(() => agent.streaming, 'SUBSCRIBE');
    agent.send({ type: 'LAUNCH', launch: { task: task('t1') } });
    await agent.waitFor(() => agent.callsOf('UPDATE').length === 1, 'TASK_RUNNING');
    const shutdownAt = Date.now();
    agent.send({ type: 'SHUTDOWN' });
    expect(await joined).to.equal(Status.DRIVER_STOPPED);
    await agent.waitFor(() => agent.callsOf('UPDATE').length === 2, 'TASK_KILLED');
    expect(agent.callsOf('UPDATE')[1]?.update?.status.state).to.equal('TASK_KILLED');
    expect(terminateProcess.called).to.equal(false);
    await agent.waitFor(() => terminateProcess.called, 'end of the grace period', 3_000);
    expect(Date.now() - shutdownAt).to.be.at.least(350);
    expect(log).to.include('shutdown');
  });

  it('with checkpointing survives an agent restart: re-SUBSCRIBE carries unacknowledged updates and tasks, then reregistered', async () => {
    agent = await FakeAgent.start({ autoAcknowledge: false });
    const log: string[] = [];
    const { driver } = startDriver(
      recordingExecutor(log),
      agent.env({ MESOS_CHECKPOINT: '1', MESOS_RECOVERY_TIMEOUT: '10secs', MESOS_SUBSCRIPTION_BACKOFF_MAX: '100ms' }),
    );
    await agent.waitFor(() => agent.streaming, 'SUBSCRIBE');
    agent.send({ type: 'LAUNCH', launch: { task: task('t1') } });
    agent.send({ type: 'LAUNCH', launch: { task: task('t2') } });
    await agent.waitFor(() => agent.callsOf('UPDATE').length === 2, 'updates');
    // The agent acknowledges t1's update only.
    const t1Uuid = agent.callsOf('UPDATE')[0]?.update?.status.uuid as Uint8Array;
    agent.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 't1' }, uuid: t1Uuid } });
    await agent.waitFor(() => driver.unacknowledged.unacknowledged_updates?.length === 1, 'acknowledgement');

    await agent.stop();
    await agent.waitFor(() => log.includes('disconnected'), 'disconnected');
    // An update made while the agent is down waits for the re-SUBSCRIBE.
    driver.sendStatusUpdate({ task_id: { value: 't2' }, state: 'TASK_FINISHED' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await agent.restart();
    await agent.waitFor(() => log.some((l) => l.startsWith('reregistered')), 'reregistered');

    const resubscribe = agent.subscribes[agent.subscribes.length - 1]?.subscribe;
    expect(resubscribe?.unacknowledged_tasks?.map((t) => t.task_id.value)).to.deep.equal(['t2']);
    expect(
      resubscribe?.unacknowledged_updates?.map((u) => `${u.status.task_id.value} ${u.status.state}`),
    ).to.deep.equal(['t2 TASK_RUNNING', 't2 TASK_FINISHED']);
    expect(log).to.deep.equal([
      'registered exec-1@fake-agent',
      'launch t1',
      'launch t2',
      'disconnected',
      'reregistered fake-agent-restarted',
    ]);
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
  });

  it('with checkpointing shuts down when the agent does not come back within MESOS_RECOVERY_TIMEOUT', async () => {
    agent = await FakeAgent.start();
    const log: string[] = [];
    const { joined } = startDriver(
      recordingExecutor(log),
      agent.env({ MESOS_CHECKPOINT: '1', MESOS_RECOVERY_TIMEOUT: '600ms', MESOS_SUBSCRIPTION_BACKOFF_MAX: '100ms' }),
    );
    await agent.waitFor(() => agent.streaming, 'SUBSCRIBE');
    const lostAt = Date.now();
    await agent.stop();
    expect(await joined).to.equal(Status.DRIVER_STOPPED);
    expect(Date.now() - lostAt).to.be.at.least(550);
    expect(log).to.deep.equal(['registered exec-1@fake-agent', 'disconnected', 'shutdown']);
  });

  it('without checkpointing shuts down when the agent goes away', async () => {
    agent = await FakeAgent.start();
    const log: string[] = [];
    const { joined } = startDriver(recordingExecutor(log), agent.env({ MESOS_CHECKPOINT: '0' }));
    await agent.waitFor(() => agent.streaming, 'SUBSCRIBE');
    await agent.stop();
    expect(await joined).to.equal(Status.DRIVER_STOPPED);
    expect(log).to.deep.equal(['registered exec-1@fake-agent', 'shutdown']);
    expect(agent.subscribes).to.have.length(1);
  });

  it('sends the authentication token as a bearer token', async () => {
    agent = await FakeAgent.start();
    startDriver({}, agent.env({ MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'jwt-abc' }));
    await agent.waitFor(() => agent.streaming, 'SUBSCRIBE');
    expect(agent.authorizations[0]).to.equal('Bearer jwt-abc');
  });

  it('rejects a malformed environment with a MesosConfigError naming the variable', async () => {
    agent = await FakeAgent.start();
    expect(() => new MesosExecutorDriver({}, { environment: agent.env({ MESOS_EXECUTOR_ID: undefined }) })).to.throw(
      MesosConfigError,
      /MESOS_EXECUTOR_ID/,
    );
    expect(agent.subscribes).to.have.length(0);
  });

  describe('samples/test-executor.ts as a process', () => {
    function spawnSample(env: Record<string, string | undefined>) {
      const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'samples', 'test-executor.ts')], {
        cwd: REPO,
        env: { PATH: process.env.PATH, ...env } as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let output = '';
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      return { exited, output: () => output };
    }

    it('runs tasks to TASK_FINISHED and exits 0 after the agent shuts it down', async () => {
      agent = await FakeAgent.start();
      const { exited, output } = spawnSample(agent.env({ MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs' }));
      await agent.waitFor(() => agent.streaming, 'SUBSCRIBE from the sample', 10_000);
      agent.send({ type: 'LAUNCH', launch: { task: task('0') } });
      agent.send({ type: 'LAUNCH', launch: { task: task('1') } });
      await agent.waitFor(() => agent.callsOf('UPDATE').length === 4, 'four updates');
      expect(
        agent.callsOf('UPDATE').map((c) => `${c.update?.status.task_id.value} ${c.update?.status.state}`),
      ).to.deep.equal(['0 TASK_RUNNING', '0 TASK_FINISHED', '1 TASK_RUNNING', '1 TASK_FINISHED']);
      agent.send({ type: 'SHUTDOWN' });
      expect(await exited).to.equal(0);
      expect(output()).to.contain('Registered executor on fake-agent');
    });

    it('exits 1 naming the variable when the environment is malformed', async () => {
      agent = await FakeAgent.start();
      const { exited, output } = spawnSample(agent.env({ MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: 'soon' }));
      expect(await exited).to.equal(1);
      expect(output()).to.contain('MesosConfigError').and.contain('MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD');
      expect(agent.subscribes).to.have.length(0);
    });
  });
});

import { expect } from 'chai';
import sinon from 'sinon';
import type { executor } from '../../lib/codec/messages';
import {
  MesosAuthenticationError,
  MesosMisuseError,
  MesosNoLeaderError,
  MesosTransportError,
} from '../../lib/common/errors';
import { MesosExecutorDriver } from '../../lib/driver/executor-driver';
import type { Executor, ExecutorDriverOptions } from '../../lib/driver/executor-types';
import { Status } from '../../lib/driver/status';
import { ENV, FakeConnection, SUBSCRIBED, task } from './helpers/executor-fakes';

describe('MesosExecutorDriver (unit, fake agent connection)', () => {
  let clock: sinon.SinonFakeTimers;
  let connection: FakeConnection;
  let terminateProcess: sinon.SinonSpy;

  beforeEach(() => {
    clock = sinon.useFakeTimers();
    connection = new FakeConnection();
    terminateProcess = sinon.spy();
  });

  afterEach(() => {
    clock.restore();
    sinon.restore();
  });

  function makeDriver(
    exec: Executor,
    env: Record<string, string | undefined> = ENV,
    options: ExecutorDriverOptions = {},
  ) {
    return new MesosExecutorDriver(exec, {
      environment: env,
      random: () => 0.5,
      terminateProcess,
      createConnection: () => connection,
      ...options,
    });
  }

  const flush = () => clock.tickAsync(0);

  it('subscribes with its ids and calls registered with the SUBSCRIBED fields', async () => {
    const registered = sinon.spy();
    const driver = makeDriver({ registered });
    expect(driver.start()).to.equal(Status.DRIVER_RUNNING);
    await flush();
    expect(connection.subscribeCalls[0]).to.deep.equal({
      executor_id: { value: 'exec-1' },
      framework_id: { value: 'fw-1' },
      type: 'SUBSCRIBE',
      subscribe: { unacknowledged_tasks: [], unacknowledged_updates: [] },
    });
    connection.stream.push(SUBSCRIBED);
    await flush();
    expect(registered.calledOnce).to.equal(true);
    const [d, executorInfo, frameworkInfo, agentInfo] = registered.firstCall.args;
    expect(d).to.equal(driver);
    expect(executorInfo).to.deep.equal(SUBSCRIBED.subscribed?.executor_info);
    expect(frameworkInfo.id.value).to.equal('fw-1');
    expect(agentInfo.hostname).to.equal('agent-host');
    expect(driver.stop()).to.equal(Status.DRIVER_STOPPED);
  });

  it('fills in uuid, timestamp, source and ids of an update and sends it as UPDATE', async () => {
    const driver = makeDriver({});
    driver.start();
    await flush();
    connection.stream.push(SUBSCRIBED);
    await flush();
    clock.setSystemTime(1_700_000_000_000);
    expect(
      driver.sendStatusUpdate({ task_id: { value: 't1' }, state: 'TASK_RUNNING', uuid: Buffer.alloc(16, 1) }),
    ).to.equal(Status.DRIVER_RUNNING);
    await flush();
    const call = connection.calls[0] as executor.Call;
    expect(call.type).to.equal('UPDATE');
    expect(call.executor_id.value).to.equal('exec-1');
    const status = call.update?.status;
    expect(status?.uuid).to.have.length(16);
    expect(Buffer.from(status?.uuid ?? []).equals(Buffer.alloc(16, 1))).to.equal(false);
    // RFC 4122 version 4.
    expect(((status?.uuid as Uint8Array | undefined)?.[6] ?? 0) >> 4).to.equal(4);
    expect(status?.timestamp).to.equal(1_700_000_000);
    expect(status?.source).to.equal('SOURCE_EXECUTOR');
    expect(status?.executor_id).to.deep.equal({ value: 'exec-1' });
    // The agent id from SUBSCRIBED wins over the environment's.
    expect(status?.agent_id).to.deep.equal({ value: 'agent-A' });
    driver.stop();
  });

  it('refuses TASK_STAGING and malformed statuses with a typed misuse error', () => {
    const driver = makeDriver({});
    driver.start();
    expect(() => driver.sendStatusUpdate({ task_id: { value: 't' }, state: 'TASK_STAGING' })).to.throw(
      MesosMisuseError,
      /TASK_STAGING/,
    );
    expect(() => driver.sendStatusUpdate({ task_id: { value: '' }, state: 'TASK_RUNNING' })).to.throw(
      MesosMisuseError,
      /task_id/,
    );
    expect(() => driver.sendStatusUpdate({ task_id: { value: 't' }, state: 'RUNNING' as never })).to.throw(
      MesosMisuseError,
      /RUNNING/,
    );
    expect(() => driver.sendFrameworkMessage(42 as never)).to.throw(MesosMisuseError);
    // Caught by encoding, synchronously, with the field named; nothing is kept or sent.
    expect(() =>
      driver.sendStatusUpdate({ task_id: { value: 't' }, state: 'TASK_RUNNING', reason: 'NOT_A_REASON' as never }),
    ).to.throw(MesosMisuseError, /reason/);
    expect(driver.unacknowledged.unacknowledged_updates).to.have.length(0);
    driver.stop();
  });

  it('keeps updates until ACKNOWLEDGED and tasks until one of their updates is acknowledged', async () => {
    const driver = makeDriver({
      launchTask: (d, t) => void d.sendStatusUpdate({ task_id: t.task_id, state: 'TASK_RUNNING' }),
    });
    driver.start();
    await flush();
    connection.stream.push(SUBSCRIBED);
    connection.stream.push({ type: 'LAUNCH', launch: { task: task('t1') } });
    connection.stream.push({ type: 'LAUNCH', launch: { task: task('t2') } });
    await flush();
    expect(driver.unacknowledged.unacknowledged_tasks?.map((t) => t.task_id.value)).to.deep.equal(['t1', 't2']);
    expect(driver.unacknowledged.unacknowledged_updates).to.have.length(2);
    const first = connection.calls[0]?.update?.status;
    connection.stream.push({
      type: 'ACKNOWLEDGED',
      acknowledged: { task_id: { value: 't1' }, uuid: Buffer.from(first?.uuid ?? []) },
    });
    // A stray acknowledgement changes nothing.
    connection.stream.push({
      type: 'ACKNOWLEDGED',
      acknowledged: { task_id: { value: 't2' }, uuid: Buffer.alloc(16) },
    });
    await flush();
    expect(driver.unacknowledged.unacknowledged_tasks?.map((t) => t.task_id.value)).to.deep.equal(['t2']);
    expect(driver.unacknowledged.unacknowledged_updates?.map((u) => u.status.task_id.value)).to.deep.equal(['t2']);
    driver.stop();
  });

  it('with checkpointing: disconnected, reconnect after a random delay within the bound, re-SUBSCRIBE with both lists, reregistered', async () => {
    const calls: string[] = [];
    const exec: Executor = {
      registered: () => void calls.push('registered'),
      disconnected: () => void calls.push('disconnected'),
      reregistered: (_d, agent) => void calls.push(`reregistered ${agent.hostname}`),
      launchTask: (d, t) => void d.sendStatusUpdate({ task_id: t.task_id, state: 'TASK_RUNNING' }),
    };
    const driver = makeDriver(exec);
    driver.start();
    await flush();
    connection.stream.push(SUBSCRIBED);
    connection.stream.push({ type: 'LAUNCH', launch: { task: task('t1') } });
    await flush();
    connection.stream.fail();
    await flush();
    expect(calls).to.deep.equal(['registered', 'disconnected']);
    // Sent while disconnected: goes out in the next SUBSCRIBE, not as a call.
    driver.sendStatusUpdate({ task_id: { value: 't1' }, state: 'TASK_FINISHED' });
    expect(connection.calls).to.have.length(1);
    // random() = 0.5 of MESOS_SUBSCRIPTION_BACKOFF_MAX (2 s) = 1 s.
    await clock.tickAsync(999);
    expect(connection.subscribeCalls).to.have.length(1);
    await clock.tickAsync(1);
    expect(connection.subscribeCalls).to.have.length(2);
    const resubscribe = connection.subscribeCalls[1]?.subscribe;
    expect(resubscribe?.unacknowledged_tasks?.map((t) => t.task_id.value)).to.deep.equal(['t1']);
    expect(resubscribe?.unacknowledged_updates?.map((u) => u.status.state)).to.deep.equal([
      'TASK_RUNNING',
      'TASK_FINISHED',
    ]);
    connection.stream.push({
      ...SUBSCRIBED,
      subscribed: { ...SUBSCRIBED.subscribed!, agent_info: { hostname: 'restarted' } },
    });
    await flush();
    expect(calls).to.deep.equal(['registered', 'disconnected', 'reregistered restarted']);
    // Once resubscribed the recovery timer is off: nothing happens at the old deadline.
    await clock.tickAsync(20_000);
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
    driver.stop();
  });

  it('keeps retrying an unreachable agent, then shuts down when the recovery timeout expires', async () => {
    const shutdown = sinon.spy();
    const driver = makeDriver({ shutdown });
    const joined = driver.run();
    await flush();
    connection.stream.push(SUBSCRIBED);
    await flush();
    for (let i = 0; i < 20; i++)
      connection.script.push(new MesosTransportError('ECONNREFUSED', { code: 'ECONNREFUSED' }));
    connection.stream.fail();
    await clock.tickAsync(9_000);
    // One retry per second (0.5 x 2 s).
    expect(connection.subscribeCalls.length).to.be.within(9, 10);
    expect(shutdown.called).to.equal(false);
    await clock.tickAsync(1_000);
    expect(shutdown.calledOnce).to.equal(true);
    expect(await joined).to.equal(Status.DRIVER_STOPPED);
    const attempts = connection.subscribeCalls.length;
    expect(terminateProcess.called).to.equal(false);
    await clock.tickAsync(3_000);
    expect(terminateProcess.calledOnce).to.equal(true);
    expect(connection.subscribeCalls.length).to.equal(attempts);
  });

  it('without checkpointing: a lost agent means shutdown, then stop, and no reconnect', async () => {
    const shutdown = sinon.spy();
    const driver = makeDriver({ shutdown }, { ...ENV, MESOS_CHECKPOINT: '0' }, { exitOnShutdown: false });
    const joined = driver.run();
    await flush();
    connection.stream.push(SUBSCRIBED);
    await flush();
    connection.stream.fail();
    expect(await joined).to.equal(Status.DRIVER_STOPPED);
    expect(shutdown.calledOnce).to.equal(true);
    await clock.tickAsync(60_000);
    expect(connection.subscribeCalls).to.have.length(1);
    expect(terminateProcess.called).to.equal(false);
  });

  it('shuts down at once when the very first connection fails, even when checkpointing', async () => {
    const shutdown = sinon.spy();
    connection.script.push(new MesosTransportError('ECONNREFUSED'));
    const driver = makeDriver({ shutdown });
    expect(await driver.run()).to.equal(Status.DRIVER_STOPPED);
    expect(shutdown.calledOnce).to.equal(true);
    expect(connection.subscribeCalls).to.have.length(1);
  });

  it('retries SUBSCRIBE answered 503 (agent recovering)', async () => {
    const registered = sinon.spy();
    connection.script.push(new MesosNoLeaderError('Agent has not finished recovery'));
    const driver = makeDriver({ registered });
    driver.start();
    await clock.tickAsync(1_000);
    expect(connection.subscribeCalls).to.have.length(2);
    connection.stream.push(SUBSCRIBED);
    await flush();
    expect(registered.calledOnce).to.equal(true);
    driver.stop();
  });

  it('reports a refused SUBSCRIBE (401) through error, after aborting', async () => {
    connection.script.push(new MesosAuthenticationError('invalid token'));
    let statusInError: Status | undefined;
    const driver = makeDriver({
      error: (d) => {
        statusInError = (d as MesosExecutorDriver).status;
      },
    });
    expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
    expect(statusInError).to.equal(Status.DRIVER_ABORTED);
  });

  it('SHUTDOWN: calls shutdown (updates sent inside it are delivered), stops, and ends the process after the grace period', async () => {
    const exec: Executor = {
      shutdown: (d) => void d.sendStatusUpdate({ task_id: { value: 't1' }, state: 'TASK_KILLED' }),
    };
    const driver = makeDriver(exec);
    const joined = driver.run();
    await flush();
    connection.stream.push(SUBSCRIBED);
    connection.stream.push({ type: 'SHUTDOWN' });
    expect(await joined).to.equal(Status.DRIVER_STOPPED);
    await flush();
    expect(connection.calls.map((c) => c.update?.status.state)).to.deep.equal(['TASK_KILLED']);
    await clock.tickAsync(2_999);
    expect(terminateProcess.called).to.equal(false);
    await clock.tickAsync(1);
    expect(terminateProcess.calledOnce).to.equal(true);
    expect(connection.closed).to.equal(true);
  });

  it('aborts and reports when a callback throws; no further callbacks run', async () => {
    const error = sinon.spy();
    const killTask = sinon.spy();
    const driver = makeDriver({
      launchTask: () => {
        throw new Error('boom');
      },
      killTask,
      error,
    });
    const joined = driver.run();
    await flush();
    connection.stream.push(SUBSCRIBED);
    connection.stream.push({ type: 'LAUNCH', launch: { task: task('t1') } });
    connection.stream.push({ type: 'KILL', kill: { task_id: { value: 't1' } } });
    expect(await joined).to.equal(Status.DRIVER_ABORTED);
    await flush();
    expect(error.calledOnce).to.equal(true);
    expect(error.firstCall.args[1]).to.contain('launchTask').and.contain('boom');
    expect(killTask.called).to.equal(false);
    expect(driver.sendStatusUpdate({ task_id: { value: 't1' }, state: 'TASK_RUNNING' })).to.equal(
      Status.DRIVER_ABORTED,
    );
    expect(driver.stop()).to.equal(Status.DRIVER_STOPPED);
  });

  it('an ERROR event aborts the driver and is passed to error', async () => {
    const error = sinon.spy();
    const driver = makeDriver({ error });
    const joined = driver.run();
    await flush();
    connection.stream.push(SUBSCRIBED);
    connection.stream.push({ type: 'ERROR', error: { message: 'Framework removed' } });
    expect(await joined).to.equal(Status.DRIVER_ABORTED);
    expect(error.firstCall.args[1]).to.equal('Framework removed');
  });

  it('sends framework messages, and HEARTBEAT calls on the configured interval', async () => {
    const driver = makeDriver({}, ENV, { heartbeatIntervalMs: 60_000 });
    driver.start();
    // Not subscribed yet: best effort, dropped.
    driver.sendFrameworkMessage('early');
    await flush();
    connection.stream.push(SUBSCRIBED);
    await flush();
    driver.sendFrameworkMessage('hello');
    driver.sendFrameworkMessage(new Uint8Array([1, 2]));
    await clock.tickAsync(120_000);
    expect(connection.calls.map((c) => c.type)).to.deep.equal(['MESSAGE', 'MESSAGE']);
    expect(Buffer.from(connection.calls[0]?.message?.data ?? []).toString()).to.equal('hello');
    expect([...(connection.calls[1]?.message?.data ?? [])]).to.deep.equal([1, 2]);
    // One before the SUBSCRIBE (it opens the call connection), then one a minute.
    expect(connection.heartbeats).to.deep.equal([0, 1, 1]);
    driver.stop();
    await clock.tickAsync(120_000);
    expect(connection.heartbeats).to.have.length(3);
    expect(connection.calls).to.have.length(2);
  });

  it('follows libmesos Status rules for start/stop/abort/join', async () => {
    const driver = makeDriver({});
    expect(await driver.join()).to.equal(Status.DRIVER_NOT_STARTED);
    expect(driver.stop()).to.equal(Status.DRIVER_NOT_STARTED);
    expect(driver.abort()).to.equal(Status.DRIVER_NOT_STARTED);
    expect(driver.sendFrameworkMessage('x')).to.equal(Status.DRIVER_NOT_STARTED);
    expect(driver.start()).to.equal(Status.DRIVER_RUNNING);
    expect(driver.start()).to.equal(Status.DRIVER_RUNNING);
    const joined = driver.join();
    expect(driver.abort()).to.equal(Status.DRIVER_ABORTED);
    expect(await joined).to.equal(Status.DRIVER_ABORTED);
    expect(driver.abort()).to.equal(Status.DRIVER_ABORTED);
    expect(driver.stop()).to.equal(Status.DRIVER_STOPPED);
    expect(driver.start()).to.equal(Status.DRIVER_STOPPED);
    await flush();
    expect(connection.closed).to.equal(true);
  });

  it('sends, after SUBSCRIBED, an update made while the SUBSCRIBE was in flight', async () => {
    const driver = makeDriver({});
    driver.start();
    await flush();
    // SUBSCRIBE sent (without it), SUBSCRIBED not received yet.
    driver.sendStatusUpdate({ task_id: { value: 't9' }, state: 'TASK_RUNNING' });
    expect(connection.subscribeCalls[0]?.subscribe?.unacknowledged_updates).to.have.length(0);
    connection.stream.push(SUBSCRIBED);
    await flush();
    expect(connection.calls.map((c) => c.update?.status.task_id.value)).to.deep.equal(['t9']);
    driver.stop();
  });

  it('reads process.env by default and removes the token from it, even when the configuration is rejected', () => {
    const saved = { ...process.env };
    try {
      Object.assign(process.env, ENV, { MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'jwt-1' });
      const driver = new MesosExecutorDriver({}, { createConnection: () => connection });
      expect(driver.environment.authenticationToken).to.equal('jwt-1');
      expect(driver.environment.executorId).to.equal('exec-1');
      expect(process.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN).to.equal(undefined);
      Object.assign(process.env, { MESOS_EXECUTOR_AUTHENTICATION_TOKEN: 'jwt-2', MESOS_DIRECTORY: '' });
      expect(() => new MesosExecutorDriver({}, { createConnection: () => connection })).to.throw(/MESOS_DIRECTORY/);
      expect(process.env.MESOS_EXECUTOR_AUTHENTICATION_TOKEN).to.equal(undefined);
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  });

  it('throws MesosConfigError from the constructor for a malformed environment', () => {
    expect(() => makeDriver({}, { ...ENV, MESOS_RECOVERY_TIMEOUT: 'soon' })).to.throw(/MESOS_RECOVERY_TIMEOUT/);
  });
});

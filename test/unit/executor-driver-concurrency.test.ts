/**
 * The executor driver's concurrency contract (lib/driver/executor-dispatch.ts): callbacks in event
 * order, launch/kill/message promises not awaited, shutdown delivered at once and waiting for the
 * pending launches, updates handed to the connection before sendStatusUpdate returns.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import type { TaskStatus } from '../../lib/codec/messages';
import { MesosExecutorDriver } from '../../lib/driver/executor-driver';
import type { Executor, ExecutorDriver } from '../../lib/driver/executor-types';
import { Status } from '../../lib/driver/status';
import { ENV, FakeConnection, SUBSCRIBED, task } from './helpers/executor-fakes';

/**
 * The executor pattern the README shows: launchTask starts the work and returns (here an async
 * function whose promise is the task's whole life); killTask and shutdown end it through an
 * AbortController; the task sends its own terminal update.
 */
function workingExecutor(workMs: number, log: string[]): Executor {
  const running = new Map<string, AbortController>();
  const run = async (driver: ExecutorDriver, id: string) => {
    const stop = new AbortController();
    running.set(id, stop);
    driver.sendStatusUpdate({ task_id: { value: id }, state: 'TASK_RUNNING' });
    const killed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), workMs);
      stop.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    running.delete(id);
    driver.sendStatusUpdate({ task_id: { value: id }, state: killed ? 'TASK_KILLED' : 'TASK_FINISHED' });
  };
  return {
    launchTask: (driver, t) => {
      log.push(`launch ${t.task_id.value} at ${Date.now()}`);
      return run(driver, t.task_id.value);
    },
    killTask: (_driver, id) => {
      log.push(`kill ${id.value} at ${Date.now()}`);
      running.get(id.value)?.abort();
    },
    frameworkMessage: (_driver, data) => void log.push(`message ${data.toString()} at ${Date.now()}`),
    shutdown: () => {
      log.push(`shutdown at ${Date.now()}`);
      for (const stop of running.values()) stop.abort();
    },
  };
}

describe('MesosExecutorDriver concurrency (unit, fake agent connection)', () => {
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

  function makeDriver(exec: Executor): MesosExecutorDriver {
    return new MesosExecutorDriver(exec, {
      environment: ENV,
      random: () => 0.5,
      terminateProcess,
      createConnection: () => connection,
    });
  }

  /** Runs the driver up to SUBSCRIBED; `joined` is its run() promise (wrapped, so not awaited here). */
  async function subscribe(driver: MesosExecutorDriver): Promise<{ joined: Promise<Status> }> {
    const joined = driver.run();
    await clock.tickAsync(0);
    connection.stream.push(SUBSCRIBED);
    await clock.tickAsync(0);
    return { joined };
  }

  /** "task state" of every UPDATE sent, in the order the driver handed them to the connection. */
  const updates = () =>
    connection.calls
      .filter((c) => c.type === 'UPDATE')
      .map((c) => `${c.update?.status.task_id.value} ${c.update?.status.state}`);

  it('runs the launches of three 2 s tasks concurrently: all finish at 2 s, not 6 s', async () => {
    const log: string[] = [];
    const driver = makeDriver(workingExecutor(2_000, log));
    await subscribe(driver);
    for (const id of ['t1', 't2', 't3']) connection.stream.push({ type: 'LAUNCH', launch: { task: task(id) } });
    await clock.tickAsync(0);
    expect(log).to.deep.equal(['launch t1 at 0', 'launch t2 at 0', 'launch t3 at 0']);
    await clock.tickAsync(2_000);
    expect(updates()).to.deep.equal([
      't1 TASK_RUNNING',
      't2 TASK_RUNNING',
      't3 TASK_RUNNING',
      't1 TASK_FINISHED',
      't2 TASK_FINISHED',
      't3 TASK_FINISHED',
    ]);
    driver.stop();
  });

  it('delivers a KILL at 0.1 s while launches are pending, and the kill takes effect', async () => {
    const log: string[] = [];
    const driver = makeDriver(workingExecutor(2_000, log));
    await subscribe(driver);
    for (const id of ['t1', 't2', 't3']) connection.stream.push({ type: 'LAUNCH', launch: { task: task(id) } });
    await clock.tickAsync(100);
    connection.stream.push({ type: 'KILL', kill: { task_id: { value: 't2' } } });
    connection.stream.push({ type: 'MESSAGE', message: { data: Buffer.from('hi') } });
    await clock.tickAsync(0);
    expect(log.slice(3)).to.deep.equal(['kill t2 at 100', 'message hi at 100']);
    expect(updates()).to.include('t2 TASK_KILLED');
    expect(updates()).not.to.include('t1 TASK_FINISHED');
    await clock.tickAsync(1_900);
    expect(updates().filter((u) => u.endsWith('FINISHED'))).to.deep.equal(['t1 TASK_FINISHED', 't3 TASK_FINISHED']);
    driver.stop();
  });

  it('delivers SHUTDOWN at once while launches are pending; stops once their terminal updates are sent', async () => {
    const log: string[] = [];
    const driver = makeDriver(workingExecutor(60_000, log));
    const { joined } = await subscribe(driver);
    for (const id of ['t1', 't2']) connection.stream.push({ type: 'LAUNCH', launch: { task: task(id) } });
    await clock.tickAsync(100);
    connection.stream.push({ type: 'SHUTDOWN' });
    await clock.tickAsync(0);
    expect(log).to.include('shutdown at 100');
    expect(await joined).to.equal(Status.DRIVER_STOPPED);
    expect(Date.now()).to.equal(100);
    // Each task's updates in the order it made them, the kills sent before the driver stopped.
    expect(updates()).to.deep.equal(['t1 TASK_RUNNING', 't2 TASK_RUNNING', 't1 TASK_KILLED', 't2 TASK_KILLED']);
  });

  it('after shutdown, waits for a launch that never settles at most the grace period', async () => {
    const driver = makeDriver({
      launchTask: (d, t) => {
        d.sendStatusUpdate({ task_id: t.task_id, state: 'TASK_RUNNING' });
        return new Promise<void>(() => undefined);
      },
    });
    const { joined } = await subscribe(driver);
    connection.stream.push({ type: 'LAUNCH', launch: { task: task('t1') } });
    connection.stream.push({ type: 'SHUTDOWN' });
    await clock.tickAsync(2_999);
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
    await clock.tickAsync(1);
    expect(await joined).to.equal(Status.DRIVER_STOPPED);
  });

  it('awaits the promise of registered before the first launch', async () => {
    const order: string[] = [];
    let ready!: () => void;
    const driver = makeDriver({
      registered: async () => {
        await new Promise<void>((resolve) => {
          ready = resolve;
        });
        order.push('registered done');
      },
      launchTask: (_d, t) => void order.push(`launch ${t.task_id.value}`),
    });
    await subscribe(driver);
    connection.stream.push({ type: 'LAUNCH', launch: { task: task('t1') } });
    await clock.tickAsync(10);
    expect(order).to.deep.equal([]);
    ready();
    await clock.tickAsync(0);
    expect(order).to.deep.equal(['registered done', 'launch t1']);
    driver.stop();
  });

  it('reports a rejected launchTask promise through error, after aborting, as a throwing callback', async () => {
    const error = sinon.spy();
    let statusInError: Status | undefined;
    const driver = makeDriver({
      launchTask: async () => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        throw new Error('task crashed');
      },
      killTask: sinon.spy(),
      error: (d, message) => {
        statusInError = (d as MesosExecutorDriver).status;
        error(message);
      },
    });
    const { joined } = await subscribe(driver);
    connection.stream.push({ type: 'LAUNCH', launch: { task: task('t1') } });
    await clock.tickAsync(500);
    expect(await joined).to.equal(Status.DRIVER_ABORTED);
    expect(statusInError).to.equal(Status.DRIVER_ABORTED);
    expect(error.calledOnceWith(sinon.match('launchTask').and(sinon.match('task crashed')))).to.equal(true);
  });

  it('hands an update to the connection before sendStatusUpdate returns, and keeps each task’s order', async () => {
    const seen: number[] = [];
    const driver = makeDriver({
      launchTask: (d, t) => {
        const status: TaskStatus = { task_id: t.task_id, state: 'TASK_RUNNING' };
        d.sendStatusUpdate(status);
        // Synchronously, as an executor that blocks right after (spawnSync) would see it.
        seen.push(connection.calls.length);
        d.sendStatusUpdate({ ...status, state: 'TASK_FINISHED' });
        seen.push(connection.calls.length);
      },
    });
    await subscribe(driver);
    connection.stream.push({ type: 'LAUNCH', launch: { task: task('t1') } });
    connection.stream.push({ type: 'LAUNCH', launch: { task: task('t2') } });
    await clock.tickAsync(0);
    expect(seen).to.deep.equal([1, 2, 3, 4]);
    expect(updates()).to.deep.equal(['t1 TASK_RUNNING', 't1 TASK_FINISHED', 't2 TASK_RUNNING', 't2 TASK_FINISHED']);
    driver.stop();
  });
});

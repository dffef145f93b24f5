/**
 * End to end: Mesos's test_framework (ported inline) on a LocalCluster, with samples/test-executor.ts
 * launched by the agent as a real custom-executor process speaking /api/v1/executor.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { ExecutorInfo, Offer, Resource, TaskInfo, TaskStatus } from '../../lib/codec/messages';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type { Scheduler, SchedulerDriver } from '../../lib/driver/scheduler-types';
import { Status } from '../../lib/driver/status';
import { LocalCluster } from '../../lib/local/cluster';

const REPO = join(__dirname, '..', '..');
const TSX_LOADER = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const TEST_EXECUTOR = join(REPO, 'samples', 'test-executor.ts');

const TASK_CPUS = 1;
const TASK_MEM = 128;

function scalar(resources: Resource[] | undefined, name: string): number {
  return (resources ?? []).filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}

/** test_framework's scheduler: launches `total` tasks of cpus 1 / mem 128 on the shared executor. */
class TestScheduler implements Scheduler {
  launched = 0;
  finished = 0;
  readonly updates: TaskStatus[] = [];
  private onFinished: Array<{ count: number; resolve: () => void }> = [];

  constructor(
    private readonly executor: ExecutorInfo,
    private total: number,
    private readonly stopWhenDone: boolean,
  ) {}

  /** Allows `more` further tasks (they go out with the next offers). */
  launchMore(more: number): void {
    this.total += more;
  }

  /** Resolves once `count` tasks have finished. */
  finishedCount(count: number): Promise<void> {
    if (this.finished >= count) return Promise.resolve();
    return new Promise((resolve) => this.onFinished.push({ count, resolve }));
  }

  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void {
    for (const offer of offers) {
      let cpus = scalar(offer.resources, 'cpus');
      let mem = scalar(offer.resources, 'mem');
      const tasks: TaskInfo[] = [];
      while (this.launched < this.total && cpus >= TASK_CPUS && mem >= TASK_MEM) {
        const id = String(this.launched++);
        tasks.push({
          name: `Task ${id}`,
          task_id: { value: id },
          agent_id: offer.agent_id,
          executor: this.executor,
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: TASK_CPUS } },
            { name: 'mem', type: 'SCALAR', scalar: { value: TASK_MEM } },
          ],
        });
        cpus -= TASK_CPUS;
        mem -= TASK_MEM;
      }
      driver.launchTasks(offer.id, tasks);
    }
  }

  statusUpdate(driver: SchedulerDriver, status: TaskStatus): void {
    this.updates.push(status);
    if (status.state === 'TASK_FINISHED') this.finished++;
    if (status.state === 'TASK_LOST' || status.state === 'TASK_KILLED' || status.state === 'TASK_FAILED')
      driver.abort();
    for (const waiter of this.onFinished.filter((w) => this.finished >= w.count)) waiter.resolve();
    if (this.stopWhenDone && this.finished === this.total) driver.stop();
  }
}

/** The cluster's first agent (throws when there is none). */
function firstAgent(cluster: LocalCluster | undefined) {
  const agent = cluster?.agents[0];
  if (!agent) throw new Error('no agent');
  return agent;
}

/** Container ids of the executors the first agent runs, from its /state endpoint. */
async function executorContainers(cluster: LocalCluster): Promise<string[]> {
  const agent = cluster.agents[0];
  if (!agent) throw new Error('no agent');
  const state = (await (await fetch(`${agent.url}/state`)).json()) as {
    frameworks: Array<{ executors: Array<{ container: string; state: string }> }>;
  };
  return state.frameworks.flatMap((f) => f.executors.map((e) => `${e.container} ${e.state}`));
}

function executorInfo(): ExecutorInfo {
  return {
    executor_id: { value: 'default' },
    name: 'Test Executor (TypeScript)',
    command: { value: `"${process.execPath}" --import "${TSX_LOADER}" "${TEST_EXECUTOR}"`, shell: true },
  };
}

describe('MesosExecutorDriver end to end on LocalCluster (test_framework + test-executor)', function () {
  this.timeout(40_000);
  let cluster: LocalCluster | undefined;
  let driver: MesosSchedulerDriver | undefined;

  afterEach(async () => {
    driver?.abort();
    driver = undefined;
    await cluster?.stop();
    cluster = undefined;
  });

  it('runs 5 tasks to TASK_FINISHED through the custom executor; run() returns DRIVER_STOPPED', async () => {
    cluster = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
    const scheduler = new TestScheduler(executorInfo(), 5, true);
    driver = new MesosSchedulerDriver(
      scheduler,
      { user: '', name: 'Test Framework (TypeScript)' },
      cluster.masterString,
    );
    expect(await driver.run()).to.equal(Status.DRIVER_STOPPED);
    expect(scheduler.finished).to.equal(5);
    for (const id of ['0', '1', '2', '3', '4']) {
      const states = scheduler.updates.filter((u) => u.task_id.value === id).map((u) => u.state);
      expect(states, `task ${id}`).to.deep.equal(['TASK_RUNNING', 'TASK_FINISHED']);
    }
    // The updates came from our executor, through the agent.
    expect(
      scheduler.updates.every((u) => u.source === 'SOURCE_EXECUTOR' && u.executor_id?.value === 'default'),
    ).to.equal(true);
  });

  it('with checkpointing the executor survives an agent restart and runs later tasks', async () => {
    cluster = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
    const scheduler = new TestScheduler(executorInfo(), 1, false);
    const lost: string[] = [];
    const withLoss: Scheduler = {
      resourceOffers: (d, o) => scheduler.resourceOffers(d, o),
      statusUpdate: (d, s) => scheduler.statusUpdate(d, s),
      executorLost: (_d, executorId) => void lost.push(executorId.value),
    };
    driver = new MesosSchedulerDriver(
      withLoss,
      { user: '', name: 'Test Framework (TypeScript)', checkpoint: true },
      cluster.masterString,
    );
    driver.start();
    await scheduler.finishedCount(1);
    const before = await executorContainers(cluster);
    expect(before).to.have.length(1);
    await cluster.faults.restartAgent(0);
    scheduler.launchMore(1);
    // Offers were declined with the default 5 s filter while there was nothing to launch.
    driver.reviveOffers();
    await scheduler.finishedCount(2);
    // Past the agent's re-registration timeout (2 s): an executor that had not re-subscribed
    // would have been destroyed and reported lost by now.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(lost).to.deep.equal([]);
    // The same executor (same container) ran the later task: it re-subscribed to the restarted agent.
    expect(await executorContainers(cluster)).to.deep.equal(before);
    expect(scheduler.updates.map((u) => `${u.task_id.value} ${u.state}`)).to.deep.equal([
      '0 TASK_RUNNING',
      '0 TASK_FINISHED',
      '1 TASK_RUNNING',
      '1 TASK_FINISHED',
    ]);
  });

  it('without checkpointing the agent restart ends the executor; a later task gets a new one', async () => {
    cluster = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
    const scheduler = new TestScheduler(executorInfo(), 1, false);
    driver = new MesosSchedulerDriver(
      scheduler,
      { user: '', name: 'Test Framework (TypeScript)', checkpoint: false },
      cluster.masterString,
    );
    driver.start();
    await scheduler.finishedCount(1);
    const before = await executorContainers(cluster);
    await cluster.faults.restartAgent(0);
    scheduler.launchMore(1);
    driver.reviveOffers();
    await scheduler.finishedCount(2);
    const after = await executorContainers(cluster);
    expect(after).to.have.length(1);
    expect(after).not.to.deep.equal(before);
  });
});

const FIXTURE_EXECUTOR = join(__dirname, 'helpers', 'executor-fixture.ts');

/** A scheduler driving the fixture executor: launches the tasks it is given, records what comes back. */
class FixtureScheduler implements Scheduler {
  readonly updates: string[] = [];
  readonly messages: string[] = [];
  readonly lost: Array<{ executorId: string; status: number }> = [];
  private pending: TaskInfo[];
  private waiters: Array<() => void> = [];

  constructor(
    private readonly executor: ExecutorInfo,
    tasks: Array<{ id: string; data?: string }>,
  ) {
    this.pending = tasks.map((t) => ({
      name: `Task ${t.id}`,
      task_id: { value: t.id },
      agent_id: { value: '' },
      executor: this.executor,
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
      ...(t.data !== undefined && { data: Buffer.from(t.data) }),
    }));
  }

  /** Resolves once `predicate` holds (checked after every callback). */
  async until(predicate: () => boolean): Promise<void> {
    while (!predicate()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  resourceOffers(driver: SchedulerDriver, offers: Offer[]): void {
    for (const offer of offers) {
      const tasks = this.pending.splice(0).map((t) => ({ ...t, agent_id: offer.agent_id }));
      driver.launchTasks(offer.id, tasks);
    }
  }

  statusUpdate(_driver: SchedulerDriver, status: TaskStatus): void {
    this.updates.push(`${status.task_id.value} ${status.state}${status.message ? ` (${status.message})` : ''}`);
    this.wake();
  }

  frameworkMessage(_driver: SchedulerDriver, _executorId: unknown, _agentId: unknown, data: Buffer): void {
    this.messages.push(data.toString());
    this.wake();
  }

  executorLost(_driver: SchedulerDriver, executorId: { value: string }, _agentId: unknown, status: number): void {
    this.lost.push({ executorId: executorId.value, status });
    this.wake();
  }
}

function fixtureExecutorInfo(gracePeriodMs = 5_000, envPrefix = ''): ExecutorInfo {
  return {
    executor_id: { value: 'fixture' },
    name: 'Fixture Executor',
    command: { value: `${envPrefix}"${process.execPath}" --import "${TSX_LOADER}" "${FIXTURE_EXECUTOR}"`, shell: true },
    shutdown_grace_period: { nanoseconds: gracePeriodMs * 1e6 },
  };
}

describe('MesosExecutorDriver end to end on LocalCluster (fixture executor)', function () {
  this.timeout(40_000);
  let cluster: LocalCluster | undefined;
  let driver: MesosSchedulerDriver | undefined;

  afterEach(async () => {
    driver?.abort();
    driver = undefined;
    await cluster?.stop();
    cluster = undefined;
  });

  async function startFramework(scheduler: Scheduler, checkpoint = false): Promise<{ frameworkId: string }> {
    const started = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
    cluster = started;
    let frameworkId = '';
    const registered = new Promise<void>((resolve) => {
      const withRegistered: Scheduler = Object.create(scheduler);
      withRegistered.registered = (_d, id) => {
        frameworkId = id.value;
        resolve();
      };
      driver = new MesosSchedulerDriver(
        withRegistered,
        { user: '', name: 'Fixture Framework', checkpoint },
        started.masterString,
      );
    });
    driver?.start();
    await registered;
    return { frameworkId };
  }

  it('passes framework messages both ways and answers a KILL with TASK_KILLED', async () => {
    const scheduler = new FixtureScheduler(fixtureExecutorInfo(), [{ id: 't1' }]);
    await startFramework(scheduler);
    await scheduler.until(() => scheduler.updates.includes('t1 TASK_RUNNING'));
    driver?.sendFrameworkMessage({ value: 'fixture' }, { value: firstAgent(cluster).id }, Buffer.from('ping'));
    await scheduler.until(() => scheduler.messages.length > 0);
    expect(scheduler.messages).to.deep.equal(['echo ping']);
    driver?.killTask({ value: 't1' });
    await scheduler.until(() => scheduler.updates.some((u) => u.startsWith('t1 TASK_KILLED')));
    expect(scheduler.updates).to.deep.equal(['t1 TASK_RUNNING', 't1 TASK_KILLED (killed by request)']);
  });

  it('SHUTDOWN: the executor kills its tasks and exits 0 well before the grace period', async () => {
    const scheduler = new FixtureScheduler(fixtureExecutorInfo(5_000), [{ id: 't1' }, { id: 't2' }]);
    const { frameworkId } = await startFramework(scheduler);
    await scheduler.until(() => scheduler.updates.filter((u) => u.endsWith('TASK_RUNNING')).length === 2);
    const shutdownAt = Date.now();
    firstAgent(cluster).shutdownExecutor(frameworkId, 'fixture');
    await scheduler.until(() => scheduler.lost.length > 0);
    expect(Date.now() - shutdownAt).to.be.below(4_000);
    expect(scheduler.lost).to.deep.equal([{ executorId: 'fixture', status: 0 }]);
    expect(scheduler.updates.filter((u) => u.includes('TASK_KILLED')).sort()).to.deep.equal([
      't1 TASK_KILLED (executor shutdown)',
      't2 TASK_KILLED (executor shutdown)',
    ]);
  });

  it('SHUTDOWN: an executor still busy when the grace period ends is killed then', async () => {
    const scheduler = new FixtureScheduler(fixtureExecutorInfo(1_000), [{ id: 't1', data: 'hang-on-shutdown' }]);
    const { frameworkId } = await startFramework(scheduler);
    await scheduler.until(() => scheduler.updates.includes('t1 TASK_RUNNING'));
    const shutdownAt = Date.now();
    firstAgent(cluster).shutdownExecutor(frameworkId, 'fixture');
    await scheduler.until(() => scheduler.lost.length > 0);
    expect(Date.now() - shutdownAt).to.be.at.least(900);
    // Killed by SIGKILL (waitpid status 9), after sending its tasks' last updates.
    expect(scheduler.lost).to.deep.equal([{ executorId: 'fixture', status: 9 }]);
    expect(scheduler.updates).to.include('t1 TASK_KILLED (executor shutdown)');
  });

  it('a malformed environment: the executor exits 1 and its task fails', async () => {
    const scheduler = new FixtureScheduler(
      {
        ...executorInfo(),
        command: { value: `MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD=soon ${executorInfo().command?.value}`, shell: true },
      },
      [{ id: 't1' }],
    );
    await startFramework(scheduler);
    await scheduler.until(() => scheduler.lost.length > 0 && scheduler.updates.length > 0);
    // waitpid status of exit(1).
    expect(scheduler.lost).to.deep.equal([{ executorId: 'default', status: 256 }]);
    expect(scheduler.updates[0]).to.match(/^t1 TASK_(FAILED|LOST|DROPPED)/);
  });
});

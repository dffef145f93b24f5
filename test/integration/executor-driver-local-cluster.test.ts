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
    if (status.state === 'TASK_LOST' || status.state === 'TASK_KILLED' || status.state === 'TASK_FAILED') driver.abort();
    for (const waiter of this.onFinished.filter((w) => this.finished >= w.count)) waiter.resolve();
    if (this.stopWhenDone && this.finished === this.total) driver.stop();
  }
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
    cluster = await LocalCluster.start({ agents: 1, heartbeatIntervalSeconds: 1 });
    const scheduler = new TestScheduler(executorInfo(), 5, true);
    driver = new MesosSchedulerDriver(scheduler, { user: '', name: 'Test Framework (TypeScript)' }, cluster.masterString);
    expect(await driver.run()).to.equal(Status.DRIVER_STOPPED);
    expect(scheduler.finished).to.equal(5);
    for (const id of ['0', '1', '2', '3', '4']) {
      const states = scheduler.updates.filter((u) => u.task_id.value === id).map((u) => u.state);
      expect(states, `task ${id}`).to.deep.equal(['TASK_RUNNING', 'TASK_FINISHED']);
    }
    // The updates came from our executor, through the agent.
    expect(scheduler.updates.every((u) => u.source === 'SOURCE_EXECUTOR' && u.executor_id?.value === 'default')).to.equal(true);
  });

  it('with checkpointing the executor survives an agent restart and runs later tasks', async () => {
    cluster = await LocalCluster.start({ agents: 1, heartbeatIntervalSeconds: 1 });
    const scheduler = new TestScheduler(executorInfo(), 1, false);
    const lost: string[] = [];
    const withLoss: Scheduler = {
      resourceOffers: (d, o) => scheduler.resourceOffers(d, o),
      statusUpdate: (d, s) => scheduler.statusUpdate(d, s),
      executorLost: (_d, executorId) => void lost.push(executorId.value),
    };
    driver = new MesosSchedulerDriver(withLoss, { user: '', name: 'Test Framework (TypeScript)', checkpoint: true }, cluster.masterString);
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
});

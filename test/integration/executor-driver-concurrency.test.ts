/**
 * The executor concurrency contract end to end: a TypeScript executor started through
 * nodeExecutorInfo on LocalCluster runs its tasks concurrently, takes a kill or a shutdown while
 * launches are pending, and a TASK_RUNNING sent just before the executor blocks its event loop is
 * not held back by the block.
 */
import { join } from 'node:path';
import { expect } from 'chai';
import type { Offer, TaskInfo, TaskStatus } from '../../lib/codec/messages';
import { nodeExecutorInfo } from '../../lib/driver/node-executor';
import type { SchedulerDriver } from '../../lib/driver/scheduler-types';
import { RecordingScheduler, smallTaskResources, useDriverCluster, waitFor } from './helpers/driver-harness';

const EXECUTOR = nodeExecutorInfo('concurrent', {
  name: 'concurrent executor',
  script: join(__dirname, 'helpers', 'concurrent-executor.ts'),
  nodePath: false,
});

/** A scheduler that launches `work` (task id -> data) on its first offer and stamps every update. */
function launcher(work: Record<string, string>) {
  const arrived: Array<{ id: string; state: TaskStatus['state']; at: number; status: TaskStatus }> = [];
  let launched = false;
  const scheduler = new RecordingScheduler({
    resourceOffers(driver: SchedulerDriver, offers: Offer[]) {
      const offer = offers[0] as Offer;
      if (launched) return;
      launched = true;
      const tasks: TaskInfo[] = Object.entries(work).map(([id, data]) => ({
        name: id,
        task_id: { value: id },
        agent_id: offer.agent_id,
        resources: smallTaskResources(offer),
        executor: EXECUTOR,
        data: Buffer.from(data),
      }));
      driver.launchTasks(offer.id, tasks);
    },
    statusUpdate(_driver, status: TaskStatus) {
      arrived.push({ id: status.task_id.value, state: status.state, at: Date.now(), status });
    },
  });
  const states = (id: string) => arrived.filter((a) => a.id === id).map((a) => a.state);
  const when = (id: string, state: TaskStatus['state']) =>
    waitFor(
      `${id} ${state}`,
      () => arrived.find((a) => a.id === id && a.state === state),
      15_000,
      () => arrived.map((a) => `${a.id} ${a.state}`),
    );
  return { scheduler, arrived, states, when };
}

describe('executor concurrency end to end (LocalCluster, TypeScript executor from nodeExecutorInfo)', function () {
  this.timeout(40_000);
  const { pool, startCluster } = useDriverCluster();

  it('runs three 1 s tasks concurrently, and a kill sent at 0.1 s takes effect while they are pending', async () => {
    const cluster = await startCluster({ agents: 1 });
    const run = launcher({ a: 'work:1000', b: 'work:1000', c: 'work:1000' });
    const driver = pool.create(run.scheduler, {}, cluster.masterString);
    driver.start();
    await run.when('c', 'TASK_RUNNING');
    // 0.1 s into the tasks (or at once if the RUNNING updates took longer to arrive).
    const started = (run.arrived[0] as { at: number }).at;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + 100 - Date.now())));
    const killSentAt = Date.now();
    driver.killTask({ value: 'b' });
    const killed = await run.when('b', 'TASK_KILLED');
    expect(killed.at - killSentAt).to.be.below(1_500);
    expect(killed.status.message).to.equal('killed (killTask)');
    const finished = [await run.when('a', 'TASK_FINISHED'), await run.when('c', 'TASK_FINISHED')];
    // Concurrent: all three running before any ended, and both done about 1 s after the first
    // started, not one after the other (2 s and more).
    expect(run.arrived.slice(0, 3).map((a) => a.state)).to.deep.equal(['TASK_RUNNING', 'TASK_RUNNING', 'TASK_RUNNING']);
    for (const f of finished) expect(f.at - started).to.be.below(1_900);
    for (const id of ['a', 'c']) expect(run.states(id)).to.deep.equal(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(run.states('b')).to.deep.equal(['TASK_RUNNING', 'TASK_KILLED']);
  });

  it('delivers the agent SHUTDOWN while launches are pending: the tasks end TASK_KILLED by the executor', async () => {
    const cluster = await startCluster({ agents: 1 });
    const run = launcher({ a: 'work:30000', b: 'work:30000' });
    const driver = pool.create(run.scheduler, {}, cluster.masterString);
    driver.start();
    await run.when('a', 'TASK_RUNNING');
    await run.when('b', 'TASK_RUNNING');
    const agent = cluster.agents[0];
    const frameworkId = driver.frameworkId?.value;
    if (!agent || !frameworkId) throw new Error('no agent or framework id');
    const shutdownAt = Date.now();
    agent.shutdownExecutor(frameworkId, 'concurrent');
    for (const id of ['a', 'b']) {
      const killed = await run.when(id, 'TASK_KILLED');
      // From the executor's shutdown callback, well within the grace period (not the agent's kill).
      expect(killed.at - shutdownAt).to.be.below(3_000);
      expect(killed.status.source).to.equal('SOURCE_EXECUTOR');
      expect(killed.status.message).to.equal('killed (shutdown)');
      expect(run.states(id)).to.deep.equal(['TASK_RUNNING', 'TASK_KILLED']);
    }
  });

  it('a TASK_RUNNING sent just before the executor blocks (spawnSync) reaches the scheduler before the block ends', async () => {
    const cluster = await startCluster({ agents: 1 });
    const run = launcher({ blocker: 'block:1500' });
    pool.create(run.scheduler, {}, cluster.masterString).start();
    const running = await run.when('blocker', 'TASK_RUNNING');
    const finished = await run.when('blocker', 'TASK_FINISHED');
    // Without the synchronous write both arrive together, after the 1.5 s block.
    expect(finished.at - running.at).to.be.above(1_000);
  });
});

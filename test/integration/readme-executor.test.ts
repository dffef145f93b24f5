/**
 * The README's executor example, run as written: extracted from README.md, started by the agent
 * of a LocalCluster through nodeExecutorInfo (TypeScript, tsx loader), it runs three tasks side by
 * side and takes a kill while they run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Offer, TaskInfo } from '../../lib/codec/messages';
import { nodeExecutorInfo } from '../../lib/driver/node-executor';
import { RecordingScheduler, smallTaskResources, useDriverCluster, waitFor } from './helpers/driver-harness';
import { installMesosDriverShim } from './helpers/mesos-driver-shim';

const README = join(__dirname, '..', '..', 'README.md');

/** The ```ts block of the README that holds the executor example. */
function executorExample(): string {
  const blocks = [...readFileSync(README, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const example = blocks.find((code) => code.includes('new MesosExecutorDriver(executor)'));
  if (!example) throw new Error('README.md has no executor example');
  return example;
}

describe("README's executor example on LocalCluster", function () {
  this.timeout(40_000);
  const { pool, startCluster } = useDriverCluster();
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'readme-executor-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs three 1 s tasks concurrently and kills one while they run', async () => {
    writeFileSync(join(dir, 'executor.ts'), executorExample());
    const executor = nodeExecutorInfo('readme', {
      script: join(dir, 'executor.ts'),
      nodePath: [installMesosDriverShim(dir)],
    });
    const cluster = await startCluster({ agents: 1 });
    let launchedAt = 0;
    const scheduler = new RecordingScheduler({
      resourceOffers(driver, offers) {
        if (launchedAt > 0) return;
        const offer = offers[0] as Offer;
        const tasks: TaskInfo[] = ['a', 'b', 'c'].map((id) => ({
          name: id,
          task_id: { value: id },
          agent_id: offer.agent_id,
          resources: smallTaskResources(offer),
          executor,
          data: Buffer.from('sleep 1'),
        }));
        launchedAt = Date.now();
        driver.launchTasks(offer.id, tasks);
      },
    });
    const driver = pool.create(scheduler, {}, cluster.masterString);
    driver.start();
    const states = () => scheduler.updates.map((u) => `${u.task_id.value} ${u.state}`);
    await waitFor(
      'three TASK_RUNNING',
      () => states().filter((s) => s.endsWith('RUNNING')).length === 3,
      15_000,
      states,
    );
    driver.killTask({ value: 'b' });
    await waitFor('a, b and c terminal', () => states().length === 6, 10_000, states);
    // Side by side: all three were running before any ended (one after the other, each 1 s, they were not).
    expect(
      states()
        .slice(0, 3)
        .every((s) => s.endsWith('TASK_RUNNING')),
    ).to.equal(true);
    for (const id of ['a', 'c']) expect(states()).to.include(`${id} TASK_FINISHED`);
    expect(states()).to.include('b TASK_KILLED');
  });
});

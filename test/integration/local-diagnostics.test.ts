/**
 * Where to look when something LocalCluster runs dies: the log (no DEBUG needed) names the
 * executor or task, its exit, its sandbox and the last lines of its stderr; sandboxes live until
 * the cluster stops (and after, in a given workDir); agents' /state shows each executor's
 * `directory`, ended ones too; the master's /state keeps each task's `statuses`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { LocalCluster } from '../../lib/local/cluster';
import {
  type AgentExecutorJson,
  completedExecutors,
  eventually,
  agentState as readAgentState,
} from './helpers/agent-state';
import { smallTaskResources, waitFor } from './helpers/driver-harness';
import { FIXTURE_EXECUTOR, TSX_LOADER, task, useLaunchHarness } from './helpers/launch-harness';

const agentState = (cluster: LocalCluster) => readAgentState(cluster.agents[0]?.url);

describe('LocalCluster diagnostics', function () {
  this.timeout(20_000);
  const { logs, launch, terminal } = useLaunchHarness();

  it("logs a custom executor's abnormal exit with its sandbox and the last 10 lines of its stderr; the sandbox stays", async () => {
    const script = 'for i in $(seq 1 15); do echo "err line $i" >&2; done; exit 3';
    const { cluster, scheduler, driver } = await launch((offer) => [
      {
        ...task(offer, 'doomed', undefined),
        executor: {
          executor_id: { value: 'crasher' },
          command: { value: script },
          resources: smallTaskResources(offer),
        },
      },
    ]);
    const status = await terminal(scheduler, 'doomed');
    // Mesos's own wording in the update.
    expect(status).to.include({
      state: 'TASK_FAILED',
      reason: 'REASON_EXECUTOR_TERMINATED',
      message: 'Executor exited with status 3',
    });
    await waitFor('the report', () => logs.some((line) => line.includes('err line 15')));
    const state = await agentState(cluster);
    const ended = completedExecutors(state).find((e) => e.id === 'crasher') as AgentExecutorJson;
    expect(ended).to.include({ state: 'TERMINATED', status: 'exited with status 3' });
    expect(logs[0]).to.match(
      /^\[LocalCluster\] agent \S+-S0: executor 'crasher' of framework \S+ exited with status 3$/,
    );
    expect(logs[1]).to.equal(`[LocalCluster]   sandbox: ${ended.directory}`);
    expect(logs[2]).to.equal('[LocalCluster]   last 10 line(s) of its stderr:');
    expect(logs.slice(3)).to.deep.equal(Array.from({ length: 10 }, (_, i) => `[LocalCluster]   | err line ${i + 6}`));
    // The sandbox survives the executor (and the framework's removal) until the cluster stops.
    expect(existsSync(join(ended.directory, 'stderr'))).to.equal(true);
    driver.stop(true);
    await driver.join();
    await eventually(
      'the framework to leave the agent',
      async () => (await agentState(cluster)).frameworks.length === 0,
    );
    expect(existsSync(join(ended.directory, 'stderr'))).to.equal(true);
    await cluster.stop();
    expect(existsSync(ended.directory)).to.equal(false);
    expect(logs[logs.length - 1]).to.match(
      /^\[LocalCluster\] removing .* and its sandboxes \(give LocalCluster a workDir to keep them\)$/,
    );
  });

  it('logs a failed command task with its stderr tail, and lists command executors with their directory', async () => {
    const { cluster, scheduler } = await launch((offer) => [
      task(offer, 'broken', { value: 'echo "cannot open config.yml" >&2; exit 2' }),
      task(offer, 'sleeper', { value: 'sleep 30' }),
    ]);
    expect((await terminal(scheduler, 'broken')).message).to.equal('Command exited with status 2');
    await waitFor('the report', () => logs.length >= 4);
    expect(logs[0]).to.match(/: task 'broken' of framework \S+ failed: Command exited with status 2$/);
    expect(logs[3]).to.equal('[LocalCluster]   | cannot open config.yml');
    await waitFor('sleeper running', () =>
      scheduler.updates.some((s) => s.task_id.value === 'sleeper' && s.state === 'TASK_RUNNING'),
    );
    const framework = (await agentState(cluster)).frameworks[0];
    const running = framework?.executors.find((e) => e.id === 'sleeper');
    expect(running?.state).to.equal('RUNNING');
    expect(existsSync(join(running?.directory as string, 'stdout'))).to.equal(true);
    const ended = framework?.completed_executors.find((e) => e.id === 'broken');
    expect(ended?.status).to.equal('exited with status 2');
    expect(logs[1]).to.equal(`[LocalCluster]   sandbox: ${ended?.directory}`);
  });

  it("shows a running custom executor's directory, then the ended one in completed_executors", async () => {
    const { cluster, scheduler, driver } = await launch((offer) => [
      {
        ...task(offer, 'calm', undefined),
        executor: {
          executor_id: { value: 'fixture' },
          command: { value: `"${process.execPath}" --import "${TSX_LOADER}" "${FIXTURE_EXECUTOR}"` },
          resources: smallTaskResources(offer),
        },
      },
    ]);
    await waitFor('calm running', () => scheduler.updates.some((s) => s.state === 'TASK_RUNNING'), 15_000);
    const live = (await agentState(cluster)).frameworks[0]?.executors.find((e) => e.id === 'fixture');
    expect(live?.state).to.equal('RUNNING');
    expect(existsSync(join(live?.directory as string, 'stderr'))).to.equal(true);
    driver.stop(); // no failover: TEARDOWN, the agent shuts the executor down
    await driver.join();
    const ended = await eventually('the executor to end', async () => completedExecutors(await agentState(cluster))[0]);
    expect(ended?.id).to.equal('fixture');
    expect(ended?.directory).to.equal(live?.directory);
    // A shutdown the agent asked for is not an abnormal exit: nothing logged.
    expect(logs).to.deep.equal([]);
  });

  it("keeps each task's statuses in the master's /state, as Mesos does", async () => {
    const { cluster, scheduler } = await launch((offer) => [task(offer, 'quick', { value: 'true' })]);
    await terminal(scheduler, 'quick');
    const state = (await (await fetch(`${cluster.masterUrl}/master/state`)).json()) as {
      frameworks: {
        completed_tasks: { id: string; statuses: { state: string; timestamp: number; message?: string }[] }[];
      }[];
    };
    const done = state.frameworks[0]?.completed_tasks.find((t) => t.id === 'quick');
    expect(done?.statuses.map((s) => s.state)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    for (const status of done?.statuses ?? [])
      expect(status.timestamp).to.be.within(Date.now() / 1000 - 30, Date.now() / 1000 + 1);
    expect(done?.statuses[2]?.message).to.equal('Command exited with status 0');
  });

  it('keeps sandboxes in a given workDir after stop; log: false writes nothing anywhere', async () => {
    const workDir = mkdtempSync(join(tmpdir(), 'kept-work-'));
    const write = sinon.spy(process.stderr, 'write');
    try {
      const { cluster, scheduler, driver } = await launch(
        (offer) => [task(offer, 'fails', { value: 'echo bad >&2; exit 1' })],
        {
          workDir,
          log: false,
        },
      );
      await terminal(scheduler, 'fails');
      const ended = completedExecutors(await agentState(cluster))[0];
      driver.stop(true);
      await driver.join();
      await cluster.stop();
      expect(ended?.directory.startsWith(workDir)).to.equal(true);
      expect(existsSync(join(ended?.directory as string, 'stderr'))).to.equal(true);
      expect(write.getCalls().filter((call) => String(call.args[0]).includes('[LocalCluster]'))).to.deep.equal([]);
    } finally {
      write.restore();
      rmSync(workDir, { recursive: true, force: true });
    }
  });

  it("refuses a 'log' that is neither a function nor false", async () => {
    const error = await LocalCluster.start({ log: 'stderr' as never }).catch((err: Error) => err);
    expect((error as Error).message).to.equal("LocalCluster option 'log' must be a function or false");
  });
});

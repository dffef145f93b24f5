/**
 * The sample frameworks run in-process against a LocalCluster; each test checks what the sample
 * did on the cluster (tasks finished, TEARDOWN, instances relaunched, failover survived).
 */
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { MesosConfigError } from '../../lib';
import { LocalCluster } from '../../lib/local-entry';
import type { SampleOutcome } from '../../samples/lib/run';
import { runNoExecutorFramework } from '../../samples/no-executor-framework';
import { runServiceFramework, type ServiceOutcome, type ServiceScheduler } from '../../samples/service-framework';
import { runTestFramework } from '../../samples/test-framework';

interface MasterState {
  frameworks: Array<{ id: string; connected: boolean; tasks: Array<{ id: string; state: string }> }>;
  completed_frameworks: Array<{ id: string }>;
}

async function masterState(cluster: LocalCluster): Promise<MasterState> {
  const response = await fetch(`${cluster.masterUrl}/master/state`);
  return (await response.json()) as MasterState;
}

const quiet = { log: () => undefined };

describe('samples on LocalCluster', function () {
  this.timeout(20_000);
  let cluster: LocalCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  describe('no-executor-framework', () => {
    it('runs --num_tasks command tasks to TASK_FINISHED, then tears the framework down', async () => {
      cluster = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
      const outcome = (await runNoExecutorFramework(
        [`--master=${cluster.masterString}`, '--num_tasks=4', '--command=true'],
        quiet,
      )) as SampleOutcome;
      expect(outcome.exitCode).to.equal(0);
      expect(outcome.driverStatus).to.equal('DRIVER_STOPPED');
      expect(outcome.finished).to.equal(4);
      expect(outcome.taskStates).to.deep.equal({
        0: 'TASK_FINISHED',
        1: 'TASK_FINISHED',
        2: 'TASK_FINISHED',
        3: 'TASK_FINISHED',
      });
      const state = await masterState(cluster);
      expect(state.frameworks.map((f) => f.id)).to.not.include(outcome.frameworkId);
      expect(state.completed_frameworks.map((f) => f.id)).to.include(outcome.frameworkId);
    });

    it('takes its flags from MESOS_EXAMPLE_* variables, and fails (exit 1) when tasks end abnormally', async () => {
      cluster = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
      const env = {
        MESOS_EXAMPLE_MASTER: cluster.masterString,
        MESOS_EXAMPLE_NUM_TASKS: '2',
        MESOS_EXAMPLE_COMMAND: 'exit 3',
      };
      const outcome = (await runNoExecutorFramework([], { ...quiet, env })) as SampleOutcome;
      expect(outcome.exitCode).to.equal(1);
      expect(outcome.launched).to.equal(2);
      expect(outcome.taskStates).to.deep.equal({ 0: 'TASK_FAILED', 1: 'TASK_FAILED' });
      expect(outcome.error).to.equal('Failed to complete successfully: 2 of 2 terminated abnormally');
    });

    it('packs as many tasks into an offer as --task_resources allow', async () => {
      cluster = await LocalCluster.start({
        log: false,
        agents: 1,
        heartbeatIntervalSeconds: 1,
        resources: 'cpus:1;mem:256;disk:1024',
      });
      const launches: string[][] = [];
      const outcome = (await runNoExecutorFramework(
        [`--master=${cluster.masterString}`, '--num_tasks=3', '--task_resources=cpus:0.5;mem:64', '--command=true'],
        {
          ...quiet,
          onLaunch: (ids) => launches.push(ids),
        },
      )) as SampleOutcome;
      expect(outcome.finished).to.equal(3);
      // Only two tasks of 0.5 cpus fit in the first 1-cpu offer.
      expect(launches[0]).to.deep.equal(['0', '1']);
    });

    it('prints --help and rejects unknown flags and malformed values with MesosConfigError', async () => {
      const lines: string[] = [];
      expect(await runNoExecutorFramework(['--help'], { log: (line) => lines.push(line) })).to.equal('help');
      expect(lines.join('\n')).to.include('--num_tasks').and.include('--task_resources').and.include('MESOS_EXAMPLE_');
      for (const argv of [['--bogus'], ['--num_tasks=zero'], ['--task_resources=cpus']]) {
        let error: unknown;
        await runNoExecutorFramework(argv, quiet).catch((err: unknown) => {
          error = err;
        });
        expect(error, argv.join(' ')).to.be.instanceOf(MesosConfigError);
      }
    });
  });

  describe('test-framework', () => {
    it('runs five tasks through the TypeScript test executor and stops', async () => {
      cluster = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
      const updates: string[] = [];
      const outcome = (await runTestFramework([`--master=${cluster.masterString}`], {
        ...quiet,
        onStatus: (status) => updates.push(`${status.task_id.value} ${status.state} ${status.source}`),
      })) as SampleOutcome;
      expect(outcome.exitCode).to.equal(0);
      expect(outcome.finished).to.equal(5);
      for (const id of ['0', '1', '2', '3', '4']) {
        expect(
          updates.filter((u) => u.startsWith(`${id} `)),
          `task ${id}`,
        ).to.deep.equal([`${id} TASK_RUNNING SOURCE_EXECUTOR`, `${id} TASK_FINISHED SOURCE_EXECUTOR`]);
      }
      expect((await masterState(cluster)).completed_frameworks.map((f) => f.id)).to.include(outcome.frameworkId);
    });

    it('acknowledges explicitly when MESOS_EXPLICIT_ACKNOWLEDGEMENTS is set', async () => {
      cluster = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
      const env = { MESOS_EXPLICIT_ACKNOWLEDGEMENTS: '1' };
      const outcome = (await runTestFramework([`--master=${cluster.masterString}`], {
        ...quiet,
        env,
      })) as SampleOutcome;
      // Unacknowledged updates would stall each task at TASK_RUNNING.
      expect(outcome.finished).to.equal(5);
    });
  });

  describe('service-framework', () => {
    const marker = join(tmpdir(), `mesos-driver-samples-test-${process.pid}`);
    afterEach(() => rm(marker, { recursive: true, force: true }));

    async function startService(
      argv: string[],
    ): Promise<{ scheduler: ServiceScheduler; stop: () => Promise<ServiceOutcome> }> {
      const controller = new AbortController();
      let scheduler: ServiceScheduler | undefined;
      const run = runServiceFramework([`--master=${(cluster as LocalCluster).masterString}`, ...argv], {
        ...quiet,
        signal: controller.signal,
        onStart: (s) => {
          scheduler = s;
        },
      });
      while (!scheduler) await new Promise((resolve) => setTimeout(resolve, 5));
      return {
        scheduler,
        stop: async () => {
          controller.abort();
          return (await run) as ServiceOutcome;
        },
      };
    }

    const allRunning = (s: ServiceScheduler) => s.instances().every((i) => i.state === 'TASK_RUNNING');

    it('keeps N instances running, relaunches a failed one, survives a master failover, and stop(true) leaves the tasks running', async () => {
      cluster = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
      // Exactly one instance (the one whose atomic mkdir wins) exits 1; every other keeps running.
      const command = `if mkdir ${marker} 2>/dev/null; then exit 1; else exec sleep 30; fi`;
      const { scheduler, stop } = await startService([
        '--instances=3',
        `--command=${command}`,
        '--relaunch_backoff_ms=200',
        '--name=web',
      ]);
      const signal = AbortSignal.timeout(15_000);
      await scheduler.until((s) => allRunning(s) && s.failures === 1, signal);
      expect(scheduler.launches).to.equal(4);
      const failed = Object.entries(scheduler.taskStates).filter(([, state]) => state === 'TASK_FAILED');
      expect(failed).to.have.length(1);
      const before = scheduler.instances().map((i) => i.taskId);

      await cluster.failover();
      await scheduler.until((s) => s.registrations === 2 && allRunning(s), signal);
      // The same tasks, found again by reconciliation; nothing relaunched.
      expect(scheduler.instances().map((i) => i.taskId)).to.deep.equal(before);
      expect(scheduler.launches).to.equal(4);

      const outcome = await stop();
      expect(outcome.exitCode).to.equal(0);
      expect(outcome.toreDown).to.equal(false);
      const framework = (await masterState(cluster)).frameworks.find((f) => f.id === outcome.frameworkId);
      expect(framework, 'framework still registered for failover').to.not.equal(undefined);
      expect(framework?.tasks.map((t) => t.id).sort()).to.deep.equal([...before].sort());
    });

    it('a new scheduler started with --framework_id adopts the running instances', async () => {
      cluster = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
      const first = await startService(['--instances=2', '--command=sleep 30']);
      await first.scheduler.until(allRunning, AbortSignal.timeout(10_000));
      const tasks = first.scheduler.instances().map((i) => i.taskId);
      const { frameworkId } = await first.stop();

      const second = await startService([
        '--instances=2',
        '--command=sleep 30',
        `--framework_id=${frameworkId}`,
        '--reconcile_wait_ms=500',
      ]);
      await second.scheduler.until(allRunning, AbortSignal.timeout(10_000));
      expect(second.scheduler.instances().map((i) => i.taskId)).to.deep.equal(tasks);
      expect(second.scheduler.launches).to.equal(0);
      await second.stop();
    });

    it('with --teardown, stopping removes the framework and its tasks', async () => {
      cluster = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
      const { scheduler, stop } = await startService(['--instances=2', '--command=sleep 30', '--teardown']);
      await scheduler.until(allRunning, AbortSignal.timeout(10_000));
      const outcome = await stop();
      expect(outcome.exitCode).to.equal(0);
      expect(outcome.toreDown).to.equal(true);
      const state = await masterState(cluster);
      expect(state.frameworks.map((f) => f.id)).to.not.include(outcome.frameworkId);
      expect(state.completed_frameworks.map((f) => f.id)).to.include(outcome.frameworkId);
    });
  });
});

/**
 * One-offer launches on a LocalCluster for the fetcher and diagnostics tests: a cluster whose
 * diagnostics are collected in `logs`, a driver that launches the given tasks on the first offer
 * (and more on the second), and waits for a task's terminal update.
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ExecutorInfo, Offer, TaskInfo, TaskStatus } from '../../../lib/codec/messages';
import { isTerminalTaskState } from '../../../lib/codec/task-states';
import type { MesosSchedulerDriver } from '../../../lib/driver/scheduler-driver';
import type { LocalCluster, LocalClusterOptions } from '../../../lib/local/cluster';
import { RecordingScheduler, smallTaskResources, useDriverCluster, waitFor } from './driver-harness';

const REPO = resolve(__dirname, '..', '..', '..');
/** tsx's loader, for running TypeScript executors. */
export const TSX_LOADER = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
/** The fixture executor (tasks run until killed). */
export const FIXTURE_EXECUTOR = join(__dirname, 'executor-fixture.ts');

/** A command task (or, with `command` undefined, a task for an executor) on the offer's agent. */
export function task(offer: Offer, id: string, command: TaskInfo['command']): TaskInfo {
  return { name: id, task_id: { value: id }, agent_id: offer.agent_id, resources: smallTaskResources(offer), command };
}

/** The fixture executor as an ExecutorInfo (override `command` to ship it otherwise). */
export function fixtureExecutor(offer: Offer, id: string, extra: Partial<ExecutorInfo> = {}): ExecutorInfo {
  return {
    executor_id: { value: id },
    command: { value: `"${process.execPath}" --import "${TSX_LOADER}" "${FIXTURE_EXECUTOR}"`, shell: true },
    resources: smallTaskResources(offer, 0.1, 32),
    ...extra,
  };
}

export interface Launched {
  cluster: LocalCluster;
  scheduler: RecordingScheduler;
  driver: MesosSchedulerDriver;
}

/** Call in a `describe` body: clusters and drivers are stopped after each test; `logs` is reset before each. */
export function useLaunchHarness(): {
  logs: string[];
  launch(
    tasks: (offer: Offer) => TaskInfo[],
    options?: LocalClusterOptions,
    more?: (offer: Offer) => TaskInfo[],
  ): Promise<Launched>;
  terminal(scheduler: RecordingScheduler, taskId: string, timeoutMs?: number): Promise<TaskStatus>;
} {
  const { pool, startCluster } = useDriverCluster();
  const logs: string[] = [];
  beforeEach(() => {
    logs.length = 0;
  });
  return {
    logs,
    async launch(tasks, options = {}, more) {
      const cluster = await startCluster({ log: (line) => logs.push(line), ...options });
      let offers = 0;
      const scheduler = new RecordingScheduler({
        resourceOffers(driver, received) {
          const offer = received[0] as Offer;
          offers++;
          // A short filter on the first launch, so that what is left comes back at once for `more`.
          if (offers === 1) driver.launchTasks(offer.id, tasks(offer), { refuse_seconds: 0.05 });
          else if (offers === 2 && more) driver.launchTasks(offer.id, more(offer));
          else driver.declineOffer(offer.id, { refuse_seconds: 60 });
        },
      });
      const driver = pool.create(scheduler, { name: 'launch-harness' }, cluster.masterString);
      driver.start();
      return { cluster, scheduler, driver };
    },
    terminal(scheduler, taskId, timeoutMs = 10_000) {
      return waitFor(
        `a terminal update of ${taskId}`,
        () => scheduler.updates.find((s) => s.task_id.value === taskId && isTerminalTaskState(s.state)),
        timeoutMs,
        () => ({ updates: scheduler.updates.map((s) => `${s.task_id.value}:${s.state}`), logs }),
      );
    },
  };
}

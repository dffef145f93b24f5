/** Helpers of the LocalCluster operator API tests: a framework that runs command tasks through MesosSchedulerDriver. */
import type { InverseOffer, Offer, TaskInfo, TaskStatus } from '../../lib/codec/messages';
import { isTerminalTaskState } from '../../lib/codec/task-states';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type { Scheduler } from '../../lib/driver/scheduler-types';
import { parseResources } from '../../lib/local/resources';

/** A running test framework. */
export interface TestFramework {
  driver: MesosSchedulerDriver;
  frameworkId: Promise<string>;
  /** Every status update, in order. */
  statuses: TaskStatus[];
  /** Every offer received, in order. */
  offers: Offer[];
  /** Every inverse offer received, in order. */
  inverseOffers: InverseOffer[];
  /** Resolves once `taskId` reached `state` (or any terminal state when `state` is omitted). */
  reached(taskId: string, state?: TaskStatus['state']): Promise<TaskStatus>;
  stop(): Promise<void>;
}

/** Starts a framework that launches one command task per entry of `commands` (task id -> shell command) on the first offers. */
export function runFramework(
  cluster: { masterString: string },
  commands: Record<string, string>,
  name = 'operator-test',
): TestFramework {
  const statuses: TaskStatus[] = [];
  const received: Offer[] = [];
  const inverse: InverseOffer[] = [];
  const waiters: Array<{ taskId: string; state?: string; resolve: (s: TaskStatus) => void }> = [];
  let pending = Object.entries(commands);
  let resolveId: (id: string) => void = () => undefined;
  const frameworkId = new Promise<string>((resolve) => {
    resolveId = resolve;
  });
  const scheduler: Scheduler = {
    registered: (_driver, id) => resolveId(id.value),
    error: () => undefined,
    inverseOffers: (_driver, offers) => void inverse.push(...offers),
    resourceOffers: (driver, offers: Offer[]) => {
      received.push(...offers);
      for (const offer of offers) {
        if (pending.length === 0) {
          driver.declineOffer(offer.id);
          continue;
        }
        const tasks: TaskInfo[] = pending.map(([id, command]) => ({
          name: id,
          task_id: { value: id },
          agent_id: offer.agent_id,
          resources: parseResources('cpus:0.1;mem:16'),
          command: { value: command },
        }));
        pending = [];
        driver.launchTasks([offer.id], tasks);
      }
    },
    statusUpdate: (_driver, status) => {
      statuses.push(status);
      for (const waiter of [...waiters]) {
        if (waiter.taskId !== status.task_id.value) continue;
        if (waiter.state ? waiter.state === status.state : isTerminalTaskState(status.state)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(status);
        }
      }
    },
  };
  const driver = new MesosSchedulerDriver(
    scheduler,
    { user: 'tester', name, failover_timeout: 0 },
    cluster.masterString,
  );
  driver.start();
  return {
    driver,
    frameworkId,
    statuses,
    offers: received,
    inverseOffers: inverse,
    reached: (taskId, state) => {
      const seen = statuses.find(
        (s) => s.task_id.value === taskId && (state ? s.state === state : isTerminalTaskState(s.state)),
      );
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ taskId, state, resolve }));
    },
    stop: async () => {
      driver.stop();
      await driver.join().catch(() => undefined);
    },
  };
}

/** Resolves when `check` returns a value, polling every 20 ms, or rejects after `ms`. */
export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  ms = 5000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

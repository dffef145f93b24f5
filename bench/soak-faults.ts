/**
 * `npm run soak [-- --duration=<s>] [--seed=<n>]`: a framework and its executors on a LocalCluster
 * (3 masters, 3 agents) under continuous random faults of every kind LocalCluster injects, for a
 * bounded time (default 120 s, then at most 60 s to drain). Not part of `npm test`.
 *
 * The scheduler keeps about 24 short tasks running on a custom executor (bench/soak-executor.ts)
 * and acknowledges updates explicitly. Faults: dropped subscriptions (clean and mid-record),
 * malformed records, stopped heartbeats, latency, 503/500 answers to calls, master failovers and
 * killed leaders, agent restarts, partitions and removals, killed executors.
 *
 * Accounting: every update delivered (statusUpdate) and acknowledged; duplicates (same uuid
 * delivered again, allowed: at-least-once); updates lost = a task whose executor-sent
 * TASK_FINISHED arrived without its TASK_RUNNING, or a task known to an agent that never reached
 * a terminal state at the scheduler. Launches the master dropped in a failover (never on an agent)
 * are found by explicit reconciliation and counted apart, as Mesos frameworks must.
 *
 * Writes bench/results/soak-faults.txt and bench/results/soak-faults.svg (memory over time);
 * exits 1 when an update was lost.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Offer, TaskInfo, TaskStatus } from '../lib/codec/messages';
import { TERMINAL_TASK_STATES as TERMINAL } from '../lib/codec/task-states';
import { nodeExecutorInfo } from '../lib/driver/node-executor';
import { MesosSchedulerDriver } from '../lib/driver/scheduler-driver';
import type { Scheduler, SchedulerDriver } from '../lib/driver/scheduler-types';
import { LocalCluster } from '../lib/local/cluster';
import { seededRandom } from '../test/integration/helpers/seeded-random';
import { RESULTS_DIR } from './lib/results';
import { memoryChartSvg } from './soak-chart';

// `--duration=120` or `--duration 120`; an unknown flag is an error, not silently ignored.
const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: { duration: { type: 'string' }, seed: { type: 'string' } },
  strict: true,
});
const args = new Map(Object.entries(flags));
const DURATION_S = Number(args.get('duration') ?? 120);
const SEED = Number(args.get('seed') ?? 16);
const DRAIN_MS = 60_000;
const TARGET_RUNNING = 24;

if (!(DURATION_S > 0)) throw new Error(`--duration must be a positive number of seconds, got ${args.get('duration')}`);

// Two streams, so that the fault schedule does not depend on how many tasks were launched.
const random = seededRandom(SEED);
const taskRandom = seededRandom(SEED + 1);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const EXECUTOR = nodeExecutorInfo('soak', {
  name: 'soak executor',
  script: join(__dirname, 'soak-executor.ts'),
  nodePath: false,
});

interface TaskRecord {
  states: TaskStatus['state'][];
  fromExecutor: Set<string>;
  terminal: boolean;
  reconciled: boolean;
}

const tasks = new Map<string, TaskRecord>();
const seenUuids = new Set<string>();
const counters = { launched: 0, delivered: 0, acknowledged: 0, duplicates: 0, reconciledUnknown: 0 };
/** Terminal updates other than TASK_FINISHED, by state and reason. */
const otherEnds = new Map<string, number>();
let launching = true;
let nextTask = 0;

/** The unreserved amount of a scalar resource in an offer. */
function scalar(offer: Offer, name: string): number {
  return (offer.resources ?? [])
    .filter((r) => r.name === name && !r.reservations?.length)
    .reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}

function openTasks(): string[] {
  return [...tasks].filter(([, t]) => !t.terminal).map(([id]) => id);
}

const scheduler: Scheduler = {
  resourceOffers(driver: SchedulerDriver, offers: Offer[]) {
    for (const offer of offers) {
      const batch: TaskInfo[] = [];
      // As many as the offer holds (0.05 cpus and 8 MiB each), at most 4 per offer.
      const fits = Math.min(4, Math.floor(scalar(offer, 'cpus') / 0.05 + 1e-9), Math.floor(scalar(offer, 'mem') / 8));
      while (launching && openTasks().length + batch.length < TARGET_RUNNING && batch.length < fits) {
        const id = `soak-${nextTask++}`;
        tasks.set(id, { states: [], fromExecutor: new Set(), terminal: false, reconciled: false });
        batch.push({
          name: id,
          task_id: { value: id },
          agent_id: offer.agent_id,
          resources: [
            { name: 'cpus', type: 'SCALAR', scalar: { value: 0.05 } },
            { name: 'mem', type: 'SCALAR', scalar: { value: 8 } },
          ],
          executor: EXECUTOR,
          data: Buffer.from(String(200 + Math.floor(taskRandom() * 1800))),
        });
      }
      counters.launched += batch.length;
      if (batch.length > 0) driver.launchTasks(offer.id, batch, { refuse_seconds: 0.2 });
      else driver.declineOffer(offer.id, { refuse_seconds: 0.2 });
    }
  },
  statusUpdate(driver: SchedulerDriver, status: TaskStatus) {
    counters.delivered++;
    const uuid = status.uuid ? Buffer.from(status.uuid).toString('hex') : '';
    if (uuid) {
      if (seenUuids.has(uuid)) counters.duplicates++;
      seenUuids.add(uuid);
      driver.acknowledgeStatusUpdate(status);
      counters.acknowledged++;
    }
    const task = tasks.get(status.task_id.value);
    if (!task) return;
    task.states.push(status.state);
    if (status.source === 'SOURCE_EXECUTOR') task.fromExecutor.add(status.state);
    if (status.reason === 'REASON_RECONCILIATION' && status.message === 'Reconciliation: Task is unknown') {
      if (!task.terminal) counters.reconciledUnknown++;
      task.reconciled = true;
    }
    if (TERMINAL.has(status.state)) {
      if (status.state !== 'TASK_FINISHED') {
        const key = `${status.state} ${status.reason ?? '-'}${status.state === 'TASK_ERROR' ? ` '${status.message ?? ''}'` : ''}${task.states.includes('TASK_FINISHED') ? ' (after TASK_FINISHED)' : ''}`;
        otherEnds.set(key, (otherEnds.get(key) ?? 0) + 1);
      }
      task.terminal = true;
    }
  },
};

type FaultKind =
  | 'dropSubscription'
  | 'dropMidRecord'
  | 'malformedRecord'
  | 'stopHeartbeats'
  | 'latency'
  | 'fail503'
  | 'fail500Ack'
  | 'failover'
  | 'killLeader'
  | 'restartAgent'
  | 'partitionAgent'
  | 'loseAgent'
  | 'killExecutor';
const KINDS: FaultKind[] = [
  'dropSubscription',
  'dropMidRecord',
  'malformedRecord',
  'stopHeartbeats',
  'latency',
  'fail503',
  'fail500Ack',
  'failover',
  'killLeader',
  'restartAgent',
  'partitionAgent',
  'loseAgent',
  'killExecutor',
];

async function inject(cluster: LocalCluster, kind: FaultKind): Promise<FaultKind> {
  const faults = cluster.faults;
  const liveAgents = () => cluster.agents.map((_, i) => i).filter((i) => cluster.agents[i]?.url);
  switch (kind) {
    case 'dropSubscription':
      faults.dropSubscription();
      return kind;
    case 'dropMidRecord':
      faults.dropSubscription({ midRecord: true });
      return kind;
    case 'malformedRecord':
      faults.sendMalformedRecord();
      return kind;
    case 'stopHeartbeats':
      faults.stopHeartbeats();
      await sleep(1500 + random() * 3000);
      faults.resumeHeartbeats();
      return kind;
    case 'latency':
      faults.setLatency(Math.floor(random() * 400));
      await sleep(1000 + random() * 2000);
      faults.setLatency(0);
      return kind;
    case 'fail503':
      faults.failNextCalls({ status: 503, count: 1 + Math.floor(random() * 3) });
      return kind;
    case 'fail500Ack':
      faults.failNextCalls({ status: 500, count: 1 + Math.floor(random() * 3), callType: 'ACKNOWLEDGE' });
      return kind;
    case 'killLeader':
      if (cluster.masters.filter((m) => m.isAlive).length > 1) {
        await faults.killLeader();
        await cluster.waitForLeader();
        return kind;
      }
      await cluster.failover();
      return 'failover';
    case 'failover':
      await cluster.failover();
      return kind;
    case 'restartAgent':
      await faults.restartAgent(pick(liveAgents()));
      return kind;
    case 'partitionAgent':
      await faults.partitionAgent(pick(liveAgents()), 500 + Math.floor(random() * 2000));
      return kind;
    case 'loseAgent': {
      // A removed agent never comes back (as in Mesos): a fresh one replaces it.
      await faults.loseAgent(pick(liveAgents()), 'removed');
      await cluster.addAgent();
      return kind;
    }
    case 'killExecutor': {
      const running = faults.executors();
      if (running.length === 0) return 'killExecutor';
      const victim = pick(running);
      faults.killExecutor(victim.executorId, { frameworkId: victim.frameworkId, agentId: victim.agentId });
      return kind;
    }
  }
}

interface Sample {
  t: number;
  rssMiB: number;
  heapMiB: number;
}

async function main(): Promise<number> {
  const started = Date.now();
  const cluster = await LocalCluster.start({
    masters: 3,
    agents: 3,
    heartbeatIntervalSeconds: 1,
    statusUpdateRetryMs: 500,
    log: false,
  });
  const driver = new MesosSchedulerDriver(
    scheduler,
    { user: '', name: 'soak', failover_timeout: 3600, checkpoint: true },
    cluster.masterString,
    false,
    undefined,
    { backoff: { initialMs: 100, maxMs: 1000 }, reconnectDelayMaxMs: 200 },
  );
  const samples: Sample[] = [];
  const sample = () => {
    const m = process.memoryUsage();
    samples.push({ t: (Date.now() - started) / 1000, rssMiB: m.rss / 2 ** 20, heapMiB: m.heapUsed / 2 ** 20 });
  };
  const sampler = setInterval(sample, 1000);
  const injected = new Map<string, number>();
  const faultTimes: number[] = [];
  const faultErrors: string[] = [];
  let exitCode = 1;
  try {
    driver.start();
    const end = Date.now() + DURATION_S * 1000;
    while (Date.now() < end) {
      await sleep(300 + random() * 1700);
      const kind = pick(KINDS);
      try {
        const done = await inject(cluster, kind);
        injected.set(done, (injected.get(done) ?? 0) + 1);
        faultTimes.push((Date.now() - started) / 1000);
      } catch (err) {
        faultErrors.push(`${kind}: ${(err as Error).message}`);
      }
    }
    // Drain: no more launches or faults; explicit reconciliation finds launches the master dropped.
    launching = false;
    cluster.faults.reset();
    cluster.faults.resumeHeartbeats();
    const drainEnd = Date.now() + DRAIN_MS;
    let lastReconcile = 0;
    while (Date.now() < drainEnd) {
      const open = openTasks();
      const unacked = cluster.agents.reduce(
        (n, agent) => n + agent.state().filter((t) => TERMINAL.has(t.state)).length,
        0,
      );
      if (open.length === 0 && unacked === 0) break;
      if (driver.connected && Date.now() - lastReconcile > 5000) {
        lastReconcile = Date.now();
        driver.reconcileTasks(open.map((id) => ({ task_id: { value: id }, state: 'TASK_STAGING' }) as TaskStatus));
      }
      await sleep(250);
    }
    sample();
    // Lost: an executor's TASK_FINISHED without its TASK_RUNNING, or a task that never ended.
    const gaps = [...tasks].filter(
      ([, t]) => t.fromExecutor.has('TASK_FINISHED') && !t.fromExecutor.has('TASK_RUNNING'),
    );
    const neverEnded = openTasks();
    const lost = gaps.length + neverEnded.length;
    const finished = [...tasks.values()].filter((t) => t.states.includes('TASK_FINISHED')).length;
    const byState = new Map<string, number>();
    for (const t of tasks.values()) {
      const last = [...t.states].reverse().find((s) => TERMINAL.has(s)) ?? 'none';
      byState.set(last, (byState.get(last) ?? 0) + 1);
    }
    const first = samples[Math.min(5, samples.length - 1)] as Sample;
    const last = samples.at(-1) as Sample;
    const peak = samples.reduce((m, s) => Math.max(m, s.heapMiB), 0);
    const faultsTotal = [...injected.values()].reduce((a, b) => a + b, 0);
    const lines = [
      `soak-faults: ${new Date().toISOString()}, seed ${SEED}, ${DURATION_S} s of faults + drain, total ${Math.round((Date.now() - started) / 1000)} s`,
      'cluster: LocalCluster, 3 masters (no ZooKeeper), 3 agents, custom executor bench/soak-executor.ts, checkpointing framework, explicit acknowledgements',
      '',
      `faults injected: ${faultsTotal}`,
      ...[...injected].sort().map(([kind, n]) => `  ${kind.padEnd(18)} ${n}`),
      ...(faultErrors.length > 0
        ? [`faults that could not be injected: ${faultErrors.length} (${faultErrors.slice(0, 3).join('; ')})`]
        : []),
      '',
      `tasks launched:            ${counters.launched}`,
      `tasks finished:            ${finished}`,
      `final states:              ${[...byState]
        .sort()
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}`,
      'other terminal updates (state, reason):',
      ...[...otherEnds].sort().map(([key, n]) => `  ${key} ${n}`),
      `updates delivered:         ${counters.delivered}`,
      `updates acknowledged:      ${counters.acknowledged}`,
      `duplicate deliveries:      ${counters.duplicates} (allowed: at-least-once)`,
      `launches dropped by a failing-over master (found by reconciliation): ${counters.reconciledUnknown}`,
      `updates lost:              ${lost}${lost > 0 ? ` (gaps ${gaps.map(([id]) => id).join(',')}; never ended ${neverEnded.join(',')})` : ''}`,
      '',
      `memory (this process: cluster + driver): heap ${first.heapMiB.toFixed(1)} MiB at ${first.t.toFixed(0)} s -> ${last.heapMiB.toFixed(1)} MiB at ${last.t.toFixed(0)} s, peak ${peak.toFixed(1)} MiB; rss ${first.rssMiB.toFixed(1)} -> ${last.rssMiB.toFixed(1)} MiB`,
      'memory samples (s, heap MiB, rss MiB), one every 10 s:',
      ...samples
        .filter((_, i) => i % 10 === 0)
        .map(
          (s) =>
            `  ${s.t.toFixed(0).padStart(4)} ${s.heapMiB.toFixed(1).padStart(7)} ${s.rssMiB.toFixed(1).padStart(7)}`,
        ),
    ];
    const text = `${lines.join('\n')}\n`;
    writeFileSync(join(RESULTS_DIR, 'soak-faults.txt'), text);
    writeFileSync(
      join(RESULTS_DIR, 'soak-faults.svg'),
      memoryChartSvg(samples, faultTimes, `soak-faults, seed ${SEED}: memory over time (fault ticks below)`),
    );
    process.stdout.write(text);
    process.stdout.write(`written: bench/results/soak-faults.txt, bench/results/soak-faults.svg\n`);
    exitCode = lost === 0 ? 0 : 1;
  } finally {
    clearInterval(sampler);
    driver.stop(false);
    await driver.join();
    await cluster.stop();
  }
  return exitCode;
}

main().then(
  (code) => {
    process.exit(code);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

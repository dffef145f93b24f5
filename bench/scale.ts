/**
 * Scale benchmark (issue 8, part 3): a LocalCluster (simulated tasks, 50 agents) in one child
 * process, a MesosSchedulerDriver in another that launches 10,000 tasks as offers arrive with
 * implicit acknowledgements. Reports wall time from start() to the last TASK_FINISHED, tasks/s,
 * updates/s, and the driver process's peak RSS (kernel high-water mark) and peak heap.
 */
import { BenchChild } from './lib/bench-child';
import type { BenchResult } from './lib/results';
import type { ScaleArgument, ScaleResult } from './lib/scale-driver-child';
import type { Row } from './lib/table';

const TASKS = Number(process.env.BENCH_SCALE_TASKS ?? 10_000);
const AGENTS = 50;
const AGENT_RESOURCES = 'cpus:32;mem:8192;disk:65536;ports:[31000-32000]';
const SIMULATED_TASK_MS = 200;
const FORMATS = (process.env.BENCH_SCALE_FORMATS ?? 'protobuf').split(',') as Array<'json' | 'protobuf'>;
const TIMEOUT_MS = 45_000;

async function runOnce(contentType: 'json' | 'protobuf'): Promise<ScaleResult & { clusterCpuSeconds: number }> {
  const cluster = BenchChild.start('bench/lib/local-cluster-child.ts', {
    agents: AGENTS,
    resources: AGENT_RESOURCES,
    taskMode: 'simulated',
    simulatedTaskMs: SIMULATED_TASK_MS,
  });
  try {
    const { masterUrl } = await cluster.next<{ masterUrl: string }>(60_000);
    const argument: ScaleArgument = { master: masterUrl, tasks: TASKS, contentType, timeoutMs: TIMEOUT_MS };
    const driver = BenchChild.start('bench/lib/scale-driver-child.ts', argument);
    let result: ScaleResult;
    try {
      result = await driver.next<ScaleResult>(TIMEOUT_MS + 15_000);
    } finally {
      await driver.finish();
    }
    await cluster.finish(15_000);
    const usage = await cluster.next<{ cpuSeconds?: number }>(1000).catch(() => ({ cpuSeconds: Number.NaN }));
    return { ...result, clusterCpuSeconds: usage.cpuSeconds ?? Number.NaN };
  } finally {
    await cluster.finish(15_000);
  }
}

/** Runs the scale benchmark. */
export async function run(): Promise<BenchResult> {
  const rows: Row[] = [];
  const figures: Record<string, number> = { tasks: TASKS, agents: AGENTS };
  const notes: string[] = [];
  for (const format of FORMATS) {
    const r = await runOnce(format);
    rows.push({
      format,
      'wall s': Math.round(r.seconds * 100) / 100,
      finished: r.finished,
      failed: r.failed,
      'tasks/s': r.finished / r.seconds,
      'updates/s': r.updates / r.seconds,
      'peak RSS MiB': r.peakRssMiB,
      'RSS before start MiB': r.startRssMiB,
      'peak heap MiB': r.peakHeapUsedMiB,
      'driver CPU s': r.cpuSeconds,
      'cluster CPU s': r.clusterCpuSeconds,
      'timed out': r.timedOut ? 'yes' : 'no',
    });
    figures[`${format}WallSeconds`] = Math.round(r.seconds * 100) / 100;
    figures[`${format}TasksPerSecond`] = Math.round(r.finished / r.seconds);
    figures[`${format}UpdatesPerSecond`] = Math.round(r.updates / r.seconds);
    figures[`${format}PeakRssMiB`] = r.peakRssMiB;
    figures[`${format}PeakHeapMiB`] = r.peakHeapUsedMiB;
    figures[`${format}StartRssMiB`] = r.startRssMiB;
    figures[`${format}Finished`] = r.finished;
    figures[`${format}DriverCpuSeconds`] = r.cpuSeconds;
    figures[`${format}ClusterCpuSeconds`] = r.clusterCpuSeconds;
    figures[`${format}Failed`] = r.failed;
    const complete = !r.timedOut && r.finished === TASKS;
    notes.push(
      `${format}: target ${TASKS} tasks in < 10 s: ${complete && r.seconds < 10 ? 'MET' : 'MISSED'} (${r.finished}/${TASKS} finished in ${r.seconds.toFixed(2)} s${r.timedOut ? `, stopped at the ${TIMEOUT_MS / 1000} s limit` : ''}); target driver < 150 MB RSS: ${r.peakRssMiB * 1.048576 < 150 ? 'MET' : 'MISSED'} (${(r.peakRssMiB * 1.048576).toFixed(0)} MB peak).`,
    );
    notes.push(
      `${format} calls (count, p50/p99 ms from hand-off to answer, queueing included): ${Object.entries(r.calls)
        .map(([type, c]) => `${type} ${c.count}, ${c.p50Ms}/${c.p99Ms}`)
        .join('; ')}.`,
    );
    for (const [type, c] of Object.entries(r.calls)) {
      figures[`${format}${type}Calls`] = c.count;
      figures[`${format}${type}P50Ms`] = c.p50Ms;
    }
    if (r.errors.length > 0) notes.push(`${format} errors (first): ${r.errors.join(' | ')}`);
  }
  notes.unshift(
    `${AGENTS} agents (${AGENT_RESOURCES}), simulated tasks of ${SIMULATED_TASK_MS} ms, each task ${0.125} cpus / 32 MB; every update acknowledged implicitly. LocalCluster and the driver in separate processes; RSS is the driver process's high-water mark; "RSS before start" is the same process after loading Node, tsx (which compiles the TypeScript in-process) and the library.`,
  );
  return { name: 'scale', rows, figures, notes };
}

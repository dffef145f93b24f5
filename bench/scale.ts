/**
 * Scale benchmark (issue 8 part 3, raised by issue 14): a LocalCluster (simulated tasks, 500
 * agents) in one child process, a MesosSchedulerDriver in another that launches 100,000 tasks as offers arrive with
 * implicit acknowledgements. Reports wall time from start() (SUBSCRIBE) to the last
 * TASK_FINISHED, tasks/s, updates/s, and the driver process's peak RSS (kernel high-water mark)
 * and peak heap, next to the RSS of an idle process that loads Node and the library the same way,
 * so what the driver itself costs shows. The driver child runs from the compiled build (dist/,
 * rebuilt when stale) unless BENCH_SCALE_TSX=1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchChild } from './lib/bench-child';
import { readProfile, timeByFile } from './lib/profile-breakdown';
import type { BenchResult } from './lib/results';
import { type ChildMode, prepareCompiledChildren, ScaleChild } from './lib/scale-build';
import type { ScaleArgument, ScaleResult } from './lib/scale-driver-child';
import type { Row } from './lib/table';

const TASKS = Number(process.env.BENCH_SCALE_TASKS ?? 100_000);
const AGENTS = Number(process.env.BENCH_SCALE_AGENTS ?? 500);
/** Issue 14's bar: wall time, driver RSS, and how long the cluster's event loop may block (p99). */
const TARGET_SECONDS = 60;
const TARGET_RSS_MB = 200;
const TARGET_LOOP_P99_MS = 50;
const AGENT_RESOURCES = 'cpus:32;mem:8192;disk:65536;ports:[31000-32000]';
const SIMULATED_TASK_MS = 200;
const FORMATS = (process.env.BENCH_SCALE_FORMATS ?? 'protobuf').split(',') as Array<'json' | 'protobuf'>;
const TIMEOUT_MS = Number(process.env.BENCH_SCALE_TIMEOUT_MS ?? 110_000);
const DRIVER_SCRIPT = 'bench/lib/scale-driver-child.ts';
const IDLE_SCRIPT = 'bench/lib/scale-idle-child.ts';
/**
 * CPU profiles of the cluster and driver children go to BENCH_SCALE_PROFILE (a folder; kept), or
 * to a temporary folder unless BENCH_SCALE_PROFILE=0: where LocalCluster's time goes is reported.
 */
const PROFILE_ROOT =
  process.env.BENCH_SCALE_PROFILE === '0'
    ? undefined
    : (process.env.BENCH_SCALE_PROFILE ?? mkdtempSync(join(tmpdir(), 'scale-profile-')));
const profileArgs = (child: 'cluster' | 'driver') =>
  PROFILE_ROOT ? ['--cpu-prof', `--cpu-prof-dir=${join(PROFILE_ROOT, child)}`] : [];
/** 1 MiB in MB, for the target stated in MB. */
const MB_PER_MIB = 1.048576;

/** What the cluster child reports when it stops. */
interface ClusterUsage {
  clusterCpuSeconds: number;
  /** 99th percentile / worst event-loop delay in the cluster process: how long a request (an ACK) waited to be handled. */
  clusterLoopDelayP99Ms: number;
  clusterLoopDelayMaxMs: number;
}

interface IdleFigures {
  rssMiB: number;
  maxRssMiB: number;
  heapUsedMiB: number;
}

async function idleProcess(mode: ChildMode, library: boolean): Promise<IdleFigures> {
  const child = new ScaleChild(IDLE_SCRIPT, { library }, mode);
  try {
    return await child.next<IdleFigures>(30_000);
  } finally {
    await child.finish();
  }
}

async function runOnce(contentType: 'json' | 'protobuf', mode: ChildMode): Promise<ScaleResult & ClusterUsage> {
  const cluster = BenchChild.start(
    'bench/lib/local-cluster-child.ts',
    { agents: AGENTS, resources: AGENT_RESOURCES, taskMode: 'simulated', simulatedTaskMs: SIMULATED_TASK_MS },
    profileArgs('cluster'),
  );
  try {
    const { masterUrl } = await cluster.next<{ masterUrl: string }>(60_000);
    const argument: ScaleArgument = { master: masterUrl, tasks: TASKS, contentType, timeoutMs: TIMEOUT_MS };
    // BENCH_SCALE_DRIVER_NODE_ARGS="--trace-gc ...": extra node flags for the driver child (exploring only).
    const extra = (process.env.BENCH_SCALE_DRIVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const driver = new ScaleChild(DRIVER_SCRIPT, argument, mode, [...profileArgs('driver'), ...extra]);
    let result: ScaleResult;
    try {
      result = await driver.next<ScaleResult>(TIMEOUT_MS + 15_000);
    } finally {
      await driver.finish();
    }
    await cluster.finish(15_000);
    const usage = await cluster
      .next<{ cpuSeconds?: number; loopDelayP99Ms?: number; loopDelayMaxMs?: number }>(1000)
      .catch(() => ({ cpuSeconds: Number.NaN, loopDelayP99Ms: Number.NaN, loopDelayMaxMs: Number.NaN }));
    return {
      ...result,
      clusterCpuSeconds: usage.cpuSeconds ?? Number.NaN,
      clusterLoopDelayP99Ms: usage.loopDelayP99Ms ?? Number.NaN,
      clusterLoopDelayMaxMs: usage.loopDelayMaxMs ?? Number.NaN,
    };
  } finally {
    await cluster.finish(15_000);
  }
}

/** Runs the scale benchmark. */
export async function run(): Promise<BenchResult> {
  const mode = prepareCompiledChildren([DRIVER_SCRIPT, IDLE_SCRIPT]);
  const bare = await idleProcess(mode, false);
  const idle = await idleProcess(mode, true);
  const rows: Row[] = [];
  const figures: Record<string, number> = {
    tasks: TASKS,
    agents: AGENTS,
    bareNodeRssMiB: bare.maxRssMiB,
    idleLibraryRssMiB: idle.maxRssMiB,
    idleLibraryHeapMiB: idle.heapUsedMiB,
  };
  const notes: string[] = [];
  for (const format of FORMATS) {
    const r = await runOnce(format, mode);
    const acks = r.calls.ACKNOWLEDGE?.count ?? 0;
    rows.push({
      format,
      'wall s': Math.round(r.seconds * 100) / 100,
      finished: r.finished,
      failed: r.failed,
      'tasks/s': r.finished / r.seconds,
      'updates/s': r.updates / r.seconds,
      'acks/s': acks / r.seconds,
      'peak RSS MiB': r.peakRssMiB,
      "driver's own RSS MiB": Math.round((r.peakRssMiB - idle.maxRssMiB) * 10) / 10,
      'peak heap MiB': r.peakHeapUsedMiB,
      'driver CPU s': r.cpuSeconds,
      'cluster CPU s': r.clusterCpuSeconds,
      'cluster loop delay p99/max ms': `${r.clusterLoopDelayP99Ms}/${r.clusterLoopDelayMaxMs}`,
      'timed out': r.timedOut ? 'yes' : 'no',
    });
    figures[`${format}WallSeconds`] = Math.round(r.seconds * 100) / 100;
    figures[`${format}SubscribedSeconds`] = r.subscribedSeconds;
    figures[`${format}TasksPerSecond`] = Math.round(r.finished / r.seconds);
    figures[`${format}UpdatesPerSecond`] = Math.round(r.updates / r.seconds);
    figures[`${format}AcksPerSecond`] = Math.round(acks / r.seconds);
    figures[`${format}PeakRssMiB`] = r.peakRssMiB;
    figures[`${format}PeakHeapMiB`] = r.peakHeapUsedMiB;
    figures[`${format}StartRssMiB`] = r.startRssMiB;
    figures[`${format}Finished`] = r.finished;
    figures[`${format}Updates`] = r.updates;
    figures[`${format}OffersReceived`] = r.offersReceived;
    figures[`${format}DriverCpuSeconds`] = r.cpuSeconds;
    figures[`${format}ClusterCpuSeconds`] = r.clusterCpuSeconds;
    figures[`${format}ClusterLoopDelayP99Ms`] = r.clusterLoopDelayP99Ms;
    figures[`${format}ClusterLoopDelayMaxMs`] = r.clusterLoopDelayMaxMs;
    figures[`${format}Failed`] = r.failed;
    const complete = !r.timedOut && r.finished === TASKS;
    const peakMB = r.peakRssMiB * MB_PER_MIB;
    notes.push(
      `${format}: target ${TASKS} tasks in < ${TARGET_SECONDS} s: ${complete && r.seconds < TARGET_SECONDS ? 'MET' : 'MISSED'} (${r.finished}/${TASKS} finished in ${r.seconds.toFixed(2)} s${r.timedOut ? `, stopped at the ${TIMEOUT_MS / 1000} s limit` : ''}; SUBSCRIBED after ${r.subscribedSeconds} s); target driver < ${TARGET_RSS_MB} MB RSS: ${peakMB < TARGET_RSS_MB ? 'MET' : `MISSED by ${(peakMB - TARGET_RSS_MB).toFixed(0)} MB`} (${peakMB.toFixed(0)} MB peak, of which ${(idle.maxRssMiB * MB_PER_MIB).toFixed(0)} MB is an idle process with Node and the library loaded); target LocalCluster event-loop delay p99 < ${TARGET_LOOP_P99_MS} ms: ${r.clusterLoopDelayP99Ms < TARGET_LOOP_P99_MS ? 'MET' : 'MISSED'} (${r.clusterLoopDelayP99Ms} ms, worst ${r.clusterLoopDelayMaxMs} ms).`,
    );
    const m = r.atPeakRss;
    notes.push(
      `${format}: when the driver's RSS peaked (sampled every 25 ms: ${m.atSeconds} s in, ${m.launched} tasks launched, ${m.updates} updates): RSS ${m.rss} MiB, heap used ${m.heapUsed} of ${m.heapTotal} MiB, external ${m.external} MiB (array buffers ${m.arrayBuffers} MiB).`,
    );
    for (const key of ['atSeconds', 'heapUsed', 'heapTotal', 'external']) {
      figures[`${format}AtPeakRss${key[0]?.toUpperCase()}${key.slice(1)}`] = m[key] ?? Number.NaN;
    }
    const clusterProfile = PROFILE_ROOT ? readProfile(join(PROFILE_ROOT, 'cluster')) : undefined;
    if (clusterProfile) {
      const byFile = timeByFile(clusterProfile, 10);
      notes.push(
        `${format}: where LocalCluster's time went (its CPU profile, self time by file, of ${r.clusterCpuSeconds} s CPU): ${byFile.map((f) => `${f.name} ${Math.round(f.share * 100)}%`).join(', ')}.`,
      );
      byFile.forEach((f, i) => {
        figures[`${format}ClusterTime${i}Share`] = Math.round(f.share * 1000) / 1000;
      });
    }
    notes.push(
      `${format} calls (count completed by the last TASK_FINISHED, p50/p99 ms from hand-off to answer, queueing in the driver included): ${Object.entries(
        r.calls,
      )
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
    `${AGENTS} agents (${AGENT_RESOURCES}), simulated tasks of ${SIMULATED_TASK_MS} ms, each task 0.125 cpus / 32 MB, 2 updates per task (RUNNING, FINISHED), every update acknowledged implicitly; offers suppressed once every task is launched. LocalCluster and the driver in separate processes. Driver process run ${mode.kind === 'compiled' ? 'from the compiled build' : 'under tsx'} (${mode.reason}). RSS is the driver process's kernel high-water mark; baseline in the same mode: bare Node ${bare.maxRssMiB} MiB, Node + library idle ${idle.maxRssMiB} MiB (heap ${idle.heapUsedMiB} MiB); "driver's own RSS" is the peak minus that.`,
  );
  if (PROFILE_ROOT && process.env.BENCH_SCALE_PROFILE === undefined)
    rmSync(PROFILE_ROOT, { recursive: true, force: true });
  return { name: 'scale', rows, figures, notes };
}

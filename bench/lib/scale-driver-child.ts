/**
 * The driver side of the scale benchmark, in its own process so its RSS is the driver's alone:
 * subscribes to a LocalCluster, launches `tasks` small tasks as offers arrive (implicit
 * acknowledgements), suppresses offers once every task is launched (as a framework with no more
 * work does), and reports wall time from start() (which sends SUBSCRIBE) to the last
 * TASK_FINISHED, update counts, and peak RSS/heap. Runs compiled (dist/) or under tsx.
 */
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import type { Offer, TaskInfo } from '../../lib/codec/messages';
import { typeOnlyCall } from '../../lib/driver/scheduler-fast-path';
import { type SchedulerCallOptions, SchedulerClient } from '../../lib/transport';
import { childArgument, tellParent, untilParentCloses } from './bench-child';
import { MesosSchedulerDriver } from './library-under-test';

/** What the parent passes. */
export interface ScaleArgument {
  master: string;
  tasks: number;
  contentType: 'json' | 'protobuf';
  timeoutMs: number;
}

/** What this child reports. */
export interface ScaleResult {
  seconds: number;
  /** From start() to the registered() callback (SUBSCRIBED received), seconds. */
  subscribedSeconds: number;
  launched: number;
  finished: number;
  failed: number;
  updates: number;
  offersReceived: number;
  timedOut: boolean;
  peakRssMiB: number;
  /** RSS after loading Node, tsx and the library, before start(): the floor under the peak. */
  startRssMiB: number;
  peakHeapUsedMiB: number;
  /** process.memoryUsage() in MiB when RSS was highest (sampled every 25 ms), with when and how far the run was. */
  atPeakRss: Record<string, number>;
  /** Calls by type, with the time each took from the driver's hand-off to the 202 (queueing included), ms. */
  calls: Record<string, { count: number; p50Ms: number; p99Ms: number; totalMs: number }>;
  /** CPU time the driver process used (user + system), seconds: near `seconds` means the driver was the bottleneck. */
  cpuSeconds: number;
  errors: string[];
}

// Power-of-two sizes keep the resource arithmetic exact on both sides.
const TASK_CPUS = 0.125;
const TASK_MEM = 32;
const TERMINAL_FAILURES = new Set([
  'TASK_FAILED',
  'TASK_ERROR',
  'TASK_LOST',
  'TASK_DROPPED',
  'TASK_KILLED',
  'TASK_GONE',
]);

const arg = childArgument<ScaleArgument>();
const startRss = process.memoryUsage().rss;
let launched = 0;
let finished = 0;
let failed = 0;
let updates = 0;
let offersReceived = 0;
let peakHeap = 0;
const errors: string[] = [];
let started = 0;
let subscribedAt = 0;
/**
 * Call times by type, in a fixed histogram (buckets 0.5% wide on a log scale) rather than a list
 * of 200,000 numbers: the instrumentation must not add to the RSS it measures.
 */
const BUCKETS_PER_E = 200;
const callTimes = new Map<string, { counts: Uint32Array; count: number; totalMs: number }>();
function recordTime(type: string, ms: number): void {
  let h = callTimes.get(type);
  if (!h) callTimes.set(type, (h = { counts: new Uint32Array(4096), count: 0, totalMs: 0 }));
  const bucket = Math.min(4095, Math.round(Math.log1p(Math.max(0, ms)) * BUCKETS_PER_E));
  h.counts[bucket] = (h.counts[bucket] ?? 0) + 1;
  h.count++;
  h.totalMs += ms;
}

/** The default transport, wrapped to time each call (the driver's documented instrumentation hook). */
function timedTransport(masterUrl: string, options: { contentType: 'json' | 'protobuf' }) {
  const client = new SchedulerClient(masterUrl, { contentType: options.contentType });
  return {
    subscribe: (call: Parameters<SchedulerClient['subscribe']>[0], o: { signal: AbortSignal }) =>
      client.subscribe(call, o),
    // Not async, so the call (an ACCEPT's tasks) is not kept in a suspended frame until answered.
    call: (call: Parameters<SchedulerClient['call']>[0], o: SchedulerCallOptions) => {
      const t0 = performance.now();
      const type = call.type ?? 'UNKNOWN';
      // As the driver hands its own client a call it encoded: the type beside the bytes, so the
      // call's objects are not kept until the answer (what the driver does without this wrapper).
      const given = 'encoded' in o && o.encoded !== undefined ? typeOnlyCall(call) : call;
      return client.call(given, o).finally(() => recordTime(type, performance.now() - t0));
    },
    close: () => client.close(),
  };
}

function callSummary(): ScaleResult['calls'] {
  const out: ScaleResult['calls'] = {};
  for (const [type, h] of callTimes) {
    const at = (p: number) => {
      const rank = Math.min(h.count - 1, Math.floor(p * h.count));
      let seen = 0;
      for (let b = 0; b < h.counts.length; b++) {
        seen += h.counts[b] ?? 0;
        if (seen > rank) return Math.round(Math.expm1(b / BUCKETS_PER_E) * 100) / 100;
      }
      return 0;
    };
    out[type] = { count: h.count, p50Ms: at(0.5), p99Ms: at(0.99), totalMs: Math.round(h.totalMs) };
  }
  return out;
}
let reported = false;
const SNAPSHOT_AT = Number(process.env.BENCH_SCALE_HEAP_SNAPSHOT_AT ?? arg.tasks);

/** The memory figures sampled when RSS was highest (heap, external buffers), and when. */
let atPeakRss = { ...process.memoryUsage(), atSeconds: 0, updates: 0, launched: 0 };
const sampler = setInterval(() => {
  const usage = process.memoryUsage();
  peakHeap = Math.max(peakHeap, usage.heapUsed);
  if (usage.rss > atPeakRss.rss) {
    atPeakRss = { ...usage, atSeconds: (performance.now() - started) / 1000, updates, launched };
  }
}, 25);

function scalar(offer: Offer, name: string): number {
  return (offer.resources ?? []).filter((r) => r.name === name).reduce((sum, r) => sum + (r.scalar?.value ?? 0), 0);
}

function report(timedOut: boolean): void {
  if (reported) return;
  reported = true;
  clearInterval(sampler);
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  const result: ScaleResult = {
    seconds: (performance.now() - started) / 1000,
    subscribedSeconds: subscribedAt > 0 ? Math.round((subscribedAt - started) / 10) / 100 : Number.NaN,
    launched,
    finished,
    failed,
    updates,
    offersReceived,
    timedOut,
    // maxRSS is the kernel's high-water mark for this process, in KiB.
    peakRssMiB: Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10,
    startRssMiB: Math.round((startRss / 2 ** 20) * 10) / 10,
    peakHeapUsedMiB: Math.round((peakHeap / 2 ** 20) * 10) / 10,
    calls: callSummary(),
    cpuSeconds: Math.round(((process.cpuUsage().user + process.cpuUsage().system) / 1e6) * 100) / 100,
    errors,
    atPeakRss: Object.fromEntries(
      Object.entries(atPeakRss).map(([k, v]) => [
        k,
        k === 'atSeconds' || k === 'updates' || k === 'launched'
          ? Math.round(v * 100) / 100
          : Math.round((v / 2 ** 20) * 10) / 10,
      ]),
    ),
  };
  tellParent(result);
}

const driver = new MesosSchedulerDriver(
  {
    registered() {
      subscribedAt = performance.now();
    },
    resourceOffers(d, offers) {
      offersReceived += offers.length;
      for (const offer of offers) {
        const room = Math.min(
          Math.floor(scalar(offer, 'cpus') / TASK_CPUS),
          Math.floor(scalar(offer, 'mem') / TASK_MEM),
        );
        const count = Math.min(room, arg.tasks - launched);
        if (count <= 0) {
          d.declineOffer(offer.id, { refuse_seconds: 60 });
          continue;
        }
        const tasks: TaskInfo[] = [];
        for (let i = 0; i < count; i++) {
          const n = launched++;
          tasks.push({
            name: `scale-${n}`,
            task_id: { value: `scale-${n}` },
            agent_id: offer.agent_id,
            resources: [
              { name: 'cpus', type: 'SCALAR', scalar: { value: TASK_CPUS } },
              { name: 'mem', type: 'SCALAR', scalar: { value: TASK_MEM } },
            ],
            command: { value: 'true' },
          });
        }
        d.launchTasks([offer.id], tasks);
        if (launched >= arg.tasks) d.suppressOffers();
      }
    },
    statusUpdate(_d, status) {
      updates++;
      // BENCH_SCALE_HEAP_SNAPSHOT=<folder>: one heap snapshot after BENCH_SCALE_HEAP_SNAPSHOT_AT updates
      // (default: half-way), to see what the driver holds mid-run.
      if (updates === SNAPSHOT_AT && process.env.BENCH_SCALE_HEAP_SNAPSHOT) {
        writeHeapSnapshot(join(process.env.BENCH_SCALE_HEAP_SNAPSHOT, `driver-${process.pid}.heapsnapshot`));
      }
      if (status.state === 'TASK_FINISHED') finished++;
      else if (TERMINAL_FAILURES.has(status.state)) {
        failed++;
        if (errors.length < 5) errors.push(`${status.task_id.value} ${status.state} ${status.message ?? ''}`);
      }
      if (finished + failed >= arg.tasks) report(false);
    },
    error(_d, message) {
      if (errors.length < 5) errors.push(message);
    },
  },
  { user: 'bench', name: 'scale', failover_timeout: 0 },
  arg.master,
  true,
  undefined,
  {
    contentType: arg.contentType,
    transportFactory: timedTransport,
    // BENCH_SCALE_DRIVER_OPTIONS='{"maxPendingCalls":256}': driver options to try (not in reported runs).
    ...JSON.parse(process.env.BENCH_SCALE_DRIVER_OPTIONS ?? '{}'),
  },
);

setTimeout(() => report(true), arg.timeoutMs).unref();
started = performance.now();
driver.start();

void untilParentCloses().then(() => {
  report(true);
  driver.stop(true);
  setTimeout(() => process.exit(0), 300).unref();
});

/**
 * Soak benchmark (issue 8, part 5): one million events through a MesosSchedulerDriver (in a child
 * process run with --expose-gc) from the loopback event-stream master in this process. The stream
 * cycles one OFFERS event (10 offers, declined with one call), one UPDATE with a uuid
 * (acknowledged implicitly) and reconciliation UPDATEs without uuid. Heap after forced GC is taken
 * after warm-up and at the end, each time once the server has received every call owed so far.
 */
import { BenchChild } from './lib/bench-child';
import { EventStreamServer } from './lib/event-stream-server';
import type { BenchResult } from './lib/results';
import type { HeapFigures, SoakArgument } from './lib/soak-driver-child';
import type { Row } from './lib/table';

const EVENTS = Number(process.env.BENCH_SOAK_EVENTS ?? 1_000_000);
const WARMUP_EVENTS = Math.min(50_000, Math.floor(EVENTS / 10));
const RECONCILIATIONS_PER_CYCLE = 38;
const CONTENT_TYPE = (process.env.BENCH_SOAK_FORMAT ?? 'protobuf') as 'json' | 'protobuf';
const TARGET_GROWTH_BYTES = 5 * 1e6;
const DRAIN_STALL_MS = 3000;
const MiB = 2 ** 20;

interface ChildLine {
  phase: string;
  events: number;
}

async function waitForPhase<T extends { phase: string }>(
  child: BenchChild,
  phase: string,
  timeoutMs: number,
): Promise<T> {
  for (;;) {
    const line = await child.next<T>(timeoutMs);
    if (line.phase === phase) return line;
    if (line.phase === 'progress') process.stderr.write(`  ${(line as unknown as ChildLine).events} events\n`);
  }
}

/** Waits until the server has every call owed for the events sent so far (one per OFFERS, one per uuid UPDATE). */
async function drainCalls(server: EventStreamServer): Promise<{ owed: number; received: number }> {
  let last = -1;
  let since = performance.now();
  for (;;) {
    const report = server.current;
    const owed = (report?.offersEvents ?? 0) + (report?.updateEvents ?? 0);
    const received =
      (server.calls.byType.ACCEPT ?? 0) + (server.calls.byType.DECLINE ?? 0) + (server.calls.byType.ACKNOWLEDGE ?? 0);
    if (received >= owed) return { owed, received };
    if (received !== last) {
      last = received;
      since = performance.now();
    } else if (performance.now() - since > DRAIN_STALL_MS) return { owed, received };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs the soak benchmark. */
export async function run(): Promise<BenchResult> {
  const server = await EventStreamServer.start({
    events: EVENTS,
    offersPerEvent: 10,
    updatesPerOffers: 1,
    reconciliationsPerOffers: RECONCILIATIONS_PER_CYCLE,
    pauseAfter: WARMUP_EVENTS,
    afterLast: 'idle',
  });
  const argument: SoakArgument = {
    url: server.url,
    contentType: CONTENT_TYPE,
    warmupEvents: WARMUP_EVENTS,
    events: EVENTS,
  };
  const child = BenchChild.start('bench/lib/soak-driver-child.ts', argument, ['--expose-gc']);
  let warm: HeapFigures;
  let final: HeapFigures & {
    errors: number;
    firstErrors: string[];
    disconnections: number;
    peakHeapUsed: number;
    peakRss: number;
  };
  let warmDrain: { owed: number; received: number };
  let finalDrain: { owed: number; received: number };
  let seconds: number;
  try {
    await waitForPhase(child, 'warm-events', 60_000);
    warmDrain = await drainCalls(server);
    child.send({ measure: 'warm' });
    warm = await waitForPhase<HeapFigures>(child, 'warm', 30_000);
    const started = performance.now();
    server.resume();
    await waitForPhase(child, 'all-events', 170_000);
    finalDrain = await drainCalls(server);
    seconds = (performance.now() - started) / 1000;
    child.send({ measure: 'final' });
    final = await waitForPhase(child, 'final', 30_000);
  } finally {
    await child.finish();
    await server.close();
  }

  const growth = final.heapUsed - warm.heapUsed;
  const measured = EVENTS - WARMUP_EVENTS;
  const mib = (bytes: number) => Math.round((bytes / MiB) * 100) / 100;
  const rows: Row[] = [
    {
      snapshot: `after warm-up (${warm.events} events)`,
      'heap used MiB': mib(warm.heapUsed),
      'heap total MiB': mib(warm.heapTotal),
      'external MiB': mib(warm.external),
      'RSS MiB': mib(warm.rss),
    },
    {
      snapshot: `after ${final.events} events`,
      'heap used MiB': mib(final.heapUsed),
      'heap total MiB': mib(final.heapTotal),
      'external MiB': mib(final.external),
      'RSS MiB': mib(final.rss),
    },
    {
      snapshot: 'growth',
      'heap used MiB': mib(growth),
      'heap total MiB': mib(final.heapTotal - warm.heapTotal),
      'external MiB': mib(final.external - warm.external),
      'RSS MiB': mib(final.rss - warm.rss),
    },
  ];
  const figures: Record<string, number> = {
    events: EVENTS,
    warmupEvents: WARMUP_EVENTS,
    heapGrowthBytes: growth,
    heapGrowthMB: Math.round((growth / 1e6) * 100) / 100,
    warmHeapUsedBytes: warm.heapUsed,
    finalHeapUsedBytes: final.heapUsed,
    externalGrowthBytes: final.external - warm.external,
    seconds: Math.round(seconds * 10) / 10,
    eventsPerSecond: Math.round(measured / seconds),
    callsOwed: finalDrain.owed,
    callsReceived: finalDrain.received,
    driverErrors: final.errors,
    disconnections: final.disconnections,
    peakHeapUsedBytes: final.peakHeapUsed,
    peakRssBytes: final.peakRss,
  };
  const notes = [
    `${EVENTS} events (${CONTENT_TYPE}) in cycles of 1 OFFERS (10 offers, declined with one call), 1 UPDATE with uuid (implicit ACKNOWLEDGE), ${RECONCILIATIONS_PER_CYCLE} reconciliation UPDATEs without uuid. ${measured} events after warm-up in ${seconds.toFixed(1)} s (${Math.round(measured / seconds)} events/s, calls drained included). Heap after 4 forced GCs.`,
    `Calls owed/received: warm-up ${warmDrain.owed}/${warmDrain.received}, end ${finalDrain.owed}/${finalDrain.received}. Disconnections: ${final.disconnections}. Driver errors: ${final.errors}${final.firstErrors.length ? ` (${final.firstErrors.join(' | ')})` : ''}.`,
    `Peaks during the run (sampled every 100 ms, no forced GC): heap used ${mib(final.peakHeapUsed)} MiB, RSS ${mib(final.peakRss)} MiB.`,
    `Target heap growth < 5 MB: ${growth < TARGET_GROWTH_BYTES ? 'MET' : 'MISSED'} (${(growth / 1e6).toFixed(2)} MB).`,
  ];
  return { name: 'soak', rows, figures, notes };
}

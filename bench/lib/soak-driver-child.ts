/**
 * The driver side of the soak benchmark, run with --expose-gc in its own process: a
 * MesosSchedulerDriver consumes the loopback stream, declines every OFFERS event with one call
 * (launchTasks with no tasks) and acknowledges updates implicitly. On the parent's commands it
 * forces GC and reports heap figures ("warm" after warm-up, "final" at the end).
 */
import { childArgument, tellParent, untilParentCloses } from './bench-child';
import { MesosSchedulerDriver } from './library-under-test';

/** What the parent passes. */
export interface SoakArgument {
  url: string;
  contentType: 'json' | 'protobuf';
  /** Events (after SUBSCRIBED) at which to tell the parent warm-up is done. */
  warmupEvents: number;
  events: number;
}

/** A heap snapshot after forced GC. */
export interface HeapFigures {
  phase: 'warm' | 'final';
  events: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  rss: number;
}

const arg = childArgument<SoakArgument>();
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');
let events = 0;
let errors = 0;
let disconnections = 0;
let peakHeapUsed = 0;
let peakRss = 0;
// Peaks between the snapshots show backlogs that a forced GC at the end would hide.
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
  peakRss = Math.max(peakRss, m.rss);
}, 100);
sampler.unref();
const firstErrors: string[] = [];

function progress(): void {
  events++;
  if (events === arg.warmupEvents) tellParent({ phase: 'warm-events', events });
  else if (events === arg.events) tellParent({ phase: 'all-events', events });
  else if (events % 100_000 === 0) tellParent({ phase: 'progress', events });
}

const driver = new MesosSchedulerDriver(
  {
    resourceOffers(d, offers) {
      d.launchTasks(
        offers.map((o) => o.id),
        [],
      );
      progress();
    },
    statusUpdate() {
      progress();
    },
    disconnected() {
      disconnections++;
    },
    error(_d, message) {
      errors++;
      if (firstErrors.length < 3) firstErrors.push(message);
    },
  },
  { user: 'bench', name: 'soak', failover_timeout: 3600 },
  arg.url,
  true,
  undefined,
  { contentType: arg.contentType },
);
driver.start();

function measure(phase: HeapFigures['phase']): void {
  // Several passes: weak references and finalizers can need more than one to settle.
  for (let i = 0; i < 4; i++) gc?.();
  const m = process.memoryUsage();
  const figures: HeapFigures = {
    phase,
    events,
    heapUsed: m.heapUsed,
    heapTotal: m.heapTotal,
    external: m.external,
    arrayBuffers: m.arrayBuffers,
    rss: m.rss,
  };
  tellParent({ ...figures, errors, firstErrors, disconnections, peakHeapUsed, peakRss });
}

void untilParentCloses((command) => {
  if (command.measure === 'warm' || command.measure === 'final') {
    // Let pending microtasks and I/O callbacks finish before the snapshot.
    setTimeout(() => measure(command.measure as HeapFigures['phase']), 50);
  }
}).then(() => {
  driver.stop(true);
  setTimeout(() => process.exit(0), 300).unref();
});

/**
 * Ingest benchmark (issue 8, part 1): events/s and MB/s from a loopback master to the Scheduler
 * callbacks, through the full driver (JSON and protobuf), beside the physical baseline (Node http
 * + RecordIO splitting + JSON.parse, no acknowledgements) and the npm peer `mesos-framework`,
 * which both acknowledge every update. Each contender runs in its own process, in rotating order
 * each round; the server runs in this process. A run's window is SUBSCRIBED -> the later of the
 * last event delivered and the last acknowledgement received by the server.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchChild } from './lib/bench-child';
import { EventStreamServer, type StreamReport } from './lib/event-stream-server';
import type { ContenderArgument, ContenderKind, ContenderResult } from './lib/ingest-contender';
import {
  breakdown,
  CATEGORIES,
  type Category,
  hotFunctions,
  type ProfileWindow,
  readProfile,
} from './lib/profile-breakdown';
import { type BenchResult, median } from './lib/results';
import type { Row } from './lib/table';

const EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_INGEST_ROUNDS ?? 7);
const OFFERS_PER_EVENT = 10;
const UPDATES_PER_OFFERS = 1;
const IDLE_MS = 1500;
const ACK_SETTLE_MS = 1500;
const CONTENDERS: ContenderKind[] = [
  'null',
  'baseline',
  'baseline-protobuf',
  'driver-json',
  'driver-protobuf',
  'peer',
  'driver-json-unacknowledged',
];
/** Chunk size of the re-chunked robustness runs (a buffering proxy between master and framework). */
const RECHUNK_BYTES = 16 * 1024;
const RECHUNK_CONTENDERS: ContenderKind[] = ['driver-json', 'driver-protobuf', 'peer'];
const ACKNOWLEDGES: ReadonlySet<ContenderKind> = new Set(['driver-json', 'driver-protobuf', 'peer']);
/** One extra run of each driver contender under the CPU profiler (BENCH_INGEST_PROFILE=0 skips it). */
const PROFILE = process.env.BENCH_INGEST_PROFILE !== '0';
const PROFILED: ContenderKind[] = ['driver-json', 'driver-protobuf'];

/** One measured run of one contender. */
interface Measurement {
  kind: ContenderKind;
  eventsPerSecond: number;
  /** Events/s to the callbacks alone (window ends at the last event, not the last acknowledgement). */
  deliveryEventsPerSecond: number;
  megabytesPerSecond: number;
  intact: number;
  damaged: number;
  lost: number;
  acknowledged: number;
  expectedAcks: number;
  badStreamIds: number;
  errors: number;
  firstErrors: string[];
  seconds: number;
  peakRssBytes: number;
  /** CPU time of this process (the server) per event delivered, in µs: writing the stream and answering the calls. */
  serverCpuUsPerEvent: number;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until the server has `expected` acknowledgements or the count stops moving. */
async function settleAcks(server: EventStreamServer, expected: number): Promise<number> {
  let last = -1;
  let stableSince = performance.now();
  for (;;) {
    const now = server.calls.byType.ACKNOWLEDGE ?? 0;
    if (now >= expected) return now;
    if (now !== last) {
      last = now;
      stableSince = performance.now();
    } else if (performance.now() - stableSince > ACK_SETTLE_MS) return now;
    await delay(10);
  }
}

/** Where a profiled run's time went, with the run's own rate (the profiler slows it down). */
interface Profiled {
  kind: ContenderKind;
  eventsPerSecond: number;
  shares: Record<Category, number>;
  hot: Array<{ name: string; share: number }>;
}

/** One more run of `kind` under `--cpu-prof`; the breakdown covers SUBSCRIBED to the last event. */
async function profile(server: EventStreamServer, kind: ContenderKind): Promise<Profiled | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'ingest-profile-'));
  try {
    let window: ProfileWindow | undefined;
    const m = await measure(server, kind, ['--cpu-prof', '--cpu-prof-dir', dir], (result) => {
      window = { fromUs: result.subscribedUs, toUs: result.lastEventUs };
    });
    const cpu = readProfile(dir);
    if (!cpu || !window) return undefined;
    return {
      kind,
      eventsPerSecond: m.eventsPerSecond,
      shares: breakdown(cpu, window),
      hot: hotFunctions(cpu, 8, window),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(
  server: EventStreamServer,
  kind: ContenderKind,
  nodeArgs: readonly string[] = [],
  onResult?: (result: ContenderResult) => void,
): Promise<Measurement> {
  server.resetCounters();
  let stream: StreamReport | undefined;
  server.onStreamDone = (report) => {
    stream = report;
  };
  const argument: ContenderArgument = {
    kind,
    url: server.url,
    events: EVENTS,
    offersPerEvent: OFFERS_PER_EVENT,
    idleMs: IDLE_MS,
  };
  const serverCpu = process.cpuUsage();
  const child = BenchChild.start('bench/lib/ingest-contender.ts', argument, nodeArgs);
  try {
    const result = await child.next<ContenderResult>(110_000);
    onResult?.(result);
    const expectedAcks = ACKNOWLEDGES.has(kind) ? result.updateEvents : 0;
    const acknowledged = expectedAcks > 0 ? await settleAcks(server, expectedAcks) : 0;
    const used = process.cpuUsage(serverCpu);
    const end = Math.max(result.lastEventAt, acknowledged > 0 ? server.calls.lastCallAt : 0);
    // A consumer that delivered nothing has no window: its rates are 0.
    const seconds =
      result.intact > 0 || kind === 'null' ? (end - result.subscribedAt) / 1000 : Number.POSITIVE_INFINITY;
    const sentBytes = stream?.recordBytes ?? 0;
    const sentEvents = stream?.events ?? EVENTS;
    const bytes = kind === 'null' ? result.bytes : (sentBytes * result.intact) / sentEvents;
    const events = kind === 'null' ? sentEvents : result.intact;
    return {
      kind,
      eventsPerSecond: events / seconds,
      deliveryEventsPerSecond: Number.isFinite(seconds)
        ? events / ((result.lastEventAt - result.subscribedAt) / 1000)
        : 0,
      megabytesPerSecond: bytes / seconds / 1e6,
      intact: result.intact,
      damaged: result.damaged,
      lost: kind === 'null' ? 0 : EVENTS - result.intact,
      acknowledged,
      expectedAcks,
      badStreamIds: server.calls.badStreamId,
      errors: result.errors,
      firstErrors: result.firstErrors,
      seconds,
      peakRssBytes: result.peakRssBytes,
      serverCpuUsPerEvent: (used.user + used.system) / Math.max(1, kind === 'null' ? EVENTS : result.intact),
    };
  } finally {
    await child.finish();
  }
}

/** Runs the ingest benchmark. */
export async function run(): Promise<BenchResult> {
  const server = await EventStreamServer.start({
    events: EVENTS,
    offersPerEvent: OFFERS_PER_EVENT,
    updatesPerOffers: UPDATES_PER_OFFERS,
    afterLast: 'idle',
  });
  const runs = new Map<ContenderKind, Measurement[]>(CONTENDERS.map((k) => [k, []]));
  const rechunked = new Map<ContenderKind, Measurement>();
  const profiles: Profiled[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // Rotate the order so no contender always runs first (or right after the heaviest one).
      const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length] as ContenderKind);
      for (const kind of order) {
        const m = await measure(server, kind);
        runs.get(kind)?.push(m);
        process.stderr.write(
          `  round ${round + 1}/${ROUNDS} ${kind.padEnd(16)} ${Math.round(m.eventsPerSecond).toString().padStart(7)} events/s  lost ${m.lost}  acks ${m.acknowledged}/${m.expectedAcks}\n`,
        );
      }
    }
    // Robustness: the same stream cut into fixed-size chunks across record boundaries, as a
    // buffering proxy delivers it. Counted for losses, once per contender.
    server.configure({ rechunkBytes: RECHUNK_BYTES });
    for (const kind of RECHUNK_CONTENDERS) {
      const m = await measure(server, kind);
      rechunked.set(kind, m);
      process.stderr.write(
        `  re-chunked ${kind.padEnd(16)} ${Math.round(m.eventsPerSecond).toString().padStart(7)} events/s  lost ${m.lost}\n`,
      );
    }
    server.configure({ rechunkBytes: undefined });
    if (PROFILE) {
      for (const kind of PROFILED) {
        const p = await profile(server, kind);
        if (p) profiles.push(p);
      }
    }
  } finally {
    server.configure({ rechunkBytes: undefined });
    await server.close();
  }

  const summary = (kind: ContenderKind) => {
    const list = runs.get(kind) ?? [];
    return {
      eventsPerSecond: median(list.map((m) => m.eventsPerSecond)),
      deliveryEventsPerSecond: median(list.map((m) => m.deliveryEventsPerSecond)),
      megabytesPerSecond: median(list.map((m) => m.megabytesPerSecond)),
      lost: list.reduce((sum, m) => sum + m.lost, 0),
      damaged: list.reduce((sum, m) => sum + m.damaged, 0),
      sent: list.length * EVENTS,
      acknowledged: list.reduce((sum, m) => sum + m.acknowledged, 0),
      expectedAcks: list.reduce((sum, m) => sum + m.expectedAcks, 0),
      badStreamIds: list.reduce((sum, m) => sum + m.badStreamIds, 0),
      errors: list.reduce((sum, m) => sum + m.errors, 0),
      firstErrors: list.flatMap((m) => m.firstErrors).slice(0, 3),
      peakRssBytes: median(list.map((m) => m.peakRssBytes)),
      serverCpuUsPerEvent: median(list.map((m) => m.serverCpuUsPerEvent)),
    };
  };
  const labels: Record<ContenderKind, string> = {
    null: 'server ceiling (read + discard)',
    baseline: 'floor: http + RecordIO + JSON.parse, no acks',
    'baseline-protobuf': 'floor: http + RecordIO + protobufjs decode, no acks',
    'driver-json': 'mesos-driver, JSON, implicit acks',
    'driver-json-unacknowledged': 'diagnostic: mesos-driver, JSON, no acks sent',
    'driver-protobuf': 'mesos-driver, protobuf, implicit acks',
    peer: 'mesos-framework 0.5.3, JSON, acks',
  };
  const rows: Row[] = [];
  const figures: Record<string, number> = {};
  for (const kind of CONTENDERS) {
    const s = summary(kind);
    rows.push({
      contender: labels[kind],
      'events/s': s.eventsPerSecond,
      'MB/s': s.megabytesPerSecond,
      'to callbacks events/s': s.deliveryEventsPerSecond,
      'lost/sent': kind === 'null' ? '-' : `${s.lost}/${s.sent}`,
      damaged: kind === 'null' ? '-' : s.damaged,
      'acks/updates': ACKNOWLEDGES.has(kind) ? `${s.acknowledged}/${s.expectedAcks}` : '-',
      errors: s.errors,
      'peak RSS MB': Math.round(s.peakRssBytes / 1e5) / 10,
    });
    const key = kind.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    figures[`${key}EventsPerSecond`] = Math.round(s.eventsPerSecond);
    figures[`${key}CallbackEventsPerSecond`] = Math.round(s.deliveryEventsPerSecond);
    figures[`${key}MegabytesPerSecond`] = Math.round(s.megabytesPerSecond * 10) / 10;
    figures[`${key}PeakRssMB`] = Math.round(s.peakRssBytes / 1e5) / 10;
    if (kind !== 'null') {
      figures[`${key}Lost`] = s.lost;
      figures[`${key}Damaged`] = s.damaged;
    }
    if (ACKNOWLEDGES.has(kind)) figures[`${key}BadStreamIds`] = s.badStreamIds;
  }

  for (const [kind, m] of rechunked) {
    rows.push({
      contender: `${labels[kind]}, ${RECHUNK_BYTES / 1024} KiB re-chunked`,
      'events/s': m.eventsPerSecond,
      'MB/s': m.megabytesPerSecond,
      'to callbacks events/s': m.deliveryEventsPerSecond,
      'lost/sent': `${m.lost}/${EVENTS}`,
      damaged: m.damaged,
      'acks/updates': `${m.acknowledged}/${m.expectedAcks}`,
      errors: m.errors,
      'peak RSS MB': Math.round(m.peakRssBytes / 1e5) / 10,
    });
    const key = kind.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
    figures[`${key}RechunkedLost`] = m.lost;
    figures[`${key}RechunkedDamaged`] = m.damaged;
  }
  for (const p of profiles) {
    for (const c of CATEGORIES) {
      figures[`${p.kind.replace(/-(\w)/g, (_, x: string) => x.toUpperCase())}Time${c[0]?.toUpperCase()}${c.slice(1)}`] =
        Math.round(p.shares[c] * 1000) / 1000;
    }
  }
  const baseline = summary('baseline');
  const protobufFloor = summary('baseline-protobuf');
  const json = summary('driver-json');
  const protobuf = summary('driver-protobuf');
  const peer = summary('peer');
  const ceiling = summary('null');
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  figures.jsonVsBaseline = ratio(json.eventsPerSecond, baseline.eventsPerSecond);
  figures.protobufVsProtobufFloor = ratio(protobuf.eventsPerSecond, protobufFloor.eventsPerSecond);
  figures.jsonCallbacksVsBaseline = ratio(json.deliveryEventsPerSecond, baseline.eventsPerSecond);
  figures.protobufCallbacksVsProtobufFloor = ratio(protobuf.deliveryEventsPerSecond, protobufFloor.eventsPerSecond);
  figures.baselineVsPeer = ratio(baseline.eventsPerSecond, peer.eventsPerSecond);
  figures.jsonRssVsFloor = ratio(json.peakRssBytes, baseline.peakRssBytes);
  figures.protobufRssVsFloor = ratio(protobuf.peakRssBytes, protobufFloor.peakRssBytes);
  figures.protobufVsJson = ratio(protobuf.eventsPerSecond, json.eventsPerSecond);
  figures.jsonVsPeer = ratio(json.eventsPerSecond, peer.eventsPerSecond);
  figures.protobufVsPeer = ratio(protobuf.eventsPerSecond, peer.eventsPerSecond);
  figures.baselineVsCeiling = ratio(baseline.eventsPerSecond, ceiling.eventsPerSecond);
  const unacknowledged = summary('driver-json-unacknowledged');
  figures.jsonUnacknowledgedVsBaseline = ratio(unacknowledged.eventsPerSecond, baseline.eventsPerSecond);
  const serverCpu = (s: { serverCpuUsPerEvent: number }) => Math.round(s.serverCpuUsPerEvent * 10) / 10;
  figures.serverCpuUsPerEventBaseline = serverCpu(baseline);
  figures.serverCpuUsPerEventDriverJson = serverCpu(json);
  figures.serverCpuUsPerEventDriverJsonUnacknowledged = serverCpu(unacknowledged);
  figures.serverCpuUsPerEventPeer = serverCpu(peer);
  figures.events = EVENTS;
  figures.rounds = ROUNDS;

  const verdict = (met: boolean) => (met ? 'MET' : 'MISSED');
  const notes = [
    `Stream (issue 14's, and the mix this benchmark already used): ${EVENTS} events per run after SUBSCRIBED (OFFERS with ${OFFERS_PER_EVENT} offers, then ${UPDATES_PER_OFFERS} UPDATE with a uuid, alternating), one RecordIO record per HTTP chunk as Mesos writes them, every update acknowledged by the driver and the peer; the second mix is the same events re-chunked into ${RECHUNK_BYTES / 1024} KiB HTTP chunks. ${ROUNDS} rounds, medians shown; each contender in its own process, the server in the parent.`,
    'Window (events/s, MB/s): SUBSCRIBED delivered -> last event delivered, or the last ACKNOWLEDGE received by the server if later; "to callbacks" ends at the last event delivered. Lost = sent - delivered intact (offer count, ids, resources, uuid checked).',
    `Target JSON ingest >= 70% of the JSON floor: ${verdict(figures.jsonVsBaseline >= 0.7)} (${Math.round(figures.jsonVsBaseline * 100)}% counting until the last acknowledgement was answered, ${Math.round(figures.jsonCallbacksVsBaseline * 100)}% to the callbacks; the floor does no acknowledging, the driver sends ${json.expectedAcks} ACKNOWLEDGE calls).`,
    `Target protobuf ingest >= 70% of the protobufjs floor: ${verdict(figures.protobufVsProtobufFloor >= 0.7)} (${Math.round(figures.protobufVsProtobufFloor * 100)}% until the last acknowledgement, ${Math.round(figures.protobufCallbacksVsProtobufFloor * 100)}% to the callbacks).`,
    `Target >= 1.5x the peer's events/s on JSON, zero events lost: ${verdict(figures.jsonVsPeer >= 1.5 && json.lost === 0 && protobuf.lost === 0)} (JSON x${figures.jsonVsPeer}, protobuf x${figures.protobufVsPeer}; the JSON floor itself, which acknowledges nothing, is x${figures.baselineVsPeer}; driver lost ${json.lost + protobuf.lost}, peer lost ${peer.lost} of ${peer.sent}).`,
    `Target peak RSS <= 1.5x the floor's: ${verdict(figures.jsonRssVsFloor <= 1.5 && figures.protobufRssVsFloor <= 1.5)} (JSON x${figures.jsonRssVsFloor} of the JSON floor's, protobuf x${figures.protobufRssVsFloor} of the protobufjs floor's; medians of each process's kernel high-water mark).`,
    `JSON floor reaches ${Math.round(figures.baselineVsCeiling * 100)}% of the server ceiling (near 100% would mean the baseline is bounded by the server, not by parsing).`,
    `Diagnostic (not a target): the JSON driver with acknowledgements left out (explicit mode, none made, so the server answers no calls) reaches ${Math.round(figures.jsonUnacknowledgedVsBaseline * 100)}% of the floor, against ${Math.round(figures.jsonVsBaseline * 100)}% acknowledging: the difference is what the ACKNOWLEDGE round trips cost (${Math.round(json.expectedAcks / Math.max(1, ROUNDS))} per run), the driver's side (encoding, writing, reading the answers) and the server's (answering them on the thread that writes the stream, so the stream pauses meanwhile). The server's CPU per event delivered (medians): ${figures.serverCpuUsPerEventBaseline} µs for the floor, ${figures.serverCpuUsPerEventDriverJsonUnacknowledged} µs for the driver sending no acks, ${figures.serverCpuUsPerEventDriverJson} µs for the driver acknowledging, ${figures.serverCpuUsPerEventPeer} µs for the peer.`,
  ];
  figures.jsonUnacknowledgedVsPeer = ratio(unacknowledged.eventsPerSecond, peer.eventsPerSecond);
  const acksPerRun = Math.round(json.expectedAcks / Math.max(1, ROUNDS));
  if (figures.jsonVsBaseline < 0.7 || figures.jsonVsPeer < 1.5) {
    notes.push(
      `Missed JSON target(s), measured reason: the driver's own ingest path, measured without acknowledging, is at ${Math.round(figures.jsonUnacknowledgedVsBaseline * 100)}% of the floor and x${figures.jsonUnacknowledgedVsPeer} the peer; what is lost beyond that goes to the ACKNOWLEDGE round trips (${acksPerRun} per run), ${Math.round(((figures.serverCpuUsPerEventDriverJson - figures.serverCpuUsPerEventDriverJsonUnacknowledged) * EVENTS) / Math.max(1, acksPerRun))} µs of the server's CPU per acknowledgement answered on the thread that streams the events, plus the driver's own share (its profile's acknowledgement category). What would be needed: a master answering acknowledgements off the thread that writes the stream, as Mesos's libprocess does, or a core for it that the driver does not share; the protocol has no batched acknowledgement, so the driver cannot send fewer.`,
    );
  }
  const peerRechunked = rechunked.get('peer');
  if (peerRechunked) {
    const driverRechunkedLost =
      (rechunked.get('driver-json')?.lost ?? 0) + (rechunked.get('driver-protobuf')?.lost ?? 0);
    notes.push(
      `Re-chunked stream (${RECHUNK_BYTES / 1024} KiB HTTP chunks cutting across records, one run each): driver lost ${driverRechunkedLost}; peer lost ${peerRechunked.lost} of ${EVENTS} (${peerRechunked.errors} errors reported${peerRechunked.firstErrors[0] ? `, e.g. "${peerRechunked.firstErrors[0].slice(0, 80)}"` : ''}).`,
    );
  }
  if (peer.firstErrors.length > 0) notes.push(`Peer errors (first): ${peer.firstErrors.join(' | ')}`);
  const driverErrors = [...json.firstErrors, ...protobuf.firstErrors];
  if (driverErrors.length > 0) notes.push(`Driver errors (first): ${driverErrors.join(' | ')}`);
  if (profiles.length > 0) {
    notes.push(
      'Where the time went, one extra run of each under `node --cpu-prof` (slower than the measured runs), samples between SUBSCRIBED and the last event: read = sockets, HTTP, streams and RecordIO framing; decode = JSON.parse or protobuf wire reading (the library decodes protobuf straight into the final objects, so its conversion is counted here); conversion = parsed JSON to typed messages; dispatch = the driver handling events and running the callbacks; acknowledgement = building, encoding, sending and answering the ACKNOWLEDGE calls; gc; idle = waiting for bytes; other = timers, microtasks, the rest.',
    );
    for (const p of profiles) {
      notes.push(
        `${labels[p.kind]} (profiled at ${Math.round(p.eventsPerSecond)} events/s): ${CATEGORIES.map((c) => `${c} ${Math.round(p.shares[c] * 100)}%`).join(', ')}; hottest: ${p.hot
          .slice(0, 5)
          .map((h) => `${h.name.trim()} ${Math.round(h.share * 100)}%`)
          .join(', ')}.`,
      );
    }
  }
  return { name: 'ingest', rows, figures, notes };
}

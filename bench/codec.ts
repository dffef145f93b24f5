/**
 * Codec benchmark: a RecordIO stream of realistic OFFERS events (10 offers each, with cpus, mem,
 * disk and port ranges, attributes and a url) fed in arbitrary chunks through `RecordIODecoder`
 * and `getCodec(..., 'json' | 'protobuf').decode`, beside plain `JSON.parse` of the same records.
 *
 * Variants run in alternating order within each round and the medians are compared, so ratios
 * hold on a noisy, shared machine.
 */
import { getCodec, type MessageCodec, TYPE_NAMES, type WireFormat } from '../lib/codec/codec';
import type { scheduler } from '../lib/codec/messages';
import { encodeRecord, RecordIODecoder } from '../lib/codec/recordio';
import { seededRandom } from '../test/integration/helpers/seeded-random';
import { offersEvent } from './lib/realistic-events';
import { type BenchResult, median } from './lib/results';

const EVENTS_PER_STREAM = 1500;
const DISTINCT_EVENTS = 16;
const MIN_CHUNK = 512;
const MAX_CHUNK = 64 * 1024;
const MAX_ROUNDS = 15;
const TIME_BUDGET_MS = 25_000;

/** The framed stream for one format, split into chunks of random sizes. */
function buildStream(format: WireFormat): { chunks: Buffer[]; bytes: number; records: Buffer[] } {
  const codec = getCodec<scheduler.Event>(TYPE_NAMES.SchedulerEvent, format);
  const payloads: Buffer[] = [];
  for (let i = 0; i < DISTINCT_EVENTS; i++) {
    payloads.push(codec.encode(offersEvent({ frameworkId: 'bench-framework-0001' }, i * 7, `bench-${i}`)));
  }
  const records: Buffer[] = [];
  for (let i = 0; i < EVENTS_PER_STREAM; i++) records.push(payloads[i % DISTINCT_EVENTS] as Buffer);
  const stream = Buffer.concat(records.map((r) => encodeRecord(r)));
  const random = seededRandom(format === 'json' ? 42 : 43);
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; ) {
    const size = MIN_CHUNK + Math.floor(random() * (MAX_CHUNK - MIN_CHUNK));
    chunks.push(stream.subarray(at, at + size));
    at += size;
  }
  return { chunks, bytes: stream.length, records };
}

/** Runs the stream through a fresh decoder and `handle`; returns elapsed ms. */
function timeStream(chunks: readonly Buffer[], handle: (record: Buffer) => unknown, expected: number): number {
  const started = process.hrtime.bigint();
  const decoder = new RecordIODecoder();
  let count = 0;
  let sink: unknown;
  for (const chunk of chunks) {
    for (const record of decoder.write(chunk)) {
      sink = handle(record);
      count++;
    }
  }
  decoder.end();
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (count !== expected || sink === undefined) throw new Error(`decoded ${count} records, expected ${expected}`);
  return elapsed;
}

/** Only the per-record work, with records already split (no framing). */
function timeRecords(records: readonly Buffer[], handle: (record: Buffer) => unknown): number {
  const started = process.hrtime.bigint();
  let sink: unknown;
  for (const record of records) sink = handle(record);
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (sink === undefined) throw new Error('nothing decoded');
  return elapsed;
}

interface Variant {
  name: string;
  bytes: number;
  time: () => number;
}

/** Runs the codec benchmark; see the module comment. */
export async function run(): Promise<BenchResult> {
  const json = buildStream('json');
  const pb = buildStream('protobuf');
  const jsonCodec: MessageCodec<scheduler.Event> = getCodec(TYPE_NAMES.SchedulerEvent, 'json');
  const pbCodec: MessageCodec<scheduler.Event> = getCodec(TYPE_NAMES.SchedulerEvent, 'protobuf');
  const n = EVENTS_PER_STREAM;

  const variants: Variant[] = [
    {
      name: 'JSON.parse (records only)',
      bytes: json.bytes,
      time: () => timeRecords(json.records, (r) => JSON.parse(r.toString('utf8'))),
    },
    {
      name: 'RecordIO + JSON.parse',
      bytes: json.bytes,
      time: () => timeStream(json.chunks, (r) => JSON.parse(r.toString('utf8')), n),
    },
    {
      name: 'RecordIO + json codec',
      bytes: json.bytes,
      time: () => timeStream(json.chunks, (r) => jsonCodec.decode(r), n),
    },
    {
      name: 'RecordIO + protobuf codec',
      bytes: pb.bytes,
      time: () => timeStream(pb.chunks, (r) => pbCodec.decode(r), n),
    },
  ];

  // Warm up every path so the JIT has compiled them before anything is measured.
  for (const v of variants) v.time();
  const samples = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  const started = Date.now();
  for (let round = 0; round < MAX_ROUNDS && Date.now() - started < TIME_BUDGET_MS; round++) {
    // Rotate the order each round so no variant always runs first (or right after GC-heavy work).
    for (let i = 0; i < variants.length; i++) {
      const v = variants[(i + round) % variants.length] as Variant;
      (samples.get(v.name) as number[]).push(v.time());
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  const ms = (name: string) => median(samples.get(name) as number[]);
  const baseline = ms('RecordIO + JSON.parse');
  const rawParse = ms('JSON.parse (records only)');
  const rows = variants.map((v) => {
    const t = ms(v.name);
    return {
      variant: v.name,
      'events/s': (n / t) * 1000,
      'MB/s': v.bytes / 1e6 / (t / 1000),
      'ms/stream (median)': t,
      'vs RecordIO+JSON.parse': baseline / t,
      'vs JSON.parse': rawParse / t,
    };
  });
  const figures: Record<string, number> = {
    eventsPerStream: n,
    jsonStreamBytes: json.bytes,
    protobufStreamBytes: pb.bytes,
    rounds: (samples.get(variants[0]?.name as string) as number[]).length,
    jsonParseEventsPerSec: (n / rawParse) * 1000,
    recordioJsonParseEventsPerSec: (n / baseline) * 1000,
    jsonCodecEventsPerSec: (n / ms('RecordIO + json codec')) * 1000,
    protobufCodecEventsPerSec: (n / ms('RecordIO + protobuf codec')) * 1000,
    jsonCodecRatioToRecordioJsonParse: baseline / ms('RecordIO + json codec'),
    jsonCodecRatioToJsonParse: rawParse / ms('RecordIO + json codec'),
    protobufToJsonCodecRatio: ms('RecordIO + json codec') / ms('RecordIO + protobuf codec'),
  };
  return {
    name: 'codec',
    rows,
    figures,
    notes: [
      `${n} OFFERS events (10 offers each) per stream; JSON ${(json.bytes / n).toFixed(0)} B/event, protobuf ${(pb.bytes / n).toFixed(0)} B/event;`,
      `chunks of ${MIN_CHUNK}..${MAX_CHUNK} bytes; ${figures.rounds} alternating rounds, medians.`,
      `Ratios > 1 are faster than the reference. json codec = ${(figures.jsonCodecRatioToRecordioJsonParse * 100).toFixed(0)}% of RecordIO+JSON.parse throughput; protobuf codec is ${figures.protobufToJsonCodecRatio.toFixed(2)}x the json codec.`,
    ],
  };
}

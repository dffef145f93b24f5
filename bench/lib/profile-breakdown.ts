/**
 * Where an ingest contender's time went, from a V8 CPU profile (`node --cpu-prof`): each sample is
 * put in one category by its stack (leaf first for decode vs conversion, then the callers), and
 * the categories' shares of the profiled wall time are reported. Categories: read (sockets, HTTP,
 * streams, RecordIO framing), decode (JSON.parse, protobuf wire reading), conversion (parsed JSON
 * or wire values to the typed messages), dispatch (driver event handling and the callbacks),
 * acknowledgement (building, encoding and sending the ACKNOWLEDGE calls, reading their answers),
 * gc, idle (nothing to run: waiting for bytes) and other.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The categories, in report order. */
export const CATEGORIES = [
  'read',
  'decode',
  'conversion',
  'dispatch',
  'acknowledgement',
  'gc',
  'idle',
  'other',
] as const;
/** One category. */
export type Category = (typeof CATEGORIES)[number];

interface CallFrame {
  functionName: string;
  url: string;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A window in the profile's clock: microseconds of CLOCK_MONOTONIC, as `process.hrtime` reads it. */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/** Now, in the clock of CPU profiles (µs, monotonic). */
export function profileClockUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

const file = (frame: CallFrame) => frame.url.slice(frame.url.lastIndexOf('/') + 1);

/** Acknowledgement work: anything under these frames. */
function isAckFrame(frame: CallFrame): boolean {
  const name = frame.functionName;
  const f = file(frame);
  return (
    name === 'acknowledgeImplicitly' ||
    name === 'ackCall' ||
    f === 'pipelined-lane.ts' ||
    f === 'http-response-parser.ts' ||
    f === 'call-queue.ts' ||
    f === 'call-request.ts' ||
    f === 'validate.ts' ||
    (f === 'scheduler-driver.ts' && (name === 'send' || name === 'encodeCall' || name === 'callSettled'))
  );
}

function isConversionFrame(frame: CallFrame): boolean {
  const f = file(frame);
  return f === 'json.ts' || f === 'json-converters.ts' || f === 'shared.ts' || f === 'reflect.ts';
}

function isDecodeFrame(frame: CallFrame): boolean {
  const f = file(frame);
  // JSON.parse is a builtin (no url); protobufjs's reader and the generated protobuf decoders.
  return (
    (frame.url === '' && frame.functionName === 'parse') ||
    frame.functionName === 'parseMesosJson' ||
    frame.url.includes('/protobufjs/') ||
    frame.url.includes('/@protobufjs/') ||
    f === 'protobuf.ts' ||
    f === 'codec.ts' ||
    (frame.url === '' && frame.functionName === 'decode')
  );
}

function isReadFrame(frame: CallFrame): boolean {
  const f = file(frame);
  return (
    f === 'recordio.ts' ||
    f === 'event-stream.ts' ||
    frame.url.startsWith('node:internal/streams') ||
    frame.url.startsWith('node:_http') ||
    frame.url.startsWith('node:net') ||
    frame.url.startsWith('node:internal/stream_base') ||
    frame.url.includes('/axios/') ||
    frame.functionName === 'onStreamRead' ||
    frame.functionName === 'concat'
  );
}

function isDispatchFrame(frame: CallFrame): boolean {
  const f = file(frame);
  return (
    f.startsWith('scheduler-driver') ||
    f === 'callback-queue.ts' ||
    f === 'scheduler-events.ts' ||
    f === 'heartbeat-watchdog.ts' ||
    f === 'ingest-contender.ts'
  );
}

/** The category of one sample, from its stack (leaf first). */
function categorize(stack: readonly CallFrame[]): Category {
  const leaf = stack[0];
  if (!leaf) return 'other';
  if (leaf.functionName === '(idle)') return 'idle';
  if (leaf.functionName === '(garbage collector)') return 'gc';
  if (stack.some(isAckFrame)) return 'acknowledgement';
  // The nearest library frame decides between decode, conversion, read and dispatch.
  for (const frame of stack) {
    if (isDecodeFrame(frame)) return 'decode';
    if (isConversionFrame(frame)) return 'conversion';
    if (isDispatchFrame(frame)) return 'dispatch';
    if (isReadFrame(frame)) return 'read';
  }
  return 'other';
}

/** Shares (0..1) of the profiled time per category, counting only the samples inside `window` if given. */
export function breakdown(profile: CpuProfile, window?: ProfileWindow): Record<Category, number> {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const categoryOf = new Map<number, Category>();
  const totals = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  let all = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    let category = categoryOf.get(id);
    if (category === undefined) {
      const stack: CallFrame[] = [];
      for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
        const node = byId.get(up);
        if (node) stack.push(node.callFrame);
      }
      category = categorize(stack);
      categoryOf.set(id, category);
    }
    totals[category] += delta;
    all += delta;
  }
  for (const c of CATEGORIES) totals[c] = all > 0 ? totals[c] / all : 0;
  return totals;
}

/** Reads the .cpuprofile of the main thread (id 0) that a profiled child wrote into `dir`. */
export function readProfile(dir: string): CpuProfile | undefined {
  let names: string[];
  try {
    names = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  } catch {
    return undefined;
  }
  // CPU.<date>.<time>.<pid>.<thread>.<sequence>.cpuprofile
  const name = names.find((f) => f.split('.')[4] === '0') ?? names[0];
  return name ? (JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as CpuProfile) : undefined;
}

/** The top self-time functions of a profile, for finding hot spots by hand. */
export function hotFunctions(
  profile: CpuProfile,
  count = 25,
  window?: ProfileWindow,
): Array<{ name: string; share: number }> {
  const self = new Map<number, number>();
  let all = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    self.set(id, (self.get(id) ?? 0) + delta);
    all += delta;
  }
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    const t = self.get(node.id);
    if (!t) continue;
    const key = `${node.callFrame.functionName || '(anonymous)'} ${file(node.callFrame)}`;
    byName.set(key, (byName.get(key) ?? 0) + t);
  }
  return [...byName.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, t]) => ({ name, share: t / all }));
}

/** Self time grouped by source file (or by V8's own entries: GC, idle, program), largest first. */
export function timeByFile(profile: CpuProfile, count = 10): Array<{ name: string; share: number }> {
  const self = new Map<number, number>();
  let all = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    const delta = profile.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + delta);
    all += delta;
  }
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const t = self.get(node.id);
    if (!t) continue;
    const frame = node.callFrame;
    const where = frame.url === '' ? frame.functionName || '(native)' : file(frame) || frame.url;
    byFile.set(where, (byFile.get(where) ?? 0) + t);
  }
  return [...byFile.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, t]) => ({ name, share: t / all }));
}

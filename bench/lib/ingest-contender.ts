/**
 * One ingest contender, run in its own process by bench/ingest.ts: it subscribes to the loopback
 * event-stream master, counts the events that reach its callbacks intact, and reports one JSON line.
 * Contenders: `null` (reads and discards bytes: the server's ceiling), `baseline` (Node http plus
 * a minimal RecordIO splitter plus JSON.parse, no acknowledgements), `driver-json` and
 * `driver-protobuf` (MesosSchedulerDriver with implicit acknowledgements), `driver-json-unacknowledged`
 * (a diagnostic: the same driver never acknowledging, so the server answers no calls) and `peer`
 * (npm mesos-framework 0.5.3, acknowledging every update from its UPDATE handler).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Offer, TaskStatus } from '../../lib/codec/messages';
import { childArgument, epochMs, tellParent, untilParentCloses } from './bench-child';
import { MesosSchedulerDriver } from './library-under-test';
import { profileClockUs } from './profile-breakdown';

/** Which consumer this process runs. */
export type ContenderKind =
  | 'null'
  | 'baseline'
  | 'baseline-protobuf'
  | 'driver-json'
  | 'driver-json-unacknowledged'
  | 'driver-protobuf'
  | 'peer';

/** What the parent passes. */
export interface ContenderArgument {
  kind: ContenderKind;
  url: string;
  /** Events the server sends after SUBSCRIBED and the first HEARTBEAT. */
  events: number;
  offersPerEvent: number;
  /** Give up waiting for more events after this long without one. */
  idleMs: number;
}

/** What the contender reports. */
export interface ContenderResult {
  kind: ContenderKind;
  /** Events that reached the callbacks and passed the integrity check. */
  intact: number;
  /** Events that reached the callbacks but were damaged (wrong offer count, missing uuid, ...). */
  damaged: number;
  offersEvents: number;
  updateEvents: number;
  /** Errors the consumer reported (for the peer: its 'error' events). */
  errors: number;
  firstErrors: string[];
  /** Wall-clock ms: SUBSCRIBED delivered, and the last counted event delivered. */
  subscribedAt: number;
  lastEventAt: number;
  /** Bytes the `null` contender read. */
  bytes: number;
  /** Peak resident set size of the process (kernel high-water mark), in bytes. */
  peakRssBytes: number;
  /** SUBSCRIBED and the last counted event in the CPU profile's clock (monotonic µs). */
  subscribedUs: number;
  lastEventUs: number;
}

const arg = childArgument<ContenderArgument>();
const result: ContenderResult = {
  kind: arg.kind,
  intact: 0,
  damaged: 0,
  offersEvents: 0,
  updateEvents: 0,
  errors: 0,
  firstErrors: [],
  subscribedAt: 0,
  lastEventAt: 0,
  bytes: 0,
  peakRssBytes: 0,
  subscribedUs: 0,
  lastEventUs: 0,
};

let idleTimer: NodeJS.Timeout | undefined;
let idleWatch: NodeJS.Timeout | undefined;
/** performance.now() of the last event, read by the idle watch (cheaper than re-arming a timer per event). */
let lastTouch = 0;
let reported = false;
let onFinished: () => void = () => {};

function report(): void {
  if (reported) return;
  reported = true;
  if (idleTimer) clearTimeout(idleTimer);
  if (idleWatch) clearInterval(idleWatch);
  result.lastEventUs = profileClockUs();
  result.peakRssBytes = process.resourceUsage().maxRSS * 1024;
  tellParent(result);
}

/** Notes an event; reports when every event arrived, or (through the idle watch) when the stream went quiet. */
function touched(): void {
  if (result.intact + result.damaged >= arg.events) {
    report();
    return;
  }
  lastTouch = performance.now();
  if (idleWatch === undefined) {
    // The first event replaces the longer start-up grace timer with the idle watch.
    if (idleTimer) clearTimeout(idleTimer);
    idleWatch = setInterval(() => {
      if (performance.now() - lastTouch >= arg.idleMs) report();
    }, arg.idleMs / 10);
  }
}

function noteError(message: string): void {
  result.errors++;
  if (result.firstErrors.length < 5) result.firstErrors.push(message.slice(0, 300));
}

const OFFER_ID = /-O(\d{12})-(\d+)$/;

/** Intact = the expected number of offers, all stamped with the same event sequence and numbered in order. */
function offersIntact(offers: readonly Offer[] | undefined): boolean {
  if (!offers || offers.length !== arg.offersPerEvent) return false;
  let sequence: string | undefined;
  for (let i = 0; i < offers.length; i++) {
    const match = OFFER_ID.exec(offers[i]?.id?.value ?? '');
    if (!match || Number(match[2]) !== i) return false;
    sequence ??= match[1];
    if (match[1] !== sequence) return false;
    if ((offers[i]?.resources?.length ?? 0) !== 4) return false;
  }
  return true;
}

/** Intact = a task id stamped with a sequence, a state, and a 16-byte uuid (raw or base64). */
function updateIntact(status: TaskStatus | undefined): boolean {
  // protobufjs gives enums as numbers (TASK_STARTING is 0); the library gives names.
  if (!status || !/^web-frontend\.\d{12}$/.test(status.task_id?.value ?? '') || status.state == null) return false;
  const uuid = status.uuid as unknown;
  if (typeof uuid === 'string') return uuid.length === 24;
  return uuid instanceof Uint8Array && uuid.length === 16;
}

function countOffers(offers: readonly Offer[] | undefined): void {
  result.offersEvents++;
  if (offersIntact(offers)) result.intact++;
  else result.damaged++;
  result.lastEventAt = epochMs();
  touched();
}

function countUpdate(status: TaskStatus | undefined): void {
  result.updateEvents++;
  if (updateIntact(status)) result.intact++;
  else result.damaged++;
  result.lastEventAt = epochMs();
  touched();
}

const SUBSCRIBE_BODY = JSON.stringify({
  type: 'SUBSCRIBE',
  subscribe: { framework_info: { user: 'bench', name: 'ingest-baseline' } },
});

/** An event as either floor reads it (JSON.parse's objects, or protobufjs's messages with enums as numbers). */
interface FloorEvent {
  type: string | number;
  offers?: { offers?: Offer[] };
  update?: { status?: TaskStatus };
}

/** scheduler.proto's Event.Type numbers of the events the floors count. */
const EVENT_NUMBERS: Record<number, string> = {
  1: 'SUBSCRIBED',
  2: 'OFFERS',
  3: 'RESCIND',
  4: 'UPDATE',
  8: 'HEARTBEAT',
};

/** A plain protobufjs decode of an Event record (the library's schema, reflection-generated decoder). */
function protobufjsDecoder(): (record: Buffer) => FloorEvent {
  const { loadSchemaRoot } = require('../../lib/codec/schema') as typeof import('../../lib/codec/schema');
  const eventType = loadSchemaRoot().lookupType('mesos.v1.scheduler.Event');
  return (record) => eventType.decode(record) as unknown as FloorEvent;
}

/**
 * Node http, a minimal correct RecordIO splitter and JSON.parse (or a plain protobufjs decode):
 * the physical floor of ingest in each format.
 */
function runBaseline(discard: boolean, format: 'json' | 'protobuf' = 'json'): void {
  const media = format === 'json' ? 'application/json' : 'application/x-protobuf';
  const decode =
    format === 'json' ? (record: Buffer) => JSON.parse(record.toString('utf8')) as FloorEvent : protobufjsDecoder();
  const req = http.request(`${arg.url}/api/v1/scheduler`, {
    method: 'POST',
    // The SUBSCRIBE call is sent as JSON; Accept picks the events' format.
    headers: { 'Content-Type': 'application/json', Accept: media },
  });
  req.on('response', (res) => {
    let pending: Buffer | undefined;
    let expected = -1;
    res.on('data', (chunk: Buffer) => {
      if (discard) {
        result.bytes += chunk.length;
        if (result.subscribedAt === 0) result.subscribedAt = epochMs();
        result.lastEventAt = epochMs();
        touched();
        return;
      }
      let buf = pending ? Buffer.concat([pending, chunk]) : chunk;
      pending = undefined;
      let at = 0;
      for (;;) {
        if (expected < 0) {
          const newline = buf.indexOf(10, at);
          if (newline < 0) break;
          expected = Number(buf.toString('latin1', at, newline));
          at = newline + 1;
        }
        if (buf.length - at < expected) break;
        const event = decode(buf.subarray(at, at + expected));
        at += expected;
        expected = -1;
        const type = typeof event.type === 'number' ? EVENT_NUMBERS[event.type] : event.type;
        if (type === 'OFFERS') countOffers(event.offers?.offers);
        else if (type === 'UPDATE') countUpdate(event.update?.status);
        else if (type === 'SUBSCRIBED') {
          result.subscribedAt = epochMs();
          result.subscribedUs = profileClockUs();
        }
      }
      if (at < buf.length) pending = buf.subarray(at);
      buf = Buffer.alloc(0);
    });
    res.on('error', (err) => noteError(err.message));
  });
  req.on('error', (err) => noteError(err.message));
  req.end(SUBSCRIBE_BODY);
  onFinished = () => req.destroy();
}

/**
 * MesosSchedulerDriver counting in its callbacks: with implicit acknowledgements, or (the
 * diagnostic row) with explicit ones that are never made, so no call goes to the server.
 */
function runDriver(contentType: 'json' | 'protobuf', acknowledge = true): void {
  const driver = new MesosSchedulerDriver(
    {
      registered() {
        result.subscribedAt = epochMs();
        result.subscribedUs = profileClockUs();
      },
      resourceOffers(_driver, offers) {
        countOffers(offers);
      },
      statusUpdate(_driver, status) {
        countUpdate(status);
      },
      error(_driver, message) {
        noteError(message);
      },
    },
    { user: 'bench', name: `ingest-driver-${contentType}` },
    arg.url,
    acknowledge,
    undefined,
    { contentType },
  );
  driver.start();
  onFinished = () => {
    driver.stop(true);
  };
}

/** npm mesos-framework 0.5.3, driven as its README shows, with custom handlers that count and acknowledge. */
function runPeer(): void {
  const { Scheduler } = require('mesos-framework') as {
    Scheduler: new (options: Record<string, unknown>) => PeerScheduler;
  };
  const url = new URL(arg.url);
  // The peer logs errors to a file (winston); keep it in a folder of our own, removed at exit.
  const logDir = mkdtempSync(join(tmpdir(), 'mesos-framework-bench-'));
  process.on('exit', () => rmSync(logDir, { recursive: true, force: true }));
  const peer = new Scheduler({
    masterUrl: url.hostname,
    port: Number(url.port),
    frameworkName: 'ingest-peer',
    logging: { path: logDir, fileName: 'peer.log', level: 'error' },
    handlers: {
      SUBSCRIBED(_subscribed: unknown) {
        result.subscribedAt = epochMs();
        result.subscribedUs = profileClockUs();
      },
      OFFERS(offers: { offers?: Offer[] }) {
        countOffers(offers?.offers);
      },
      UPDATE(this: PeerScheduler, update: { status?: TaskStatus }) {
        countUpdate(update?.status);
        this.acknowledge(update);
      },
      HEARTBEAT(_heartbeat: unknown) {},
    },
  });
  peer.on('error', (err: unknown) => {
    noteError(typeof err === 'string' ? err : ((err as { message?: string })?.message ?? String(err)));
  });
  peer.on('ready', () => peer.subscribe());
  onFinished = () => {
    // The peer has no way to close: stop it re-subscribing and cut its stream.
    peer.subscribe = () => {};
    peer.httpRequest?.destroy?.();
  };
}

/** The parts of the peer's Scheduler this harness touches. */
interface PeerScheduler {
  on(event: string, listener: (...args: unknown[]) => void): void;
  subscribe(): void;
  acknowledge(update: unknown): void;
  httpRequest?: { destroy?: () => void };
}

async function main(): Promise<void> {
  // A consumer that never delivers anything still reports (before the peer's 10 s watchdog
  // would end the process), and so does one that ends the process itself (the peer calls
  // process.exit(1) when it gives up on the master; stdout to a pipe is synchronous on Linux).
  idleTimer = setTimeout(report, arg.idleMs * 4);
  process.on('exit', () => report());
  switch (arg.kind) {
    case 'null':
      runBaseline(true);
      break;
    case 'baseline':
      runBaseline(false);
      break;
    case 'baseline-protobuf':
      runBaseline(false, 'protobuf');
      break;
    case 'driver-json':
      runDriver('json');
      break;
    case 'driver-json-unacknowledged':
      runDriver('json', false);
      break;
    case 'driver-protobuf':
      runDriver('protobuf');
      break;
    case 'peer':
      runPeer();
      break;
  }
  // The parent closes stdin once the server has seen every acknowledgement (or gave up waiting).
  await untilParentCloses();
  if (!reported) report();
  onFinished();
  setTimeout(() => process.exit(0), 200).unref();
}

void main().catch((err: unknown) => {
  noteError(err instanceof Error ? err.message : String(err));
  report();
  process.exit(0);
});

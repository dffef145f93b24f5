/**
 * A loopback HTTP server that plays a Mesos master for throughput benchmarks: SUBSCRIBE gets a
 * 200 RecordIO stream (SUBSCRIBED, then a long run of OFFERS and UPDATE events, one record per
 * HTTP chunk as Mesos writes them); every other call gets 202 and is counted by type.
 * Run it as a child process with `node --import tsx bench/lib/event-stream-server.ts '<json options>'`:
 * it prints `{"url": ...}` on stdout, per-stream reports as JSON lines, and exits when stdin closes.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeRecord } from '../../lib/codec/recordio';
import {
  buildTemplates,
  encodeEvent,
  heartbeatEvent,
  type StreamFormat,
  subscribedEvent,
  type TemplateSet,
} from './realistic-events';

/** What the server streams after SUBSCRIBED. */
export interface EventStreamOptions {
  /** Events to send after SUBSCRIBED (and its heartbeat) on each subscription. */
  events: number;
  /** How many UPDATE events follow each OFFERS event (1 unless told). */
  updatesPerOffers?: number;
  /** How many reconciliation UPDATEs (no uuid) follow those in each cycle (0 unless told). */
  reconciliationsPerOffers?: number;
  /** Pause the stream after this many events until `resume()` (for warm-up measurements). */
  pauseAfter?: number;
  /**
   * Re-chunk the stream as a buffering proxy would: HTTP chunks of exactly this many bytes,
   * regardless of record boundaries. Unset (the default): one record per chunk, as Mesos writes.
   */
  rechunkBytes?: number;
  /** Offers in each OFFERS event (10 unless told). */
  offersPerEvent?: number;
  /** Announced in SUBSCRIBED and kept: a HEARTBEAT every interval, in the run and after it (15 unless told). */
  heartbeatIntervalSeconds?: number;
  /** After the last event: keep the stream open and quiet ('idle', the default) or end it ('end'). */
  afterLast?: 'idle' | 'end';
  /** Records written per event-loop turn before yielding (bounded so calls are still answered). */
  batch?: number;
}

/** Counters for one subscription stream. */
export interface StreamReport {
  format: StreamFormat;
  events: number;
  offersEvents: number;
  updateEvents: number;
  /** UPDATEs without uuid (reconciliation answers). */
  reconciliationEvents: number;
  /** Bytes of RecordIO records written (length prefixes included, HTTP framing excluded). */
  recordBytes: number;
  startedAt: number;
  finishedAt: number;
}

/** Counters of the calls the server answered. */
export interface CallCounters {
  /** Non-SUBSCRIBE calls by type. */
  byType: Record<string, number>;
  /** Calls without a Mesos-Stream-Id header or with a stale one. */
  badStreamId: number;
  /** Calls whose body could not be read as a Call. */
  malformed: number;
  subscribes: number;
  /** Wall-clock time (ms since the epoch) of the last non-SUBSCRIBE call, 0 if none. */
  lastCallAt: number;
}

const FRAMEWORK_ID = 'a3c5e1f0-7b2d-4c8e-9f61-2d4b8a7c9e10-0001';
const JSON_TYPE = 'application/json';
const PROTOBUF_TYPE = 'application/x-protobuf';

/** Mesos's rule for SUBSCRIBE: JSON if acceptable (no Accept accepts all), else protobuf, else none. */
export function negotiateFormat(accept: string | undefined): StreamFormat | undefined {
  if (accept === undefined || accept.trim() === '') return 'json';
  const ranges = accept.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    return { type, refused: q !== undefined && Number(q.slice(2)) === 0 };
  });
  const accepts = (mediaType: string) =>
    ranges.some((r) => !r.refused && (r.type === mediaType || r.type === '*/*' || r.type === 'application/*'));
  if (accepts(JSON_TYPE)) return 'json';
  if (accepts(PROTOBUF_TYPE)) return 'protobuf';
  return undefined;
}

/** Names of scheduler Call types by enum number (scheduler.proto), for reading protobuf calls cheaply. */
const CALL_TYPE_NAMES = [
  'UNKNOWN',
  'SUBSCRIBE',
  'TEARDOWN',
  'ACCEPT',
  'DECLINE',
  'REVIVE',
  'KILL',
  'SHUTDOWN',
  'ACKNOWLEDGE',
  'RECONCILE',
  'MESSAGE',
  'REQUEST',
  'SUPPRESS',
  'ACCEPT_INVERSE_OFFERS',
  'DECLINE_INVERSE_OFFERS',
  'ACKNOWLEDGE_OPERATION_STATUS',
  'RECONCILE_OPERATIONS',
  'UPDATE_FRAMEWORK',
];

function readVarint(buf: Buffer, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  let i = at;
  while (i < buf.length) {
    const byte = buf[i++] as number;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [value, i];
    shift += 7;
    if (shift > 63) break;
  }
  throw new Error('truncated varint');
}

/** The type name of a protobuf Call, read from its top-level field 2 without decoding the rest. */
export function protobufCallType(body: Buffer): string | undefined {
  let at = 0;
  while (at < body.length) {
    const [tag, afterTag] = readVarint(body, at);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) {
      const [value, next] = readVarint(body, afterTag);
      if (field === 2) return CALL_TYPE_NAMES[value] ?? `#${value}`;
      at = next;
    } else if (wire === 2) {
      const [length, next] = readVarint(body, afterTag);
      at = next + length;
    } else if (wire === 1) at = afterTag + 8;
    else if (wire === 5) at = afterTag + 4;
    else return undefined;
  }
  return undefined;
}

/** Writes a byte stream to a response in HTTP chunks of a fixed size, cutting across records. */
class Rechunker {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    private readonly res: http.ServerResponse,
    private readonly size: number,
  ) {}

  /** Queues `data`; writes every full chunk; returns false when the response wants a drain. */
  push(data: Buffer): boolean {
    this.pending.push(data);
    this.pendingBytes += data.length;
    let writable = true;
    if (this.pendingBytes >= this.size) {
      const all = Buffer.concat(this.pending);
      let at = 0;
      for (; at + this.size <= all.length; at += this.size)
        writable = this.res.write(all.subarray(at, at + this.size)) && writable;
      this.pending = at < all.length ? [all.subarray(at)] : [];
      this.pendingBytes = all.length - at;
    }
    return writable;
  }

  /** Writes what is left as a last, shorter chunk. */
  flush(): void {
    if (this.pendingBytes > 0) this.res.write(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** The loopback master for ingest, calls and soak benchmarks. */
export class EventStreamServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** Counters of answered calls (reset with `resetCounters`). */
  calls: CallCounters = { byType: {}, badStreamId: 0, malformed: 0, subscribes: 0, lastCallAt: 0 };
  /** Called when a stream has written its last event. */
  onStreamDone: ((report: StreamReport) => void) | undefined;

  private readonly server: http.Server;
  private readonly templates: Partial<Record<StreamFormat, TemplateSet>> = {};
  private readonly uuidPrefix = randomBytes(8);
  private readonly liveStreamIds = new Set<string>();
  private readonly openResponses = new Set<http.ServerResponse>();
  private sequence = 0;
  private options: EventStreamOptions;
  private resumeWaiters: Array<() => void> = [];
  /** The report of the stream being written now (live counters). */
  current: StreamReport | undefined;

  private constructor(server: http.Server, url: string, options: EventStreamOptions) {
    this.server = server;
    this.url = url;
    this.options = options;
  }

  /** Starts listening on 127.0.0.1 on a free port. */
  static async start(options: EventStreamOptions): Promise<EventStreamServer> {
    const server = http.createServer();
    server.keepAliveTimeout = 30_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const instance = new EventStreamServer(server, `http://127.0.0.1:${port}`, options);
    server.on('request', (req, res) => instance.handle(req, res));
    return instance;
  }

  /** `host:port`, the form a libmesos master string takes. */
  get masterString(): string {
    return this.url.slice('http://'.length);
  }

  /** Changes what the next subscriptions receive. */
  configure(options: Partial<EventStreamOptions>): void {
    this.options = { ...this.options, ...options };
  }

  /** Lets paused streams (see `pauseAfter`) continue. */
  resume(): void {
    for (const wake of this.resumeWaiters.splice(0)) wake();
  }

  /** Zeroes the call counters. */
  resetCounters(): void {
    this.calls = { byType: {}, badStreamId: 0, malformed: 0, subscribes: 0, lastCallAt: 0 };
  }

  /** Average record size of the current mix, in bytes, for a format. */
  averageRecordBytes(format: StreamFormat): number {
    const set = this.templatesFor(format);
    const offersBytes = set.offers.reduce((sum, t) => sum + t.byteLength, 0) / set.offers.length;
    const updateBytes = set.updates.reduce((sum, t) => sum + t.byteLength, 0) / set.updates.length;
    const perOffers = this.options.updatesPerOffers ?? 1;
    return (offersBytes + perOffers * updateBytes) / (1 + perOffers);
  }

  /** Ends every open stream and stops listening. */
  async close(): Promise<void> {
    for (const res of this.openResponses) res.destroy();
    this.openResponses.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private templatesFor(format: StreamFormat): TemplateSet {
    let set = this.templates[format];
    if (!set) {
      set = buildTemplates(
        { frameworkId: FRAMEWORK_ID, offersPerEvent: this.options.offersPerEvent ?? 10, agentCount: 50 },
        format,
      );
      this.templates[format] = set;
    }
    return set;
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'POST' || !req.url?.startsWith('/api/v1/scheduler')) {
      res.writeHead(req.method === 'POST' ? 404 : 405).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
      const contentType = req.headers['content-type'];
      let type: string | undefined;
      try {
        if (contentType === JSON_TYPE) type = (JSON.parse(body.toString('utf8')) as { type?: string }).type;
        else if (contentType === PROTOBUF_TYPE) type = protobufCallType(body);
        else {
          res.writeHead(415).end();
          return;
        }
      } catch {
        type = undefined;
      }
      if (type === undefined) {
        this.calls.malformed++;
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Failed to parse body into Call');
        return;
      }
      if (type === 'SUBSCRIBE') {
        this.subscribe(req, res);
        return;
      }
      const streamId = req.headers['mesos-stream-id'];
      if (typeof streamId !== 'string' || !this.liveStreamIds.has(streamId)) this.calls.badStreamId++;
      this.calls.byType[type] = (this.calls.byType[type] ?? 0) + 1;
      this.calls.lastCallAt = performance.timeOrigin + performance.now();
      res.writeHead(202, { 'Content-Length': '0' }).end();
    });
  }

  private subscribe(req: http.IncomingMessage, res: http.ServerResponse): void {
    this.calls.subscribes++;
    const format = negotiateFormat(req.headers.accept);
    if (!format) {
      res.writeHead(406).end();
      return;
    }
    const streamId = `${randomBytes(4).toString('hex')}-5b0f-4e7b-9a6d-${randomBytes(6).toString('hex')}`;
    this.liveStreamIds.add(streamId);
    this.openResponses.add(res);
    res.on('close', () => {
      this.liveStreamIds.delete(streamId);
      this.openResponses.delete(res);
    });
    res.writeHead(200, {
      'Content-Type': format === 'json' ? JSON_TYPE : PROTOBUF_TYPE,
      'Mesos-Stream-Id': streamId,
      'Transfer-Encoding': 'chunked',
    });
    const port = (this.server.address() as AddressInfo).port;
    const interval = this.options.heartbeatIntervalSeconds ?? 15;
    res.write(encodeRecord(encodeEvent(subscribedEvent(FRAMEWORK_ID, interval, port), format)));
    res.write(encodeRecord(encodeEvent(heartbeatEvent(), format)));
    void this.pump(res, format);
  }

  /** Writes the event run with backpressure: one record per write, so one record per HTTP chunk. */
  private async pump(res: http.ServerResponse, format: StreamFormat): Promise<void> {
    const set = this.templatesFor(format);
    const total = this.options.events;
    const updatesPerOffers = this.options.updatesPerOffers ?? 1;
    const reconciliationsPerOffers = this.options.reconciliationsPerOffers ?? 0;
    const cycle = 1 + updatesPerOffers + reconciliationsPerOffers;
    const pauseAfter = this.options.pauseAfter;
    const rechunk = this.options.rechunkBytes ? new Rechunker(res, this.options.rechunkBytes) : undefined;
    const batch = this.options.batch ?? 256;
    const report: StreamReport = {
      format,
      events: 0,
      offersEvents: 0,
      updateEvents: 0,
      reconciliationEvents: 0,
      recordBytes: 0,
      startedAt: performance.now(),
      finishedAt: 0,
    };
    this.current = report;
    const heartbeatMs = (this.options.heartbeatIntervalSeconds ?? 15) * 1000;
    const heartbeat = set.heartbeat.render(0, this.uuidPrefix);
    let lastHeartbeat = performance.now();
    let pumping = true;
    // After the run, heartbeats keep coming as from a real master (drivers watch them).
    const beat = setInterval(
      () => {
        if (!pumping && performance.now() - lastHeartbeat >= heartbeatMs && !res.destroyed) {
          lastHeartbeat = performance.now();
          res.write(heartbeat);
        }
      },
      Math.max(10, heartbeatMs / 4),
    );
    beat.unref();
    res.on('close', () => clearInterval(beat));
    let position = 0;
    while (report.events < total) {
      if (res.destroyed) return;
      if (performance.now() - lastHeartbeat >= heartbeatMs) {
        // Through the re-chunker when there is one, so the heartbeat never lands inside a record.
        lastHeartbeat = performance.now();
        if (rechunk) rechunk.push(heartbeat);
        else res.write(heartbeat);
      }
      if (pauseAfter !== undefined && report.events === pauseAfter) {
        await new Promise<void>((resolve) => this.resumeWaiters.push(resolve));
      }
      let writable = true;
      const stopAt = pauseAfter !== undefined && report.events < pauseAfter ? pauseAfter : total;
      for (let i = 0; i < batch && report.events < stopAt && writable; i++) {
        const seq = this.sequence++;
        const slot = position % cycle;
        const isOffers = slot === 0;
        const isReconciliation = slot > updatesPerOffers;
        const pool = isOffers ? set.offers : isReconciliation ? set.reconciliations : set.updates;
        const template = pool[seq % pool.length];
        if (!template) throw new Error('no templates');
        const record = template.render(seq, this.uuidPrefix);
        writable = rechunk ? rechunk.push(record) : res.write(record);
        report.events++;
        report.recordBytes += record.length;
        if (isOffers) report.offersEvents++;
        else if (isReconciliation) report.reconciliationEvents++;
        else report.updateEvents++;
        position++;
      }
      if (!writable) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      } else {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    rechunk?.flush();
    pumping = false;
    report.finishedAt = performance.now();
    this.onStreamDone?.(report);
    if ((this.options.afterLast ?? 'idle') === 'end') {
      clearInterval(beat);
      res.end();
    }
  }
}

/** Child-process entry: start, announce the URL, report streams, exit when the parent closes stdin. */
async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as Partial<EventStreamOptions>;
  const server = await EventStreamServer.start({ ...options, events: options.events ?? 100_000 });
  server.onStreamDone = (report) =>
    process.stdout.write(`${JSON.stringify({ stream: report, calls: server.calls })}\n`);
  process.stdin.on('data', (line: Buffer) => {
    // The parent reconfigures the next streams or asks for the counters, one JSON command per line.
    for (const text of line.toString('utf8').split('\n')) {
      if (!text.trim()) continue;
      const command = JSON.parse(text) as {
        configure?: Partial<EventStreamOptions>;
        counters?: boolean;
        reset?: boolean;
      };
      if (command.configure) server.configure(command.configure);
      if (command.reset) server.resetCounters();
      if (command.counters) process.stdout.write(`${JSON.stringify({ calls: server.calls })}\n`);
    }
  });
  process.stdin.on('end', () => {
    void server.close().then(() => process.exit(0));
  });
  process.stdout.write(
    `${JSON.stringify({ url: server.url, avgRecordBytes: { json: server.averageRecordBytes('json'), protobuf: server.averageRecordBytes('protobuf') } })}\n`,
  );
}

if (require.main === module) void main();

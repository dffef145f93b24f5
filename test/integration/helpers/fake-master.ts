/**
 * A scripted Mesos master on 127.0.0.1 for scheduler-driver tests: speaks the v1 scheduler API in
 * JSON and protobuf through the library's codecs, keeps one subscription per framework (a new
 * SUBSCRIBE fails the old stream over), removes frameworks on TEARDOWN, checks stream ids, and
 * lets a test script SUBSCRIBE answers (307, 503, ...) and call answers (400, ...).
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getCodec, MEDIA_TYPES, TYPE_NAMES, type WireFormat } from '../../../lib/codec/codec';
import type { scheduler } from '../../../lib/codec/messages';
import { encodeRecord } from '../../../lib/codec/recordio';

/** A SUBSCRIBE answer other than the normal stream. */
export type SubscribeReply = { status: number; body?: string; location?: string } | undefined;

/** One open subscription stream. */
export class MasterStream {
  private heartbeat: ReturnType<typeof setInterval> | undefined;
  closed = false;
  constructor(
    readonly frameworkId: string,
    readonly streamId: string,
    readonly format: WireFormat,
    private readonly res: ServerResponse,
  ) {
    res.on('close', () => this.stopHeartbeats());
  }

  /** Encodes and sends one event as a RecordIO record. */
  send(event: scheduler.Event): void {
    if (this.closed) return;
    this.res.write(encodeRecord(getCodec<scheduler.Event>(TYPE_NAMES.SchedulerEvent, this.format).encode(event)));
  }

  /** Writes raw bytes (e.g. half a record). */
  sendRaw(bytes: Uint8Array | string): void {
    if (!this.closed) this.res.write(bytes);
  }

  /** Sends HEARTBEAT every `ms`. */
  startHeartbeats(ms: number): void {
    this.stopHeartbeats();
    this.heartbeat = setInterval(() => this.send({ type: 'HEARTBEAT' }), ms);
    this.heartbeat.unref();
  }

  /** Stops sending heartbeats (the stream stays open). */
  stopHeartbeats(): void {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** Ends the response cleanly. */
  end(): void {
    this.closed = true;
    this.stopHeartbeats();
    this.res.end();
  }

  /** Destroys the connection (a cut, not a clean end). */
  cut(): void {
    this.closed = true;
    this.stopHeartbeats();
    this.res.socket?.destroy();
  }
}

/** The scripted master. */
export class FakeMaster {
  /** Every non-SUBSCRIBE call received, decoded. */
  readonly calls: scheduler.Call[] = [];
  /** Every SUBSCRIBE received, decoded. */
  readonly subscribes: scheduler.Call[] = [];
  /** Open stream per framework id. */
  readonly streams = new Map<string, MasterStream>();
  /** Frameworks removed by TEARDOWN. */
  readonly removed = new Set<string>();
  /** Heartbeat interval announced in SUBSCRIBED, in seconds. */
  heartbeatSeconds = 0.2;
  /** Script for SUBSCRIBE: return a reply to refuse it, undefined for the normal stream. */
  onSubscribe: (call: scheduler.Call, n: number) => SubscribeReply = () => undefined;
  /** Script for other calls: return `{status, body}` to refuse, undefined for 202. */
  onCall: (call: scheduler.Call) => { status: number; body: string } | undefined = () => undefined;
  /** Called with each new stream after SUBSCRIBED and the first HEARTBEAT were sent. */
  onStream: (stream: MasterStream) => void = () => undefined;

  private nextFrameworkId = 1;
  private readonly server: Server;
  private readonly waiters: Array<() => void> = [];

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Starts a master on 127.0.0.1 and a random port. */
  static async start(): Promise<FakeMaster> {
    const master = new FakeMaster();
    await new Promise<void>((resolve) => master.server.listen(0, '127.0.0.1', resolve));
    return master;
  }

  /** `host:port` of this master. */
  get address(): string {
    const { port } = this.server.address() as AddressInfo;
    return `127.0.0.1:${port}`;
  }

  /** Resolves once `predicate()` holds (checked after every request and stream change). */
  async until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('FakeMaster.until: timed out');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20).unref();
      });
    }
  }

  /** The newest stream of a framework. */
  stream(frameworkId = 'fw-1'): MasterStream {
    const stream = this.streams.get(frameworkId);
    if (!stream) throw new Error(`no stream for ${frameworkId}`);
    return stream;
  }

  /** Closes every stream and the server. */
  async stop(): Promise<void> {
    for (const stream of this.streams.values()) stream.cut();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private notify(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const format: WireFormat = (req.headers['content-type'] ?? '').includes('json') ? 'json' : 'protobuf';
    let call: scheduler.Call;
    try {
      call = getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, format).decode(Buffer.concat(chunks));
    } catch (error) {
      res.writeHead(400).end(`Failed to parse body: ${(error as Error).message}`);
      return;
    }
    if (call.type === 'SUBSCRIBE') this.subscribe(call, format, res);
    else this.otherCall(call, req, res);
    this.notify();
  }

  private subscribe(call: scheduler.Call, format: WireFormat, res: ServerResponse): void {
    this.subscribes.push(call);
    const scripted = this.onSubscribe(call, this.subscribes.length - 1);
    if (scripted) {
      const headers: Record<string, string> = {};
      if (scripted.location) headers.Location = scripted.location;
      res.writeHead(scripted.status, headers).end(scripted.body ?? '');
      return;
    }
    const id = call.framework_id?.value ?? `fw-${this.nextFrameworkId++}`;
    const streamId = randomUUID();
    res.writeHead(200, { 'Content-Type': MEDIA_TYPES[format], 'Mesos-Stream-Id': streamId });
    const stream = new MasterStream(id, streamId, format, res);
    if (this.removed.has(id)) {
      stream.send({ type: 'ERROR', error: { message: 'Framework has been removed' } });
      stream.end();
      return;
    }
    const old = this.streams.get(id);
    if (old && !old.closed) {
      old.send({ type: 'ERROR', error: { message: 'Framework failed over' } });
      old.end();
    }
    this.streams.set(id, stream);
    res.on('close', () => {
      stream.closed = true;
      this.notify();
    });
    stream.send({
      type: 'SUBSCRIBED',
      subscribed: {
        framework_id: { value: id },
        heartbeat_interval_seconds: this.heartbeatSeconds,
        master_info: {
          id: 'fake-master',
          ip: 0x0100007f,
          port: Number(this.address.split(':')[1]),
          hostname: '127.0.0.1',
        },
      },
    });
    stream.send({ type: 'HEARTBEAT' });
    stream.startHeartbeats(this.heartbeatSeconds * 1000);
    this.onStream(stream);
  }

  private otherCall(call: scheduler.Call, req: IncomingMessage, res: ServerResponse): void {
    this.calls.push(call);
    const id = call.framework_id?.value ?? '';
    const stream = this.streams.get(id);
    if (!stream || stream.closed) {
      res.writeHead(403).end('Framework is not subscribed');
      return;
    }
    if (req.headers['mesos-stream-id'] !== stream.streamId) {
      res.writeHead(400).end(`The stream ID '${req.headers['mesos-stream-id']}' included in this request didn't match`);
      return;
    }
    const scripted = this.onCall(call);
    if (scripted) {
      res.writeHead(scripted.status).end(scripted.body);
      return;
    }
    res.writeHead(call.type === 'UPDATE_FRAMEWORK' ? 200 : 202).end();
    if (call.type === 'TEARDOWN') {
      this.removed.add(id);
      this.streams.delete(id);
      stream.end();
    }
  }
}

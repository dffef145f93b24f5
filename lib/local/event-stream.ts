/**
 * One scheduler subscription: a 200 response that carries RecordIO-framed events, one record
 * per HTTP chunk, with heartbeats on an unref'd timer. Also the place where stream faults act.
 */

import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { EventEmitter } from 'eventemitter3';
import { getCodec, MEDIA_TYPES, TYPE_NAMES, type WireFormat } from '../codec/codec';
import type { scheduler } from '../codec/messages';
import { encodeRecord } from '../codec/recordio';
import { createLogger } from '../common/logger';

const log = createLogger('local:stream');

/** Events of a {@link SubscriptionStream}. */
export interface SubscriptionStreamEvents {
  /** The connection is gone (client closed it, or the master closed it). Emitted once. */
  closed: () => void;
}

/** Options of a {@link SubscriptionStream}. */
export interface SubscriptionStreamOptions {
  format: WireFormat;
  heartbeatIntervalMs: number;
  /** Consulted before each heartbeat; false skips it (fault injection). */
  heartbeatsEnabled?: () => boolean;
}

/** A live SUBSCRIBE response owned by the master. */
export class SubscriptionStream extends EventEmitter<SubscriptionStreamEvents> {
  /** The `Mesos-Stream-Id` of this subscription. */
  readonly streamId = randomUUID();
  readonly format: WireFormat;
  private readonly res: ServerResponse;
  private readonly heartbeatIntervalMs: number;
  private readonly heartbeatsEnabled: () => boolean;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private isClosed = false;

  constructor(res: ServerResponse, options: SubscriptionStreamOptions) {
    super();
    this.res = res;
    this.format = options.format;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs;
    this.heartbeatsEnabled = options.heartbeatsEnabled ?? (() => true);
    res.statusCode = 200;
    res.setHeader('Content-Type', MEDIA_TYPES[this.format]);
    res.setHeader('Mesos-Stream-Id', this.streamId);
    res.setHeader('Cache-Control', 'no-cache');
    res.flushHeaders();
    // The scheduler is "disconnected" when its reader goes away (§1.9).
    res.on('close', () => this.markClosed());
    res.socket?.setNoDelay(true);
  }

  /** True once the connection is gone. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Writes one event as one RecordIO record in one chunk; false when the stream is closed. */
  send(event: scheduler.Event): boolean {
    if (!this.isClosed && (this.res.destroyed || this.res.writableEnded)) this.markClosed();
    if (this.isClosed) return false;
    const codec = getCodec<scheduler.Event>(TYPE_NAMES.SchedulerEvent, this.format);
    this.res.write(encodeRecord(codec.encode(event)));
    return true;
  }

  /** Sends the first HEARTBEAT now and then one every interval. */
  startHeartbeats(): void {
    this.sendHeartbeat();
    this.heartbeatTimer = setInterval(() => this.sendHeartbeat(), this.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private sendHeartbeat(): void {
    if (this.heartbeatsEnabled()) this.send({ type: 'HEARTBEAT' });
  }

  /** Ends the response cleanly (EOF for the client). */
  close(): void {
    if (this.isClosed) return;
    this.res.end();
    this.markClosed();
  }

  /** Sends ERROR `message` and closes the stream, as the master does for refusals and failover. */
  failWith(message: string): void {
    this.send({ type: 'ERROR', error: { message } });
    this.close();
  }

  /** Fault: destroys the socket, optionally after writing only the first half of a HEARTBEAT record. */
  drop(options: { midRecord?: boolean } = {}): void {
    if (this.isClosed) return;
    log('dropping stream %s (midRecord=%s)', this.streamId, Boolean(options.midRecord));
    const socket = this.res.socket;
    const destroy = () => {
      socket?.destroy();
      this.res.destroy();
    };
    if (options.midRecord) {
      const codec = getCodec<scheduler.Event>(TYPE_NAMES.SchedulerEvent, this.format);
      const record = encodeRecord(codec.encode({ type: 'HEARTBEAT' }));
      // Destroy only once the half record has reached the socket, so the client does see it.
      this.res.write(record.subarray(0, Math.max(1, Math.floor(record.length / 2))), destroy);
    } else destroy();
    this.markClosed();
  }

  /** Fault: writes a well-framed record whose payload is not a valid event. */
  sendMalformedRecord(): void {
    if (this.isClosed) return;
    const garbage =
      this.format === 'json' ? Buffer.from('{"type": "HEARTBEAT", ') : Buffer.from([0xff, 0xff, 0xff, 0x0f]);
    this.res.write(encodeRecord(garbage));
  }

  private markClosed(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (this.isClosed) return;
    this.isClosed = true;
    this.emit('closed');
  }
}

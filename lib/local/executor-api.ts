/**
 * Pieces of the agent's executor endpoint (§2): call validation with Mesos's messages, the
 * SUBSCRIBE event stream (one RecordIO record per HTTP chunk), and Duration strings for the
 * executor environment.
 */
import type { ServerResponse } from 'node:http';
import { getCodec, MEDIA_TYPES, TYPE_NAMES, type WireFormat } from '../codec/codec';
import type { executor } from '../codec/messages';
import { encodeRecord } from '../codec/recordio';
import { createLogger } from '../common/logger';

const log = createLogger('local:agent:executor-api');

/**
 * Checks an executor Call as `validation::executor::call::validate` does; returns the problem,
 * or undefined when the call is valid.
 */
export function validateExecutorCall(call: executor.Call): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  switch (call.type) {
    case 'SUBSCRIBE':
      return call.subscribe ? undefined : "Expecting 'subscribe' to be present";
    case 'UPDATE': {
      if (!call.update) return "Expecting 'update' to be present";
      const status = call.update.status;
      if (status.uuid?.length !== 16) return `Invalid UUID: ${status.uuid ? `${status.uuid.length} bytes` : 'missing'}`;
      if (status.source !== 'SOURCE_EXECUTOR') return 'Received Call from executor with invalid source';
      if (status.state === 'TASK_STAGING') return 'Received TASK_STAGING from executor';
      if (status.executor_id && status.executor_id.value !== call.executor_id.value) {
        return `ExecutorID in Call: ${call.executor_id.value} does not match ExecutorID in TaskStatus: ${status.executor_id.value}`;
      }
      return undefined;
    }
    case 'MESSAGE':
      return call.message ? undefined : "Expecting 'message' to be present";
    default:
      return undefined;
  }
}

/** A stout Duration string for `ms` in the largest unit that keeps it whole: `5secs`, `250ms`, `15mins`. */
export function formatDuration(ms: number): string {
  const ns = Math.round(ms * 1e6);
  const units: Array<[string, number]> = [
    ['weeks', 7 * 24 * 3600e9],
    ['days', 24 * 3600e9],
    ['hrs', 3600e9],
    ['mins', 60e9],
    ['secs', 1e9],
    ['ms', 1e6],
    ['us', 1e3],
  ];
  if (ns === 0) return '0ns';
  for (const [unit, size] of units) if (ns % size === 0) return `${ns / size}${unit}`;
  return `${ns}ns`;
}

/** The live SUBSCRIBE response of one executor. */
export class ExecutorEventStream {
  readonly format: WireFormat;
  private readonly res: ServerResponse;
  private isClosed = false;
  private readonly onClosed: () => void;

  /** Starts the 200 streaming response; `onClosed` runs once when the connection goes away. */
  constructor(res: ServerResponse, format: WireFormat, onClosed: () => void) {
    this.res = res;
    this.format = format;
    this.onClosed = onClosed;
    res.statusCode = 200;
    res.setHeader('Content-Type', MEDIA_TYPES[format]);
    res.setHeader('Cache-Control', 'no-cache');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.on('close', () => this.markClosed());
  }

  /** True once the connection is gone. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Writes one event as one record in one chunk; false when the stream is closed. */
  send(event: executor.Event): boolean {
    if (this.isClosed) return false;
    try {
      const codec = getCodec<executor.Event>(TYPE_NAMES.ExecutorEvent, this.format);
      this.res.write(encodeRecord(codec.encode(event)));
      return true;
    } catch (err) {
      log('cannot send %s event: %s', event.type, (err as Error).message);
      return false;
    }
  }

  /** Ends the response (EOF for the executor). */
  close(): void {
    if (this.isClosed) return;
    this.res.end();
    this.markClosed();
  }

  /** Breaks the connection without a clean end (the agent went away). */
  destroy(): void {
    if (this.isClosed) return;
    this.res.destroy();
    this.markClosed();
  }

  private markClosed(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.onClosed();
  }
}

/** The decoded event stream of a SUBSCRIBE response: RecordIO records in, typed events out. */
import type { Readable } from 'node:stream';
import { RecordIODecoder } from '../codec/recordio';
import { MesosDecodeError, MesosError, MesosMisuseError, MesosStreamEndedError } from '../common/errors';
import type { Logger } from '../common/logger';
import { sanitizeCause } from './errors';

/**
 * Bytes of complete records read ahead of the consumer before the body is paused (TCP then holds
 * the server back); reading resumes when the consumer has taken half of them.
 */
export const READ_AHEAD_BYTES = 1024 * 1024;

/** The error a body that closes without 'end' or 'error' counts as (what Node's stream iterator reports). */
function prematureClose(): Error & { code: string } {
  return Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

const EMPTY = Buffer.alloc(0);

/**
 * A single-consumer async iterable over the events of one subscription. It ends normally only
 * after `close()` (or the subscribe call's AbortSignal); every other end is an error:
 * `MesosStreamEndedError` (EOF, reset, truncated record; retryable), `MesosRecordIOError`
 * (malformed framing) or `MesosDecodeError` (an undecodable record). Leaving a `for await`
 * loop early closes the stream.
 */
export class EventStream<E> implements AsyncIterable<E> {
  private closed = false;
  private iterated = false;
  private pushReader: PushReader<E> | undefined;
  private readonly closeListeners: Array<() => void> = [];
  /** Wakes the reader waiting for bytes (set while it waits). */
  private wake: (() => void) | undefined;

  constructor(
    private readonly body: Readable,
    private readonly decode: (record: Buffer) => E,
    private readonly maxRecordBytes: number | undefined,
    /** @internal What the stream carries, for messages. */
    readonly what: string,
    private readonly log: Logger,
  ) {
    // Errors are read through iteration; this keeps an unread stream from crashing the process.
    body.on('error', () => {});
  }

  /** True once `close()` was called (or the stream finished). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs `listener` once, when the stream is closed or finishes. */
  onClose(listener: () => void): void {
    if (this.closed) listener();
    else this.closeListeners.push(listener);
  }

  /** Stops reading and drops the connection; a pending iteration then ends normally. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.body.destroy();
    this.notify();
    for (const listener of this.closeListeners.splice(0)) {
      try {
        listener();
      } catch (err) {
        this.log('close listener failed: %s', (err as Error)?.message);
      }
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<E> {
    if (this.iterated) throw new MesosMisuseError(`The events of ${this.what} can be iterated only once`);
    this.iterated = true;
    return this.read();
  }

  /**
   * Push-mode reading, for a consumer that handles each event synchronously (the drivers): `onEvent`
   * runs for every record as soon as its bytes arrive, with no promise or microtask per event (the
   * async iterator costs both). It returns false to stop reading until `resume()`: the records
   * already cut from the chunk in hand wait, and TCP holds the server back. Settles as iteration
   * ends: resolves after `close()`, rejects with the error iteration would throw, once the records
   * before that error were delivered. Either this or iteration, once.
   */
  consume(onEvent: (event: E) => boolean): Promise<void> {
    if (this.iterated) throw new MesosMisuseError(`The events of ${this.what} can be iterated only once`);
    this.iterated = true;
    return new Promise<void>((resolve, reject) => {
      this.pushReader = new PushReader(this, this.body, onEvent, resolve, reject);
      this.pushReader.start();
    });
  }

  /** Delivers again after `onEvent` returned false (push mode); no effect otherwise. */
  resume(): void {
    this.pushReader?.resume();
  }

  /** @internal A new decoder with this stream's record limit. */
  newDecoder(): RecordIODecoder {
    return new RecordIODecoder(this.maxRecordBytes === undefined ? {} : { maxRecordBytes: this.maxRecordBytes });
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /**
   * Reads the body's chunks as they come ('data' events, never Readable#read, which joins the
   * buffered chunks into a copy), cuts them into records (views of the chunks, not copies) and
   * decodes each record when the consumer asks for it, so a consumer that stops asking stops
   * the reading once READ_AHEAD_BYTES of records wait.
   */
  private async *read(): AsyncGenerator<E> {
    const decoder = this.newDecoder();
    const body = this.body;
    const records: Buffer[] = [];
    let head = 0;
    let buffered = 0;
    /** A failure of the body or of the framing, raised once the records before it were taken. */
    let failure: unknown;
    let ended = false;
    let endedCleanly = false;
    const onData = (chunk: Buffer) => {
      if (failure !== undefined) return;
      try {
        for (const record of decoder.write(chunk)) {
          records.push(record);
          buffered += record.length;
        }
        // The decoder hands out the good records before bad framing, then keeps the error.
        if (decoder.error) failure = decoder.error;
      } catch (err) {
        failure = err;
      }
      if (buffered >= READ_AHEAD_BYTES) body.pause();
      this.notify();
    };
    const onEnd = () => {
      ended = endedCleanly = true;
      this.notify();
    };
    const onError = (err: unknown) => {
      failure ??= err;
      this.notify();
    };
    const onClose = () => {
      if (!endedCleanly) failure ??= prematureClose();
      ended = true;
      this.notify();
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
    try {
      for (;;) {
        if (this.closed) return;
        if (head < records.length) {
          const record = records[head] as Buffer;
          records[head++] = EMPTY;
          buffered -= record.length;
          if (head === records.length) {
            records.length = 0;
            head = 0;
          }
          if (body.isPaused() && buffered <= READ_AHEAD_BYTES / 2) body.resume();
          yield this.decodeRecord(record);
          continue;
        }
        if (failure !== undefined) throw this.streamError(failure, decoder.hasPartialRecord);
        if (ended) {
          throw new MesosStreamEndedError(
            decoder.hasPartialRecord
              ? `The ${this.what} stream ended in the middle of a record`
              : `The ${this.what} stream was ended by the server`,
          );
        }
        if (body.isPaused()) body.resume();
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
      this.close();
    }
  }

  /** A failure of the body (or framing) as the error the iteration throws. */
  /** @internal */
  streamError(err: unknown, partialRecord: boolean): MesosError {
    if (err instanceof MesosError) return err;
    const cause = sanitizeCause(err);
    const partial = partialRecord ? ' in the middle of a record' : '';
    return new MesosStreamEndedError(`The ${this.what} stream broke${partial}: ${cause.message}`, {
      cause,
      ...(cause.code !== undefined ? { code: cause.code } : {}),
    });
  }

  /** @internal */
  decodeRecord(record: Buffer): E {
    try {
      return this.decode(record);
    } catch (err) {
      if (err instanceof MesosError) throw err;
      throw new MesosDecodeError(
        `Cannot decode a record of the ${this.what} stream: ${(err as Error)?.message ?? String(err)}`,
        {
          cause: err,
        },
      );
    }
  }
}

/** The push-mode reader of one EventStream (see `EventStream.consume`). */
class PushReader<E> {
  private readonly decoder: RecordIODecoder;
  /** Records cut from the chunks and not yet delivered (only while paused, or mid-delivery). */
  private records: Buffer[] = [];
  private head = 0;
  private paused = false;
  private delivering = false;
  private failure: unknown;
  private ended = false;
  private endedCleanly = false;
  private settled = false;

  constructor(
    private readonly stream: EventStream<E>,
    private readonly body: Readable,
    private readonly onEvent: (event: E) => boolean,
    private readonly resolve: () => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.decoder = stream.newDecoder();
  }

  start(): void {
    const { body, stream } = this;
    body.on('data', this.onData);
    body.on('end', this.onEnd);
    body.on('error', this.onError);
    body.on('close', this.onClose);
    stream.onClose(() => this.settle(undefined));
    if (body.isPaused()) body.resume();
  }

  /** Ends a pause the consumer asked for: the waiting records first, then the body again. */
  resume(): void {
    if (!this.paused || this.settled) return;
    this.paused = false;
    this.deliver();
    if (!this.paused && !this.settled) this.body.resume();
  }

  private readonly onData = (chunk: Buffer): void => {
    if (this.failure !== undefined) return;
    try {
      for (const record of this.decoder.write(chunk)) this.records.push(record);
      if (this.decoder.error) this.failure = this.decoder.error;
    } catch (err) {
      this.failure = err;
    }
    this.deliver();
  };

  private readonly onEnd = (): void => {
    this.ended = this.endedCleanly = true;
    this.deliver();
  };

  private readonly onError = (err: unknown): void => {
    this.failure ??= err;
    this.deliver();
  };

  private readonly onClose = (): void => {
    if (!this.endedCleanly) this.failure ??= prematureClose();
    this.ended = true;
    this.deliver();
  };

  /** Hands out the waiting records until paused or closed; then raises a failure or end behind them. */
  private deliver(): void {
    if (this.delivering || this.settled) return;
    this.delivering = true;
    try {
      const records = this.records;
      while (!this.paused && this.head < records.length) {
        if (this.stream.isClosed) return;
        const record = records[this.head] as Buffer;
        records[this.head++] = EMPTY;
        let event: E;
        try {
          event = this.stream.decodeRecord(record);
        } catch (err) {
          this.settle(err);
          return;
        }
        let more: boolean;
        try {
          more = this.onEvent(event);
        } catch (err) {
          this.settle(err);
          return;
        }
        if (!more) {
          this.paused = true;
          this.body.pause();
        }
      }
      if (this.head === records.length) {
        records.length = 0;
        this.head = 0;
      }
      if (this.paused || this.head < records.length || this.stream.isClosed) return;
      if (this.failure !== undefined) {
        this.settle(this.stream.streamError(this.failure, this.decoder.hasPartialRecord));
      } else if (this.ended) {
        this.settle(
          new MesosStreamEndedError(
            this.decoder.hasPartialRecord
              ? `The ${this.stream.what} stream ended in the middle of a record`
              : `The ${this.stream.what} stream was ended by the server`,
          ),
        );
      }
    } finally {
      this.delivering = false;
    }
  }

  /** Ends the reading: resolves (undefined: closed) or rejects, once. */
  private settle(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    const { body } = this;
    body.off('data', this.onData);
    body.off('end', this.onEnd);
    body.off('error', this.onError);
    body.off('close', this.onClose);
    this.records = [];
    this.stream.close();
    if (error === undefined) this.resolve();
    else this.reject(error);
  }
}

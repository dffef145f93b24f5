/** The decoded event stream of a SUBSCRIBE response: RecordIO records in, typed events out. */
import type { Readable } from 'node:stream';
import { RecordIODecoder } from '../codec/recordio';
import { MesosDecodeError, MesosError, MesosMisuseError, MesosStreamEndedError } from '../common/errors';
import type { Logger } from '../common/logger';
import { sanitizeCause } from './errors';

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
  private readonly closeListeners: Array<() => void> = [];

  constructor(
    private readonly body: Readable,
    private readonly decode: (record: Buffer) => E,
    private readonly maxRecordBytes: number | undefined,
    private readonly what: string,
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

  private async *read(): AsyncGenerator<E> {
    const decoder = new RecordIODecoder(
      this.maxRecordBytes === undefined ? {} : { maxRecordBytes: this.maxRecordBytes },
    );
    try {
      try {
        for await (const chunk of this.body) {
          if (this.closed) return;
          for (const record of decoder.write(chunk as Buffer)) {
            yield this.decodeRecord(record);
            if (this.closed) return;
          }
          // The decoder hands out the good records before bad framing, then keeps the error.
          if (decoder.error) throw decoder.error;
        }
      } catch (err) {
        if (this.closed) return;
        if (err instanceof MesosError) throw err;
        const cause = sanitizeCause(err);
        const partial = decoder.hasPartialRecord ? ' in the middle of a record' : '';
        throw new MesosStreamEndedError(`The ${this.what} stream broke${partial}: ${cause.message}`, {
          cause,
          ...(cause.code !== undefined ? { code: cause.code } : {}),
        });
      }
      if (this.closed) return;
      if (decoder.hasPartialRecord) {
        throw new MesosStreamEndedError(`The ${this.what} stream ended in the middle of a record`);
      }
      throw new MesosStreamEndedError(`The ${this.what} stream was ended by the server`);
    } finally {
      this.close();
    }
  }

  private decodeRecord(record: Buffer): E {
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

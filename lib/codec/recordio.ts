/**
 * RecordIO framing, as used by every Mesos streaming response: `<decimal byte length>\n<bytes>`,
 * records back to back with no separator. The decoder is the event-ingest hot path, so it slices
 * records out of the incoming chunks without copying whenever a record lies inside one chunk.
 */
import { MesosConfigError, MesosRecordIOError } from '../common/errors';

/**
 * Default largest record the decoder accepts: 64 MiB. Mesos events are far smaller (a large
 * OFFERS event is tens of KiB), so a bigger header means a broken or hostile peer.
 */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** A uint64 has at most 20 decimal digits; a longer digit run is not a length. */
const MAX_HEADER_DIGITS = 20;

const LF = 0x0a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** Options of {@link RecordIODecoder} and {@link readRecords}. */
export interface RecordIOOptions {
  /** Largest record accepted, in bytes. Default {@link DEFAULT_MAX_RECORD_BYTES}. */
  maxRecordBytes?: number;
}

/** How a byte in a length header looks in an error message (never the payload itself). */
function describeByte(byte: number): string {
  if (byte === 0x0d) return 'CR (0x0d)';
  if (byte >= 0x21 && byte <= 0x7e) return `'${String.fromCharCode(byte)}' (0x${byte.toString(16)})`;
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

function asBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (!(chunk instanceof Uint8Array)) {
    throw new MesosConfigError(`RecordIO input must be a Uint8Array, got ${typeof chunk}`);
  }
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * Streaming RecordIO decoder: feed it arbitrary chunks with `write()`, get back every record
 * completed by that chunk. Returned records may share memory with the chunks written (they are
 * views, not copies), so do not modify a chunk after writing it.
 *
 * A malformed length header or a record above `maxRecordBytes` fails the decoder for good: the
 * failing call throws `MesosRecordIOError`, and so does every later call. When records were
 * completed in the same chunk before the bad bytes, `write()` first returns those records and
 * throws on the next call, so no good record is lost.
 */
export class RecordIODecoder {
  /** Largest record accepted, in bytes. */
  readonly maxRecordBytes: number;
  private readingHeader = true;
  private headerDigits = 0;
  private headerValue = 0;
  private remaining = 0;
  private recordLength = 0;
  private parts: Buffer[] = [];
  private failure: MesosRecordIOError | undefined;
  private ended = false;

  constructor(options: RecordIOOptions = {}) {
    const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new MesosConfigError(`maxRecordBytes must be a positive integer, got ${String(max)}`);
    }
    this.maxRecordBytes = max;
  }

  /** The error that failed this decoder, if it has failed. */
  get error(): MesosRecordIOError | undefined {
    return this.failure;
  }

  /** True when part of a record (or of its length header) is buffered, waiting for more bytes. */
  get hasPartialRecord(): boolean {
    return !this.readingHeader || this.headerDigits > 0;
  }

  /** Decodes `chunk` and returns the records it completed, in order. */
  write(chunk: Uint8Array): Buffer[] {
    if (this.failure) throw this.failure;
    if (this.ended) throw new MesosRecordIOError('RecordIO decoder: write() after end()');
    const buf = asBuffer(chunk);
    const records: Buffer[] = [];
    const length = buf.length;
    let i = 0;
    while (i < length) {
      if (this.readingHeader) {
        const byte = buf[i++] as number;
        if (byte === LF) {
          if (this.headerDigits === 0) {
            return this.fail(records, 'RecordIO: empty length header (a line feed where digits were expected)');
          }
          this.startRecord(records);
        } else if (byte >= DIGIT_0 && byte <= DIGIT_9) {
          if (++this.headerDigits > MAX_HEADER_DIGITS) {
            return this.fail(records, `RecordIO: length header longer than ${MAX_HEADER_DIGITS} digits`);
          }
          this.headerValue = this.headerValue * 10 + (byte - DIGIT_0);
          if (this.headerValue > this.maxRecordBytes) {
            // Fail as soon as the header is known to be too big: the record is never buffered.
            return this.fail(
              records,
              `RecordIO: record of at least ${this.headerValue} bytes exceeds the maximum of ${this.maxRecordBytes} bytes`,
            );
          }
        } else {
          return this.fail(records, `RecordIO: invalid byte ${describeByte(byte)} in a length header`);
        }
      } else {
        const take = Math.min(this.remaining, length - i);
        if (this.parts.length === 0 && take === this.remaining) {
          records.push(buf.subarray(i, i + take)); // whole record in this chunk: zero-copy view
        } else {
          this.parts.push(buf.subarray(i, i + take));
          if (take === this.remaining) {
            records.push(Buffer.concat(this.parts, this.recordLength));
            this.parts = [];
          }
        }
        this.remaining -= take;
        i += take;
        if (this.remaining === 0) this.readingHeader = true;
      }
    }
    return records;
  }

  /**
   * Declares the end of input. Throws `MesosRecordIOError` if a partial record (or header) is
   * buffered, or if the decoder has failed.
   */
  end(): void {
    if (this.failure) throw this.failure;
    this.ended = true;
    if (this.hasPartialRecord) {
      const detail = this.readingHeader
        ? 'inside a length header'
        : `${this.recordLength - this.remaining} of ${this.recordLength} bytes into a record`;
      this.parts = [];
      throw new MesosRecordIOError(`RecordIO: input ended ${detail}`);
    }
  }

  private startRecord(records: Buffer[]): void {
    const size = this.headerValue;
    this.headerValue = 0;
    this.headerDigits = 0;
    if (size === 0) {
      // Mesos never sends empty records, but stout yields one; so do we.
      records.push(Buffer.alloc(0));
      return;
    }
    this.readingHeader = false;
    this.recordLength = size;
    this.remaining = size;
  }

  private fail(records: Buffer[], message: string): Buffer[] {
    this.failure = new MesosRecordIOError(message);
    this.parts = [];
    if (records.length > 0) return records;
    throw this.failure;
  }
}

/** Frames one record: its decimal byte length, a line feed, then the bytes. */
export function encodeRecord(data: Uint8Array): Buffer {
  const payload = asBuffer(data);
  const header = Buffer.from(`${payload.length}\n`, 'latin1');
  return Buffer.concat([header, payload], header.length + payload.length);
}

/**
 * Decodes a byte stream into records. Throws `MesosRecordIOError` on malformed framing, an
 * oversized record, or a stream that ends inside a record.
 */
export async function* readRecords(
  source: AsyncIterable<Uint8Array>,
  options: RecordIOOptions = {},
): AsyncGenerator<Buffer> {
  const decoder = new RecordIODecoder(options);
  for await (const chunk of source) {
    for (const record of decoder.write(chunk)) yield record;
  }
  decoder.end();
}

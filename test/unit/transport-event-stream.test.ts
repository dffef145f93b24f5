/** EventStream's reading: records as views of the chunks, read-ahead bounded, failures after the good records. */
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { encodeRecord } from '../../lib/codec/recordio';
import { MesosRecordIOError, MesosStreamEndedError } from '../../lib/common/errors';
import { createLogger } from '../../lib/common/logger';
import { EventStream, READ_AHEAD_BYTES } from '../../lib/transport/event-stream';

const log = createLogger('test:event-stream');

function stream(body: PassThrough, seen: Buffer[] = []): EventStream<string> {
  return new EventStream<string>(
    body,
    (record) => {
      seen.push(record);
      return record.toString('latin1');
    },
    undefined,
    'test',
    log,
  );
}

describe('transport: EventStream reading', () => {
  it('hands the decoder views of the chunks it read, not copies, even when chunks wait in the body', async () => {
    const body = new PassThrough();
    const seen: Buffer[] = [];
    /** A chunk in memory of its own (not Node's shared pool), so views can be told from copies. */
    const chunkOf = (...texts: string[]) => {
      const bytes = Buffer.concat(texts.map((t) => encodeRecord(Buffer.from(t))));
      const own = Buffer.alloc(bytes.length);
      bytes.copy(own);
      return own;
    };
    const first = chunkOf('one', 'two');
    const second = chunkOf('three');
    // Both chunks are buffered before reading starts (a reader joining them would copy).
    body.write(first);
    body.write(second);
    const events = stream(body, seen)[Symbol.asyncIterator]();
    const read = [(await events.next()).value, (await events.next()).value, (await events.next()).value];
    expect(read).to.deep.equal(['one', 'two', 'three']);
    expect(seen.map((record) => record.buffer)).to.deep.equal([first.buffer, first.buffer, second.buffer]);
    expect(seen[2]?.buffer).to.equal(second.buffer);
    await events.return?.(undefined);
  });

  it('stops reading when the consumer lags READ_AHEAD_BYTES behind, and resumes when it catches up', async () => {
    const body = new PassThrough({ highWaterMark: 16 * 1024 });
    const record = encodeRecord(Buffer.alloc(64 * 1024, 0x61));
    const count = Math.ceil((3 * READ_AHEAD_BYTES) / record.length);
    let written = 0;
    const writeAll = async () => {
      for (; written < count; written++) {
        if (!body.write(record)) await new Promise((r) => body.once('drain', r));
      }
      body.end();
    };
    const events = stream(body)[Symbol.asyncIterator]();
    const writing = writeAll();
    await events.next(); // reading starts; then the consumer stops
    await new Promise((r) => setTimeout(r, 50));
    expect(body.isPaused()).to.equal(true);
    // The writer is held back: far from all records are written.
    expect(written).to.be.lessThan(count);
    let read = 1;
    let end: unknown;
    try {
      while (!(await events.next()).done) read++;
    } catch (err) {
      end = err;
    }
    await writing;
    expect(read).to.equal(count);
    expect(end).to.be.instanceOf(MesosStreamEndedError);
  });

  it('delivers the records before bad framing, then throws MesosRecordIOError', async () => {
    const body = new PassThrough();
    body.write(Buffer.concat([encodeRecord(Buffer.from('good')), Buffer.from('x\n')]));
    const read: string[] = [];
    let error: unknown;
    try {
      for await (const event of stream(body)) read.push(event);
    } catch (err) {
      error = err;
    }
    expect(read).to.deep.equal(['good']);
    expect(error).to.be.instanceOf(MesosRecordIOError);
  });

  it('delivers the records read before the body failed, then throws a retryable MesosStreamEndedError', async () => {
    const body = new PassThrough();
    body.write(encodeRecord(Buffer.from('before')));
    const events = stream(body)[Symbol.asyncIterator]();
    expect((await events.next()).value).to.equal('before');
    body.destroy(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const error = await events.next().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(MesosStreamEndedError);
    expect((error as MesosStreamEndedError).retryable).to.equal(true);
    expect((error as Error).message).to.contain('socket hang up');
  });

  it('ends quietly when closed while the consumer waits for bytes', async () => {
    const body = new PassThrough();
    const events = stream(body);
    const iterator = events[Symbol.asyncIterator]();
    const pending = iterator.next();
    await new Promise((r) => setImmediate(r));
    events.close();
    expect((await pending).done).to.equal(true);
  });
});

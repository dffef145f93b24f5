/** EventStream's push mode (consume): events handed over synchronously, pause/resume, failures after the good records. */
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { encodeRecord } from '../../lib/codec/recordio';
import { MesosMisuseError, MesosRecordIOError, MesosStreamEndedError } from '../../lib/common/errors';
import { createLogger } from '../../lib/common/logger';
import { EventStream } from '../../lib/transport/event-stream';

const log = createLogger('test:event-stream-push');

function stream(body: PassThrough): EventStream<string> {
  return new EventStream<string>(body, (record) => record.toString('latin1'), undefined, 'test', log);
}

const records = (...texts: string[]) => Buffer.concat(texts.map((t) => encodeRecord(Buffer.from(t))));

describe('transport: EventStream push mode (consume)', () => {
  it('hands over every record of a chunk synchronously, in order, across records cut between chunks', async () => {
    const body = new PassThrough();
    const events = stream(body);
    const seen: string[] = [];
    const perChunk: number[] = [];
    let before = 0;
    const done = events.consume((event) => {
      seen.push(event);
      return true;
    });
    body.on('data', () => {
      // Runs right after consume's own listener: what it delivered for this chunk, without waiting.
      perChunk.push(seen.length - before);
      before = seen.length;
    });
    const bytes = records('one', 'two', 'three');
    body.write(bytes.subarray(0, 8)); // "3\none3\nt": one record and the start of the next
    body.write(bytes.subarray(8));
    await new Promise((r) => setImmediate(r));
    expect(seen).to.deep.equal(['one', 'two', 'three']);
    expect(perChunk).to.deep.equal([1, 2]);
    events.close();
    await done; // close() ends it normally
  });

  it('stops at false: the rest waits, the body is paused, and resume() delivers it in order', async () => {
    const body = new PassThrough();
    const events = stream(body);
    const seen: string[] = [];
    const done = events.consume((event) => {
      seen.push(event);
      return event !== 'two';
    });
    body.write(records('one', 'two', 'three', 'four'));
    await new Promise((r) => setImmediate(r));
    expect(seen).to.deep.equal(['one', 'two']);
    expect(body.isPaused()).to.equal(true);
    body.write(records('five'));
    await new Promise((r) => setImmediate(r));
    expect(seen).to.deep.equal(['one', 'two']);
    events.resume();
    await new Promise((r) => setImmediate(r));
    expect(seen).to.deep.equal(['one', 'two', 'three', 'four', 'five']);
    expect(body.isPaused()).to.equal(false);
    events.close();
    await done;
  });

  it('rejects with the framing error after the records before it, and with a typed error when the server ends', async () => {
    const bad = new PassThrough();
    const seen: string[] = [];
    const failing = stream(bad).consume((event) => {
      seen.push(event);
      return true;
    });
    bad.write(Buffer.concat([records('ok'), Buffer.from('x\n')]));
    const error = await failing.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(seen).to.deep.equal(['ok']);
    expect(error).to.be.instanceOf(MesosRecordIOError);

    const ended = new PassThrough();
    const ending = stream(ended).consume(() => true);
    ended.end(records('last').subarray(0, 3));
    const endError = await ending.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(endError).to.be.instanceOf(MesosStreamEndedError);
    expect((endError as Error).message).to.match(/in the middle of a record/);
  });

  it('rejects with what the consumer threw, closes the stream, and refuses a second reader', async () => {
    const body = new PassThrough();
    const events = stream(body);
    const done = events.consume(() => {
      throw new Error('consumer bug');
    });
    expect(() => events.consume(() => true)).to.throw(MesosMisuseError);
    body.write(records('one'));
    const error = await done.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect((error as Error).message).to.equal('consumer bug');
    expect(events.isClosed).to.equal(true);
    expect(body.destroyed).to.equal(true);
  });
});

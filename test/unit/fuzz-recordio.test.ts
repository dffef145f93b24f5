/**
 * Fuzzing the RecordIO decoder (fast-check; counts: test/unit/helpers/fuzz.ts): valid streams
 * under random chunking decode exactly; damaged streams and random bytes decode to a prefix of
 * records or fail with MesosRecordIOError (and keep failing), never another error, never a record
 * above the limit.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { encodeRecord, RecordIODecoder } from '../../lib/codec/recordio';
import { MesosRecordIOError } from '../../lib/common/errors';
import { chunked, damaged, fuzz, fuzzRuns } from './helpers/fuzz';

const MAX = 4096;

function decodeAll(chunks: readonly Buffer[]): { records: Buffer[]; error?: unknown } {
  const decoder = new RecordIODecoder({ maxRecordBytes: MAX });
  const records: Buffer[] = [];
  try {
    for (const chunk of chunks) records.push(...decoder.write(chunk));
    decoder.end();
  } catch (error) {
    // A failed decoder keeps failing with the same type.
    expect(() => decoder.write(Buffer.from('1\n'))).to.throw(MesosRecordIOError);
    return { records, error };
  }
  return { records };
}

describe('fuzz: RecordIO framing', function () {
  this.timeout(120_000);
  const payloads = fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 8 });
  const stream = payloads.map((records) => Buffer.concat(records.map((r) => encodeRecord(r))));
  const cuts = fc.array(fc.nat(), { maxLength: 8 });

  it('valid, damaged and random streams under random chunking: exact records, or a typed error', () => {
    const input = fc.oneof(
      stream.map((bytes) => ({ bytes, valid: true })),
      damaged(stream).map((bytes) => ({ bytes, valid: false })),
      fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ bytes, valid: false })),
    );
    fuzz(
      'recordio',
      fuzzRuns(100_000),
      fc.property(input, cuts, ({ bytes, valid }, at) => {
        const whole = decodeAll([Buffer.from(bytes)]);
        const split = decodeAll(chunked(bytes, at));
        if (valid) expect(whole.error).to.equal(undefined);
        for (const result of [whole, split]) {
          if (result.error !== undefined) expect(result.error).to.be.instanceOf(MesosRecordIOError);
          for (const record of result.records) expect(record.length).to.be.at.most(MAX);
        }
        // Chunking never changes what is decoded.
        expect(split.records.map((r) => r.toString('hex'))).to.deep.equal(whole.records.map((r) => r.toString('hex')));
        expect(split.error === undefined).to.equal(whole.error === undefined);
      }),
    );
  });
});

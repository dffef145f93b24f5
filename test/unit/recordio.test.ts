import { expect } from 'chai';
import fc from 'fast-check';
import { DEFAULT_MAX_RECORD_BYTES, encodeRecord, RecordIODecoder, readRecords } from '../../lib/codec/recordio';
import { MesosConfigError, MesosRecordIOError } from '../../lib/common/errors';

const text = (records: Buffer[]) => records.map((r) => r.toString('utf8'));

/** Splits `data` at the given cut points (sorted, deduplicated, inside the buffer). */
function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of points) {
    chunks.push(data.subarray(start, p));
    start = p;
  }
  chunks.push(data.subarray(start));
  return chunks;
}

describe('RecordIO', () => {
  describe('encodeRecord', () => {
    it('writes the decimal byte length, a line feed, then the bytes', () => {
      expect(encodeRecord(Buffer.from('{"type":"HEARTBEAT"}')).toString()).to.equal('20\n{"type":"HEARTBEAT"}');
    });

    it('counts bytes, not characters, of UTF-8 text', () => {
      expect(encodeRecord(Buffer.from('é€😀')).subarray(0, 2).toString()).to.equal('9\n');
    });

    it('accepts a plain Uint8Array', () => {
      expect(encodeRecord(new Uint8Array([1, 2, 3]))).to.deep.equal(Buffer.from([0x33, 0x0a, 1, 2, 3]));
    });
  });

  describe('RecordIODecoder', () => {
    it('has a 64 MiB default maximum', () => {
      expect(DEFAULT_MAX_RECORD_BYTES).to.equal(64 * 1024 * 1024);
      expect(new RecordIODecoder().maxRecordBytes).to.equal(DEFAULT_MAX_RECORD_BYTES);
    });

    it('decodes many records from one chunk', () => {
      const decoder = new RecordIODecoder();
      expect(text(decoder.write(Buffer.from('3\nabc5\nhello1\nx')))).to.deep.equal(['abc', 'hello', 'x']);
      decoder.end();
    });

    it('decodes a record split inside its length header', () => {
      const decoder = new RecordIODecoder();
      expect(decoder.write(Buffer.from('1'))).to.deep.equal([]);
      expect(decoder.hasPartialRecord).to.equal(true);
      expect(decoder.write(Buffer.from('2\nhello '))).to.deep.equal([]);
      expect(text(decoder.write(Buffer.from('world!')))).to.deep.equal(['hello world!']);
      expect(decoder.hasPartialRecord).to.equal(false);
    });

    it('decodes a record split right after the line feed', () => {
      const decoder = new RecordIODecoder();
      expect(decoder.write(Buffer.from('5\n'))).to.deep.equal([]);
      expect(text(decoder.write(Buffer.from('hello')))).to.deep.equal(['hello']);
    });

    it('decodes a record split inside a multi-byte UTF-8 character', () => {
      const record = Buffer.from('{"name":"café €"}');
      const framed = encodeRecord(record);
      const cut = framed.indexOf(0xc3) + 1; // between the two bytes of 'é'
      const decoder = new RecordIODecoder();
      expect(decoder.write(framed.subarray(0, cut))).to.deep.equal([]);
      const [out] = decoder.write(framed.subarray(cut));
      expect(out?.toString('utf8')).to.equal('{"name":"café €"}');
    });

    it('returns views into the chunk (no copy) when a record lies in one chunk', () => {
      const chunk = Buffer.from('3\nabc');
      const [record] = new RecordIODecoder().write(chunk);
      expect(record?.buffer).to.equal(chunk.buffer);
    });

    it('yields an empty record for a 0 header, as stout does', () => {
      expect(text(new RecordIODecoder().write(Buffer.from('0\n2\nok')))).to.deep.equal(['', 'ok']);
    });

    for (const [name, input] of [
      ['a non-digit', 'x\nabc'],
      ['a CR before the line feed', '3\r\nabc'],
      ['an empty header', '\nabc'],
      ['a hex header', '0x3\nabc'],
      ['a 21-digit run', `${'0'.repeat(21)}\n`],
    ] as const) {
      it(`fails for good on ${name}`, () => {
        const decoder = new RecordIODecoder();
        expect(() => decoder.write(Buffer.from(input))).to.throw(MesosRecordIOError, /RecordIO/);
        expect(() => decoder.write(Buffer.from('3\nabc'))).to.throw(MesosRecordIOError);
        expect(() => decoder.end()).to.throw(MesosRecordIOError);
        expect(decoder.error).to.be.instanceOf(MesosRecordIOError);
      });
    }

    it('names the bad byte in the error', () => {
      expect(() => new RecordIODecoder().write(Buffer.from('3\r\n'))).to.throw(/CR \(0x0d\)/);
    });

    it('returns the good records before a malformed header, then throws', () => {
      const decoder = new RecordIODecoder();
      expect(text(decoder.write(Buffer.from('2\nok?\n')))).to.deep.equal(['ok']);
      expect(() => decoder.write(Buffer.from('2\nok'))).to.throw(MesosRecordIOError, /'\?'/);
    });

    it('rejects a record above the maximum without buffering it', () => {
      const decoder = new RecordIODecoder({ maxRecordBytes: 10 });
      expect(text(decoder.write(Buffer.from('10\n0123456789')))).to.deep.equal(['0123456789']);
      // Fails on the header alone: the 11 bytes are never awaited.
      expect(() => decoder.write(Buffer.from('11\n'))).to.throw(MesosRecordIOError, /exceeds the maximum of 10 bytes/);
    });

    it('rejects a huge header before it is complete', () => {
      const decoder = new RecordIODecoder({ maxRecordBytes: 1000 });
      expect(() => decoder.write(Buffer.from('99999'))).to.throw(MesosRecordIOError, /exceeds/);
    });

    it('rejects a bad maxRecordBytes option', () => {
      expect(() => new RecordIODecoder({ maxRecordBytes: 0 })).to.throw(MesosConfigError);
      expect(() => new RecordIODecoder({ maxRecordBytes: 1.5 })).to.throw(MesosConfigError);
    });

    it('rejects input that is not bytes', () => {
      expect(() => new RecordIODecoder().write('3\nabc' as unknown as Uint8Array)).to.throw(MesosConfigError);
    });

    it('end() throws when input stops inside a record', () => {
      const decoder = new RecordIODecoder();
      decoder.write(Buffer.from('10\nabc'));
      expect(() => decoder.end()).to.throw(MesosRecordIOError, /3 of 10 bytes/);
    });

    it('end() throws when input stops inside a header', () => {
      const decoder = new RecordIODecoder();
      decoder.write(Buffer.from('3\nabc12'));
      expect(() => decoder.end()).to.throw(MesosRecordIOError, /length header/);
    });

    it('end() is quiet at a record boundary', () => {
      const decoder = new RecordIODecoder();
      decoder.write(Buffer.from('3\nabc'));
      expect(() => decoder.end()).not.to.throw();
    });
  });

  describe('readRecords', () => {
    async function* chunks(...parts: string[]) {
      for (const p of parts) yield Buffer.from(p);
    }

    it('yields the records of an async byte stream', async () => {
      const out: string[] = [];
      for await (const r of readRecords(chunks('3\na', 'bc2', '\nde'))) out.push(r.toString());
      expect(out).to.deep.equal(['abc', 'de']);
    });

    it('throws at the end of a truncated stream', async () => {
      const out: string[] = [];
      let error: unknown;
      try {
        for await (const r of readRecords(chunks('3\nabc4\nde'))) out.push(r.toString());
      } catch (err) {
        error = err;
      }
      expect(out).to.deep.equal(['abc']);
      expect(error).to.be.instanceOf(MesosRecordIOError);
    });

    it('passes maxRecordBytes through', async () => {
      const gen = readRecords(chunks('100\n'), { maxRecordBytes: 99 });
      let error: unknown;
      try {
        await gen.next();
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(MesosRecordIOError);
    });
  });

  describe('properties', () => {
    const records = fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 });

    it('decodes any records under any split into chunks', () => {
      fc.assert(
        fc.property(records, fc.array(fc.nat(), { maxLength: 30 }), (input, cuts) => {
          const stream = Buffer.concat(input.map((r) => encodeRecord(r)));
          const decoder = new RecordIODecoder();
          const out: Buffer[] = [];
          for (const chunk of splitAt(stream, cuts)) out.push(...decoder.write(chunk));
          decoder.end();
          expect(out.map((b) => Buffer.from(b).toString('hex'))).to.deep.equal(
            input.map((r) => Buffer.from(r).toString('hex')),
          );
        }),
        { numRuns: 300 },
      );
    });

    it('decodes UTF-8 text records byte by byte', () => {
      fc.assert(
        fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 40 }), { maxLength: 8 }), (strings) => {
          const stream = Buffer.concat(strings.map((s) => encodeRecord(Buffer.from(s, 'utf8'))));
          const decoder = new RecordIODecoder();
          const out: string[] = [];
          for (let i = 0; i < stream.length; i++) out.push(...text(decoder.write(stream.subarray(i, i + 1))));
          decoder.end();
          expect(out).to.deep.equal(strings);
        }),
        { numRuns: 100 },
      );
    });

    it('detects any truncation of a non-empty stream at end()', () => {
      fc.assert(
        fc.property(
          fc.array(fc.uint8Array({ minLength: 1, maxLength: 100 }), { minLength: 1, maxLength: 5 }),
          fc.nat(),
          (input, cut) => {
            const stream = Buffer.concat(input.map((r) => encodeRecord(r)));
            const boundaries = new Set<number>([0]);
            let offset = 0;
            for (const r of input) boundaries.add((offset += encodeRecord(r).length));
            const at = cut % stream.length;
            fc.pre(!boundaries.has(at));
            const decoder = new RecordIODecoder();
            decoder.write(stream.subarray(0, at));
            expect(() => decoder.end()).to.throw(MesosRecordIOError);
          },
        ),
        { numRuns: 200 },
      );
    });
  });
});

/**
 * Fuzzing the HTTP/1.1 response parser of the pipelined transport (fast-check; counts:
 * test/unit/helpers/fuzz.ts): damaged valid responses, random heads and random bytes, split
 * anywhere, parse to responses or fail with HttpResponseParseError, never another error; the
 * chunking never changes the outcome, and buffered bytes stay bounded by the head limit.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import {
  HttpResponseParseError,
  HttpResponseParser,
  type ParsedResponse,
} from '../../lib/transport/http-response-parser';
import { chunked, damaged, fuzz, fuzzRuns } from './helpers/fuzz';

function run(chunks: readonly Buffer[]): { responses: string[]; error?: unknown } {
  const responses: string[] = [];
  const parser = new HttpResponseParser((r: ParsedResponse) => responses.push(`${r.status} ${r.body.toString('hex')}`));
  try {
    for (const chunk of chunks) parser.push(chunk);
    parser.end();
  } catch (error) {
    return { responses, error };
  }
  return { responses };
}

const token = fc.constantFrom(
  'HTTP/1.1 200 OK\r\n',
  'HTTP/1.1 202 Accepted\r\n',
  'HTTP/1.0 307 Temporary Redirect\r\n',
  'HTTP/1.1 100 Continue\r\n\r\n',
  'Content-Length: 3\r\n',
  'Content-Length: 99999999999999999999\r\n',
  'Content-Length: -1\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Connection: close\r\n',
  'Location: //m2:5050/api/v1/scheduler\r\n',
  '\r\n',
  '3\r\nabc\r\n',
  '0\r\n\r\n',
  'ffffffffffff\r\n',
  'abc',
);

const validResponse = fc
  .record({
    status: fc.constantFrom(200, 202, 307, 400, 503),
    body: fc.uint8Array({ maxLength: 40 }),
    chunkedBody: fc.boolean(),
  })
  .map(({ status, body, chunkedBody }) => {
    const head = `HTTP/1.1 ${status} X\r\n${chunkedBody ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`}\r\n\r\n`;
    const framed = chunkedBody
      ? Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')])
      : Buffer.from(body);
    return Buffer.concat([Buffer.from(head), framed]);
  });
const validStream = fc.array(validResponse, { maxLength: 4 }).map((parts) => Buffer.concat(parts));

describe('fuzz: HTTP/1.1 response parser', function () {
  this.timeout(120_000);

  it('damaged responses, random heads and random bytes, split anywhere: responses or a typed error', () => {
    const input = fc.oneof(
      damaged(validStream),
      fc.array(token, { maxLength: 10 }).map((parts) => Buffer.from(parts.join(''))),
      fc.uint8Array({ maxLength: 200 }),
    );
    fuzz(
      'http-response-parser',
      fuzzRuns(100_000),
      fc.property(input, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const whole = run([Buffer.from(bytes)]);
        const split = run(chunked(bytes, cuts));
        for (const result of [whole, split]) {
          if (result.error !== undefined) expect(result.error).to.be.instanceOf(HttpResponseParseError);
        }
        expect(split.responses).to.deep.equal(whole.responses);
        expect(split.error === undefined).to.equal(whole.error === undefined);
      }),
    );
  });
});

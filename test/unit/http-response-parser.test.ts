import { expect } from 'chai';
import fc from 'fast-check';
import { MesosTransportError } from '../../lib/common/errors';
import {
  HttpResponseParseError,
  HttpResponseParser,
  type ParsedResponse,
} from '../../lib/transport/http-response-parser';

// The parser's limits (not exported): status line plus headers, one chunk-size line, one body.
const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_SIZE_LINE = 1024;
const MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Feeds `chunks` in order (then `end()` unless told not to) and returns the responses emitted. */
function parse(chunks: Array<Buffer | string>, options: { end?: boolean } = {}): ParsedResponse[] {
  const responses: ParsedResponse[] = [];
  const parser = new HttpResponseParser((response) => responses.push(response));
  for (const chunk of chunks) parser.push(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
  if (options.end !== false) parser.end();
  return responses;
}

/** Asserts that feeding `chunks` (then ending) throws the typed parse error with a message matching `message`. */
function expectParseError(chunks: Array<Buffer | string>, message: RegExp, options: { end?: boolean } = {}): void {
  let caught: unknown;
  try {
    parse(chunks, options);
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a parse error').to.be.instanceOf(HttpResponseParseError);
  expect((caught as HttpResponseParseError).code).to.equal('HPE_INVALID_RESPONSE');
  expect(caught).to.be.instanceOf(MesosTransportError);
  expect((caught as HttpResponseParseError).retryable).to.equal(true);
  expect((caught as HttpResponseParseError).name).to.equal('HttpResponseParseError');
  expect((caught as Error).message).to.match(message);
}

/** Splits `data` at the given cut positions (taken modulo its length). */
function splitAt(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => (data.length === 0 ? 0 : cut % (data.length + 1))))].sort(
    (a, b) => a - b,
  );
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(Buffer.from(data.subarray(start, point)));
    start = point;
  }
  pieces.push(Buffer.from(data.subarray(start)));
  return pieces;
}

function statusAndBody(responses: ParsedResponse[]): Array<[number, string, boolean]> {
  return responses.map((r) => [r.status, r.body.toString('latin1'), r.closesConnection]);
}

describe('HttpResponseParser', () => {
  it('parses a run of identical heads once (shared, frozen headers) and a different head anew', () => {
    const same = 'HTTP/1.1 202 Accepted\r\nDate: Sat, 05 Dec 2026 04:50:00 GMT\r\nContent-Length: 0\r\n\r\n';
    const other = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\nConnection: close\r\n\r\nbad';
    const responses = parse([same + same + other + same], { end: false });
    expect(responses.map((r) => [r.status, r.body.toString(), r.closesConnection])).to.deep.equal([
      [202, '', false],
      [202, '', false],
      [400, 'bad', true],
      [202, '', false],
    ]);
    expect(responses[1]?.headers).to.equal(responses[0]?.headers);
    expect(Object.isFrozen(responses[0]?.headers)).to.equal(true);
    expect(responses[2]?.headers).to.deep.equal({ 'content-length': '3', connection: 'close' });
  });

  describe('status line', () => {
    it('accepts HTTP/1.1 and HTTP/1.0 with or without a reason phrase', () => {
      const responses = parse([
        'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 503 Service  Unavailable: try later\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok',
      ]);
      expect(responses.map((r) => r.status)).to.deep.equal([202, 200, 200, 503, 200]);
      expect(responses[4]?.body.toString()).to.equal('ok');
    });

    for (const line of [
      'HTTP/2 200 OK',
      'HTTP/1.2 200 OK',
      'http/1.1 200 OK',
      'HTTP/1.1 20 OK',
      'HTTP/1.1 2000 OK',
      'HTTP/1.1 099 OK',
      'HTTP/1.1  200 OK',
      'HTTP/1.1 200OK',
      ' HTTP/1.1 200 OK',
      'ICY 200 OK',
      '',
    ]) {
      it(`rejects the status line ${JSON.stringify(line)}`, () => {
        expectParseError([`${line}\r\nContent-Length: 0\r\n\r\n`], /Malformed status line/);
      });
    }
  });

  describe('headers', () => {
    it('lower-cases names, trims spaces and tabs around values and joins repeated headers', () => {
      const [response] = parse([
        'HTTP/1.1 200 OK\r\n' +
          'CoNtEnT-LeNgTh:3\r\n' +
          'X-Mesos-Stream-Id: \t abc-123 \t\r\n' +
          'Set-Cookie: a=1\r\n' +
          'set-cookie:b=2\r\n' +
          'X-Empty:\r\n' +
          'X-Odd_name.~!: v\r\n' +
          '\r\nabc',
      ]);
      expect(response?.headers).to.deep.equal({
        'content-length': '3',
        'x-mesos-stream-id': 'abc-123',
        'set-cookie': 'a=1, b=2',
        'x-empty': '',
        'x-odd_name.~!': 'v',
      });
      expect(response?.body.toString()).to.equal('abc');
    });

    it('keeps a colon inside a value', () => {
      const [response] = parse([
        'HTTP/1.1 307 Temporary Redirect\r\nLocation: //10.0.0.2:5050/api\r\nContent-Length: 0\r\n\r\n',
      ]);
      expect(response?.headers.location).to.equal('//10.0.0.2:5050/api');
    });

    for (const [label, line] of [
      ['a space before the colon', 'Content-Length : 0'],
      ['no colon', 'Content-Length 0'],
      ['an empty name', ': value'],
      ['a folded continuation line', ' continued'],
      ['a space inside the name', 'Content Length: 0'],
      ['a non-token character in the name', 'X-A(b): 1'],
    ] as const) {
      it(`rejects a header line with ${label}`, () => {
        expectParseError([`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`], /Malformed header line/);
      });
    }
  });

  describe('Content-Length bodies', () => {
    it('reads exactly Content-Length bytes, including binary bytes and CRLFs', () => {
      const body = Buffer.from([0, 13, 10, 13, 10, 255, 128, 72]);
      const head = Buffer.from(`HTTP/1.1 400 Bad Request\r\nContent-Length: ${body.length}\r\n\r\n`, 'latin1');
      const [response] = parse([Buffer.concat([head, body])]);
      expect(response?.status).to.equal(400);
      expect(response?.body.equals(body)).to.equal(true);
    });

    it('accepts a zero length and repeated identical values, and leading zeros', () => {
      const responses = parse([
        'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nhi',
        'HTTP/1.1 200 OK\r\nContent-Length: 003\r\n\r\nabc',
      ]);
      expect(statusAndBody(responses)).to.deep.equal([
        [202, '', false],
        [200, 'hi', false],
        [200, 'abc', false],
      ]);
    });

    for (const value of ['1, 2', '-1', '+1', '1.0', '0x10', 'abc', '', '1234567890123456']) {
      it(`rejects Content-Length ${JSON.stringify(value)}`, () => {
        expectParseError([`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\n`], /Malformed Content-Length/);
      });
    }

    it('waits for the rest of a body without emitting, and is not idle meanwhile', () => {
      const responses: ParsedResponse[] = [];
      const parser = new HttpResponseParser((r) => responses.push(r));
      parser.push(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab'));
      expect(responses).to.have.length(0);
      expect(parser.idle).to.equal(false);
      parser.push(Buffer.from('cde'));
      expect(responses.map((r) => r.body.toString())).to.deep.equal(['abcde']);
      expect(parser.idle).to.equal(true);
    });
  });

  describe('chunked bodies', () => {
    it('joins chunks, ignoring chunk extensions and trailers, with hex sizes in either case', () => {
      const [response, next] = parse([
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n' +
          '5;name=value\r\nhello\r\n' +
          '9 ; quoted="a;b"\r\n, chunked\r\n' +
          '0001\r\n!\r\n' +
          '0;final\r\n' +
          'X-Trailer: 1\r\nX-Other:   two\r\n\r\n',
        'HTTP/1.1 204 No Content\r\n\r\n',
      ]);
      expect(response?.status).to.equal(200);
      expect(response?.body.toString()).to.equal('hello, chunked!');
      expect(response?.headers['x-trailer'], 'trailers are not merged into headers').to.equal(undefined);
      expect(next?.status).to.equal(204);
    });

    it('accepts an empty chunked body and upper-case hex', () => {
      const responses = parse([
        'HTTP/1.1 202 Accepted\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n',
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\nB\r\nhello world\r\n0\r\n\r\n',
      ]);
      expect(statusAndBody(responses)).to.deep.equal([
        [202, '', false],
        [200, 'hello world', false],
      ]);
    });

    it('prefers Transfer-Encoding over Content-Length', () => {
      const [response] = parse([
        'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
      ]);
      expect(response?.body.toString()).to.equal('ok');
    });

    it('reads until close when chunked is not the last coding', () => {
      const [response] = parse(['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n', 'raw', ' bytes']);
      expect(response?.body.toString()).to.equal('raw bytes');
      expect(response?.closesConnection).to.equal(true);
    });

    for (const [label, body] of [
      ['a non-hex size', 'g\r\nx\r\n0\r\n\r\n'],
      ['an empty size', '\r\nx\r\n0\r\n\r\n'],
      ['a negative size', '-1\r\nx\r\n0\r\n\r\n'],
      ['a size of more than 8 hex digits', '000000001\r\nx\r\n0\r\n\r\n'],
    ] as const) {
      it(`rejects ${label}`, () => {
        expectParseError([`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`], /Malformed chunk size/);
      });
    }

    it('rejects chunk data longer than its size', () => {
      expectParseError(
        ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n'],
        /Malformed chunked body/,
      );
    });
  });

  describe('interim and bodiless responses', () => {
    it('skips 1xx responses (with their headers) before the final one', () => {
      const responses = parse([
        'HTTP/1.1 100 Continue\r\n\r\n',
        'HTTP/1.1 102 Processing\r\nX-Progress: 1\r\n\r\n',
        'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
      ]);
      expect(statusAndBody(responses)).to.deep.equal([[200, 'ok', false]]);
      expect(responses[0]?.headers).to.deep.equal({ 'content-length': '2' });
    });

    it('is idle after a lone 1xx response', () => {
      const parser = new HttpResponseParser(() => expect.fail('no final response yet'));
      parser.push(Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'));
      expect(parser.idle).to.equal(true);
    });

    it('rejects 101 Switching Protocols', () => {
      expectParseError(['HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n'], /protocol switch/);
    });

    it('gives 204 and 304 an empty body whatever their framing headers say', () => {
      const responses = parse([
        'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n',
        'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx',
      ]);
      expect(statusAndBody(responses)).to.deep.equal([
        [204, '', false],
        [304, '', false],
        [200, 'x', false],
      ]);
    });
  });

  describe('connection close', () => {
    it('flags Connection: close in any casing and among other tokens', () => {
      const responses = parse([
        'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 200 OK\r\nCONNECTION: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      ]);
      expect(responses.map((r) => r.closesConnection)).to.deep.equal([true, true, false, false, false]);
    });

    it('treats HTTP/1.0 as closing unless it says keep-alive', () => {
      const responses = parse([
        'HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n',
        'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n',
      ]);
      expect(responses.map((r) => r.closesConnection)).to.deep.equal([false, true]);
    });

    it('reads a body without framing until the connection ends', () => {
      const responses: ParsedResponse[] = [];
      const parser = new HttpResponseParser((r) => responses.push(r));
      parser.push(Buffer.from('HTTP/1.1 500 Internal Server Error\r\n\r\nsomething '));
      parser.push(Buffer.from('broke'));
      expect(responses).to.have.length(0);
      parser.end();
      expect(statusAndBody(responses)).to.deep.equal([[500, 'something broke', true]]);
    });

    it('ends cleanly when idle, and rejects an end in the middle of a response', () => {
      expect(parse([])).to.deep.equal([]);
      expect(parse(['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'])).to.have.length(1);
      for (const cut of [
        'HTTP/1.1 200',
        'HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab',
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab',
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n',
        'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nH',
      ]) {
        expectParseError([cut], /closed in the middle/);
      }
    });
  });

  describe('several responses in one buffer', () => {
    it('emits every response of one push in order, whatever their framing', () => {
      const stream =
        'HTTP/1.1 100 Continue\r\n\r\n' +
        'HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n0\r\n\r\n' +
        'HTTP/1.1 204 No Content\r\n\r\n' +
        'HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\ntwo' +
        'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nthree';
      expect(statusAndBody(parse([stream]))).to.deep.equal([
        [202, '', false],
        [200, 'one', false],
        [204, '', false],
        [400, 'two', false],
        [200, 'three', true],
      ]);
    });

    it('gives each response its own headers', () => {
      const responses = parse([
        'HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\nX-B: 2\r\nContent-Length: 0\r\n\r\n',
      ]);
      expect(responses.map((r) => r.headers)).to.deep.equal([
        { 'x-a': '1', 'content-length': '0' },
        { 'x-b': '2', 'content-length': '0' },
      ]);
    });
  });

  describe('size caps', () => {
    /** A response whose status line plus headers are exactly `size` bytes long. */
    function headOfSize(size: number): string {
      const base = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Pad: ';
      return `${base}${'p'.repeat(size - base.length)}\r\n\r\n`;
    }

    /** Feeds `data` whole, then split at each of the given points, and returns each outcome. */
    function outcomes(data: string, cuts: number[]): string[] {
      const buffer = Buffer.from(data, 'latin1');
      return [[], ...cuts.map((cut) => [cut])].map((points) => {
        try {
          return `ok:${parse(splitAt(buffer, points)).length}`;
        } catch (err) {
          expect(err).to.be.instanceOf(HttpResponseParseError);
          return `error:${(err as Error).message}`;
        }
      });
    }

    it('accepts a head of exactly the cap however it is split', () => {
      const data = headOfSize(MAX_HEAD_BYTES);
      const end = MAX_HEAD_BYTES + 4;
      const results = outcomes(data, [1, 1000, end - 5, end - 4, end - 3, end - 2, end - 1]);
      expect(new Set(results)).to.deep.equal(new Set(['ok:1']));
    });

    it('rejects a head one byte over the cap however it is split (including in one read)', () => {
      const data = headOfSize(MAX_HEAD_BYTES + 1);
      const end = MAX_HEAD_BYTES + 5;
      const results = outcomes(data, [1, 1000, end - 5, end - 4, end - 3, end - 2, end - 1]);
      expect(new Set(results)).to.deep.equal(new Set(['error:Response headers too large']));
    });

    it('rejects an endless head without waiting for its end', () => {
      expectParseError(['HTTP/1.1 200 OK\r\n', 'X-Pad: '.padEnd(MAX_HEAD_BYTES + 10, 'p')], /headers too large/, {
        end: false,
      });
    });

    it('accepts a chunk-size line of exactly the cap and rejects a longer one, however split', () => {
      const chunkedOf = (lineLength: number) =>
        `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${'1;e='.padEnd(lineLength, 'x')}\r\nA\r\n0\r\n\r\n`;
      const headLength = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'.length;
      for (const [lineLength, expected] of [
        [MAX_CHUNK_SIZE_LINE, 'ok:1'],
        [MAX_CHUNK_SIZE_LINE + 1, 'error:Malformed chunk size'],
      ] as const) {
        const end = headLength + lineLength + 2;
        const results = outcomes(chunkedOf(lineLength), [headLength, headLength + 10, end - 3, end - 2, end - 1]);
        expect(new Set(results), `line of ${lineLength} bytes`).to.deep.equal(new Set([expected]));
      }
    });

    it('accepts a trailer line of exactly the head cap and rejects a longer one, however split', () => {
      const prefix = 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n';
      for (const [lineLength, expected] of [
        [MAX_HEAD_BYTES, 'ok:1'],
        [MAX_HEAD_BYTES + 1, 'error:Trailers too large'],
      ] as const) {
        const end = prefix.length + lineLength + 2;
        const results = outcomes(`${prefix}${'X-T: '.padEnd(lineLength, 't')}\r\n\r\n`, [
          prefix.length,
          end - 3,
          end - 2,
          end - 1,
        ]);
        expect(new Set(results), `line of ${lineLength} bytes`).to.deep.equal(new Set([expected]));
      }
    });

    it('accepts a Content-Length of exactly the body cap and rejects one byte more at once', () => {
      const parser = new HttpResponseParser(() => {});
      parser.push(Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${MAX_BODY_BYTES}\r\n\r\n`));
      expect(parser.idle).to.equal(false);
      expectParseError([`HTTP/1.1 200 OK\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n`], /body too large/, {
        end: false,
      });
    });

    it('rejects chunked bodies whose chunks add up to more than the body cap', () => {
      expectParseError(
        [`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${(MAX_BODY_BYTES + 1).toString(16)}\r\n`],
        /body too large/,
        { end: false },
      );
      expectParseError(
        [
          `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${MAX_BODY_BYTES.toString(16)}\r\n`,
          Buffer.alloc(MAX_BODY_BYTES),
          '\r\n1\r\n',
        ],
        /body too large/,
        { end: false },
      );
    });

    it('rejects a body read until close once it passes the body cap', () => {
      const parser = new HttpResponseParser(() => expect.fail('no response'));
      parser.push(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'));
      parser.push(Buffer.alloc(MAX_BODY_BYTES));
      expect(() => parser.push(Buffer.alloc(1))).to.throw(HttpResponseParseError, /body too large/);
    });
  });

  describe('properties', () => {
    /** One response to serialize, with everything that may vary on the wire but not in what it means. */
    interface ResponseSpec {
      interim: number[];
      status: number;
      reason: string;
      minor: '0' | '1';
      close: boolean;
      framing: 'length' | 'chunked';
      body: Uint8Array;
      chunkCuts: number[];
      upperHex: boolean;
      extension: string;
      trailers: string[];
      nameCasing: boolean[];
      padding: string;
    }

    const specArbitrary: fc.Arbitrary<ResponseSpec> = fc.record({
      interim: fc.array(fc.constantFrom(100, 102, 103), { maxLength: 2 }),
      status: fc.constantFrom(200, 201, 202, 204, 304, 307, 400, 401, 404, 409, 500, 503, 599),
      reason: fc.constantFrom('', ' ', ' OK', ' Some Reason: with colon', ' \t weird'),
      minor: fc.constantFrom('0' as const, '1' as const),
      close: fc.boolean(),
      framing: fc.constantFrom('length' as const, 'chunked' as const),
      body: fc.uint8Array({ maxLength: 300 }),
      chunkCuts: fc.array(fc.nat(), { maxLength: 5 }),
      upperHex: fc.boolean(),
      extension: fc.constantFrom('', ';a', ';a=b', ' ; name="x;y"'),
      trailers: fc.array(fc.constantFrom('X-T: 1', 'x-checksum:\tabc', 'Expires: never'), { maxLength: 2 }),
      nameCasing: fc.array(fc.boolean(), { minLength: 20, maxLength: 20 }),
      padding: fc.constantFrom('', ' ', '\t', '  \t'),
    });

    function casing(name: string, upper: boolean[]): string {
      return [...name].map((ch, i) => (upper[i % upper.length] ? ch.toUpperCase() : ch.toLowerCase())).join('');
    }

    function serialize(spec: ResponseSpec, untilClose: boolean): Buffer {
      const parts: Buffer[] = [];
      for (const status of spec.interim) parts.push(Buffer.from(`HTTP/1.1 ${status} Interim\r\nX-I: 1\r\n\r\n`));
      const header = (name: string, value: string) =>
        `${casing(name, spec.nameCasing)}:${spec.padding}${value}${spec.padding}\r\n`;
      let head = `HTTP/1.${spec.minor} ${spec.status}${spec.reason}\r\n`;
      head += header('Content-Type', 'text/plain');
      head += header('Connection', spec.close ? 'close' : 'keep-alive');
      const bodiless = spec.status === 204 || spec.status === 304;
      if (untilClose) {
        parts.push(Buffer.from(`${head}\r\n`, 'latin1'), Buffer.from(spec.body));
      } else if (spec.framing === 'length' || bodiless) {
        if (!bodiless) head += header('Content-Length', String(spec.body.length));
        parts.push(Buffer.from(`${head}\r\n`, 'latin1'), Buffer.from(bodiless ? [] : spec.body));
      } else {
        head += header('Transfer-Encoding', 'chunked');
        parts.push(Buffer.from(`${head}\r\n`, 'latin1'));
        const body = Buffer.from(spec.body);
        for (const piece of splitAt(body, spec.chunkCuts)) {
          if (piece.length === 0) continue; // a zero-size chunk would end the body
          const size = piece.length.toString(16);
          parts.push(Buffer.from(`${spec.upperHex ? size.toUpperCase() : size}${spec.extension}\r\n`), piece);
          parts.push(Buffer.from('\r\n'));
        }
        parts.push(Buffer.from(`0${spec.extension}\r\n${spec.trailers.map((t) => `${t}\r\n`).join('')}\r\n`));
      }
      return Buffer.concat(parts);
    }

    function expected(spec: ResponseSpec, untilClose: boolean): [number, string, boolean] {
      const bodiless = !untilClose && (spec.status === 204 || spec.status === 304);
      return [spec.status, bodiless ? '' : Buffer.from(spec.body).toString('latin1'), spec.close || untilClose];
    }

    const streamArbitrary = fc.record({
      specs: fc.array(specArbitrary, { maxLength: 6 }),
      // 204 and 304 never have a body, so they cannot be the response read until close.
      last: fc.option(
        specArbitrary.filter((spec) => spec.status !== 204 && spec.status !== 304),
        { nil: undefined },
      ),
    });

    it('parses any sequence of valid responses, split anywhere, to the same (status, body) as fed whole', () => {
      fc.assert(
        fc.property(streamArbitrary, fc.array(fc.nat(), { maxLength: 40 }), ({ specs, last }, cuts) => {
          const stream = Buffer.concat([
            ...specs.map((spec) => serialize(spec, false)),
            ...(last === undefined ? [] : [serialize(last, true)]),
          ]);
          const model = [
            ...specs.map((spec) => expected(spec, false)),
            ...(last === undefined ? [] : [expected(last, true)]),
          ];
          const whole = parse([stream]);
          const split = parse(splitAt(stream, cuts));
          expect(statusAndBody(whole)).to.deep.equal(model);
          expect(statusAndBody(split)).to.deep.equal(model);
          expect(split.map((r) => r.headers)).to.deep.equal(whole.map((r) => r.headers));
        }),
        { numRuns: 300 },
      );
    });

    it('parses a stream fed one byte at a time like one fed whole', () => {
      fc.assert(
        fc.property(fc.array(specArbitrary, { minLength: 1, maxLength: 3 }), (specs) => {
          const stream = Buffer.concat(specs.map((spec) => serialize(spec, false)));
          const bytes = [...stream].map((byte) => Buffer.from([byte]));
          expect(statusAndBody(parse(bytes))).to.deep.equal(statusAndBody(parse([stream])));
        }),
        { numRuns: 50 },
      );
    });

    it('reports a response cut short at any point as a parse error on end, never a response too many', () => {
      fc.assert(
        fc.property(specArbitrary, fc.nat(), (spec, cutSeed) => {
          const full = serialize(spec, false);
          const finalStart = full.length - serialize({ ...spec, interim: [] }, false).length;
          // Cut inside the final response (after its first byte, before its last).
          const cut = finalStart + 1 + (cutSeed % (full.length - finalStart - 1));
          const responses: ParsedResponse[] = [];
          const parser = new HttpResponseParser((r) => responses.push(r));
          parser.push(full.subarray(0, cut));
          expect(responses).to.have.length(0);
          expect(() => parser.end()).to.throw(HttpResponseParseError);
        }),
        { numRuns: 200 },
      );
    });

    it('never throws anything but the typed parse error on arbitrary bytes', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes)),
              fc
                .constantFrom('HTTP/1.1 200 OK\r\n', 'Content-Length: 3\r\n', 'Transfer-Encoding: chunked\r\n', '\r\n')
                .map((text) => Buffer.from(text)),
            ),
            { maxLength: 12 },
          ),
          (chunks) => {
            try {
              parse(chunks);
            } catch (err) {
              expect(err).to.be.instanceOf(HttpResponseParseError);
            }
          },
        ),
        { numRuns: 300 },
      );
    });
  });
});

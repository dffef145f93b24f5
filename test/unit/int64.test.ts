/**
 * 64-bit integers exact end to end (lib/codec/int64.ts, int64-json.ts): fixtures in both wire
 * formats with values beyond 2^53 (1800000000000000123 ns, 2^64 - 1, -2^63, 2^63 - 1) for
 * scheduler, executor and operator messages decode to bigints and encode back byte for byte; the
 * protobuf twins are written by protobufjs itself (not our encoder); property tests over bigint
 * values in both formats; the exact JSON reader agrees with JSON.parse elsewhere.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { decodeJsonValue, getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import { MesosEncodeError } from '../../lib/codec/errors';
import { compareInt64, int64FromBits, int64Of, int64ToBigInt, toInt64 } from '../../lib/codec/int64';
import { mayHoldBigInteger, parseJsonExact, parseMesosJsonExact, stringifyJson } from '../../lib/codec/int64-json';
import type { agent, scheduler } from '../../lib/codec/messages';
import { loadSchemaRoot } from '../../lib/codec/schema';
import { MesosDecodeError } from '../../lib/common/errors';

const DIR = path.join(__dirname, '../fixtures/int64');
const TYPES: Record<string, string> = {
  'scheduler-event': TYPE_NAMES.SchedulerEvent,
  'executor-event': TYPE_NAMES.ExecutorEvent,
  'executor-call': TYPE_NAMES.ExecutorCall,
  'master-call': TYPE_NAMES.MasterCall,
  'master-response': TYPE_NAMES.MasterResponse,
  'agent-call': TYPE_NAMES.AgentCall,
  'agent-response': TYPE_NAMES.AgentResponse,
};
const BIG_LITERAL = /-?\d{16,}/g;

/** Every bigint in a decoded message, depth first (declaration order, as the JSON text). */
function bigintsIn(value: unknown, out: bigint[] = []): bigint[] {
  if (typeof value === 'bigint') out.push(value);
  else if (Array.isArray(value)) for (const item of value) bigintsIn(item, out);
  else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value))
    for (const item of Object.values(value)) bigintsIn(item, out);
  return out;
}

/** What protobufjs's fromObject takes: 64-bit values as decimal strings (it builds exact Longs). */
function forProtobufjs(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(forProtobufjs);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forProtobufjs(v)]));
  return value;
}

describe('64-bit integers: fixtures in both wire formats', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
  it('cover scheduler, executor and operator messages', () => {
    expect(files.length).to.be.at.least(9);
    for (const prefix of Object.keys(TYPES)) expect(files.some((f) => f.startsWith(prefix))).to.equal(true, prefix);
  });
  for (const file of files) {
    const typeName = TYPES[Object.keys(TYPES).find((prefix) => file.startsWith(prefix)) as string] as string;
    const text = readFileSync(path.join(DIR, file), 'utf8').trim();
    const json = getCodec<Record<string, unknown>>(typeName, 'json');
    const pb = getCodec<Record<string, unknown>>(typeName, 'protobuf');
    const literals = (text.match(BIG_LITERAL) ?? []).map((l) => BigInt(l));

    describe(file, () => {
      it('JSON: decodes every literal beyond 2^53 to the exact bigint, and encodes back the same text', () => {
        expect(literals.length).to.be.greaterThan(0);
        const message = json.decode(Buffer.from(text));
        expect(bigintsIn(message)).to.deep.equal(literals.filter((l) => !Number.isSafeInteger(Number(l))));
        expect(json.encode(message).toString('utf8')).to.equal(text);
      });

      it('JSON: quoted numeric strings ("1800000000000000123") decode to the same values', () => {
        const quoted = text.replace(BIG_LITERAL, (l) => `"${l}"`);
        const message = json.decode(Buffer.from(quoted));
        expect(message).to.deep.equal(json.decode(Buffer.from(text)));
        expect(json.encode(message).toString('utf8')).to.equal(text);
      });

      it('protobuf (written by protobufjs): decodes to the JSON twin and encodes back the same bytes', () => {
        const type = loadSchemaRoot().lookupType(typeName);
        const bytes = Buffer.from(type.encode(type.fromObject(forProtobufjs(parseJsonExact(text)) as object)).finish());
        const message = pb.decode(bytes);
        expect(message).to.deep.equal(json.decode(Buffer.from(text)));
        expect(pb.encode(message).equals(bytes)).to.equal(true);
        expect(json.encode(message).toString('utf8')).to.equal(text);
      });
    });
  }
});

/**
 * What parseJsonExact gives for a value JSON.stringify wrote: an integer beyond 2^53 (written
 * without an exponent) as the bigint of the digits written.
 */
function exactly(value: unknown): unknown {
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value) && !/e/.test(String(value)))
    return BigInt(String(value)); // the literal's digits, not the double's exact value
  if (Array.isArray(value)) return value.map(exactly);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, k, { value: exactly(v), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

describe('64-bit integers: property tests (bigint values, both formats)', () => {
  const U64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
  const I64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  const canonical = (v: bigint) => (Number.isSafeInteger(Number(v)) && BigInt(Number(v)) === v ? Number(v) : v);

  it('scheduler OFFERS (unavailability int64, port ranges uint64) round-trip exactly', () => {
    fc.assert(
      fc.property(I64, I64, U64, U64, fc.constantFrom('json', 'protobuf' as const), (start, duration, b, e, format) => {
        const codec = getCodec<scheduler.Event>(TYPE_NAMES.SchedulerEvent, format);
        const event: scheduler.Event = {
          type: 'OFFERS',
          offers: {
            offers: [
              {
                id: { value: 'o' },
                framework_id: { value: 'f' },
                agent_id: { value: 'a' },
                hostname: 'h',
                resources: [{ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: b, end: e }] } }],
                unavailability: { start: { nanoseconds: start }, duration: { nanoseconds: duration } },
              },
            ],
          },
        };
        const bytes = codec.encode(event);
        const decoded = codec.decode(bytes);
        const offer = decoded.offers?.offers?.[0];
        expect(offer?.unavailability?.start.nanoseconds).to.equal(canonical(start));
        expect(offer?.unavailability?.duration?.nanoseconds).to.equal(canonical(duration));
        expect(offer?.resources?.[0]?.ranges?.range?.[0]).to.deep.equal({ begin: canonical(b), end: canonical(e) });
        expect(codec.encode(decoded).equals(bytes)).to.equal(true);
      }),
      { numRuns: 400 },
    );
  });

  it('agent READ_FILE (uint64 offset/length) and the given forms (number, bigint, decimal string) agree', () => {
    fc.assert(
      fc.property(U64, fc.constantFrom('json', 'protobuf' as const), (offset, format) => {
        const codec = getCodec<agent.Call>(TYPE_NAMES.AgentCall, format);
        const call = (value: agent.Call.ReadFile['offset'] | string): agent.Call =>
          ({ type: 'READ_FILE', read_file: { path: '/p', offset: value } }) as agent.Call;
        const bytes = codec.encode(call(offset));
        expect(codec.encode(call(offset.toString())).equals(bytes)).to.equal(true);
        if (Number.isSafeInteger(Number(offset)))
          expect(codec.encode(call(Number(offset))).equals(bytes)).to.equal(true);
        expect(codec.decode(bytes).read_file?.offset).to.equal(canonical(offset));
      }),
      { numRuns: 400 },
    );
  });

  it('parseJsonExact gives what JSON.parse gives, but integer literals beyond 2^53 as bigints', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(parseJsonExact(text)).to.deep.equal(exactly(JSON.parse(text)));
        const spaced = JSON.stringify(JSON.parse(text), null, 2);
        expect(parseJsonExact(spaced)).to.deep.equal(exactly(JSON.parse(spaced)));
      }),
      { numRuns: 1000 },
    );
  });

  it('stringifyJson writes bigints as bare numbers and otherwise what JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), I64, (value, big) => {
        expect(stringifyJson(value)).to.equal(JSON.stringify(value));
        const text = stringifyJson({ v: value, big, list: [big, 'x'] });
        expect(text).to.equal(`{"v":${JSON.stringify(value)},"big":${big},"list":[${big},"x"]}`);
        expect(parseJsonExact(text)).to.deep.equal({
          v: exactly(JSON.parse(JSON.stringify(value))),
          big: canonical(big),
          list: [canonical(big), 'x'],
        });
      }),
      { numRuns: 500 },
    );
  });
});

describe('64-bit integers: reading JSON exactly', () => {
  it('keeps escapes, -0, fractions, exponents, __proto__ keys and bare Infinity/NaN as parseMesosJson does', () => {
    const text =
      '{"a\\"b":"x\\\\y\\u0041","n":[-0,1.5,1e3,12345678901234567890,-12345678901234567890,9007199254740993.5],"__proto__":1,"i":-Infinity,"j":NaN}';
    const value = parseJsonExact(text) as Record<string, unknown>;
    expect(value['a"b']).to.equal('x\\yA');
    expect(Object.is((value.n as unknown[])[0], -0)).to.equal(true);
    expect(value.n).to.deep.equal([
      -0,
      1.5,
      1000,
      12345678901234567890n,
      -12345678901234567890n,
      Number('9007199254740993.5'),
    ]);
    expect(Object.getPrototypeOf(value)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).to.equal(1);
    expect([value.i, value.j]).to.deep.equal([Number.NEGATIVE_INFINITY, 'NaN']);
  });

  it('rejects what is not JSON with a SyntaxError', () => {
    for (const bad of ['', '{', '[1,]', '{"a" 1}', '"abc', '01', '1.', '-', 'tru', '[1] x', '"\u0001"']) {
      expect(() => parseJsonExact(bad), bad).to.throw(SyntaxError);
    }
  });

  it('a record with a big literal and bare Infinity in a double field decodes exactly', () => {
    const text =
      '{"type":"OFFERS","offers":{"offers":[{"id":{"value":"o"},"framework_id":{"value":"f"},"agent_id":{"value":"a"},"hostname":"h","resources":[{"name":"cpus","type":"SCALAR","scalar":{"value":Infinity}}],"unavailability":{"start":{"nanoseconds":1800000000000000123}}}]}}';
    const offer = getCodec<scheduler.Event>(TYPE_NAMES.SchedulerEvent, 'json').decode(Buffer.from(text)).offers
      ?.offers?.[0];
    expect(offer?.unavailability?.start.nanoseconds).to.equal(1800000000000000123n);
    expect(offer?.resources?.[0]?.scalar?.value).to.equal(Number.POSITIVE_INFINITY);
  });

  it('2^64 - 1 as a literal is exact; an already parsed value out of range is refused (decodeJsonValue)', () => {
    const text = '{"type":"READ_FILE","read_file":{"path":"/p","offset":18446744073709551615}}';
    const codec = getCodec<agent.Call>(TYPE_NAMES.AgentCall, 'json');
    expect(codec.decode(Buffer.from(text)).read_file?.offset).to.equal(2n ** 64n - 1n);
    expect(() => codec.decode(Buffer.from(text.replace('615', '616')))).to.throw(MesosDecodeError, /64-bit unsigned/);
    expect(() => decodeJsonValue(TYPE_NAMES.AgentCall, JSON.parse(text))).to.throw(MesosDecodeError, /64-bit unsigned/);
    const parsed = JSON.parse(text.replace('18446744073709551615', '1800000000000000000'));
    expect(decodeJsonValue<agent.Call>(TYPE_NAMES.AgentCall, parsed).read_file?.offset).to.equal(1800000000000000000n);
  });

  it('an integer written with an exponent (1.8e18) is taken as the number it is', () => {
    const text = '{"type":"READ_FILE","read_file":{"path":"/p","offset":1.8e18}}';
    expect(getCodec<agent.Call>(TYPE_NAMES.AgentCall, 'json').decode(Buffer.from(text)).read_file?.offset).to.equal(
      1800000000000000000n,
    );
  });

  it('schema-less JSON (parseMesosJsonExact) keeps big integers; the 16-digit scan sees them', () => {
    expect(mayHoldBigInteger('{"a":1.5,"b":"x"}')).to.equal(false);
    expect(mayHoldBigInteger('{"a":1800000000000000123}')).to.equal(true);
    expect(parseMesosJsonExact('{"a":1800000000000000123,"b":NaN}')).to.deep.equal({
      a: 1800000000000000123n,
      b: 'NaN',
    });
    expect(parseMesosJsonExact('{"a":1,"b":Infinity}')).to.deep.equal({ a: 1, b: Number.POSITIVE_INFINITY });
    expect(() => parseMesosJsonExact('{"a":1800000000000000123')).to.throw(SyntaxError);
  });
});

describe('64-bit integers: checks and helpers', () => {
  const encode = (offset: unknown) =>
    getCodec<agent.Call>(TYPE_NAMES.AgentCall, 'protobuf').encode({
      type: 'READ_FILE',
      read_file: { path: '/p', offset },
    } as agent.Call);
  const encodeDuration = (nanoseconds: unknown) =>
    getCodec<agent.Call>(TYPE_NAMES.AgentCall, 'json').encode({
      type: 'SET_LOGGING_LEVEL',
      set_logging_level: { level: 1, duration: { nanoseconds } },
    } as agent.Call);

  it('encoders reject values out of range or not integers, naming the field', () => {
    for (const bad of [2n ** 64n, -1n, -1, '18446744073709551616', '12a', '', 1.5, 2 ** 64, Number.NaN, null, {}]) {
      if (bad === null) continue;
      expect(() => encode(bad), String(bad))
        .to.throw(MesosEncodeError)
        .with.property('message')
        .that.matches(/read_file\.offset.*64-bit unsigned integer/);
    }
    for (const bad of [2n ** 63n, -(2n ** 63n) - 1n, '9223372036854775808', 2 ** 63]) {
      expect(() => encodeDuration(bad), String(bad)).to.throw(MesosEncodeError, /64-bit signed integer/);
    }
    expect(encodeDuration(-(2n ** 63n)).toString()).to.contain('"nanoseconds":-9223372036854775808');
    expect(encodeDuration(' -5 ').toString()).to.contain('"nanoseconds":-5');
  });

  it('a number beyond 2^53 is encoded as its exact double value', () => {
    const pb = getCodec<agent.Call>(TYPE_NAMES.AgentCall, 'protobuf');
    expect(pb.decode(encode(2 ** 60)).read_file?.offset).to.equal(2n ** 60n);
    expect(pb.decode(encode(1.8e18)).read_file?.offset).to.equal(1800000000000000000n);
  });

  it('decoded values are numbers when safe and bigints beyond (both formats agree)', () => {
    for (const format of ['json', 'protobuf'] as const) {
      const codec = getCodec<agent.Call>(TYPE_NAMES.AgentCall, format);
      const offsetOf = (value: bigint) =>
        codec.decode(codec.encode({ type: 'READ_FILE', read_file: { path: '/p', offset: value } })).read_file?.offset;
      expect(offsetOf(2n ** 53n - 1n)).to.equal(9007199254740991);
      expect(offsetOf(2n ** 53n)).to.equal(2n ** 53n);
      expect(offsetOf(0n)).to.equal(0);
    }
  });

  it('int64FromBits covers the edges of both ranges', () => {
    expect(int64FromBits(0xffffffff, 0x1fffff, false)).to.equal(Number.MAX_SAFE_INTEGER);
    expect(int64FromBits(0, 0x200000, false)).to.equal(2n ** 53n);
    expect(int64FromBits(0xffffffff, 0xffffffff, false)).to.equal(2n ** 64n - 1n);
    expect(int64FromBits(0xffffffff, 0xffffffff, true)).to.equal(-1);
    expect(int64FromBits(1, 0xffe00000, true)).to.equal(-Number.MAX_SAFE_INTEGER);
    expect(int64FromBits(0, 0xffe00000, true)).to.equal(-(2n ** 53n));
    expect(int64FromBits(0, 0x80000000, true)).to.equal(-(2n ** 63n));
    expect(int64FromBits(0xffffffff, 0x7fffffff, true)).to.equal(2n ** 63n - 1n);
  });

  it('int64Of, int64ToBigInt, compareInt64 and toInt64 for users', () => {
    expect(int64Of(5n)).to.equal(5);
    expect(int64Of('1800000000000000123')).to.equal(1800000000000000123n);
    expect(int64ToBigInt(7)).to.equal(7n);
    expect(int64ToBigInt('-12')).to.equal(-12n);
    expect(() => int64ToBigInt(1.5)).to.throw(TypeError);
    expect(compareInt64(1800000000000000123n, 1800000000000000000)).to.equal(1);
    expect(compareInt64(3, 3n)).to.equal(0);
    expect(toInt64('+42', false)).to.equal(42);
  });
});

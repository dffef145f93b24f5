/**
 * Property tests over random messages built from the schema's reflection (depth-limited): both
 * codecs decode what they encode to the same object, equal to the message normalised by hand.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { getCodec } from '../../lib/codec/codec';
import { type FieldInfo, getMessageInfo, type MessageInfo, type ValueKind } from '../../lib/codec/reflect';

type Obj = Record<string, unknown>;
const MAX_DEPTH = 3;
const HARD_DEPTH = 12;

function scalarArb(kind: Extract<ValueKind, { kind: 'scalar' }>): fc.Arbitrary<unknown> {
  switch (kind.scalar) {
    case 'string':
      return fc.string({ maxLength: 6, unit: 'grapheme' });
    case 'bool':
      return fc.boolean();
    case 'double':
      return fc.double();
    case 'float':
      return fc.float();
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return fc.integer();
    case 'uint32':
    case 'fixed32':
      return fc.integer({ min: 0, max: 0xffffffff });
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return fc.maxSafeInteger();
    case 'uint64':
    case 'fixed64':
      return fc.maxSafeNat();
    case 'bytes':
      return fc.uint8Array({ maxLength: 12 }).map((bytes) => Buffer.from(bytes));
  }
}

const cache = new Map<string, fc.Arbitrary<Obj>>();

function valueArb(kind: ValueKind, depth: number): fc.Arbitrary<unknown> {
  if (kind.kind === 'scalar') return scalarArb(kind);
  if (kind.kind === 'enum') return fc.constantFrom(...kind.enumInfo.numberByName.keys());
  return messageArb(kind.messageInfo, depth + 1);
}

function fieldArb(field: FieldInfo, depth: number): fc.Arbitrary<unknown> {
  const isMessage = field.value.kind === 'message';
  if (!field.required && isMessage && depth >= MAX_DEPTH) return fc.constant(undefined);
  const value = valueArb(field.value, depth);
  if (field.required) return value;
  const present = field.map
    ? fc.dictionary(fc.string({ maxLength: 4 }), value, { maxKeys: 2 })
    : field.repeated
      ? fc.array(value, { maxLength: 2 })
      : value;
  // Mostly absent, as real messages are sparse.
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: 3 }, { arbitrary: present, weight: 1 });
}

function messageArb(info: MessageInfo, depth: number): fc.Arbitrary<Obj> {
  if (depth > HARD_DEPTH) throw new Error(`required fields recurse without end in ${info.fullName}`);
  const key = `${info.fullName}@${Math.min(depth, MAX_DEPTH)}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const arb = fc.tuple(...info.fields.map((f) => fieldArb(f, depth))).map((values) => {
    const out: Obj = {};
    info.fields.forEach((f, i) => {
      if (values[i] !== undefined) out[f.name] = values[i];
    });
    return out;
  });
  cache.set(key, arb);
  return arb;
}

/** What the decoders must return for `message`: empty fields gone, defaults filled. Written independently of the codec. */
function normalise(info: MessageInfo, message: Obj): Obj {
  const out: Obj = {};
  const one = (kind: ValueKind, v: unknown) => (kind.kind === 'message' ? normalise(kind.messageInfo, v as Obj) : v);
  for (const field of info.fields) {
    const value = message[field.name];
    if (value === undefined) {
      if (field.defaultValue !== undefined) out[field.name] = field.defaultValue;
    } else if (field.map) {
      const entries = Object.entries(value as Obj);
      if (entries.length > 0) out[field.name] = Object.fromEntries(entries.map(([k, v]) => [k, one(field.value, v)]));
    } else if (field.repeated) {
      if ((value as unknown[]).length > 0) out[field.name] = (value as unknown[]).map((v) => one(field.value, v));
    } else {
      out[field.name] = one(field.value, value);
    }
  }
  return out;
}

const TYPES = [
  'mesos.v1.scheduler.Call',
  'mesos.v1.scheduler.Event',
  'mesos.v1.executor.Call',
  'mesos.v1.executor.Event',
  'mesos.v1.TaskInfo',
  'mesos.v1.Offer',
];

describe('codec properties over random messages', function () {
  this.timeout(30_000);
  for (const typeName of TYPES) {
    it(`${typeName}: decode_json(encode_json(m)) = decode_pb(encode_pb(m)) = normalise(m)`, () => {
      const info = getMessageInfo(typeName);
      const json = getCodec<Obj>(typeName, 'json');
      const pb = getCodec<Obj>(typeName, 'protobuf');
      fc.assert(
        fc.property(messageArb(info, 0), (message) => {
          const expected = normalise(info, message);
          const viaJson = json.decode(json.encode(message));
          const viaPb = pb.decode(pb.encode(message));
          expect(viaJson).to.deep.equal(expected);
          expect(viaPb).to.deep.equal(expected);
        }),
        { numRuns: 150 },
      );
    });
  }
});

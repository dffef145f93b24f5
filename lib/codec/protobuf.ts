/**
 * Protobuf wire format on protobufjs's Reader/Writer, with converters compiled per message type:
 * decoding goes straight to the same plain objects the JSON codec produces (enum names, Buffers,
 * 64-bit integers as Int64 (number, or bigint beyond 2^53), defaults filled in), with no intermediate protobufjs instances.
 */
import protobuf from 'protobufjs';
import { FieldPathError } from './errors';
import { type Int64, int64FromLong, int64WriterValue } from './int64';
import type { FieldInfo, MessageInfo, ScalarType, ValueKind } from './reflect';
import { decodeState } from './shared';
import type { Canonical } from './validate';

type Reader = protobuf.Reader;
type Writer = protobuf.Writer;
/** What protobufjs's Reader gives for a 64-bit value: a Long (with `long` installed) or a number. */
type LongLike = { low: number; high: number } | number;

/** Wire types: 0 varint, 1 64-bit, 2 length-delimited, 5 32-bit. */
function wireTypeOf(kind: ValueKind): number {
  if (kind.kind !== 'scalar') return kind.kind === 'enum' ? 0 : 2;
  switch (kind.scalar) {
    case 'double':
    case 'fixed64':
    case 'sfixed64':
      return 1;
    case 'float':
    case 'fixed32':
    case 'sfixed32':
      return 5;
    case 'string':
    case 'bytes':
      return 2;
    default:
      return 0;
  }
}

/**
 * A uint64 varint as an Int64. Up to seven bytes (49 bits, always exact) are read here, without
 * the Long that protobufjs builds; longer ones go through protobufjs, a bigint beyond 2^53.
 */
function readUint64(r: Reader): Int64 {
  const buf = r.buf;
  let pos = r.pos;
  const end = Math.min(r.len, pos + 7);
  let value = 0;
  let scale = 1;
  while (pos < end) {
    const byte = buf[pos++] as number;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      r.pos = pos;
      return value;
    }
    scale *= 128;
  }
  return int64FromLong(r.uint64() as unknown as LongLike, false);
}

/** An int64 varint as an Int64: small non-negative values as uint64 (a negative one takes ten bytes). */
function readInt64(r: Reader): Int64 {
  const start = r.pos;
  const buf = r.buf;
  const end = Math.min(r.len, start + 7);
  for (let pos = start; pos < end; pos++) if ((buf[pos] as number) < 0x80) return readUint64(r);
  return int64FromLong(r.int64() as unknown as LongLike, true);
}

/** A bytes field, copied: the reader's view would pin the whole input chunk in memory. */
function readBytes(r: Reader): Buffer {
  return Buffer.from(r.bytes());
}

/** Reads one scalar; 64-bit values become Int64s (numbers when safe, bigints beyond: int64.ts). */
function scalarReader(scalar: ScalarType): (r: Reader) => unknown {
  switch (scalar) {
    case 'double':
      return (r) => r.double();
    case 'float':
      return (r) => r.float();
    case 'int32':
      return (r) => r.int32();
    case 'uint32':
      return (r) => r.uint32();
    case 'sint32':
      return (r) => r.sint32();
    case 'fixed32':
      return (r) => r.fixed32();
    case 'sfixed32':
      return (r) => r.sfixed32();
    case 'int64':
      return readInt64;
    case 'uint64':
      return readUint64;
    case 'sint64':
      return (r) => int64FromLong(r.sint64() as unknown as LongLike, true);
    case 'fixed64':
      return (r) => int64FromLong(r.fixed64() as unknown as LongLike, false);
    case 'sfixed64':
      return (r) => int64FromLong(r.sfixed64() as unknown as LongLike, true);
    case 'bool':
      return (r) => r.bool();
    case 'string':
      return (r) => r.string();
    case 'bytes':
      return readBytes;
  }
}

/**
 * Reads one value. Returns undefined for an enum number the schema does not know: proto2 keeps
 * such values only as unknown fields, so they are dropped (a required one then counts as missing).
 */
function valueReader(kind: ValueKind): (r: Reader) => unknown {
  if (kind.kind === 'scalar') return scalarReader(kind.scalar);
  if (kind.kind === 'enum') {
    const names = kind.enumInfo.nameByNumber;
    return (r) => names.get(r.int32());
  }
  const sub = kind.messageInfo;
  return (r) => {
    const length = r.uint32();
    const end = r.pos + length;
    if (end > r.len) throw new FieldPathError(`length ${length} runs past the end of the data`);
    return pbMessageDecoder(sub)(r, end, undefined);
  };
}

type FieldDecoder = (r: Reader, wireType: number, out: Record<string, unknown>) => void;

function fieldDecoder(field: FieldInfo): FieldDecoder {
  const name = field.name;
  const expected = wireTypeOf(field.value);
  const read = valueReader(field.value);
  if (field.map) {
    const readValue = read;
    const valueWire = expected;
    const valueKind = field.value;
    return (r, wireType, out) => {
      if (wireType !== 2) return void r.skipType(wireType);
      const end = r.uint32() + r.pos;
      if (end > r.len) throw new FieldPathError('map entry runs past the end of the data');
      let key = '';
      let value: unknown;
      let valueSeen = false;
      while (r.pos < end) {
        const tag = r.uint32();
        if (tag === 10) key = r.string();
        else if (tag >>> 3 === 2 && (tag & 7) === valueWire) {
          value = readValue(r);
          valueSeen = true;
        } else r.skipType(tag & 7);
      }
      // An absent value is the zero value; an unknown enum number drops the entry.
      if (!valueSeen) value = emptyValue(valueKind);
      if (value === undefined) return;
      let map = out[name] as Record<string, unknown> | undefined;
      if (map === undefined) out[name] = map = {};
      Object.defineProperty(map, key, { value, enumerable: true, writable: true, configurable: true });
    };
  }
  if (field.repeated) {
    // Packed encoding is accepted for numeric fields, as every protobuf parser must.
    const packable = expected !== 2;
    return (r, wireType, out) => {
      let list = out[name] as unknown[] | undefined;
      if (wireType === expected) {
        const value = read(r);
        if (value === undefined) return;
        if (list === undefined) out[name] = list = [];
        list.push(value);
      } else if (packable && wireType === 2) {
        const end = r.uint32() + r.pos;
        if (end > r.len) throw new FieldPathError('packed field runs past the end of the data');
        while (r.pos < end) {
          const value = read(r);
          if (value === undefined) continue;
          if (list === undefined) out[name] = list = [];
          list.push(value);
        }
      } else {
        r.skipType(wireType);
      }
    };
  }
  if (field.value.kind === 'message') {
    const sub = field.value.messageInfo;
    return (r, wireType, out) => {
      if (wireType !== 2) return void r.skipType(wireType);
      const length = r.uint32();
      const end = r.pos + length;
      if (end > r.len) throw new FieldPathError(`length ${length} runs past the end of the data`);
      // A singular message seen twice is merged into the first, as protobuf parsers do.
      out[name] = pbMessageDecoder(sub)(r, end, out[name] as Record<string, unknown> | undefined);
    };
  }
  return (r, wireType, out) => {
    // A wire type that does not match the field is an unknown field to protobuf: skip it.
    if (wireType !== expected) return void r.skipType(wireType);
    const value = read(r);
    if (value !== undefined) out[name] = value;
  };
}

/** The value of a map entry whose value was not on the wire: the type's zero value. */
function emptyValue(kind: ValueKind): unknown {
  if (kind.kind === 'message')
    return pbMessageDecoder(kind.messageInfo)(protobuf.Reader.create(Buffer.alloc(0)), 0, undefined);
  if (kind.kind === 'enum')
    return kind.enumInfo.nameByNumber.get(0) ?? kind.enumInfo.nameByNumber.values().next().value;
  switch (kind.scalar) {
    case 'string':
      return '';
    case 'bytes':
      return Buffer.alloc(0);
    case 'bool':
      return false;
    default:
      return 0;
  }
}

type MessageDecoder = (r: Reader, end: number, into: Record<string, unknown> | undefined) => Record<string, unknown>;
interface CompiledPb {
  decode: MessageDecoder;
  encode: (message: Canonical, w: Writer) => void;
}

function compiledOf(info: MessageInfo): CompiledPb {
  let compiled = info.compiled.protobuf as CompiledPb | undefined;
  if (compiled) return compiled;
  // Stored before compiling so recursive types find it; the functions are set just below.
  compiled = { decode: () => ({}), encode: () => undefined };
  info.compiled.protobuf = compiled;
  // Field decoders indexed by field number (Mesos field numbers are small).
  const decoders: (FieldDecoder | undefined)[] = [];
  for (const field of info.fields) decoders[field.id] = fieldDecoder(field);
  const rethrow = (err: unknown, currentField: number): FieldPathError => {
    const field = info.fieldById.get(currentField);
    if (err instanceof FieldPathError) {
      if (field) err.segments.unshift(field.name);
      return err;
    }
    // protobufjs throws RangeError/Error for truncated data or bad wire types.
    return new FieldPathError(err instanceof Error ? err.message : String(err), field ? [field.name] : []);
  };
  compiled.decode = generateDecoder(info, decoders, rethrow);
  const writers = info.fields.map((field) => fieldWriter(field));
  compiled.encode = (message, w) => {
    for (let i = 0; i < writers.length; i++) (writers[i] as (m: Canonical, w: Writer) => void)(message, w);
  };
  return compiled;
}

/**
 * The field loop of a message type as generated code. Each common field (a singular or repeated
 * string, bool, int32, uint32, double, enum or message with its expected wire type) gets its own
 * `case` with a constant property name, so V8 sees a few shapes per store instead of one shared
 * closure storing every field of every type (a megamorphic store); every other field, and any
 * unexpected wire type, goes to the field's closure exactly as before.
 */
function generateDecoder(
  info: MessageInfo,
  decoders: readonly (FieldDecoder | undefined)[],
  rethrow: (err: unknown, currentField: number) => FieldPathError,
): MessageDecoder {
  const nested: CompiledPb[] = [];
  const enums: ReadonlyMap<number, string>[] = [];
  const cases: string[] = [];
  const READS: Partial<Record<ScalarType, string>> = {
    string: 'r.string()',
    bool: 'r.bool()',
    int32: 'r.int32()',
    uint32: 'r.uint32()',
    sint32: 'r.sint32()',
    fixed32: 'r.fixed32()',
    sfixed32: 'r.sfixed32()',
    double: 'r.double()',
    float: 'r.float()',
    uint64: 'U64(r)',
    int64: 'I64(r)',
    bytes: 'BYTES(r)',
  };
  for (const field of info.fields) {
    if (field.map) continue;
    const key = JSON.stringify(field.name);
    const kind = field.value;
    const tag = (field.id << 3) | wireTypeOf(kind);
    let read: string;
    let pre = '';
    let guard = false;
    if (kind.kind === 'message') {
      nested.push(compiledOf(kind.messageInfo));
      const into = field.repeated ? 'undefined' : `out[${key}]`;
      read = `M[${nested.length - 1}].decode(r, e, ${into})`;
      pre = 'const l = r.uint32(); const e = r.pos + l; if (e > r.len) throw LEN(l); ';
    } else if (kind.kind === 'enum') {
      enums.push(kind.enumInfo.nameByNumber);
      read = `N[${enums.length - 1}].get(r.int32())`;
      guard = true;
    } else {
      const scalar = READS[kind.scalar];
      if (scalar === undefined) continue;
      read = scalar;
    }
    const store = field.repeated
      ? `{ const list = out[${key}]; if (list === undefined) out[${key}] = [v]; else list.push(v); }`
      : `out[${key}] = v;`;
    cases.push(`case ${tag}: { ${pre}const v = ${read}; ${guard ? `if (v !== undefined) ${store}` : store} break; }`);
  }
  // The message's end: required fields flagged when missing, defaults filled in (bytes copied).
  const required =
    info.requiredFields.length === 0
      ? ''
      : `if (${info.requiredFields.map((f) => `out[${JSON.stringify(f.name)}] === undefined`).join(' || ')}) STATE.missingRequired = true;`;
  const defaultValues = info.defaultFields.map((f) => f.defaultValue);
  const defaults = info.defaultFields
    .map((f, i) => {
      const key = JSON.stringify(f.name);
      const value = f.defaultValue instanceof Uint8Array ? `Buffer.from(DEF[${i}])` : `DEF[${i}]`;
      return `if (out[${key}] === undefined) out[${key}] = ${value};`;
    })
    .join(' ');
  const source = `
    return function decode(r, end, into) {
      const out = into === undefined ? {} : into;
      let f = 0;
      try {
        while (r.pos < end) {
          const tag = r.uint32();
          f = tag >>> 3;
          switch (tag) {
            ${cases.join('\n            ')}
            default: {
              const d = D[f];
              if (d === undefined) r.skipType(tag & 7);
              else d(r, tag & 7, out);
            }
          }
        }
      } catch (err) {
        throw RETHROW(err, f);
      }
      if (r.pos !== end) throw PAST();
      ${required}
      ${defaults}
      return out;
    };`;
  const lengthError = (length: number) => new FieldPathError(`length ${length} runs past the end of the data`);
  const past = () => new FieldPathError(`a field runs past the end of ${info.fullName}`);
  return new Function('M', 'N', 'D', 'LEN', 'RETHROW', 'PAST', 'STATE', 'DEF', 'Buffer', 'U64', 'I64', 'BYTES', source)(
    nested,
    enums,
    decoders,
    lengthError,
    rethrow,
    past,
    decodeState,
    defaultValues,
    Buffer,
    readUint64,
    readInt64,
    readBytes,
  ) as MessageDecoder;
}

/** The compiled protobuf decoder of a message type: decodes `r` up to `end`, optionally merging into `into`. */
export function pbMessageDecoder(info: MessageInfo): MessageDecoder {
  return compiledOf(info).decode;
}

function scalarWriter(scalar: ScalarType): (w: Writer, value: unknown) => void {
  switch (scalar) {
    case 'bytes':
      return (w, v) => void w.bytes(v as Uint8Array);
    case 'string':
      return (w, v) => void w.string(v as string);
    case 'bool':
      return (w, v) => void w.bool(v as boolean);
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      // A bigint goes to protobufjs as its 32-bit halves (int64.ts); numbers as they are.
      return (w, v) => void (w[scalar] as (value: unknown) => Writer).call(w, int64WriterValue(v));
    default:
      return (w, v) => void (w[scalar] as (value: number) => Writer).call(w, v as number);
  }
}

function valueWriter(kind: ValueKind, tag: number): (w: Writer, value: unknown) => void {
  if (kind.kind === 'enum') {
    const numbers = kind.enumInfo.numberByName;
    return (w, v) => void w.uint32(tag).int32(numbers.get(v as string) as number);
  }
  if (kind.kind === 'message') {
    const sub = kind.messageInfo;
    return (w, v) => {
      w.uint32(tag).fork();
      compiledOf(sub).encode(v as Canonical, w);
      w.ldelim();
    };
  }
  const write = scalarWriter(kind.scalar);
  return (w, v) => write(w.uint32(tag), v);
}

function fieldWriter(field: FieldInfo): (message: Canonical, w: Writer) => void {
  const name = field.name;
  const tag = ((field.id << 3) | wireTypeOf(field.value)) >>> 0;
  if (field.map) {
    const writeValue = valueWriter(field.value, ((2 << 3) | wireTypeOf(field.value)) >>> 0);
    const entryTag = ((field.id << 3) | 2) >>> 0;
    return (message, w) => {
      const map = message[name] as Record<string, unknown> | undefined;
      if (map === undefined) return;
      for (const key of Object.keys(map)) {
        w.uint32(entryTag).fork();
        w.uint32(10).string(key);
        writeValue(w, map[key]);
        w.ldelim();
      }
    };
  }
  const write = valueWriter(field.value, tag);
  if (field.repeated) {
    // Unpacked, as proto2 fields without [packed=true] are written.
    return (message, w) => {
      const list = message[name] as unknown[] | undefined;
      if (list !== undefined) for (const item of list) write(w, item);
    };
  }
  return (message, w) => {
    const value = message[name];
    if (value !== undefined) write(w, value);
  };
}

/** Writes a canonical (already validated) message in the protobuf wire format. */
export function encodeProtobuf(info: MessageInfo, message: Canonical): Buffer {
  const w = protobuf.Writer.create();
  compiledOf(info).encode(message, w);
  const bytes = w.finish();
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes protobuf bytes into a plain message object (throws `FieldPathError` on malformed data). */
export function decodeProtobuf(info: MessageInfo, data: Uint8Array): Record<string, unknown> {
  const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const reader = protobuf.Reader.create(buffer);
  return compiledOf(info).decode(reader, reader.len, undefined);
}

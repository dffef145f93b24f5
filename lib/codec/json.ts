/**
 * Mesos's JSON mapping (stout's protobuf<->JSON, not proto3 canonical JSON): converters from
 * parsed JSON to plain message objects, and the writer for canonical messages.
 *
 * Decoding rules: unknown keys are ignored and null means absent; numbers may come as numeric
 * strings ("Infinity", "NaN" too); bytes are standard base64 (padding optional); an unknown enum
 * name drops an optional or repeated value and fails a required one; empty repeated fields and
 * maps are left out; absent fields with a default get it; a missing required field is flagged.
 *
 * The message types reachable from TYPE_NAMES use the straight-line converters generated into
 * json-converters.ts (proto/tools/gen-json-converters.ts), which build a new object per message
 * from the fields they know; any other type, or a generated one whose schema changed since,
 * uses the reflective converter below, which applies the same rules in place.
 */
import { describeValue, FieldPathError } from './errors';
import { int64FromJson } from './int64';
import {
  createJsonConverters,
  createJsonWriters,
  ENUM_FIELDS,
  type JsonConverterRuntime,
  MAP_FIELDS,
  SHAPES,
  TYPES,
  WRITER_MAP_FIELDS,
} from './json-converters';
import { type FieldInfo, getMessageInfo, type MessageInfo, type ScalarType, type ValueKind } from './reflect';
import { adoptGenerated, enumsAt, fieldsAt, freshTypes, SCALAR_TYPES } from './shape';
import { decodeState, fillDefault } from './shared';
import type { Canonical } from './validate';

/** Converts one JSON value; returns undefined when the value is to be dropped. */
type JsonConverter = (value: unknown) => unknown;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A number from a JSON number or a numeric string (Mesos accepts both for every numeric field). */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  // A bigint comes from parseJsonExact (an integer literal beyond 2^53); JSON.parse would round it alike.
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') {
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (value === 'NaN') return Number.NaN;
    const trimmed = value.trim();
    if (trimmed !== '') {
      const n = Number(trimmed);
      if (!Number.isNaN(n)) return n;
    }
  }
  throw new FieldPathError(`expected a number, got ${describeValue(value)}`);
}

function toInteger(value: unknown, min: number, max: number, what: string): number {
  const n = typeof value === 'number' ? value : toNumber(value);
  if (Number.isInteger(n) && n >= min && n <= max) return n;
  throw new FieldPathError(`expected ${what}, got ${describeValue(value)}`);
}

function scalarConverter(scalar: ScalarType): JsonConverter {
  switch (scalar) {
    case 'string':
      return (v) => {
        if (typeof v === 'string') return v;
        throw new FieldPathError(`expected a string, got ${describeValue(v)}`);
      };
    case 'bool':
      return (v) => {
        if (typeof v === 'boolean') return v;
        if (v === 'true') return true;
        if (v === 'false') return false;
        throw new FieldPathError(`expected a boolean, got ${describeValue(v)}`);
      };
    case 'double':
      return (v) => (typeof v === 'number' ? v : toNumber(v));
    case 'float':
      return (v) => Math.fround(toNumber(v));
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return (v) => toInteger(v, INT32_MIN, INT32_MAX, 'a 32-bit signed integer');
    case 'uint32':
    case 'fixed32':
      return (v) => toInteger(v, 0, UINT32_MAX, 'a 32-bit unsigned integer');
    // 64-bit integers: exact (numbers, bigints from parseJsonExact, decimal strings), see int64.ts.
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return (v) => int64FromJson(v, true);
    case 'uint64':
    case 'fixed64':
      return (v) => int64FromJson(v, false);
    case 'bytes':
      return (v) => {
        // Standard base64, padding optional (stout accepts both).
        if (typeof v === 'string' && BASE64.test(v) && v.replace(/=+$/, '').length % 4 !== 1)
          return Buffer.from(v, 'base64');
        throw new FieldPathError(`expected base64 bytes, got ${describeValue(v)}`);
      };
  }
}

/** Checks an enum value: its name, or undefined when it is to be dropped; throws when it cannot be. */
function enumValue(v: unknown, numberByName: ReadonlyMap<string, number>, fullName: string, required: boolean) {
  if (typeof v !== 'string') {
    throw new FieldPathError(`expected an enum name of ${fullName} (a string), got ${describeValue(v)}`);
  }
  if (numberByName.has(v)) return v;
  // proto2: an unknown name in an optional field is dropped; in a required one it is an error.
  if (required) throw new FieldPathError(`unknown value ${JSON.stringify(v)} for enum ${fullName}`);
  return undefined;
}

function valueConverter(kind: ValueKind, required: boolean): JsonConverter {
  if (kind.kind === 'scalar') return scalarConverter(kind.scalar);
  if (kind.kind === 'enum') {
    const { numberByName, fullName } = kind.enumInfo;
    return (v) => enumValue(v, numberByName, fullName, required);
  }
  const sub = kind.messageInfo;
  let decodeSub: JsonConverter | undefined;
  return (v) => (decodeSub ??= reflectiveDecoder(sub))(v);
}

function fieldConverter(field: FieldInfo): JsonConverter {
  const convert = valueConverter(field.value, field.required);
  if (field.map) {
    return (v) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        throw new FieldPathError(`expected an object for map field, got ${describeValue(v)}`);
      }
      const map = v as Record<string, unknown>;
      let count = 0;
      for (const key of Object.keys(map)) {
        const item = map[key];
        let converted: unknown;
        try {
          converted = item === null ? undefined : convert(item);
        } catch (err) {
          if (err instanceof FieldPathError) err.segments.unshift(`[${key}]`);
          throw err;
        }
        if (converted === undefined) delete map[key];
        else {
          if (converted !== item)
            Object.defineProperty(map, key, { value: converted, enumerable: true, writable: true, configurable: true });
          count++;
        }
      }
      return count > 0 ? map : undefined;
    };
  }
  if (field.repeated) return (v) => convertList(v, convert);
  return convert;
}

/** A repeated field, converted in place (the array is fresh from JSON.parse); undefined when empty. */
function convertList(v: unknown, convert: JsonConverter): unknown[] | undefined {
  if (!Array.isArray(v)) throw new FieldPathError(`expected an array for repeated field, got ${describeValue(v)}`);
  let dropped = false;
  for (let i = 0; i < v.length; i++) {
    const item: unknown = v[i];
    let converted: unknown;
    try {
      if (item === null) throw new FieldPathError('expected a value, got null');
      converted = convert(item);
    } catch (err) {
      if (err instanceof FieldPathError) err.segments.unshift(`[${i}]`);
      throw err;
    }
    if (converted === undefined) dropped = true;
    else if (converted !== item) v[i] = converted;
  }
  const list = dropped ? v.filter((item) => item !== undefined) : v;
  return list.length > 0 ? list : undefined;
}

let generated: Map<string, JsonConverter> | undefined;

/** The generated converters whose shape still matches the schema, by type name (built once). */
function generatedConverters(): Map<string, JsonConverter> {
  if (generated) return generated;
  generated = new Map();
  const { infos, fresh } = freshTypes(TYPES, SHAPES, getMessageInfo);
  const enumFields = enumsAt(ENUM_FIELDS, infos, fresh);
  const scalars: Record<string, JsonConverter> = {};
  for (const scalar of SCALAR_TYPES) scalars[scalar] = scalarConverter(scalar);
  const converters: JsonConverter[] = [];
  const runtime: JsonConverterRuntime = {
    scalars,
    converters,
    enumNames: enumFields.map((e) => e?.numberByName ?? new Map<string, number>()),
    enumItems: enumFields.map((e) =>
      e === undefined ? () => undefined : (v: unknown) => enumValue(v, e.numberByName, e.fullName, false),
    ),
    maps: fieldsAt(MAP_FIELDS, infos, fresh).map((field) => (field ? fieldConverter(field) : () => undefined)),
    state: decodeState,
    list: convertList,
    array(value) {
      if (!Array.isArray(value))
        throw new FieldPathError(`expected an array for repeated field, got ${describeValue(value)}`);
      return value;
    },
    nullItem: (index) => new FieldPathError('expected a value, got null', [`[${index}]`]),
    badEnum(value, enumField, required) {
      const e = enumFields[enumField];
      if (e !== undefined) enumValue(value, e.numberByName, e.fullName, required);
    },
    notObject: (t, value) => new FieldPathError(`expected a JSON object for ${TYPES[t]}, got ${describeValue(value)}`),
    at(error, field) {
      if (error instanceof FieldPathError) error.segments.unshift(field);
      return error;
    },
  };
  // A stale type's slot goes to the reflective converter (generated callers reach it there).
  generated = adoptGenerated(
    TYPES,
    createJsonConverters(runtime),
    { infos, fresh },
    converters,
    (info) => (v) => reflectiveDecoder(info)(v),
    () => undefined,
  );
  return generated;
}

interface CompiledJson {
  decode: JsonConverter;
}

/**
 * The JSON decoder of a message type (built on first use, then cached on the type): the generated
 * straight-line converter when there is a fresh one, else the reflective one, which converts the
 * parsed JSON value in place and returns it.
 */
export function jsonMessageDecoder(info: MessageInfo): JsonConverter {
  const cached = info.compiled.json as CompiledJson | undefined;
  if (cached) return cached.decode;
  const decode = generatedConverters().get(info.fullName) ?? reflectiveDecoder(info);
  info.compiled.json = { decode } satisfies CompiledJson;
  return decode;
}

/**
 * The reflective JSON decoder of a message type, and of its fields' types (built on first use,
 * then cached on the type): the fallback for types without a fresh generated converter, and the
 * reference the generated converters are tested against.
 */
export function reflectiveDecoder(info: MessageInfo): JsonConverter {
  const cached = info.compiled.jsonReflective as CompiledJson | undefined;
  if (cached) return cached.decode;
  const compiled: CompiledJson = { decode: () => undefined };
  info.compiled.jsonReflective = compiled;
  // Converters are looked up by key so decoding walks only the keys present (Mesos messages are sparse).
  const converters = new Map<string, JsonConverter>();
  for (const field of info.fields) converters.set(field.name, fieldConverter(field));
  const required = info.requiredFields.map((f) => f.name);
  const defaults = info.defaultFields;
  const fullName = info.fullName;
  compiled.decode = (raw: unknown) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw new FieldPathError(`expected a JSON object for ${fullName}, got ${describeValue(raw)}`);
    }
    // Converted in place: the object is fresh from JSON.parse, and reusing it (instead of copying
    // every message) is what keeps decoding close to the cost of JSON.parse itself.
    const out = raw as Record<string, unknown>;
    let key = '';
    try {
      for (key in out) {
        const convert = converters.get(key);
        const value = out[key];
        if (convert === undefined || value === null) {
          // Unknown keys are ignored (not kept) and null means absent.
          delete out[key];
          continue;
        }
        const converted = convert(value);
        if (converted === undefined) delete out[key];
        else if (converted !== value) out[key] = converted;
      }
    } catch (err) {
      if (err instanceof FieldPathError) err.segments.unshift(key);
      throw err;
    }
    for (let i = 0; i < required.length; i++) {
      if (out[required[i] as string] === undefined) decodeState.missingRequired = true;
    }
    for (let i = 0; i < defaults.length; i++) fillDefault(out, defaults[i] as FieldInfo);
    return out;
  };
  return compiled.decode;
}

/**
 * Parses Mesos JSON text. `JSON.parse` first (the fast path); only if that fails, the bare
 * `Infinity`, `-Infinity` and `NaN` tokens Mesos's writer emits are rewritten outside strings
 * (`Infinity` -> `1e999`, which parses to Infinity; `NaN` -> `"NaN"`) and parsing is retried.
 * Throws the original SyntaxError when the text is still not JSON. (JSON.parse rounds integers
 * beyond 2^53: the codec reads such a record again with int64-json.ts's parseJsonExact.)
 */
export function parseMesosJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const rewritten = rewriteBareNonFinite(text);
    if (rewritten === text) throw err;
    try {
      return JSON.parse(rewritten);
    } catch {
      throw err;
    }
  }
}

function rewriteBareNonFinite(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
    } else if (c === 0x49 /* I */ && text.startsWith('Infinity', i)) {
      out += `${text.slice(copiedUpTo, i)}1e999`;
      i += 7;
      copiedUpTo = i + 1;
    } else if (c === 0x4e /* N */ && text.startsWith('NaN', i)) {
      out += `${text.slice(copiedUpTo, i)}"NaN"`;
      i += 2;
      copiedUpTo = i + 1;
    }
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

function jsonScalar(scalar: ScalarType, value: unknown): unknown {
  if (scalar === 'bytes') return (value as Buffer).toString('base64');
  if (scalar === 'double' || scalar === 'float') {
    // Strings, so the text stays valid JSON (Mesos's parser accepts them); "-0" keeps the sign
    // that JSON.stringify would lose.
    if (!Number.isFinite(value as number))
      return Number.isNaN(value) ? 'NaN' : (value as number) > 0 ? 'Infinity' : '-Infinity';
    if (Object.is(value, -0)) return '-0';
  }
  return value;
}

/** A value of `kind` as Mesos's JSON writes it (the generator uses it for defaults). */
export function jsonValueOf(kind: ValueKind, value: unknown): unknown {
  if (kind.kind === 'scalar') return jsonScalar(kind.scalar, value);
  if (kind.kind === 'enum') return value;
  return toMesosJsonObject(kind.messageInfo, value as Canonical);
}

/** A map field written as Mesos writes it (keys kept as given, `__proto__` included). */
function jsonMap(field: FieldInfo, value: unknown): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (const key of Object.keys(value as object)) {
    const item = jsonValueOf(field.value, (value as Record<string, unknown>)[key]);
    Object.defineProperty(map, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return map;
}

type JsonWriter = (message: Canonical) => Record<string, unknown>;
let writers: Map<string, JsonWriter> | undefined;

/** The generated JSON writers whose type's shape still matches the schema, by type name (built once). */
function generatedWriters(): Map<string, JsonWriter> {
  if (writers) return writers;
  writers = new Map();
  const { infos, fresh } = freshTypes(TYPES, SHAPES, getMessageInfo);
  const table: JsonWriter[] = [];
  const made = createJsonWriters({
    writers: table,
    maps: fieldsAt(WRITER_MAP_FIELDS, infos, fresh).map((field) =>
      field ? (value: unknown) => jsonMap(field, value) : () => undefined,
    ),
    scalars: Object.fromEntries(SCALAR_TYPES.map((scalar) => [scalar, (value: unknown) => jsonScalar(scalar, value)])),
  });
  writers = adoptGenerated(
    TYPES,
    made,
    { infos, fresh },
    table,
    (info) => (m) => reflectiveJsonObject(info, m),
    () => ({}),
  );
  return writers;
}

/**
 * The JSON object Mesos would write for a canonical message: fields in declaration order, enums by
 * name, bytes in padded base64, and every absent optional field with a non-deprecated default.
 */
export function toMesosJsonObject(info: MessageInfo, message: Canonical): Record<string, unknown> {
  let write = info.compiled.jsonWriter as JsonWriter | undefined;
  if (write === undefined) {
    write = generatedWriters().get(info.fullName) ?? ((m: Canonical) => reflectiveJsonObject(info, m));
    info.compiled.jsonWriter = write;
  }
  return write(message);
}

/** toMesosJsonObject by reflection: the fallback for types without a fresh generated writer, and their reference. */
export function reflectiveJsonObject(info: MessageInfo, message: Canonical): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of info.fields) {
    const value = message[field.name];
    if (value === undefined) {
      if (field.defaultValue !== undefined) out[field.name] = jsonValueOf(field.value, field.defaultValue);
      continue;
    }
    if (field.map) out[field.name] = jsonMap(field, value);
    else if (field.repeated) out[field.name] = (value as unknown[]).map((item) => reflectiveValue(field.value, item));
    else out[field.name] = reflectiveValue(field.value, value);
  }
  return out;
}

/** A value as reflectiveJsonObject writes it: nested messages by reflection too. */
function reflectiveValue(kind: ValueKind, value: unknown): unknown {
  if (kind.kind === 'message') return reflectiveJsonObject(kind.messageInfo, value as Canonical);
  return jsonValueOf(kind, value);
}

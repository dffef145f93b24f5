/**
 * Validation before encoding: turns a user's message into its canonical form (declaration order,
 * no absent or empty fields, bytes as Buffer) or throws `MesosEncodeError` naming the field path.
 * Both encoders write from the canonical form, so they accept and reject exactly the same input.
 */
import { describeValue, FieldPathError, MesosEncodeError } from './errors';
import { toInt64 } from './int64';
import {
  CANONICAL_ENUM_FIELDS,
  CANONICAL_MAP_FIELDS,
  type CanonicalRuntime,
  createCanonicalizers,
  SHAPES,
  TYPES,
} from './json-converters';
import type { EnumInfo, FieldInfo, MessageInfo, ScalarType, ValueKind } from './reflect';
import { getMessageInfo, joinPath } from './reflect';
import { adoptGenerated, enumsAt, fieldsAt, freshTypes, SCALAR_TYPES } from './shape';

/** A canonical message: only fields that are set, each already checked. */
export type Canonical = Record<string, unknown>;

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const UINT32_MAX = 4294967295;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function checkScalar(scalar: ScalarType, value: unknown): unknown {
  switch (scalar) {
    case 'string':
      if (typeof value === 'string') return value;
      break;
    case 'bool':
      if (typeof value === 'boolean') return value;
      break;
    case 'double':
      if (typeof value === 'number') return value;
      break;
    case 'float':
      if (typeof value === 'number') return Math.fround(value);
      break;
    case 'bytes':
      // Strings are taken as UTF-8 data (handy for `data` fields carrying text).
      if (typeof value === 'string') return Buffer.from(value, 'utf8');
      if (value instanceof Uint8Array)
        return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      throw new FieldPathError(`expected bytes (Uint8Array, Buffer or a UTF-8 string), got ${describeValue(value)}`);
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      if (Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX) return value;
      throw new FieldPathError(`expected a 32-bit signed integer, got ${describeValue(value)}`);
    case 'uint32':
    case 'fixed32':
      if (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= UINT32_MAX) return value;
      throw new FieldPathError(`expected a 32-bit unsigned integer, got ${describeValue(value)}`);
    // number | bigint | decimal string, range-checked, in Int64's canonical form (int64.ts).
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return toInt64(value, true);
    case 'uint64':
    case 'fixed64':
      return toInt64(value, false);
  }
  throw new FieldPathError(
    `expected a ${scalar === 'bool' ? 'boolean' : scalar === 'string' ? 'string' : 'number'}, got ${describeValue(value)}`,
  );
}

function checkEnum(info: EnumInfo, value: unknown): unknown {
  if (typeof value === 'string' && info.numberByName.has(value)) return value;
  const names = [...info.numberByName.keys()];
  const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ');
  const what =
    typeof value === 'number' ? 'enum values are given by name, not number' : `unknown value ${describeValue(value)}`;
  throw new FieldPathError(`${what} for enum ${info.fullName} (one of ${shown})`);
}

function checkValue(kind: ValueKind, value: unknown, missing: string[], prefix: string): unknown {
  if (kind.kind === 'scalar') return checkScalar(kind.scalar, value);
  if (kind.kind === 'enum') return checkEnum(kind.enumInfo, value);
  return canonicalizeMessage(kind.messageInfo, value, missing, prefix);
}

/** A repeated field: an array, each element checked by `check` (no null or undefined); undefined when empty. */
function checkElements(value: unknown, check: (item: unknown, index: number) => unknown): unknown[] | undefined {
  if (!Array.isArray(value))
    throw new FieldPathError(`expected an array for repeated field, got ${describeValue(value)}`);
  if (value.length === 0) return undefined;
  return value.map((item, i) => {
    try {
      if (item === null || item === undefined)
        throw new FieldPathError('a repeated element cannot be null or undefined');
      return check(item, i);
    } catch (err) {
      if (err instanceof FieldPathError) err.segments.unshift(`[${i}]`);
      throw err;
    }
  });
}

function checkField(field: FieldInfo, value: unknown, missing: string[], prefix: string): unknown {
  if (field.map) {
    if (!isPlainObject(value))
      throw new FieldPathError(`expected an object for map field, got ${describeValue(value)}`);
    const out: Record<string, unknown> = {};
    let count = 0;
    for (const key of Object.keys(value)) {
      const item = value[key];
      if (item === undefined) continue;
      try {
        if (item === null) throw new FieldPathError('a map value cannot be null');
        const checked = checkValue(field.value, item, missing, `${prefix}${field.name}[${key}].`);
        Object.defineProperty(out, key, { value: checked, enumerable: true, writable: true, configurable: true });
        count++;
      } catch (err) {
        if (err instanceof FieldPathError) err.segments.unshift(`[${key}]`);
        throw err;
      }
    }
    return count > 0 ? out : undefined;
  }
  if (field.repeated) {
    return checkElements(value, (item, i) => checkValue(field.value, item, missing, `${prefix}${field.name}[${i}].`));
  }
  return checkValue(field.value, value, missing, `${prefix}${field.name}.`);
}

function notPlain(info: MessageInfo, message: unknown): FieldPathError {
  return new FieldPathError(`expected a plain object for message ${info.fullName}, got ${describeValue(message)}`);
}

/** The error for the first key of `message` that is not a field of its type (and is not undefined), if any. */
function unknownKey(info: MessageInfo, message: Record<string, unknown>): FieldPathError | undefined {
  for (const key of Object.keys(message)) {
    if (info.fieldByName.has(key) || message[key] === undefined) continue;
    const hint = info.fieldByName.has(snakeCase(key))
      ? ` (did you mean '${snakeCase(key)}'? fields use proto names)`
      : '';
    return new FieldPathError(`unknown field '${key}' for message ${info.fullName}${hint}`);
  }
  return undefined;
}

/**
 * The reflective canonicalizer: the fallback for types without a fresh generated one, and the
 * reference the generated ones are tested against.
 */
export function canonicalizeMessage(info: MessageInfo, message: unknown, missing: string[], prefix: string): Canonical {
  if (!isPlainObject(message)) throw notPlain(info, message);
  const unknown = unknownKey(info, message);
  if (unknown) throw unknown;
  const out: Canonical = {};
  for (const field of info.fields) {
    const value = message[field.name];
    if (value === undefined || value === null) {
      if (field.required) missing.push(prefix + field.name);
      continue;
    }
    try {
      const checked = checkField(field, value, missing, prefix);
      if (checked !== undefined) out[field.name] = checked;
    } catch (err) {
      if (err instanceof FieldPathError) err.segments.unshift(field.name);
      throw err;
    }
  }
  return out;
}

type Canonicalizer = (message: unknown, missing: string[], prefix: string) => Canonical;

let generated: Map<string, Canonicalizer> | undefined;

/** The generated canonicalizers whose type's shape still matches the schema, by type name (built once). */
function generatedCanonicalizers(): Map<string, Canonicalizer> {
  if (generated) return generated;
  generated = new Map();
  const { infos, fresh } = freshTypes(TYPES, SHAPES, getMessageInfo);
  const enums = enumsAt(CANONICAL_ENUM_FIELDS, infos, fresh);
  const scalars: Record<string, (value: unknown) => unknown> = {};
  for (const scalar of SCALAR_TYPES) scalars[scalar] = (value) => checkScalar(scalar, value);
  const canonicalizers: Canonicalizer[] = [];
  const infoAt = (t: number) => infos[t] as MessageInfo;
  const runtime: CanonicalRuntime = {
    scalars,
    canonicalizers,
    enumNames: enums.map((e) => e?.numberByName ?? new Map<string, number>()),
    enumChecks: enums.map((e) => (e === undefined ? () => undefined : (value: unknown) => checkEnum(e, value))),
    maps: fieldsAt(CANONICAL_MAP_FIELDS, infos, fresh).map((field) =>
      field
        ? (value: unknown, missing: string[], prefix: string) => checkField(field, value, missing, prefix)
        : () => undefined,
    ),
    isPlainObject,
    notPlain: (t, value) => notPlain(infoAt(t), value),
    definedKeys(value) {
      let count = 0;
      for (const key of Object.keys(value)) if (value[key] !== undefined) count++;
      return count;
    },
    checked(error, field, t, value) {
      const unknown = unknownKey(infoAt(t), value);
      if (unknown) return unknown;
      if (error instanceof FieldPathError) error.segments.unshift(field);
      return error ?? new FieldPathError(`a key of ${infoAt(t).fullName} could not be checked`);
    },
    messages: (value, canonicalizeItem, missing, prefix) =>
      checkElements(value, (item, i) => canonicalizeItem(item, missing, `${prefix}[${i}].`)),
    values: (value, check) => checkElements(value, check),
  };
  generated = adoptGenerated(
    TYPES,
    createCanonicalizers(runtime),
    { infos, fresh },
    canonicalizers,
    (info) => (message, missing, prefix) => canonicalizeMessage(info, message, missing, prefix),
    () => ({}),
  );
  return generated;
}

/** The canonicalizer of a type: the generated one when fresh, else the reflective one. */
export function canonicalizerOf(info: MessageInfo): Canonicalizer {
  const cached = info.compiled.canonical as Canonicalizer | undefined;
  if (cached) return cached;
  const made =
    generatedCanonicalizers().get(info.fullName) ??
    ((message: unknown, missing: string[], prefix: string) => canonicalizeMessage(info, message, missing, prefix));
  info.compiled.canonical = made;
  return made;
}

/**
 * Checks `message` against its type and returns the canonical form; throws `MesosEncodeError`
 * naming the path of a wrong value or listing every missing required field.
 */
export function canonicalize(info: MessageInfo, message: unknown): Canonical {
  const missing: string[] = [];
  let canonical: Canonical;
  try {
    canonical = canonicalizerOf(info)(message, missing, '');
  } catch (err) {
    if (!(err instanceof FieldPathError)) throw err;
    const path = joinPath(err.segments);
    const where = path ? `field '${path}': ` : '';
    throw new MesosEncodeError(
      info.fullName,
      path ? [path] : [],
      `Cannot encode ${info.fullName}: ${where}${err.reason}`,
    );
  }
  if (missing.length > 0) {
    throw new MesosEncodeError(
      info.fullName,
      missing,
      `Cannot encode ${info.fullName}: Missing required fields: ${missing.join(', ')}`,
    );
  }
  return canonical;
}

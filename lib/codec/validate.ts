/**
 * Validation before encoding: turns a user's message into its canonical form (declaration order,
 * no absent or empty fields, bytes as Buffer) or throws `MesosEncodeError` naming the field path.
 * Both encoders write from the canonical form, so they accept and reject exactly the same input.
 */
import { describeValue, FieldPathError, MesosEncodeError } from './errors';
import type { FieldInfo, MessageInfo, ScalarType, ValueKind } from './reflect';
import { joinPath } from './reflect';

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
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      if (Number.isInteger(value)) return value;
      throw new FieldPathError(`expected an integer, got ${describeValue(value)}`);
    case 'uint64':
    case 'fixed64':
      if (Number.isInteger(value) && (value as number) >= 0) return value;
      throw new FieldPathError(`expected a non-negative integer, got ${describeValue(value)}`);
  }
  throw new FieldPathError(
    `expected a ${scalar === 'bool' ? 'boolean' : scalar === 'string' ? 'string' : 'number'}, got ${describeValue(value)}`,
  );
}

function checkValue(kind: ValueKind, value: unknown, missing: string[], prefix: string): unknown {
  if (kind.kind === 'scalar') return checkScalar(kind.scalar, value);
  if (kind.kind === 'enum') {
    if (typeof value === 'string' && kind.enumInfo.numberByName.has(value)) return value;
    const names = [...kind.enumInfo.numberByName.keys()];
    const shown = names.length > 8 ? `${names.slice(0, 8).join(', ')}, ...` : names.join(', ');
    const what =
      typeof value === 'number' ? 'enum values are given by name, not number' : `unknown value ${describeValue(value)}`;
    throw new FieldPathError(`${what} for enum ${kind.enumInfo.fullName} (one of ${shown})`);
  }
  return canonicalizeMessage(kind.messageInfo, value, missing, prefix);
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
    if (!Array.isArray(value))
      throw new FieldPathError(`expected an array for repeated field, got ${describeValue(value)}`);
    if (value.length === 0) return undefined;
    return value.map((item, i) => {
      try {
        if (item === null || item === undefined)
          throw new FieldPathError('a repeated element cannot be null or undefined');
        return checkValue(field.value, item, missing, `${prefix}${field.name}[${i}].`);
      } catch (err) {
        if (err instanceof FieldPathError) err.segments.unshift(`[${i}]`);
        throw err;
      }
    });
  }
  return checkValue(field.value, value, missing, `${prefix}${field.name}.`);
}

function canonicalizeMessage(info: MessageInfo, message: unknown, missing: string[], prefix: string): Canonical {
  if (!isPlainObject(message)) {
    throw new FieldPathError(`expected a plain object for message ${info.fullName}, got ${describeValue(message)}`);
  }
  for (const key of Object.keys(message)) {
    if (info.fieldByName.has(key) || message[key] === undefined) continue;
    const hint = info.fieldByName.has(snakeCase(key))
      ? ` (did you mean '${snakeCase(key)}'? fields use proto names)`
      : '';
    throw new FieldPathError(`unknown field '${key}' for message ${info.fullName}${hint}`);
  }
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

/**
 * Checks `message` against its type and returns the canonical form; throws `MesosEncodeError`
 * naming the path of a wrong value or listing every missing required field.
 */
export function canonicalize(info: MessageInfo, message: unknown): Canonical {
  const missing: string[] = [];
  let canonical: Canonical;
  try {
    canonical = canonicalizeMessage(info, message, missing, '');
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

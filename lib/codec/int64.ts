/**
 * The one representation of Mesos's 64-bit integers (int64, uint64, sint64, fixed64, sfixed64) in
 * this library, exact end to end:
 *
 * - decoded (JSON or protobuf) as a `number` when the value is a safe integer (|v| <= 2^53 - 1),
 *   the common case, and as a `bigint` beyond it (e.g. `TimeInfo.nanoseconds` ~1.8e18);
 * - accepted by the encoders as a `number` (an integer; beyond 2^53 its exact double value is
 *   written), a `bigint`, or a decimal string (as Mesos's JSON parser accepts), range-checked;
 * - written in JSON as a bare number with every digit, as Mesos writes them.
 *
 * The generated message types call this `Int64` (`number | bigint`). Helpers to work with it:
 * `int64ToBigInt` for arithmetic, `int64Of` to build one from a bigint/number/string.
 */
import { describeValue, FieldPathError } from './errors';
import type { Int64 } from './messages';

export type { Int64 };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const TWO_32 = 4294967296;
const DECIMAL = /^\s*[-+]?\d+\s*$/;

/** The canonical form of an exact integer: a number when safe, else the bigint. */
function normalize(value: bigint): Int64 {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

function rangeError(value: unknown, signed: boolean): FieldPathError {
  return new FieldPathError(
    signed
      ? `expected a 64-bit signed integer (-2^63 to 2^63-1), got ${describeValue(value)}`
      : `expected a 64-bit unsigned integer (0 to 2^64-1), got ${describeValue(value)}`,
  );
}

/**
 * A 64-bit integer from a number (an integer), a bigint or a decimal string, in canonical form;
 * throws `FieldPathError` naming the value when it is not one or is out of range.
 */
export function toInt64(value: unknown, signed: boolean): Int64 {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) {
      if (value < 0 && !signed) throw rangeError(value, signed);
      return value;
    }
    if (!Number.isInteger(value)) throw rangeError(value, signed);
    return checkedBig(BigInt(value), value, signed);
  }
  let big: bigint;
  if (typeof value === 'bigint') big = value;
  else if (typeof value === 'string' && DECIMAL.test(value)) big = BigInt(value.trim().replace(/^\+/, ''));
  else throw rangeError(value, signed);
  return checkedBig(big, value, signed);
}

function checkedBig(big: bigint, shown: unknown, signed: boolean): Int64 {
  if (signed ? big < INT64_MIN || big > INT64_MAX : big < 0n || big > UINT64_MAX) throw rangeError(shown, signed);
  return normalize(big);
}

/**
 * Set by the JSON decoder when a 64-bit field got a JSON number beyond 2^53 - 1: JSON.parse may
 * have rounded its literal, so the codec reads that record again exactly (int64-json.ts). Testing
 * a flag costs nothing on the common path, where no such number is seen.
 */
export const int64JsonState = {
  rounded: false,
  /** True while the codec decodes a text it can read again (then a rounded value is not range-checked yet). */
  rereadable: false,
};

/** toInt64 for a value from parsed JSON: flags an unsafe JSON number (see int64JsonState). */
export function int64FromJson(value: unknown, signed: boolean): Int64 {
  if (typeof value === 'number' && !Number.isSafeInteger(value) && Number.isInteger(value)) {
    int64JsonState.rounded = true;
    // Rounding may have pushed an in-range literal (2^64 - 1) out of range: the exact read checks it.
    if (int64JsonState.rereadable) {
      try {
        return toInt64(value, signed);
      } catch {
        return value;
      }
    }
  }
  return toInt64(value, signed);
}

/** Any Int64 (or decimal string) as a bigint, for exact arithmetic; throws a TypeError on anything else. */
export function int64ToBigInt(value: Int64 | string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  if (typeof value === 'string' && DECIMAL.test(value)) return BigInt(value.trim().replace(/^\+/, ''));
  throw new TypeError(`Not a 64-bit integer: ${describeValue(value)}`);
}

/** An Int64 in canonical form (number when safe, bigint beyond) from a bigint, integer or decimal string. */
export function int64Of(value: bigint | number | string): Int64 {
  return normalize(int64ToBigInt(value));
}

/** Compares two Int64 values exactly: negative, zero or positive. */
export function compareInt64(a: Int64, b: Int64): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The value of 64 bits given as two unsigned 32-bit halves, signed (two's complement) or not. */
export function int64FromBits(low: number, high: number, signed: boolean): Int64 {
  const lo = low >>> 0;
  const hi = high >>> 0;
  if (hi < 0x200000) return hi * TWO_32 + lo;
  if (signed && hi >= 0xffe00000 && (hi !== 0xffe00000 || lo !== 0)) return (hi - TWO_32) * TWO_32 + lo;
  const big = (BigInt(hi) << 32n) | BigInt(lo);
  return normalize(signed ? BigInt.asIntN(64, big) : big);
}

/** A protobufjs Long (or the number protobufjs gives without one) as an Int64. */
export function int64FromLong(value: { low: number; high: number } | number, signed: boolean): Int64 {
  if (typeof value === 'number') return value;
  return int64FromBits(value.low, value.high, signed);
}

/**
 * What protobufjs's Writer takes for a 64-bit value: numbers as they are (protobufjs splits an
 * integer double exactly), a bigint as its two's complement 32-bit halves.
 */
export function int64WriterValue(value: unknown): unknown {
  if (typeof value !== 'bigint') return value;
  const bits = BigInt.asUintN(64, value);
  return { low: Number(bits & 0xffffffffn), high: Number(bits >> 32n) };
}

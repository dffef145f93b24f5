/**
 * JSON text with 64-bit integers kept exact, for the rare records that need it (see int64.ts).
 *
 * Reading: JSON.parse rounds every integer literal beyond 2^53. The codec keeps JSON.parse and
 * its converters flag a 64-bit field that got a number beyond 2^53 (int64JsonState); only such a
 * record is read again by `parseJsonExact`, the small reader below, which gives the same values
 * as JSON.parse except that an integer literal (no fraction, no exponent) beyond the safe range
 * becomes a bigint. It also takes the bare `Infinity`, `-Infinity` and `NaN` Mesos writes (as
 * Infinity and the string "NaN", what parseMesosJson makes of them). Schema-less JSON (an operator
 * answer of a type this library does not know) goes through `parseMesosJsonExact`, which uses a
 * scan for a run of 16 digits (`mayHoldBigInteger`) to choose the reader.
 *
 * Writing: `stringifyJson` is JSON.stringify, and only when that meets a bigint (a TypeError) the
 * value is written by the small writer below, which puts a bigint's digits as a bare number.
 */

import { parseMesosJson } from './json';

/** A control character, which JSON strings may not hold raw (JSON.parse then throws). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: that is the point
const CONTROL = /[\u0000-\u001f]/;

/** A run of 16 digits: the shortest literal that can exceed 2^53 - 1 (9007199254740991). */
const LONG_DIGITS = /\d{16}/;

/** Whether `text` may hold an integer literal too long for a JS number (false: JSON.parse is exact). */
export function mayHoldBigInteger(text: string): boolean {
  return LONG_DIGITS.test(text);
}

class Reader {
  pos = 0;
  /** The next backslash at or after `pos` (text.length when none): strings without one are sliced as they are. */
  private slash: number;
  constructor(readonly text: string) {
    this.slash = this.nextSlash(0);
  }

  private nextSlash(from: number): number {
    const at = this.text.indexOf('\\', from);
    return at < 0 ? this.text.length : at;
  }

  fail(what: string): never {
    throw new SyntaxError(`${what} in JSON at position ${this.pos}`);
  }

  space(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = t.charCodeAt(++this.pos);
  }

  value(): unknown {
    this.space();
    const t = this.text;
    const c = t.charCodeAt(this.pos);
    if (c === 0x7b /* { */) return this.object();
    if (c === 0x5b /* [ */) return this.array();
    if (c === 0x22 /* " */) return this.string();
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      if (t.startsWith('-Infinity', this.pos)) return this.word('-Infinity', Number.NEGATIVE_INFINITY);
      return this.number();
    }
    if (c === 0x74) return this.word('true', true);
    if (c === 0x66) return this.word('false', false);
    if (c === 0x6e) return this.word('null', null);
    if (c === 0x49) return this.word('Infinity', Number.POSITIVE_INFINITY);
    if (c === 0x4e) return this.word('NaN', 'NaN');
    return this.fail(Number.isNaN(c) ? 'Unexpected end' : `Unexpected token ${t[this.pos]}`);
  }

  word(word: string, value: unknown): unknown {
    if (!this.text.startsWith(word, this.pos)) this.fail(`Unexpected token ${this.text[this.pos]}`);
    this.pos += word.length;
    return value;
  }

  number(): number | bigint {
    const t = this.text;
    const start = this.pos;
    if (t.charCodeAt(this.pos) === 0x2d) this.pos++;
    const intStart = this.pos;
    this.digits();
    const intLength = this.pos - intStart;
    if (intLength === 0 || (intLength > 1 && t.charCodeAt(intStart) === 0x30)) this.fail('Bad number');
    let integer = true;
    if (t.charCodeAt(this.pos) === 0x2e /* . */) {
      integer = false;
      this.pos++;
      if (this.digits() === 0) this.fail('Bad number');
    }
    const e = t.charCodeAt(this.pos);
    if (e === 0x65 || e === 0x45) {
      integer = false;
      this.pos++;
      const sign = t.charCodeAt(this.pos);
      if (sign === 0x2b || sign === 0x2d) this.pos++;
      if (this.digits() === 0) this.fail('Bad number');
    }
    const literal = t.slice(start, this.pos);
    const n = Number(literal);
    if (integer && intLength >= 16 && !Number.isSafeInteger(n)) return BigInt(literal);
    return n;
  }

  digits(): number {
    const t = this.text;
    const start = this.pos;
    let c = t.charCodeAt(this.pos);
    while (c >= 0x30 && c <= 0x39) c = t.charCodeAt(++this.pos);
    return this.pos - start;
  }

  string(): string {
    const t = this.text;
    const start = this.pos;
    if (this.slash < start) this.slash = this.nextSlash(start);
    let end = t.indexOf('"', start + 1);
    if (end < 0) this.fail('Unterminated string');
    if (this.slash > end) {
      this.pos = end + 1;
      const s = t.slice(start + 1, end);
      return CONTROL.test(s) ? (JSON.parse(t.slice(start, end + 1)) as string) : s;
    }
    // Escapes (rare in Mesos messages): skip each escaped character to find the closing quote,
    // then let JSON.parse decode (and check) the literal.
    while (this.slash < end) {
      const after = this.slash + 2;
      this.slash = this.nextSlash(after);
      if (end < after) end = t.indexOf('"', after);
      if (end < 0) this.fail('Unterminated string');
    }
    this.pos = end + 1;
    return JSON.parse(t.slice(start, end + 1)) as string;
  }

  expect(c: number, what: string): void {
    this.space();
    if (this.text.charCodeAt(this.pos) !== c) this.fail(`Expected ${what}`);
    this.pos++;
  }

  array(): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.space();
    if (this.text.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.space();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x5d) return out;
      if (c !== 0x2c) this.fail("Expected ',' or ']'");
    }
  }

  object(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    this.space();
    if (this.text.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('Expected a property name');
      const key = this.string();
      this.expect(0x3a, "':'");
      const value = this.value();
      // As JSON.parse: an own property even for "__proto__", the last duplicate wins.
      if (key === '__proto__')
        Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
      else out[key] = value;
      this.space();
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x7d) return out;
      if (c !== 0x2c) this.fail("Expected ',' or '}'");
    }
  }
}

/**
 * Parses JSON text as JSON.parse does, but an integer literal beyond 2^53 - 1 in magnitude becomes
 * a bigint with every digit; bare `Infinity`/`-Infinity`/`NaN` are taken too. Throws SyntaxError.
 */
export function parseJsonExact(text: string): unknown {
  const reader = new Reader(text);
  const value = reader.value();
  reader.space();
  if (reader.pos !== text.length) reader.fail('Unexpected non-whitespace character after JSON');
  return value;
}

/** parseMesosJson, but integers beyond 2^53 kept exact as bigints (for JSON read without a schema). */
export function parseMesosJsonExact(text: string): unknown {
  if (mayHoldBigInteger(text)) {
    try {
      return parseJsonExact(text);
    } catch {
      // Not JSON: parseMesosJson throws JSON.parse's own error.
    }
  }
  return parseMesosJson(text);
}

function writeValue(value: unknown): string | undefined {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return writeValue((value as { toJSON(): unknown }).toJSON());
  if (Array.isArray(value)) return `[${value.map((item) => writeValue(item) ?? 'null').join(',')}]`;
  const parts: string[] = [];
  for (const key of Object.keys(value)) {
    const item = writeValue((value as Record<string, unknown>)[key]);
    if (item !== undefined) parts.push(`${JSON.stringify(key)}:${item}`);
  }
  return `{${parts.join(',')}}`;
}

/** JSON.stringify, except that a bigint is written as a bare number with all its digits. */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    const text = writeValue(value);
    if (text === undefined) throw err;
    return text;
  }
}

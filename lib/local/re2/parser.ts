/**
 * A parser for RE2's regular-expression syntax, as the RE2 that Mesos bundles (2020-07-06) parses
 * a pattern with its default (Perl-like, UTF-8, case-sensitive) options: literals and escapes
 * (`\n`, octal `\0`..`\377`, `\x7f`, `\x{10FFFF}`, `\Q...\E`, escaped punctuation), `.`,
 * character classes with ranges, POSIX names (`[[:alpha:]]`, `[[:^digit:]]`), Perl classes
 * (`\d \s \w` and negations) and Unicode groups (`\pL`, `\p{Greek}`, `\P{Lu}`, `\p{^Greek}`),
 * groups `(...)`, `(?:...)`, `(?P<name>...)`, flag groups `(?i)`, `(?-s)`, `(?im:...)` (flags
 * i, m, s, U), repetitions `* + ? {n} {n,} {n,m}` (counts up to 1000, also nested) with a
 * non-greedy `?`, alternation, and the assertions `^ $ \A \z \b \B`; `\C` is any byte.
 *
 * What RE2 rejects is refused with RE2's error text (what `RE2::error()` returns, which Mesos
 * passes on to the framework), e.g. `missing ]: [a-d`, `invalid escape sequence: \1`,
 * `invalid perl operator: (?=`, `invalid repetition size: {1001}`, `bad repetition operator: **`.
 * As that RE2 version, `(?<name>...)` is an invalid perl operator (later RE2 versions accept it).
 */
import { MesosMisuseError } from '../../common/errors';
import { complement, foldRanges, MAX_RUNE, normalize, type Ranges } from './ranges';
import { RE2_SCRIPTS } from './scripts';

/** A pattern RE2 refuses to parse; `message` is RE2's error text. */
export class Re2SyntaxError extends MesosMisuseError {}

/** The flags in force where a node was parsed. */
export interface Re2Flags {
  /** `(?i)`: case-insensitive. */
  fold: boolean;
  /** `(?m)`: `^` and `$` match at line boundaries. */
  multiLine: boolean;
  /** `(?s)`: `.` matches a newline. */
  dotNl: boolean;
  /** `(?U)`: repetitions are non-greedy unless followed by `?`. */
  ungreedy: boolean;
}

export type Re2Node =
  | { type: 'empty' }
  | { type: 'literal'; codePoint: number; fold: boolean }
  /** `ranges` (already negated when the class was) plus Unicode properties as JS `\p{...}`/`\P{...}` sources. */
  | { type: 'class'; negated: boolean; ranges: Ranges; properties: string[]; fold: boolean }
  | { type: 'anyChar'; dotNl: boolean }
  | { type: 'anyByte' }
  | { type: 'assert'; kind: 'bol' | 'eol' | 'bot' | 'eot' | 'wordBoundary' | 'notWordBoundary' }
  | { type: 'group'; capture: boolean; sub: Re2Node }
  | { type: 'concat'; subs: Re2Node[] }
  | { type: 'alternate'; subs: Re2Node[] }
  /** `max` is -1 for no upper bound. */
  | { type: 'repeat'; min: number; max: number; greedy: boolean; sub: Re2Node };

/** RE2's limit on a repetition count (and on the product of nested ones). */
export const RE2_MAX_REPEAT = 1000;

const r = (lo: string, hi = lo): [number, number] => [lo.codePointAt(0) ?? 0, hi.codePointAt(0) ?? 0];
const DIGIT: Ranges = [r('0', '9')];
const WORD: Ranges = [r('0', '9'), r('A', 'Z'), r('_'), r('a', 'z')];
const PERL_CLASSES: Record<string, Ranges> = {
  d: DIGIT,
  s: [r('\t', '\n'), r('\f', '\r'), r(' ')],
  w: WORD,
};
const POSIX_CLASSES: Record<string, Ranges> = {
  alnum: [r('0', '9'), r('A', 'Z'), r('a', 'z')],
  alpha: [r('A', 'Z'), r('a', 'z')],
  ascii: [[0, 0x7f]],
  blank: [r('\t'), r(' ')],
  cntrl: [
    [0, 0x1f],
    [0x7f, 0x7f],
  ],
  digit: DIGIT,
  graph: [r('!', '~')],
  lower: [r('a', 'z')],
  print: [r(' ', '~')],
  punct: [r('!', '/'), r(':', '@'), r('[', '`'), r('{', '~')],
  space: [r('\t', '\r'), r(' ')],
  upper: [r('A', 'Z')],
  word: WORD,
  xdigit: [r('0', '9'), r('A', 'F'), r('a', 'f')],
};
/** The general categories RE2 knows (RE2's `C` has no unassigned code points, unlike JS's). */
const CATEGORIES = new Set(
  'Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'.split(' '),
);

/** The JS source of Unicode group `name` (as in `\p{name}`), or undefined when RE2 has no such group. */
function unicodeGroup(name: string, negated: boolean): string | undefined {
  const p = negated ? 'P' : 'p';
  if (name === 'Any') return negated ? '[]' : '[\\u{0}-\\u{10FFFF}]';
  if (name === 'C') return negated ? '[^\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}]' : '[\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}]';
  if (CATEGORIES.has(name)) return `\\${p}{${name}}`;
  if (!RE2_SCRIPTS.has(name)) return undefined;
  return `\\${p}{Script=${name}}`;
}

const isHex = (c: string | undefined) => c !== undefined && /^[0-9A-Fa-f]$/.test(c);
const isOctal = (c: string | undefined) => c !== undefined && c >= '0' && c <= '7';

class Parser {
  private readonly chars: string[];
  private pos = 0;
  private flags: Re2Flags = { fold: false, multiLine: false, dotNl: false, ungreedy: false };
  private depth = 0;

  constructor(private readonly pattern: string) {
    this.chars = Array.from(pattern);
  }

  private fail(code: string, arg?: string): never {
    throw new Re2SyntaxError(arg ? `${code}: ${arg}` : code);
  }

  private peek(offset = 0): string | undefined {
    return this.chars[this.pos + offset];
  }

  private rest(from = this.pos): string {
    return this.chars.slice(from).join('');
  }

  private text(from: number, to = this.pos): string {
    return this.chars.slice(from, to).join('');
  }

  parse(): Re2Node {
    const node = this.alternation();
    if (this.pos < this.chars.length) this.fail('unexpected )', this.pattern);
    return node;
  }

  private alternation(): Re2Node {
    const subs = [this.concatenation()];
    while (this.peek() === '|') {
      this.pos++;
      subs.push(this.concatenation());
    }
    return subs.length === 1 ? (subs[0] as Re2Node) : { type: 'alternate', subs };
  }

  private concatenation(): Re2Node {
    const subs: Re2Node[] = [];
    let lastWasRepeat = '';
    let lastRepeatAt = 0;
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|') break;
      if (c === ')') {
        if (this.depth === 0) this.fail('unexpected )', this.pattern);
        break;
      }
      const start = this.pos;
      const op = this.repetitionOp();
      if (op) {
        if (lastWasRepeat) this.fail('bad repetition operator', this.text(lastRepeatAt));
        const sub = subs.pop();
        if (sub === undefined) this.fail('no argument for repetition operator', this.text(start));
        const greedy = op.nonGreedy === this.flags.ungreedy;
        const node: Re2Node = { type: 'repeat', min: op.min, max: op.max, greedy, sub };
        if ((op.min >= 2 || op.max >= 2) && repeatBudget(node, RE2_MAX_REPEAT) === 0)
          this.fail('invalid repetition size', this.text(start));
        subs.push(node);
        lastWasRepeat = this.text(start);
        lastRepeatAt = start;
        continue;
      }
      lastWasRepeat = '';
      const atom = this.atom();
      if (Array.isArray(atom)) subs.push(...atom);
      else if (atom) subs.push(atom);
    }
    if (subs.length === 0) return { type: 'empty' };
    return subs.length === 1 ? (subs[0] as Re2Node) : { type: 'concat', subs };
  }

  /** A repetition operator at the cursor (consumed), or undefined. */
  private repetitionOp(): { min: number; max: number; nonGreedy: boolean } | undefined {
    const c = this.peek();
    let min: number;
    let max: number;
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
      [min, max] = c === '*' ? [0, -1] : c === '+' ? [1, -1] : [0, 1];
    } else if (c === '{') {
      const m = /^\{(0|[1-9]\d{0,8})(,(0|[1-9]\d{0,8})?)?\}/.exec(this.rest().slice(0, 40));
      if (!m) return undefined;
      this.pos += Array.from(m[0]).length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === undefined ? -1 : Number(m[3]);
      if ((max !== -1 && max < min) || min > RE2_MAX_REPEAT || max > RE2_MAX_REPEAT) {
        this.fail('invalid repetition size', m[0]);
      }
    } else return undefined;
    const nonGreedy = this.peek() === '?';
    if (nonGreedy) this.pos++;
    return { min, max, nonGreedy };
  }

  /** One atom; undefined for a flags-only group such as `(?i)`, which matches nothing itself. */
  private atom(): Re2Node | Re2Node[] | undefined {
    const c = this.peek() as string;
    const flags = this.flags;
    switch (c) {
      case '(':
        return this.group();
      case '[':
        return this.charClass();
      case '.':
        this.pos++;
        return { type: 'anyChar', dotNl: flags.dotNl };
      case '^':
        this.pos++;
        return { type: 'assert', kind: flags.multiLine ? 'bol' : 'bot' };
      case '$':
        this.pos++;
        return { type: 'assert', kind: flags.multiLine ? 'eol' : 'eot' };
      case '\\':
        return this.escapeAtom();
      default:
        this.pos++;
        return { type: 'literal', codePoint: c.codePointAt(0) ?? 0, fold: flags.fold };
    }
  }

  private group(): Re2Node | undefined {
    const start = this.pos;
    const saved = { ...this.flags };
    let capture = true;
    if (this.peek(1) === '?') {
      if (this.peek(2) === 'P' && this.peek(3) === '<' && this.pos + 4 < this.chars.length) {
        const end = this.chars.indexOf('>', this.pos + 4);
        if (end < 0) this.fail('invalid named capture group', this.rest(start));
        const name = this.text(this.pos + 4, end);
        if (!/^[0-9A-Za-z_]+$/.test(name)) this.fail('invalid named capture group', this.text(start, end + 1));
        this.pos = end + 1;
      } else {
        this.pos += 2;
        if (!this.perlFlags(start)) return undefined;
        capture = false;
      }
    } else this.pos++;
    this.depth++;
    const sub = this.alternation();
    this.depth--;
    if (this.peek() !== ')') this.fail('missing )', this.pattern);
    this.pos++;
    this.flags = saved;
    return { type: 'group', capture, sub };
  }

  /** Parses the flags after `(?`; true when a `:` opens a group, false when `)` ends a flags-only group. */
  private perlFlags(start: number): boolean {
    const next = { ...this.flags };
    let negated = false;
    let sawFlags = false;
    const bad = (): never => this.fail('invalid perl operator', this.text(start));
    for (;;) {
      const c = this.peek();
      if (c === undefined) bad();
      this.pos++;
      if (c === 'i' || c === 'm' || c === 's' || c === 'U') {
        sawFlags = true;
        const key = ({ i: 'fold', m: 'multiLine', s: 'dotNl', U: 'ungreedy' } as const)[c];
        next[key] = !negated;
      } else if (c === '-' && !negated) {
        negated = true;
        sawFlags = false;
      } else if (c === ':' || c === ')') {
        if (negated && !sawFlags) bad();
        this.flags = next;
        return c === ':';
      } else bad();
    }
  }

  /** An escape outside a class; `\Q...\E` gives its literals (a repetition after it applies to the last). */
  private escapeAtom(): Re2Node | Re2Node[] {
    const start = this.pos;
    const c = this.peek(1);
    const kinds: Record<string, 'wordBoundary' | 'notWordBoundary' | 'bot' | 'eot'> = {
      b: 'wordBoundary',
      B: 'notWordBoundary',
      A: 'bot',
      z: 'eot',
    };
    if (c !== undefined && kinds[c]) {
      this.pos += 2;
      return { type: 'assert', kind: kinds[c] };
    }
    if (c === 'C') {
      this.pos += 2;
      return { type: 'anyByte' };
    }
    if (c === 'Q') {
      this.pos += 2;
      const subs: Re2Node[] = [];
      while (this.pos < this.chars.length) {
        if (this.peek() === '\\' && this.peek(1) === 'E') {
          this.pos += 2;
          break;
        }
        const lit = this.chars[this.pos++] as string;
        subs.push({ type: 'literal', codePoint: lit.codePointAt(0) ?? 0, fold: this.flags.fold });
      }
      return subs;
    }
    const fold = this.flags.fold;
    const set = this.classEscape();
    if (set) return { type: 'class', negated: false, ranges: set.ranges, properties: set.properties, fold };
    this.pos = start;
    return { type: 'literal', codePoint: this.escape(), fold };
  }

  /** `\d`-style or `\p`-style escape at the cursor (consumed), or undefined. */
  private classEscape(): { ranges: Ranges; properties: string[] } | undefined {
    const c = this.peek(1);
    if (c === undefined) return undefined;
    const perl = PERL_CLASSES[c.toLowerCase()];
    if (perl && 'dswDSW'.includes(c)) {
      this.pos += 2;
      return { ranges: c === c.toUpperCase() ? this.negate(perl) : perl, properties: [] };
    }
    if ((c !== 'p' && c !== 'P') || this.peek(2) === undefined) return undefined;
    const start = this.pos;
    let name: string;
    if (this.peek(2) === '{') {
      const end = this.chars.indexOf('}', this.pos + 3);
      if (end < 0) this.fail('invalid character class range', this.rest(start));
      name = this.text(this.pos + 3, end);
      this.pos = end + 1;
    } else {
      name = this.peek(2) as string;
      this.pos += 3;
    }
    let negated = c === 'P';
    if (name.startsWith('^')) {
      negated = !negated;
      name = name.slice(1);
    }
    const source = unicodeGroup(name, negated);
    if (source === undefined) this.fail('invalid character class range', this.text(start));
    return { ranges: [], properties: [source] };
  }

  /** The complement of a Perl or POSIX class: under `(?i)`, of its case variants too (as RE2 folds before negating). */
  private negate(ranges: Ranges): Ranges {
    return complement(this.flags.fold ? foldRanges(ranges) : ranges);
  }

  /** A single-character escape at the cursor (consumed): its code point. */
  private escape(): number {
    const start = this.pos;
    if (this.pos + 1 >= this.chars.length) this.fail('trailing \\');
    this.pos += 2;
    const c = this.chars[this.pos - 1] as string;
    const bad = (): never => this.fail('invalid escape sequence', this.text(start));
    const simple: Record<string, number> = { n: 10, r: 13, t: 9, a: 7, f: 12, v: 11 };
    if (simple[c] !== undefined) return simple[c];
    if (c >= '1' && c <= '7' && !isOctal(this.peek())) bad();
    if (c >= '0' && c <= '7') {
      let code = Number(c);
      for (let i = 0; i < 2 && isOctal(this.peek()); i++) code = code * 8 + Number(this.chars[this.pos++]);
      return code;
    }
    if (c === 'x') {
      if (this.peek() === '{') {
        this.pos++;
        let digits = '';
        while (isHex(this.peek())) {
          digits += this.chars[this.pos++];
          if (Number.parseInt(digits, 16) > MAX_RUNE) bad();
        }
        if (this.peek() === undefined) bad();
        this.pos++;
        if (this.chars[this.pos - 1] !== '}' || digits === '') bad();
        return Number.parseInt(digits, 16);
      }
      const hex = this.text(this.pos, this.pos + 2);
      this.pos = Math.min(this.pos + 2, this.chars.length);
      if (hex.length < 2 || !isHex(hex[0]) || !isHex(hex[1])) bad();
      return Number.parseInt(hex, 16);
    }
    const code = c.codePointAt(0) ?? 0;
    if (code < 0x80 && !/[0-9A-Za-z]/.test(c)) return code;
    return bad();
  }

  private charClass(): Re2Node {
    const start = this.pos;
    const whole = this.rest(start);
    this.pos++;
    const negated = this.peek() === '^';
    if (negated) this.pos++;
    const ranges: Ranges = [];
    const properties: string[] = [];
    let first = true;
    while (this.pos < this.chars.length && (this.peek() !== ']' || first)) {
      first = false;
      if (this.peek() === '[' && this.peek(1) === ':') {
        const close = this.rest().indexOf(':]', 2);
        if (close >= 0) {
          const name = this.rest().slice(0, close + 2);
          const inner = name.slice(2, -2);
          const group = POSIX_CLASSES[inner.replace(/^\^/, '')];
          if (!group) this.fail('invalid character class range', name);
          ranges.push(...(inner.startsWith('^') ? this.negate(group) : group));
          this.pos += Array.from(name).length;
          continue;
        }
      }
      if (this.peek() === '\\') {
        const set = this.classEscape();
        if (set) {
          ranges.push(...set.ranges);
          properties.push(...set.properties);
          continue;
        }
      }
      const from = this.pos;
      const lo = this.classChar(whole);
      let hi = lo;
      if (this.peek() === '-' && this.peek(1) !== undefined && this.peek(1) !== ']') {
        this.pos++;
        hi = this.classChar(whole);
        if (hi < lo) this.fail('invalid character class range', this.text(from));
      }
      ranges.push([lo, hi]);
    }
    if (this.pos >= this.chars.length) this.fail('missing ]', whole);
    this.pos++;
    return { type: 'class', negated, ranges: normalize(ranges), properties, fold: this.flags.fold };
  }

  private classChar(whole: string): number {
    const c = this.peek();
    if (c === undefined) this.fail('missing ]', whole);
    if (c === '\\') return this.escape();
    this.pos++;
    return c.codePointAt(0) ?? 0;
  }
}

/**
 * What RE2's repetition check leaves of `budget` below `node` (0: the nested counts multiply
 * past the limit): each repetition divides it by its count (its minimum when unbounded).
 */
function repeatBudget(node: Re2Node, budget: number): number {
  let arg = budget;
  if (node.type === 'repeat') {
    const m = node.max < 0 ? node.min : node.max;
    if (m > 0) arg = Math.floor(arg / m);
  }
  const subs = node.type === 'concat' || node.type === 'alternate' ? node.subs : 'sub' in node ? [node.sub] : [];
  for (const sub of subs) arg = Math.min(arg, repeatBudget(sub, arg));
  return arg;
}

/** Parses `pattern` as RE2 does; throws a Re2SyntaxError with RE2's error text. */
export function parseRe2(pattern: string): Re2Node {
  return new Parser(pattern).parse();
}

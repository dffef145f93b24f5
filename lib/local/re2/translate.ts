/**
 * Turns a parsed RE2 pattern (./parser.ts) into a JavaScript RegExp with RE2's meaning, and
 * estimates the size of the program RE2 would compile it to.
 *
 * Translation (the RegExp has only the `u` flag, so every construct says what it means itself):
 * `.` is `[^\n]` (JS's `.` also stops at `\r`, U+2028 and U+2029) or any code point under `(?s)`;
 * `^`/`$` are the text's ends, or under `(?m)` only `\n` ends a line (`(?<![^\n])`, `(?![^\n])`);
 * `\s` is `[\t\n\f\r ]` and `\d`, `\w`, `\b` are ASCII as in RE2; `(?i)` becomes explicit case
 * variants (simple case folding: `k` also matches the Kelvin sign, as RE2's; a `\p{...}` group
 * under `(?i)` is enumerated into code points once, ~40 ms, and folded); captures become
 * non-capturing groups (whether a pattern matches is all Mesos asks); `(?U)` swaps greediness.
 * `\C` (one byte in RE2's UTF-8 text) matches one code point here: they differ only on non-ASCII.
 *
 * Program size: RE2 counts the instructions of the program it compiles. {@link programSize}
 * estimates that count the way RE2's compiler emits instructions before optimizing: one per
 * ASCII literal or assertion, a UTF-8 literal one per byte, a class one per range plus the
 * alternations joining them (non-ASCII ranges one per UTF-8 byte), two for a capture, one for
 * `* + ?` and each `|`, a counted repetition expanded into its copies (`x{2,5}` is `xx(x(x(x)?)?)?`),
 * plus the program's fail and match instructions and the unanchored `.*?` prefix.
 */
import type { Re2Node } from './parser';
import { caseOrbit, complement, foldRanges, MAX_RUNE, normalize, type Ranges } from './ranges';

const hex = (cp: number) => `\\u{${cp.toString(16)}}`;

const propertyCodePoints = new Map<string, Ranges>();

/** The code points of a Unicode group's JS source (`\p{...}` or a bracketed class), enumerated once (~40 ms). */
function codePoints(source: string): Ranges {
  let ranges = propertyCodePoints.get(source);
  if (!ranges) {
    const regex = new RegExp(`^${source}$`, 'u');
    ranges = [];
    for (let cp = 0, start = -1; cp <= MAX_RUNE + 1; cp++) {
      const member = cp <= MAX_RUNE && regex.test(String.fromCodePoint(cp));
      if (member && start < 0) start = cp;
      if (!member && start >= 0) {
        ranges.push([start, cp - 1]);
        start = -1;
      }
    }
    propertyCodePoints.set(source, ranges);
  }
  return ranges;
}

/** A Unicode group under `(?i)`, as RE2 adds it: its case variants too, and a negated group negated after folding. */
function foldedProperty(source: string): Ranges {
  const negated = source.startsWith('\\P') || source.startsWith('[^') || source === '[]';
  if (!negated) return foldRanges(codePoints(source));
  const positive = source === '[]' ? '[\\u{0}-\\u{10FFFF}]' : source.replace(/^\\P/, '\\p').replace(/^\[\^/, '[');
  return complement(foldRanges(codePoints(positive)));
}

function classSource(ranges: Ranges, properties: readonly string[], negated: boolean): string {
  const body = ranges.map(([lo, hi]) => (lo === hi ? hex(lo) : `${hex(lo)}-${hex(hi)}`)).join('');
  const parts = properties.map((p) => (p.startsWith('[') ? p.slice(1, -1) : p));
  if (properties.some((p) => p.startsWith('[^'))) {
    // A negated helper class (the Unicode group `\P{C}`) cannot nest in a class: alternate instead.
    const simple = `[${negated ? '^' : ''}${body}${parts.filter((p) => !p.startsWith('^')).join('')}]`;
    const others = properties.filter((p) => p.startsWith('[^'));
    if (negated) return `(?:(?!${others.join('|')})${simple})`;
    return `(?:${[simple, ...others].join('|')})`;
  }
  return `[${negated ? '^' : ''}${body}${parts.join('')}]`;
}

const ASSERTIONS = {
  bol: '(?<![^\\n])',
  eol: '(?![^\\n])',
  bot: '^',
  eot: '$',
  wordBoundary: '\\b',
  notWordBoundary: '\\B',
} as const;

/** The JS RegExp source (for the `u` flag) that matches what `node` matches in RE2. */
export function toJsSource(node: Re2Node): string {
  switch (node.type) {
    case 'empty':
      return '(?:)';
    case 'literal': {
      if (!node.fold) return hex(node.codePoint);
      const orbit = caseOrbit(node.codePoint);
      return orbit.length === 1 ? hex(node.codePoint) : `[${orbit.map(hex).join('')}]`;
    }
    case 'class': {
      if (!node.fold) return classSource(node.ranges, node.properties, node.negated);
      // JS cannot fold a \p{...} without the `i` flag: fold the code points it has.
      const ranges = normalize([...foldRanges(node.ranges), ...node.properties.flatMap(foldedProperty)]);
      return classSource(ranges, [], node.negated);
    }
    case 'anyChar':
      return node.dotNl ? '[\\u{0}-\\u{10ffff}]' : '[^\\n]';
    case 'anyByte':
      return '[\\u{0}-\\u{10ffff}]';
    case 'assert':
      return ASSERTIONS[node.kind];
    case 'group':
      return `(?:${toJsSource(node.sub)})`;
    case 'concat':
      return node.subs.map(toJsSource).join('');
    case 'alternate':
      return `(?:${node.subs.map(toJsSource).join('|')})`;
    case 'repeat': {
      const squashed = squash(node);
      if (squashed !== node) return toJsSource(squashed);
      const { min, max } = node;
      const count = min === 0 && max === -1 ? '*' : min === 1 && max === -1 ? '+' : min === 0 && max === 1 ? '?' : '';
      const quantifier = count || (max === -1 ? `{${min},}` : min === max ? `{${min}}` : `{${min},${max}}`);
      return `(?:${toJsSource(node.sub)})${quantifier}${node.greedy ? '' : '?'}`;
    }
  }
}

type Repeat = Extract<Re2Node, { type: 'repeat' }>;

/** The repetition directly inside `node`'s groups, if any. */
function innerRepeat(node: Re2Node): Repeat | undefined {
  let sub = node;
  while (sub.type === 'group') sub = sub.sub;
  return sub.type === 'repeat' ? sub : undefined;
}

/**
 * A repetition of a `* + ?` repetition as one repetition that matches the same texts, as
 * `(x*)*`, `(x+)?` and `(x?)+` are all `x*` and `(x+)+` is `x+`: a backtracking matcher takes
 * exponential time on such nestings where RE2 takes linear time (greediness does not change
 * whether a text fully matches).
 */
function squash(node: Repeat): Re2Node {
  const inner = innerRepeat(node.sub);
  const simple = (n: Repeat) => (n.max === -1 ? n.min <= 1 : n.min === 0 && n.max === 1);
  if (!inner || !simple(inner) || !(simple(node) || (inner.min === 0 && inner.max === -1 && node.max !== 0))) {
    return node;
  }
  const min = node.min === 0 || inner.min === 0 ? 0 : 1;
  const max = node.max === 1 && inner.max === 1 ? 1 : -1;
  return { ...inner, min, max };
}

const utf8Length = (cp: number) => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);

/** Instructions for a class: its ranges (non-ASCII ones one per UTF-8 byte) and the alternations joining them. */
function classSize(ranges: Ranges, properties: readonly string[]): number {
  let size = 0;
  let pieces = 0;
  for (const [lo, hi] of ranges) {
    if (hi < 0x80) size += 1;
    else size += utf8Length(hi) + (lo < 0x80 ? 1 : 0);
    pieces++;
  }
  // A Unicode property spans many UTF-8 sequences; count it as a wide non-ASCII range.
  size += properties.length * 8;
  pieces += properties.length;
  return Math.max(1, size + Math.max(0, pieces - 1));
}

function nodeSize(node: Re2Node): number {
  switch (node.type) {
    case 'empty':
    case 'assert':
      return 1;
    case 'literal':
      if (node.fold && node.codePoint >= 0x80) {
        const orbit = caseOrbit(node.codePoint).map((cp): [number, number] => [cp, cp]);
        return classSize(orbit, []);
      }
      return utf8Length(node.codePoint);
    case 'class': {
      const ranges = node.fold ? foldRanges(node.ranges) : node.ranges;
      const negatedAscii = node.negated && node.properties.length === 0;
      return classSize(negatedAscii ? complement(ranges) : ranges, node.properties);
    }
    case 'anyChar':
      return classSize(node.dotNl ? [[0, MAX_RUNE]] : complement([[10, 10]]), []);
    case 'anyByte':
      return 1;
    case 'group':
      return nodeSize(node.sub) + (node.capture ? 2 : 0);
    case 'concat':
      return node.subs.reduce((sum, sub) => sum + nodeSize(sub), 0);
    case 'alternate':
      return node.subs.reduce((sum, sub) => sum + nodeSize(sub), 0) + node.subs.length - 1;
    case 'repeat': {
      const sub = nodeSize(node.sub);
      if (node.max === -1) return node.min === 0 ? sub + 1 : node.min * sub + 1;
      if (node.max === 0) return 1;
      return node.min * sub + (node.max - node.min) * (sub + 1);
    }
  }
}

/** The estimated RE2 program size (instruction count) of a pattern; see the file header. */
export function programSize(node: Re2Node): number {
  const first = node.type === 'concat' ? node.subs[0] : node;
  const anchored = first?.type === 'assert' && first.kind === 'bot';
  // Fail and match instructions, plus the `.*?` loop of an unanchored start.
  return nodeSize(node) + 2 + (anchored ? 0 : 2);
}

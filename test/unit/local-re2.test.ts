/** Offer-constraint regexes as RE2 (Mesos's bundled 2020-07-06) parses, refuses, limits and full-matches them. */
import { expect } from 'chai';
import { MesosMisuseError } from '../../lib/common/errors';
import { compileRe2, maxInstructions } from '../../lib/local/re2/compile';
import { parseRe2, Re2SyntaxError } from '../../lib/local/re2/parser';
import { programSize } from '../../lib/local/re2/translate';

/** Pattern, values it fully matches, values it does not. */
const ACCEPTED: Array<[string, string[], string[]]> = [
  ['[a-d]+', ['abcd', 'a'], ['bcde', '', 'abcd\n']],
  ['r1', ['r1'], ['r12', 'xr1', 'R1']],
  ['r1|r2', ['r1', 'r2'], ['r1|r2', 'r']],
  ['(?P<rack>r[[:digit:]]+)', ['r1', 'r42'], ['r', 'rx']],
  ['[[:alpha:]][[:^alpha:]]', ['a1', 'Z-'], ['ab', '1a']],
  ['[[:space:]]', ['\v', ' '], ['a']],
  ['\\d\\w\\s', ['1a ', '9_\t'], ['١a ', '1a\v', '1é ']], // RE2's Perl classes are ASCII
  ['\\D\\W\\S', ['a-x'], ['1-x', 'a_x', 'a- ']],
  ['\\pN+', ['12', '٣'], ['a']],
  ['\\PL', ['1'], ['a', 'é']],
  ['\\p{Greek}+', ['αβγ'], ['abc']],
  ['\\p{^Greek}', ['a'], ['α']],
  ['[\\p{Lu}\\d]+', ['AÉ1'], ['a']],
  ['\\p{Any}', ['\n', 'a'], ['']],
  ['\\p{C}', ['\u0001'], ['a']],
  ['\\P{C}[^\\P{C}]', ['a\u0001'], ['\u0001a']],
  ['\\p{Latin}\\p{Han}', ['a漢'], ['aa']],
  ['a.c', ['abc', 'a\rc', 'a\u2028c'], ['a\nc']], // `.` stops only at \n
  ['(?s)a.c', ['a\nc'], ['ac']],
  ['(?i)rack-K', ['RACK-k', 'rack-\u212a'], ['rack-x']],
  ['(?i)[a-c]x', ['Bx', 'bX'], ['dx']],
  ['(?i)\\W', ['-'], ['s', 'S', '\u017f']],
  ['(?i)\\p{Lu}', ['a', 'A', '\u212a'], ['1']], // RE2 folds Unicode groups too
  ['(?i)[^\\p{Lu}]', ['1'], ['a', 'A']],
  ['(?i)\\P{Lu}', ['1'], ['a', 'A']],
  ['(?i:a)b', ['Ab'], ['AB']],
  ['a(?i)b', ['aB'], ['AB']],
  ['(?i)a(?-i)b', ['Ab'], ['AB']],
  ['(?U)a+?b', ['aab'], ['b']],
  ['a{2,3}', ['aa', 'aaa'], ['a', 'aaaa']],
  ['a{2,}', ['aa', 'aaaaa'], ['a']],
  ['a{2}', ['aa'], ['aaa']],
  ['a{,2}', ['a{,2}'], ['aa']], // not a repetition in RE2: literal
  ['a{01}', ['a{01}'], ['a']],
  ['x{', ['x{'], ['x']],
  ['^r[0-9]$', ['r1'], ['r1\n']], // $ is the end of the text
  ['\\Ar1\\z', ['r1'], ['r1\n']],
  ['(?m)a$\\n^b', ['a\nb'], ['a\rb']],
  ['\\bab\\B.', ['abc'], ['ab ']],
  ['\\Qa.b*\\E', ['a.b*'], ['axb']],
  ['\\Qab\\E*', ['a', 'abbb'], ['abab']], // the star applies to the last literal
  ['\\x41\\x{42}\\103\\0', ['ABC\0'], ['ABC0']],
  ['\\.\\-\\_\\/', ['.-_/'], ['a-_/']],
  ['[]a]', [']', 'a'], ['b']],
  ['[^]a]', ['b'], [']', 'a']],
  ['[a-]', ['a', '-'], ['b']],
  ['[^a]', ['\n', 'b'], ['a']],
  ['(a+){10}', ['a'.repeat(10), 'a'.repeat(30)], ['a'.repeat(9)]],
  ['(a|)', ['a', ''], ['aa']],
  ['()', [''], ['a']],
  ['^*a', ['a'], ['b']],
  ['\\C', ['x'], ['xy']],
  // Nested repetitions stay fast on a backtracking matcher (RE2 is linear).
  ['(?:x*)*y', ['xxy', 'y'], ['x'.repeat(40)]],
  ['(x+)+y', ['xxy'], ['y', 'x'.repeat(40)]],
  ['((x?)*)+y', ['y', 'xy'], ['x'.repeat(40)]],
  ['(x*){3}y', ['xy'], ['x'.repeat(40)]],
  ['(x?)?', ['', 'x'], ['xx']],
  ['(x+){2}', ['xx', 'xxx'], ['x']],
];

/** Pattern and RE2's error text for it. */
const REJECTED: Array<[string, string]> = [
  ['[a-d', 'missing ]: [a-d'],
  ['[]', 'missing ]: []'],
  ['(a', 'missing ): (a'],
  ['a)', 'unexpected ): a)'],
  ['(a))', 'unexpected ): (a))'],
  ['\\1', 'invalid escape sequence: \\1'],
  ['(a)\\1', 'invalid escape sequence: \\1'],
  ['\\8', 'invalid escape sequence: \\8'],
  ['\\Z', 'invalid escape sequence: \\Z'],
  ['\\q', 'invalid escape sequence: \\q'],
  ['\\xZ1', 'invalid escape sequence: \\xZ1'],
  ['\\x{110000}', 'invalid escape sequence: \\x{110000'],
  ['[a-\\d]', 'invalid escape sequence: \\d'],
  ['a\\', 'trailing \\'],
  ['(?=a)', 'invalid perl operator: (?='],
  ['(?!a)', 'invalid perl operator: (?!'],
  ['(?<=a)b', 'invalid perl operator: (?<'],
  ['(?<!a)b', 'invalid perl operator: (?<'],
  ['(?<name>a)', 'invalid perl operator: (?<'],
  ['(?>a)', 'invalid perl operator: (?>'],
  ['(?#c)', 'invalid perl operator: (?#'],
  ['(?P=n)', 'invalid perl operator: (?P'],
  ['(?i', 'invalid perl operator: (?i'],
  ['(?-)', 'invalid perl operator: (?-)'],
  ['(?i-)', 'invalid perl operator: (?i-)'],
  ['(?P<n!>a)', 'invalid named capture group: (?P<n!>'],
  ['(?P<>a)', 'invalid named capture group: (?P<>'],
  ['(?P<name', 'invalid named capture group: (?P<name'],
  ['a++', 'bad repetition operator: ++'],
  ['a**', 'bad repetition operator: **'],
  ['a*?+', 'bad repetition operator: *?+'],
  ['x{2}{3}', 'bad repetition operator: {2}{3}'],
  ['*', 'no argument for repetition operator: *'],
  ['a|+', 'no argument for repetition operator: +'],
  ['(?:*)', 'no argument for repetition operator: *'],
  ['{2}', 'no argument for repetition operator: {2}'],
  ['a{1001}', 'invalid repetition size: {1001}'],
  ['a{2,1}', 'invalid repetition size: {2,1}'],
  ['(a{10}){101}', 'invalid repetition size: {101}'],
  ['((a{10}){10}){11}', 'invalid repetition size: {11}'],
  ['[z-a]', 'invalid character class range: z-a'],
  ['[[:foo:]]', 'invalid character class range: [:foo:]'],
  ['\\p{Foo}', 'invalid character class range: \\p{Foo}'],
  ['\\pX', 'invalid character class range: \\pX'],
  ['\\p{Grek}', 'invalid character class range: \\p{Grek}'], // RE2 knows no script aliases
  ['[\\p{Cn}]', 'invalid character class range: \\p{Cn}'],
  ['\\p{Greek', 'invalid character class range: \\p{Greek'],
];

describe('local RE2 regexes (offer constraints)', () => {
  for (const [pattern, matching, notMatching] of ACCEPTED) {
    it(`accepts ${JSON.stringify(pattern)} and full-matches as RE2`, () => {
      const compiled = compileRe2(pattern);
      if ('error' in compiled) throw new Error(compiled.error);
      for (const value of matching) expect(compiled.regex.test(value), JSON.stringify(value)).to.equal(true);
      for (const value of notMatching) expect(compiled.regex.test(value), JSON.stringify(value)).to.equal(false);
    });
  }

  it("refuses what RE2 refuses, with RE2's error text in Mesos's message", () => {
    for (const [pattern, error] of REJECTED) {
      expect(() => parseRe2(pattern), pattern).to.throw(Re2SyntaxError, error);
      expect(compileRe2(pattern), pattern).to.deep.equal({
        error: `Failed to construct regex from pattern '${pattern}': ${error}`,
      });
    }
    expect(new Re2SyntaxError('x')).to.be.instanceOf(MesosMisuseError);
  });

  it("enforces Mesos's program-size and memory limits as Mesos's own test expects", () => {
    // From Mesos's OfferConstraintsFilter.RegexTooComplex (max_mem 4 KiB, program size 100).
    expect(compileRe2('(a+){10}')).to.have.property('regex');
    expect(compileRe2('(a+){50}')).to.deep.equal({
      error: "Regex '(a+){50}' is too complex: program size of 204 is larger than maximum of 100 allowed",
    });
    expect(compileRe2('(a+){500}')).to.deep.equal({
      error: "Failed to construct regex from pattern '(a+){500}': pattern too large - compile failed",
    });
    // Limits as the master flags set them.
    expect(compileRe2('(a+){50}', { maxMem: 4096, maxProgramSize: 300 })).to.have.property('regex');
    expect(compileRe2('(a+){10}', { maxMem: 600, maxProgramSize: 100 })).to.have.property('error');
    expect(maxInstructions(4096)).to.equal(287);
    expect(maxInstructions(600)).to.equal(0);
  });

  it('estimates program sizes as RE2 compiles (instructions per construct)', () => {
    const size = (pattern: string) => programSize(parseRe2(pattern));
    expect(size('a')).to.equal(5); // fail, match, the unanchored .*? loop, one byte
    expect(size('^a')).to.equal(4); // anchored: no .*? loop
    expect(size('ab')).to.equal(6);
    expect(size('a|b')).to.equal(7);
    expect(size('(a)')).to.equal(7);
    expect(size('(?:a)*')).to.equal(6);
    expect(size('a{3}')).to.equal(7);
    expect(size('a{1,3}')).to.equal(9);
    expect(size('é')).to.equal(6); // two UTF-8 bytes
    expect(size('[a-c]')).to.equal(5);
    expect(size('[ac]')).to.equal(7);
  });
});

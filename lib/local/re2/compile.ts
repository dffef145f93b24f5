/**
 * RE2 regexes for offer constraints, as Mesos's master compiles them: RE2 with its default
 * options (UTF-8, case-sensitive, Perl-like syntax) and the limits of the master flags
 * `--offer_constraints_re2_max_mem` (default 4096 bytes) and
 * `--offer_constraints_re2_max_program_size` (default 100), matched with `RE2::FullMatch`
 * (the whole value must match). Errors carry Mesos's text:
 * `Failed to construct regex from pattern '<p>': <RE2 error>` for a pattern RE2 cannot parse or
 * whose program does not fit in the memory limit (`pattern too large - compile failed`), and
 * `Regex '<p>' is too complex: program size of <n> is larger than maximum of <max> allowed`.
 *
 * The program size is an estimate (./translate.ts's programSize); the memory limit allows as many
 * instructions as RE2 fits in two thirds of max_mem after its fixed program overhead
 * (about 432 bytes) at 8 bytes an instruction: 287 for the default 4096 bytes.
 */
import { parseRe2, Re2SyntaxError } from './parser';
import { programSize, toJsSource } from './translate';

/** Mesos's limits on an offer-constraint regex (its master flags). */
export interface Re2Limits {
  /** `--offer_constraints_re2_max_mem`, bytes. */
  maxMem: number;
  /** `--offer_constraints_re2_max_program_size`. */
  maxProgramSize: number;
}

/** Mesos's defaults for {@link Re2Limits}. */
export const DEFAULT_RE2_LIMITS: Readonly<Re2Limits> = { maxMem: 4096, maxProgramSize: 100 };

const PROG_OVERHEAD_BYTES = 432;
const INSTRUCTION_BYTES = 8;

/** How many instructions RE2's compiler allows a program under `maxMem`. */
export function maxInstructions(maxMem: number): number {
  const budget = Math.floor((maxMem * 2) / 3);
  return budget <= PROG_OVERHEAD_BYTES ? 0 : Math.floor((budget - PROG_OVERHEAD_BYTES) / INSTRUCTION_BYTES);
}

/** A compiled full-match regex, or Mesos's error text for the pattern. */
export type Re2Compiled = { regex: RegExp; programSize: number } | { error: string };

/** Compiles `pattern` as Mesos does for `text_matches` / `text_not_matches`; the RegExp matches whole values. */
export function compileRe2(pattern: string, limits: Re2Limits = DEFAULT_RE2_LIMITS): Re2Compiled {
  const failed = (why: string) => ({ error: `Failed to construct regex from pattern '${pattern}': ${why}` });
  let node: ReturnType<typeof parseRe2>;
  try {
    node = parseRe2(pattern);
  } catch (err) {
    if (err instanceof Re2SyntaxError) return failed(err.message);
    throw err;
  }
  const size = programSize(node);
  if (size > maxInstructions(limits.maxMem)) return failed('pattern too large - compile failed');
  if (size > limits.maxProgramSize) {
    return {
      error: `Regex '${pattern}' is too complex: program size of ${size} is larger than maximum of ${limits.maxProgramSize} allowed`,
    };
  }
  return { regex: new RegExp(`^(?:${toJsSource(node)})$`, 'u'), programSize: size };
}

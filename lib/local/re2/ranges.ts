/**
 * Code-point ranges (sorted, merged, complemented) and simple case folding for RE2's `(?i)`: the code points that are equal ignoring case (an orbit,
 * e.g. k, K and the Kelvin sign U+212A), from JavaScript's own case mappings (code points up to
 * U+1FFFF, built once on first use, in tens of milliseconds).
 */
/** Inclusive code-point ranges. */
export type Ranges = Array<[number, number]>;

export const MAX_RUNE = 0x10ffff;

/** Sorted, merged ranges. */
export function normalize(ranges: Ranges): Ranges {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: Ranges = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

/** The code points not in `ranges`. */
export function complement(ranges: Ranges): Ranges {
  const out: Ranges = [];
  let next = 0;
  for (const [lo, hi] of normalize(ranges)) {
    if (lo > next) out.push([next, lo - 1]);
    next = hi + 1;
  }
  if (next <= MAX_RUNE) out.push([next, MAX_RUNE]);
  return out;
}

let foldKeys: Map<number, number[]> | undefined;

/** Code points that are one code point in both cases: their case-fold key (lower of upper). */
function foldKey(cp: number): number {
  const upper = String.fromCodePoint(cp).toUpperCase();
  const lower = (Array.from(upper).length === 1 ? upper : String.fromCodePoint(cp)).toLowerCase();
  return Array.from(lower).length === 1 ? (lower.codePointAt(0) ?? cp) : cp;
}

/** The code points equal to `cp` under simple case folding (itself included). */
export function caseOrbit(cp: number): number[] {
  if (!foldKeys) {
    foldKeys = new Map();
    for (let c = 0; c <= 0x1ffff; c++) {
      const key = foldKey(c);
      if (key === c && String.fromCodePoint(c).toUpperCase() === String.fromCodePoint(c)) continue;
      const orbit = foldKeys.get(key) ?? [key];
      if (!orbit.includes(c)) orbit.push(c);
      foldKeys.set(key, orbit);
    }
  }
  return foldKeys.get(foldKey(cp)) ?? [cp];
}

/** `ranges` with the case variants of their code points (ranges wider than 0x3000 are taken as they are). */
export function foldRanges(ranges: Ranges): Ranges {
  const out: Ranges = [...ranges];
  for (const [lo, hi] of ranges) {
    if (hi - lo > 0x3000) continue;
    for (let c = lo; c <= hi; c++) for (const v of caseOrbit(c)) if (v !== c) out.push([v, v]);
  }
  return normalize(out);
}

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

/** Each code point with case variants: its orbit (itself included); built on first use. */
let orbits: Map<number, number[]> | undefined;
/** The code points of `orbits`, ascending. */
let cased: number[] = [];

/** A code point's case-fold key (lower of upper, where both are one code point). */
function foldKey(cp: number): number {
  const upper = String.fromCodePoint(cp).toUpperCase();
  const lower = (Array.from(upper).length === 1 ? upper : String.fromCodePoint(cp)).toLowerCase();
  return Array.from(lower).length === 1 ? (lower.codePointAt(0) ?? cp) : cp;
}

function caseOrbits(): Map<number, number[]> {
  if (!orbits) {
    const byKey = new Map<number, number[]>();
    for (let c = 0; c <= 0x1ffff; c++) {
      const key = foldKey(c);
      const orbit = byKey.get(key) ?? [key];
      if (!orbit.includes(c)) orbit.push(c);
      byKey.set(key, orbit);
    }
    orbits = new Map();
    for (const orbit of byKey.values()) if (orbit.length > 1) for (const c of orbit) orbits.set(c, orbit);
    cased = [...orbits.keys()].sort((a, b) => a - b);
  }
  return orbits;
}

/** The code points equal to `cp` under simple case folding (itself included). */
export function caseOrbit(cp: number): number[] {
  return caseOrbits().get(cp) ?? [cp];
}

/** `ranges` with the case variants of their code points. */
export function foldRanges(ranges: Ranges): Ranges {
  const all = caseOrbits();
  const out: Ranges = [...ranges];
  for (const [lo, hi] of ranges) {
    let i = 0;
    for (let j = cased.length; i < j; ) {
      const mid = (i + j) >> 1;
      if ((cased[mid] as number) < lo) i = mid + 1;
      else j = mid;
    }
    for (; i < cased.length && (cased[i] as number) <= hi; i++) {
      for (const v of all.get(cased[i] as number) ?? []) out.push([v, v]);
    }
  }
  return normalize(out);
}

/** Seeded randomness for the chaos tests, the fuzzers and the soak: a run replays from its seed. */

/** mulberry32: a small, fast PRNG giving numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The seed of a chaos run: MESOS_DRIVER_CHAOS_SEED when set, else `fallback`. */
export function chaosSeed(fallback: number): number {
  const raw = process.env.MESOS_DRIVER_CHAOS_SEED;
  return raw ? Number(raw) : fallback;
}

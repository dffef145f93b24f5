/**
 * Case counts of the fuzz tests (fast-check): each path has a default sized for the regular suite;
 * MESOS_DRIVER_FUZZ_RUNS=<n> runs n cases per path instead (a nightly run sets 100000 or more).
 * Every path prints one summary line, e.g. "fuzz: recordio 20000 cases (1234 ms, 62 µs/case)".
 */
import fc from 'fast-check';

/** Cases per path: MESOS_DRIVER_FUZZ_RUNS when set, else `defaultRuns`. */
export function fuzzRuns(defaultRuns: number): number {
  const raw = process.env.MESOS_DRIVER_FUZZ_RUNS;
  if (!raw) return defaultRuns;
  const runs = Number(raw);
  if (!Number.isSafeInteger(runs) || runs < 1)
    throw new Error(`MESOS_DRIVER_FUZZ_RUNS must be a positive integer, got ${raw}`);
  return runs;
}

/**
 * Checks `property` on `runs` cases (seeded by MESOS_DRIVER_FUZZ_SEED when set, so a failure
 * replays) and prints the summary line of `path`. Returns the number of cases run.
 */
export function fuzz<T>(path: string, runs: number, property: fc.IProperty<T>): number {
  const started = performance.now();
  const seed = process.env.MESOS_DRIVER_FUZZ_SEED ? Number(process.env.MESOS_DRIVER_FUZZ_SEED) : undefined;
  fc.assert(property, { numRuns: runs, ...(seed !== undefined && { seed }) });
  const ms = performance.now() - started;
  console.log(`      fuzz: ${path} ${runs} cases (${Math.round(ms)} ms, ${Math.round((ms * 1000) / runs)} µs/case)`);
  return runs;
}

/** Async variant of {@link fuzz}, for properties that talk to a server. */
export async function fuzzAsync<T>(path: string, runs: number, property: fc.IAsyncProperty<T>): Promise<number> {
  const started = performance.now();
  const seed = process.env.MESOS_DRIVER_FUZZ_SEED ? Number(process.env.MESOS_DRIVER_FUZZ_SEED) : undefined;
  await fc.assert(property, { numRuns: runs, ...(seed !== undefined && { seed }) });
  const ms = performance.now() - started;
  console.log(`      fuzz: ${path} ${runs} cases (${Math.round(ms)} ms, ${Math.round((ms * 1000) / runs)} µs/case)`);
  return runs;
}

/** Random damage to valid bytes: flipped, inserted, deleted bytes and truncation. */
export function damaged(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const edit = fc.record({
    kind: fc.constantFrom('flip', 'insert', 'delete', 'truncate'),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  });
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([bytes, edits]) => {
    let out = Buffer.from(bytes);
    for (const { kind, at, byte } of edits) {
      const i = out.length === 0 ? 0 : at % (out.length + (kind === 'insert' ? 1 : 0));
      if (kind === 'flip' && out.length > 0) out[i % out.length] = byte;
      else if (kind === 'insert') out = Buffer.concat([out.subarray(0, i), Buffer.from([byte]), out.subarray(i)]);
      else if (kind === 'delete' && out.length > 0) out = Buffer.concat([out.subarray(0, i), out.subarray(i + 1)]);
      else if (kind === 'truncate') out = out.subarray(0, i);
    }
    return out;
  });
}

/** Splits bytes at random points, as a socket would deliver them. */
export function chunked(bytes: Uint8Array, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    if (point > from) out.push(Buffer.from(bytes.subarray(from, point)));
    from = Math.max(from, point);
  }
  out.push(Buffer.from(bytes.subarray(from)));
  return out;
}

/**
 * Benchmark runner: `npm run bench` runs every benchmark in bench/ (each `bench/<name>.ts` that
 * exports `run(): Promise<BenchResult>`); `npm run bench -- NAME [NAME...]` runs only those.
 * Prints a table per benchmark and writes bench/results/<name>.json with the machine description.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describeMachine, machineInfo } from './lib/machine';
import { type BenchResult, saveResult } from './lib/results';
import { formatTable } from './lib/table';

type BenchModule = { run?: () => Promise<BenchResult> };

/** Benchmarks found in bench/: every top-level .ts file except this runner. */
function knownBenchmarks(): string[] {
  return readdirSync(__dirname)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== 'run.ts')
    .map((f) => f.slice(0, -3))
    .sort();
}

async function main(): Promise<void> {
  const known = knownBenchmarks();
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = asked.filter((n) => !known.includes(n));
  if (unknown.length > 0) {
    console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Known: ${known.join(', ')}`);
    process.exitCode = 2;
    return;
  }
  const machine = machineInfo();
  console.log(describeMachine(machine));
  for (const name of asked.length > 0 ? asked : known) {
    const mod = (await import(path.join(__dirname, name))) as BenchModule;
    if (typeof mod.run !== 'function') {
      if (asked.includes(name)) console.error(`bench/${name}.ts does not export run()`);
      continue;
    }
    console.log(`\n== ${name} ==`);
    const started = Date.now();
    const result = await mod.run();
    console.log(formatTable(result.rows));
    for (const note of result.notes) console.log(note);
    const file = saveResult(result, machine);
    console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s; saved ${path.relative(process.cwd(), file)})`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

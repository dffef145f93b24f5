/** The result every benchmark returns, and where it is saved. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type MachineInfo, machineInfo } from './machine';
import type { Row } from './table';

/** What a benchmark module's `run()` resolves to. */
export interface BenchResult {
  /** The benchmark's name (its file name in bench/). */
  name: string;
  /** One row per measured variant, for the table. */
  rows: Row[];
  /** Headline figures (events/s, ratios, ...), saved in the JSON. */
  figures: Record<string, number>;
  /** Free-form lines printed under the table (method, sizes). */
  notes: string[];
}

/** The folder results are written to. */
export const RESULTS_DIR = path.join(__dirname, '..', 'results');

/** Writes `bench/results/<name>.json` with the figures, rows, notes and the machine; returns its path. */
export function saveResult(result: BenchResult, machine: MachineInfo = machineInfo()): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = path.join(RESULTS_DIR, `${result.name}.json`);
  const payload = {
    name: result.name,
    date: new Date().toISOString(),
    machine,
    figures: result.figures,
    rows: result.rows,
    notes: result.notes,
  };
  writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
  return file;
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

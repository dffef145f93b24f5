/**
 * Runs the scale benchmark's measured children from the compiled build (dist/), as an
 * application runs the library. Under tsx a process also carries the TypeScript loader (its
 * hooks thread and esbuild, ~40 MB of RSS) that is no part of the driver. dist/ is rebuilt
 * (`npm run build`'s tsc) when a source is newer than it; without a usable build the children
 * run under tsx and the result says so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { BenchChild } from './bench-child';

const ROOT = path.join(__dirname, '..', '..');
const SOURCE_DIRS = ['lib', 'bench/lib', 'proto'];
const BUILD_TIMEOUT_MS = 90_000;

/** How a child script is run. */
export interface ChildMode {
  /** 'compiled': `node dist/...js`; 'tsx': `node --import tsx ...ts`. */
  kind: 'compiled' | 'tsx';
  /** Why this mode (for the result's notes). */
  reason: string;
}

function newestSourceMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(full));
    else if (/\.(ts|proto|json)$/.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function compiledPath(script: string): string {
  return path.join(ROOT, 'dist', script.replace(/\.ts$/, '.js'));
}

function isFresh(scripts: readonly string[]): boolean {
  const newestSource = Math.max(...SOURCE_DIRS.map((dir) => newestSourceMtime(path.join(ROOT, dir))));
  return scripts.every((script) => {
    const file = compiledPath(script);
    return existsSync(file) && statSync(file).mtimeMs >= newestSource;
  });
}

/**
 * Makes sure dist/ holds up-to-date builds of `scripts` (paths relative to the project root),
 * rebuilding when a source is newer; tells how they will run.
 */
export function prepareCompiledChildren(scripts: readonly string[]): ChildMode {
  if (process.env.BENCH_SCALE_TSX === '1') return { kind: 'tsx', reason: 'BENCH_SCALE_TSX=1' };
  if (isFresh(scripts)) return { kind: 'compiled', reason: 'dist/ up to date' };
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'], {
      cwd: ROOT,
      stdio: 'pipe',
      timeout: BUILD_TIMEOUT_MS,
    });
  } catch {
    // tsc exits non-zero on type errors but still emits; freshness below decides.
  }
  return isFresh(scripts)
    ? { kind: 'compiled', reason: 'dist/ rebuilt' }
    : { kind: 'tsx', reason: 'no usable build in dist/ (tsc failed)' };
}

/** A benchmark child (see bench-child.ts) started in either mode: the compiled .js under dist/, or the .ts under tsx. */
export class ScaleChild extends BenchChild {
  /** Starts `script` (a .ts path relative to the project root) with a JSON argument, in `mode`. */
  constructor(script: string, argument: unknown, mode: ChildMode, nodeArgs: readonly string[] = []) {
    if (mode.kind === 'compiled') super(compiledPath(script), argument, nodeArgs, { loader: 'none' });
    else super(script, argument, nodeArgs, { loader: 'tsx' });
  }
}

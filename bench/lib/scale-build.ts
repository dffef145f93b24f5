/**
 * Runs the scale benchmark's measured children from the compiled build (dist/), as an
 * application runs the library. Under tsx a process also carries the TypeScript loader (its
 * hooks thread and esbuild, ~40 MB of RSS) that is no part of the driver. dist/ is rebuilt
 * (`npm run build`'s tsc) when a source is newer than it; without a usable build the children
 * run under tsx and the result says so.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

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

/** A child process speaking the benchmarks' JSON-lines protocol (see bench-child.ts), started in either mode. */
export class ScaleChild {
  private readonly child: ChildProcess;
  private readonly queue: unknown[] = [];
  private waiters: Array<(message: unknown) => void> = [];
  private exitCode: number | null | undefined;
  private readonly exited: Promise<number | null>;
  private stderrTail = '';

  /** Starts `script` (a .ts path relative to the project root) with a JSON argument, in `mode`. */
  constructor(script: string, argument: unknown, mode: ChildMode, nodeArgs: readonly string[] = []) {
    const entry = mode.kind === 'compiled' ? [compiledPath(script)] : ['--import', 'tsx', script];
    this.child = spawn(process.execPath, [...nodeArgs, ...entry, JSON.stringify(argument)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        process.stderr.write(`[child ${this.child.pid}] ${line}\n`);
        return;
      }
      const waiter = this.waiters.shift();
      if (waiter) waiter(message);
      else this.queue.push(message);
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code) => {
        this.exitCode = code;
        for (const waiter of this.waiters.splice(0)) waiter(undefined);
        resolve(code);
      });
    });
  }

  /** The next JSON line from the child; rejects if the child exits first or `timeoutMs` passes. */
  async next<T>(timeoutMs: number): Promise<T> {
    if (this.queue.length > 0) return this.queue.shift() as T;
    if (this.exitCode !== undefined) throw this.exitError();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`child ${this.child.pid} sent nothing for ${timeoutMs} ms\n${this.stderrTail}`));
      }, timeoutMs);
      timer.unref();
      const waiter = (message: unknown) => {
        clearTimeout(timer);
        if (message === undefined) reject(this.exitError());
        else resolve(message as T);
      };
      this.waiters.push(waiter);
    });
  }

  /** Closes stdin (the child's cue to finish) and waits for it to exit, killing it after `graceMs`. */
  async finish(graceMs = 5000): Promise<number | null> {
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    timer.unref();
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  private exitError(): Error {
    return new Error(`child ${this.child.pid} exited with ${this.exitCode}\n${this.stderrTail}`);
  }
}

/**
 * Benchmark pieces run in child processes (so one contender's heap, GC and leftovers never touch
 * another's figures). Parent and child talk in JSON lines: the child writes results on stdout,
 * the parent sends commands on stdin and closes stdin to tell the child to finish.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

const PROJECT_ROOT = path.join(__dirname, '..', '..');

/** How {@link BenchChild} starts its script. */
export interface BenchChildOptions {
  /** 'tsx' (default): `--import tsx`, for a .ts script; 'none': plain `node`, for a compiled .js script. */
  loader?: 'tsx' | 'none';
}

/** A running child with line-oriented JSON messaging. */
export class BenchChild {
  private readonly child: ChildProcess;
  private readonly queue: unknown[] = [];
  private waiters: Array<(message: unknown) => void> = [];
  private exitCode: number | null | undefined;
  private readonly exited: Promise<number | null>;
  private stderrTail = '';

  /**
   * Starts `node [nodeArgs] [--import tsx] <script> <json argument>` with the project root as cwd;
   * `options.loader: 'none'` runs `script` as it is (a compiled .js file), without the tsx loader.
   */
  protected constructor(
    script: string,
    argument: unknown,
    nodeArgs: readonly string[] = [],
    options: BenchChildOptions = {},
  ) {
    const loader = options.loader === 'none' ? [] : ['--import', 'tsx'];
    const child = spawn(process.execPath, [...nodeArgs, ...loader, script, JSON.stringify(argument)], {
      cwd: PROJECT_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env },
    });
    this.child = child;
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      let message: unknown;
      try {
        message = JSON.parse(line);
      } catch {
        process.stderr.write(`[child ${child.pid}] ${line}\n`);
        return;
      }
      const waiter = this.waiters.shift();
      if (waiter) waiter(message);
      else this.queue.push(message);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      // 'close' comes after stdout has been read to its end, so no last line is lost.
      child.on('close', (code) => {
        this.exitCode = code;
        for (const waiter of this.waiters.splice(0)) waiter(undefined);
        resolve(code);
      });
    });
  }

  /**
   * Starts `node [nodeArgs] --import tsx <script> <json argument>` with the project root as cwd
   * (without the loader when `options.loader` is `'none'`). `nodeArgs` carries flags such as `--expose-gc`.
   */
  static start(
    script: string,
    argument: unknown,
    nodeArgs: readonly string[] = [],
    options: BenchChildOptions = {},
  ): BenchChild {
    return new BenchChild(script, argument, nodeArgs, options);
  }

  /** The next JSON line from the child; rejects if the child exits first or `timeoutMs` passes. */
  async next<T>(timeoutMs = 120_000): Promise<T> {
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

  /** Sends one JSON command on the child's stdin. */
  send(message: unknown): void {
    this.child.stdin?.write(`${JSON.stringify(message)}\n`);
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

  /** The child's process id. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private exitError(): Error {
    return new Error(`child ${this.child.pid} exited with ${this.exitCode}\n${this.stderrTail}`);
  }
}

/** In a child: reads the JSON argument the parent passed. */
export function childArgument<T>(): T {
  return JSON.parse(process.argv[2] ?? '{}') as T;
}

/** In a child: writes one JSON line to the parent. */
export function tellParent(message: unknown): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** In a child: resolves when the parent closes stdin (or sends a line, passed to `onCommand`). */
export function untilParentCloses(onCommand?: (command: Record<string, unknown>) => void): Promise<void> {
  return new Promise((resolve) => {
    const lines = createInterface({ input: process.stdin });
    lines.on('line', (line) => {
      if (line.trim() && onCommand) onCommand(JSON.parse(line) as Record<string, unknown>);
    });
    lines.on('close', () => resolve());
  });
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

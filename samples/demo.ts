/**
 * `npm run demo`: starts an embedded LocalCluster and runs the sample frameworks on it, showing
 * task progress as it goes (a progress bar on a terminal, plain lines otherwise) and a summary
 * with timings. Exits 0 when every sample succeeded.
 *
 *   npm run demo                          # the no-executor framework (command tasks)
 *   npm run demo -- --all                 # every sample
 *   npm run demo -- --sample service      # one sample: no-executor, test-framework or service
 */
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import type { TaskStatus } from '../lib';
import { LocalCluster } from '../lib/local-entry';
import type { SampleHooks, SampleOutcome } from './lib/run';
import { TERMINAL_STATES } from './lib/run';
import { runNoExecutorFramework } from './no-executor-framework';
import { runServiceFramework, type ServiceScheduler } from './service-framework';
import { runTestFramework } from './test-framework';

/** The samples the demo can run, in the order `--all` runs them. */
export const DEMO_SAMPLES = ['no-executor', 'test-framework', 'service'] as const;
/** A sample name accepted by `--sample`. */
export type DemoSampleName = (typeof DEMO_SAMPLES)[number];

const USAGE = `Usage: npm run demo -- [--all | --sample NAME] [--tasks N] [--verbose]
  --sample NAME   run one sample: ${DEMO_SAMPLES.join(', ')} (default no-executor)
  --all           run every sample
  --tasks N       tasks of the no-executor sample (default 10)
  --verbose       also print the samples' own log lines
  --help          show this help`;

/** One sample's line of the summary. */
export interface DemoResult {
  /** Which sample. */
  sample: DemoSampleName;
  /** Whether it did what it should. */
  ok: boolean;
  /** Tasks launched, finished and failed (ended in another terminal state). */
  launched: number;
  finished: number;
  failed: number;
  /** Wall time of the sample, in ms. */
  ms: number;
  /** What went wrong, or a note on what was shown. */
  detail: string;
}

/** Counts task states for one sample and draws them (bar on a TTY, lines otherwise). */
class Progress {
  launched = 0;
  running = 0;
  finished = 0;
  failed = 0;
  private readonly bar: cliProgress.SingleBar | undefined;
  private readonly live = new Map<string, string>();

  constructor(
    private readonly sample: string,
    private total: number,
    private readonly print: (line: string) => void,
    tty: boolean,
  ) {
    if (tty) {
      this.bar = new cliProgress.SingleBar(
        {
          format: `${sample.padEnd(15)} [{bar}] {value}/{total} finished | {launched} launched | {running} running | {failed} failed`,
          hideCursor: true,
          clearOnComplete: false,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, this.payload());
    }
  }

  private payload(): Record<string, number> {
    return { launched: this.launched, running: this.running, failed: this.failed };
  }

  private redraw(): void {
    if (this.bar) {
      if (this.launched > this.total) this.bar.setTotal((this.total = this.launched));
      this.bar.update(this.finished, this.payload());
    }
  }

  launch = (taskIds: string[]): void => {
    this.launched += taskIds.length;
    for (const id of taskIds) this.live.set(id, 'TASK_STAGING');
    if (!this.bar) this.print(`[${this.sample}] staged ${taskIds.join(', ')}`);
    this.redraw();
  };

  status = (status: TaskStatus): void => {
    const id = status.task_id.value;
    const previous = this.live.get(id);
    if (previous === status.state) return;
    if (previous === 'TASK_RUNNING') this.running--;
    if (status.state === 'TASK_RUNNING') this.running++;
    if (TERMINAL_STATES.has(status.state)) {
      this.live.delete(id);
      if (status.state === 'TASK_FINISHED') this.finished++;
      else this.failed++;
    } else this.live.set(id, status.state);
    if (!this.bar)
      this.print(
        `[${this.sample}] task ${id} ${status.state}${status.message && status.state !== 'TASK_RUNNING' ? ` (${status.message})` : ''}`,
      );
    this.redraw();
  };

  /** Tells the user something outside the task counts. */
  note(line: string): void {
    if (this.bar) this.bar.stop();
    this.print(`[${this.sample}] ${line}`);
    if (this.bar) this.bar.start(this.total, this.finished, this.payload());
  }

  done(): void {
    this.bar?.stop();
  }
}

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Which samples to run (default just `no-executor`). */
  samples?: readonly DemoSampleName[];
  /** Tasks of the no-executor sample (default 10). */
  tasks?: number;
  /** Print the samples' own log lines too. */
  verbose?: boolean;
  /** Where output goes (default stdout). */
  print?: (line: string) => void;
  /** Draw progress bars (default: when stdout is a terminal). */
  tty?: boolean;
}

/** Runs the demo; resolves with one result per sample (it never throws for a failed sample). */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult[]> {
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const tty = options.tty ?? Boolean(process.stdout.isTTY);
  const samples = options.samples ?? ['no-executor'];
  const tasks = options.tasks ?? 10;
  const started = Date.now();
  print('Starting an embedded LocalCluster (1 master, 2 agents, tasks are real processes) ...');
  const cluster = await LocalCluster.start({ agents: 2, heartbeatIntervalSeconds: 2 });
  print(`LocalCluster up in ${Date.now() - started} ms: master ${cluster.masterString}`);
  const results: DemoResult[] = [];
  try {
    for (const sample of samples) {
      const t0 = Date.now();
      const expected = sample === 'no-executor' ? tasks : sample === 'test-framework' ? 5 : 3;
      const progress = new Progress(sample, expected, print, tty);
      const hooks: SampleHooks = {
        log: options.verbose ? (line) => progress.note(line) : () => undefined,
        onLaunch: progress.launch,
        onStatus: progress.status,
      };
      let result: DemoResult;
      try {
        result = await runSample(sample, cluster, tasks, hooks, progress);
      } catch (err) {
        result = {
          sample,
          ok: false,
          launched: progress.launched,
          finished: progress.finished,
          failed: progress.failed,
          ms: 0,
          detail: (err as Error).message,
        };
      }
      progress.done();
      result.ms = Date.now() - t0;
      results.push(result);
    }
  } finally {
    await cluster.stop();
  }
  printSummary(results, Date.now() - started, print);
  return results;
}

async function runSample(
  sample: DemoSampleName,
  cluster: LocalCluster,
  tasks: number,
  hooks: SampleHooks,
  progress: Progress,
): Promise<DemoResult> {
  const master = `--master=${cluster.masterString}`;
  if (sample === 'no-executor') {
    const outcome = (await runNoExecutorFramework(
      [master, `--num_tasks=${tasks}`, '--command=echo hello'],
      hooks,
    )) as SampleOutcome;
    return fromOutcome(
      sample,
      outcome,
      outcome.exitCode === 0 && outcome.finished === tasks,
      `${tasks} command tasks, TEARDOWN at the end`,
    );
  }
  if (sample === 'test-framework') {
    const outcome = (await runTestFramework([master], hooks)) as SampleOutcome;
    return fromOutcome(
      sample,
      outcome,
      outcome.exitCode === 0 && outcome.finished === 5,
      '5 tasks through the TypeScript executor',
    );
  }
  return runServiceDemo(cluster, hooks, progress);
}

/** The service sample: 3 instances, one crash relaunched with backoff, a master failover, then TEARDOWN. */
async function runServiceDemo(cluster: LocalCluster, hooks: SampleHooks, progress: Progress): Promise<DemoResult> {
  const stop = new AbortController();
  let scheduler: ServiceScheduler | undefined;
  const deadline = AbortSignal.timeout(15_000);
  // Instance 0's first task exits 1 after a moment; every later task keeps running.
  const marker = `/tmp/mesos-driver-demo-${process.pid}-${Date.now()}`;
  // mkdir is atomic: exactly one of the concurrently starting instances creates the marker and fails.
  const command = `if mkdir ${marker} 2>/dev/null; then sleep 0.2; exit 1; else exec sleep 60; fi`;
  const run = runServiceFramework(
    [
      `--master=${cluster.masterString}`,
      '--instances=3',
      `--command=${command}`,
      '--relaunch_backoff_ms=300',
      '--teardown',
      '--name=demo-service',
    ],
    { ...hooks, signal: stop.signal, onStart: (s) => void (scheduler = s) },
  );
  let detail = '3 instances, a crash relaunched, a master failover survived, TEARDOWN';
  let ok = true;
  try {
    const allRunning = (s: ServiceScheduler) => s.instances().every((i) => i.state === 'TASK_RUNNING');
    while (!scheduler) await new Promise((resolve) => setTimeout(resolve, 10));
    await scheduler.until((s) => allRunning(s) && s.failures >= 1, deadline);
    progress.note(`all 3 instances running after ${scheduler.failures} relaunch(es); failing the master over ...`);
    const before = scheduler.instances().map((i) => i.taskId);
    await cluster.failover();
    await scheduler.until((s) => s.registrations >= 2 && allRunning(s), deadline);
    const after = scheduler.instances().map((i) => i.taskId);
    if (JSON.stringify(before) !== JSON.stringify(after))
      throw new Error(`instances changed across the failover: ${before} -> ${after}`);
    progress.note('re-registered with the new leader, reconciled: the same 3 instances still running');
  } catch (err) {
    ok = false;
    detail = deadline.aborted ? 'timed out waiting for the service' : (err as Error).message;
  } finally {
    stop.abort();
  }
  const outcome = (await run) as SampleOutcome & { failures: number };
  await import('node:fs/promises').then((fs) => fs.rm(marker, { recursive: true, force: true }));
  return { ...fromOutcome('service', outcome, ok && outcome.exitCode === 0, detail), failed: outcome.failures };
}

function fromOutcome(sample: DemoSampleName, outcome: SampleOutcome, ok: boolean, detail: string): DemoResult {
  const failed = Object.values(outcome.taskStates).filter(
    (s) => TERMINAL_STATES.has(s) && s !== 'TASK_FINISHED',
  ).length;
  return {
    sample,
    ok,
    launched: outcome.launched,
    finished: outcome.finished,
    failed,
    ms: 0,
    detail: ok ? detail : (outcome.error ?? `exit code ${outcome.exitCode}`),
  };
}

function printSummary(results: DemoResult[], totalMs: number, print: (line: string) => void): void {
  print('');
  print('Summary');
  print(
    `  ${'sample'.padEnd(16)}${'result'.padEnd(8)}${'launched'.padStart(9)}${'finished'.padStart(9)}${'failed'.padStart(8)}${'time'.padStart(9)}  notes`,
  );
  for (const r of results) {
    print(
      `  ${r.sample.padEnd(16)}${(r.ok ? 'ok' : 'FAILED').padEnd(8)}${String(r.launched).padStart(9)}${String(r.finished).padStart(9)}${String(r.failed).padStart(8)}${`${(r.ms / 1000).toFixed(1)} s`.padStart(9)}  ${r.detail}`,
    );
  }
  const ok = results.every((r) => r.ok);
  const finished = results.reduce((sum, r) => sum + r.finished, 0);
  print('');
  print(
    `${ok ? 'Demo succeeded' : 'Demo FAILED'}: ${results.length} sample(s), ${finished} task(s) finished, in ${(totalMs / 1000).toFixed(1)} s`,
  );
}

async function main(argv: string[]): Promise<number> {
  let values: { all?: boolean; sample?: string; tasks?: string; verbose?: boolean; help?: boolean };
  try {
    values = parseArgs({
      args: argv,
      options: {
        all: { type: 'boolean' },
        sample: { type: 'string' },
        tasks: { type: 'string' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const tasks = values.tasks === undefined ? 10 : Number(values.tasks);
  if (!Number.isInteger(tasks) || tasks < 1) {
    process.stderr.write(`--tasks must be a positive integer, got '${values.tasks}'\n`);
    return 2;
  }
  if (values.sample !== undefined && !(DEMO_SAMPLES as readonly string[]).includes(values.sample)) {
    process.stderr.write(`--sample must be one of ${DEMO_SAMPLES.join(', ')}, got '${values.sample}'\n`);
    return 2;
  }
  const samples: DemoSampleName[] = values.all
    ? [...DEMO_SAMPLES]
    : [(values.sample as DemoSampleName | undefined) ?? 'no-executor'];
  const results = await runDemo({ samples, tasks, verbose: values.verbose === true });
  return results.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`demo: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}

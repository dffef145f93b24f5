/**
 * The operator samples: samples/operator-top.ts (a `top` of tasks fed by the event stream's state
 * mirror) and samples/operator-maintenance.ts (draining a machine while a framework accepts its
 * inverse offers), run as commands (their output and exit code, on their embedded LocalCluster)
 * and in-process against a LocalCluster given with `--master`.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { MesosConfigError } from '../../lib';
import { LocalCluster } from '../../lib/local-entry';
import { type MaintenanceOutcome, runOperatorMaintenance } from '../../samples/operator-maintenance';
import { runOperatorTop, type TopOutcome } from '../../samples/operator-top';
import { runFramework } from './local-operator-helpers';

const ROOT = join(__dirname, '../..');

/** Runs a sample as a command (from source, through tsx); resolves with its exit code and output. */
function runSample(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'samples', file), ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBUG: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Indexes of `lines` in `text`, each after the previous one; fails naming the first missing. */
function expectInOrder(text: string, lines: RegExp[]): void {
  let from = 0;
  for (const line of lines) {
    const match = line.exec(text.slice(from));
    expect(match, `${line} after offset ${from} in:\n${text}`).to.not.equal(null);
    from += (match?.index ?? 0) + (match?.[0].length ?? 0);
  }
}

describe('operator samples', function () {
  this.timeout(30_000);

  describe('operator-top', () => {
    it('as a command: watches the embedded workload to the end, one line per change, then the table (exit 0)', async () => {
      const { code, stdout, stderr } = await runSample('operator-top.ts', ['--tasks=3', '--content_type=json']);
      expect(code, stdout + stderr).to.equal(0);
      expectInOrder(stdout, [
        /Started an embedded LocalCluster/,
        /subscribed: 0 active tasks, 1 agents/,
        /task top-task-0 TASK_STAGING/,
        /task top-task-0 TASK_RUNNING/,
        /task top-task-0 TASK_FINISHED/,
        /tasks: 0 active, 3 finished, 0 failed\/killed\/lost/,
        /TASK\s+STATE\s+FRAMEWORK\s+AGENT/,
      ]);
      for (const id of ['top-task-0', 'top-task-1', 'top-task-2']) {
        expect(stdout).to.match(new RegExp(`${id}\\s+TASK_FINISHED\\s+top-workload\\s+127\\.0\\.0\\.1`));
      }
      expect(stdout).to.not.include('\x1b[');
    });

    it('--help prints the flags and exits 0; a bad flag exits 2 naming it', async () => {
      const help = await runSample('operator-top.ts', ['--help']);
      expect(help.code).to.equal(0);
      expect(help.stdout).to.include('Usage: operator-top');
      for (const flag of ['--master=VALUE', '--once', '--duration=VALUE', '--tty'])
        expect(help.stdout).to.include(flag);
      const bad = await runSample('operator-top.ts', ['--duration=soon']);
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.include("--duration must be a number >= 0, got 'soon'");
    });

    it('--once --master: prints the table of a running cluster once (protobuf) and exits', async () => {
      const cluster = await LocalCluster.start({ log: false, agents: 1, heartbeatIntervalSeconds: 1 });
      const framework = runFramework(cluster, { 'long-a': 'sleep 30', 'short-b': 'true' }, 'watched');
      try {
        await framework.reached('long-a', 'TASK_RUNNING');
        await framework.reached('short-b');
        const lines: string[] = [];
        const outcome = (await runOperatorTop(['--once', `--master=${cluster.masterString}`], {
          log: (line) => lines.push(line),
        })) as TopOutcome;
        expect(outcome.exitCode).to.equal(0);
        expect(outcome.taskStates).to.deep.equal({ 'long-a': 'TASK_RUNNING', 'short-b': 'TASK_FINISHED' });
        const table = lines.join('\n').split('\n');
        expect(table[0]).to.equal('1 agents, 1 frameworks, 2 tasks: 1 active, 1 finished, 0 failed/killed/lost');
        expect(table[2]).to.match(/^long-a\s+TASK_RUNNING\s+watched\s+127\.0\.0\.1$/);
        expect(table[3]).to.match(/^short-b\s+TASK_FINISHED\s+watched\s+127\.0\.0\.1$/);
        expect(lines.join('\n')).to.not.include('Started an embedded LocalCluster');
      } finally {
        await framework.stop();
        await cluster.stop();
      }
    });

    it('--tty --duration: redraws the table in place while the workload runs, and stops after the duration', async () => {
      const lines: string[] = [];
      const started = Date.now();
      const outcome = (await runOperatorTop(['--tty', '--duration=2', '--tasks=2', '--task_command=sleep 0.1'], {
        log: (line) => lines.push(line),
        clusterOptions: { log: false },
      })) as TopOutcome;
      expect(Date.now() - started).to.be.greaterThan(1900);
      expect(outcome.exitCode).to.equal(0);
      expect(outcome.taskStates).to.deep.equal({ 'top-task-0': 'TASK_FINISHED', 'top-task-1': 'TASK_FINISHED' });
      const redraws = lines.filter((line) => line.startsWith('\x1b[H\x1b[2J'));
      expect(redraws.length).to.be.greaterThan(1);
      expect(outcome.updates).to.equal(redraws.length);
      expect(redraws.at(-1)).to.match(/top-task-1\s+TASK_FINISHED/);
    });

    it('--duration also bounds the wait for a master that never answers (exit 1)', async () => {
      const started = Date.now();
      const outcome = (await runOperatorTop(['--master=127.0.0.1:1', '--duration=0.3'], {
        log: () => undefined,
      })) as TopOutcome;
      expect(outcome.exitCode).to.equal(1);
      expect(Date.now() - started).to.be.within(250, 3000);
    });

    it('exits 1 when stopped before it ever subscribed', async () => {
      const controller = new AbortController();
      controller.abort();
      const outcome = (await runOperatorTop(['--master=127.0.0.1:1', '--duration=5'], {
        log: () => undefined,
        signal: controller.signal,
      })) as TopOutcome;
      expect(outcome.exitCode).to.equal(1);
    });
  });

  describe('operator-maintenance', () => {
    it('as a command: schedules, sees the inverse offer accepted, takes the machine down and up (exit 0)', async () => {
      const { code, stdout, stderr } = await runSample('operator-maintenance.ts', []);
      expect(code, stdout + stderr).to.equal(0);
      expectInOrder(stdout, [
        /Started an embedded LocalCluster/,
        /framework: launching task 'long-task' on (node-[ab]\.local)/,
        /framework: task long-task is TASK_RUNNING/,
        /operator: UPDATE_MAINTENANCE_SCHEDULE: node-[ab]\.local unavailable from now for 3600 s \(DRAINING\)/,
        /framework: inverse offer \S+ for .*: accepting/,
        /operator: GET_MAINTENANCE_STATUS: node-[ab]\.local DRAINING, framework \S+ answered ACCEPT/,
        /operator: START_MAINTENANCE node-[ab]\.local/,
        /operator: node-[ab]\.local is DOWN; 0 agent\(s\) registered on it/,
        /operator: STOP_MAINTENANCE node-[ab]\.local/,
        /operator: event AGENT_ADDED \S+ \(node-[ab]\.local\)/,
        /operator: node-[ab]\.local is up again; machines in maintenance: 0/,
      ]);
      // Mesos removes the machine's agents: TASK_LOST to every framework, PARTITION_AWARE ones (this one) too.
      expect(stdout).to.match(/framework: task long-task is TASK_LOST \(REASON_AGENT_REMOVED\)/);
      expect(stdout).to.match(/operator: event AGENT_REMOVED/);
      const machine = /launching task 'long-task' on (\S+)/.exec(stdout)?.[1];
      expect(stdout).to.include(`START_MAINTENANCE ${machine}`);
    });

    it('--master (JSON): the outcome lists every step and the events the operator saw', async () => {
      const cluster = await LocalCluster.start({
        log: false,
        agents: [{ hostname: 'rack1-host' }, { hostname: 'rack2-host' }],
        heartbeatIntervalSeconds: 1,
      });
      try {
        const lines: string[] = [];
        const outcome = (await runOperatorMaintenance([`--master=${cluster.masterString}`, '--content_type=json'], {
          log: (line) => lines.push(line),
        })) as MaintenanceOutcome;
        expect(outcome.exitCode, lines.join('\n')).to.equal(0);
        expect(outcome.steps).to.deep.equal(['scheduled', 'inverse-offer-accepted', 'status-accept', 'down', 'up']);
        expect(['rack1-host', 'rack2-host']).to.include(outcome.machine);
        expect(outcome.taskStates).to.deep.equal({ 'long-task': 'TASK_LOST' });
        const removed = outcome.events.indexOf('AGENT_REMOVED');
        expect(removed).to.be.greaterThan(-1);
        expect(outcome.events.indexOf('AGENT_ADDED', removed)).to.be.greaterThan(removed);
        // The machine is back and out of maintenance.
        expect(cluster.agents.map((agent) => agent.info.hostname).sort()).to.deep.equal(['rack1-host', 'rack2-host']);
      } finally {
        await cluster.stop();
      }
    });

    it('exits 1 naming the step that timed out (no inverse offer for a machine without the task)', async () => {
      const lines: string[] = [];
      const outcome = (await runOperatorMaintenance(['--machine=elsewhere', '--timeout=0.5'], {
        log: (line) => lines.push(line),
        clusterOptions: { log: false },
      })) as MaintenanceOutcome;
      expect(outcome.exitCode).to.equal(1);
      expect(outcome.steps).to.deep.equal(['scheduled']);
      expect(outcome.error).to.equal('timed out after 500 ms waiting for an inverse offer');
      expect(lines.at(-1)).to.equal('failed: timed out after 500 ms waiting for an inverse offer');
    });

    it('--help exits 0; a bad --window or --content_type is a MesosConfigError', async () => {
      const lines: string[] = [];
      expect(await runOperatorMaintenance(['--help'], { log: (line) => lines.push(line) })).to.equal('help');
      expect(lines.join('\n')).to.include('--machine=VALUE');
      let caught: unknown;
      await runOperatorMaintenance(['--window=-1'], { log: () => undefined }).catch((err: unknown) => {
        caught = err;
      });
      expect(caught).to.be.instanceOf(MesosConfigError);
      expect((caught as Error).message).to.include('--window');
      const wrong = await runOperatorTop(['--content_type=xml'], { log: () => undefined }).catch((err: unknown) => err);
      expect(wrong).to.be.instanceOf(MesosConfigError);
      expect((wrong as Error).message).to.equal("--content_type must be protobuf or json, got 'xml'");
    });
  });
});

/**
 * The README's "Porting from libmesos" section, followed end to end: its code blocks typecheck;
 * worker.ts and framework.ts written as the section shows, in a project that has mesos-driver
 * installed (dist/, so run `npm run build` first), bundled and run with the section's commands
 * exactly, with master `local`, exit 0, and the worker's line is in its sandbox's stdout. The
 * section's claims that a port depends on are checked too: a repeat of an update whose
 * acknowledgement was in flight during a master failover; a callback that throws; absent fields;
 * state numbers.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { getCodec } from '../../lib/codec/codec';
import type { CommandInfo, TaskStatus } from '../../lib/codec/messages';
import { isTerminalTaskState, taskStateNumber } from '../../lib/codec/task-states';
import type { Scheduler } from '../../lib/driver/scheduler-types';
import { Status } from '../../lib/driver/status';
import { launchOnce, useDriverCluster, uuidHex, waitFor } from './helpers/driver-harness';
import { type CodeBlock, codeBlocks, typecheck } from './helpers/readme-code';

const REPO = join(__dirname, '..', '..');

/** The porting section of README.md and its fenced blocks. */
function portingSection(): { text: string; blocks: CodeBlock[] } {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Porting from libmesos');
  const end = readme.indexOf('\n## ', start + 1);
  expect(start, 'the porting section').to.be.greaterThan(0);
  const text = readme.slice(start, end);
  return { text, blocks: codeBlocks(text) };
}

/** The ts block whose first line is `// <name>`. */
function file(blocks: CodeBlock[], name: string): string {
  const block = blocks.find((b) => b.lang === 'ts' && b.code.startsWith(`// ${name}\n`));
  if (!block) throw new Error(`the porting section has no ts block starting with // ${name}`);
  return block.code;
}

/** All files below `dir` named `name`. */
function findFiles(dir: string, name: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.split('/').pop() === name)
    .map((path) => join(dir, path));
}

describe("README's porting section, followed end to end", function () {
  this.timeout(30_000);

  it('its ts blocks typecheck against the library', function () {
    this.timeout(60_000);
    const { blocks } = portingSection();
    const ts = blocks.filter((b) => b.lang === 'ts');
    expect(ts.length).to.be.at.least(2);
    const files = new Map(ts.map((b) => [join(REPO, 'test', `readme-porting-line-${b.line}.ts`), b.code]));
    expect(typecheck(files)).to.deep.equal([]);
  });

  it('worker.ts and framework.ts, bundled and run with its commands, finish three tasks with master local', () => {
    const built = join(REPO, 'dist', 'lib', 'index.js');
    if (!existsSync(built)) throw new Error('dist/ is missing: run `npm run build` first');
    const { text, blocks } = portingSection();
    const marker = text.indexOf('<!-- porting-commands -->\n```sh\n');
    expect(marker, 'the porting commands after their marker').to.be.greaterThan(0);
    const commands = blocks.find((b) => b.lang === 'sh' && text.indexOf(b.code) > marker);
    expect(commands?.code).to.match(/^npx tsx framework\.ts local$/m);

    const dir = mkdtempSync(join(tmpdir(), 'porting-readme-'));
    try {
      // A project with mesos-driver installed (this repository, as `npm link` would put it).
      mkdirSync(join(dir, 'node_modules'));
      symlinkSync(REPO, join(dir, 'node_modules', 'mesos-driver'), 'dir');
      writeFileSync(join(dir, 'worker.ts'), file(blocks, 'worker.ts'));
      writeFileSync(join(dir, 'framework.ts'), file(blocks, 'framework.ts'));
      // The commands as written; `npx` runs the tools this repository has installed, offline.
      const script = `set -e\nnpx() { "$@"; }\n${commands?.code}`;
      const run = spawnSync('bash', ['-c', script], {
        cwd: dir,
        env: {
          ...process.env,
          PATH: `${join(REPO, 'node_modules', '.bin')}:${dirname(process.execPath)}:${process.env.PATH}`,
          MESOS_WORK_DIR: join(dir, 'work'),
          DEBUG: '',
        },
        encoding: 'utf8',
        timeout: 25_000,
      });
      const output = `${run.stdout}${run.stderr}`;
      expect(run.status, output).to.equal(0);
      for (const id of [0, 1, 2])
        expect(run.stdout).to.include(`task-${id}: TASK_FINISHED done: input of task-${id}\n`);
      // The executor ran in its sandbox (its working directory) and wrote its line to the sandbox's stdout.
      const outputs = findFiles(join(dir, 'work'), 'stdout');
      expect(outputs).to.have.length(1);
      const sandbox = dirname(outputs[0] as string);
      expect(readFileSync(outputs[0] as string, 'utf8')).to.include(`worker started in ${sandbox}\n`);
      expect(readdirSync(sandbox)).to.include.members(['worker.tgz', 'worker.js', 'proto', 'stderr']);
      expect(sandbox).to.match(/\/work\/agent-0\/slaves\/[^/]+\/frameworks\/[^/]+\/executors\/worker\/runs\/[^/]+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('what it says a port trips on', () => {
    const env = useDriverCluster();

    it('an update whose acknowledgement was in flight during a master failover is delivered again', async () => {
      const cluster = await env.startCluster({
        heartbeatIntervalSeconds: 1,
        taskMode: 'simulated',
        simulatedTaskMs: 5000,
      });
      let failedOver = false;
      const scheduler = launchOnce('t', {
        // Implicit acknowledgement: sent once this returns, which is after the failover.
        async statusUpdate(_driver, status: TaskStatus) {
          if (failedOver || status.state !== 'TASK_RUNNING') return;
          failedOver = true;
          await cluster.failover();
        },
      });
      env.pool.create(scheduler, { failover_timeout: 60 }, cluster.masterString, { reconnectDelayMaxMs: 50 }).start();
      await waitFor(
        'TASK_RUNNING twice',
        () => scheduler.updates.length >= 2,
        10_000,
        () => scheduler.names(),
      );
      const [first, again] = scheduler.updates as [TaskStatus, TaskStatus];
      expect(again.state).to.equal('TASK_RUNNING');
      expect(uuidHex(again)).to.equal(uuidHex(first));
      // Delivered again after the re-subscription to the new master: the driver does not drop repeats.
      expect(scheduler.names().join(' ')).to.equal('registered statusUpdate disconnected reregistered statusUpdate');
    });

    it('a callback that throws aborts the driver without calling error; stderr says so; abortReason says why', async () => {
      const cluster = await env.startCluster({ taskMode: 'simulated' });
      const called: string[] = [];
      const scheduler: Scheduler = {
        registered() {
          called.push('registered');
          throw new Error('boom');
        },
        error: () => void called.push('error'),
      };
      const driver = env.pool.create(scheduler, {}, cluster.masterString);
      const silent = env.pool.create(
        {
          registered: () => {
            throw new Error('bang');
          },
        },
        {},
        cluster.masterString,
      );
      const stderr = sinon.spy(process.stderr, 'write');
      try {
        expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
        expect(await silent.run()).to.equal(Status.DRIVER_ABORTED);
      } finally {
        stderr.restore();
      }
      expect(called).to.deep.equal(['registered']);
      expect(driver.abortReason?.code).to.equal('callbackFailed');
      expect(driver.abortReason?.message).to.include('boom');
      expect(silent.abortReason?.message).to.include('bang');
      // No 'error' listener: each driver writes its failure once, so a port that exits on run() is not silent.
      const written = stderr.args.map((a) => String(a[0])).join('');
      expect(written).to.match(/MesosSchedulerDriver: aborted because a scheduler callback threw: Error: boom/);
      expect(written).to.match(/MesosSchedulerDriver: aborted because a scheduler callback threw: Error: bang/);
    });

    it('absent fields are undefined, save those the .proto gives a default; state numbers mislead', () => {
      const status = getCodec<TaskStatus>('mesos.v1.TaskStatus', 'json').decode(
        Buffer.from('{"task_id":{"value":"t"},"state":"TASK_RUNNING"}'),
      );
      expect([status.message, status.reason, status.data, status.healthy]).to.deep.equal([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
      const command = getCodec<CommandInfo>('mesos.v1.CommandInfo', 'protobuf');
      const decoded = command.decode(command.encode({ uris: [{ value: 'x' }] }));
      expect(decoded).to.deep.equal({ uris: [{ value: 'x', extract: true }], shell: true });
      expect(decoded.environment).to.equal(undefined);
      const numbers = ['TASK_STAGING', 'TASK_KILLING', 'TASK_UNREACHABLE'].map((s) =>
        taskStateNumber(s as 'TASK_STAGING'),
      );
      expect(numbers).to.deep.equal([6, 8, 10]);
      for (const state of ['TASK_STAGING', 'TASK_KILLING', 'TASK_UNREACHABLE']) {
        expect(isTerminalTaskState(state), state).to.equal(false);
        expect(taskStateNumber(state as 'TASK_STAGING')).to.be.greaterThan(taskStateNumber('TASK_FINISHED'));
      }
    });
  });
});

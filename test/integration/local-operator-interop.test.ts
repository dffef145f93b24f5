/**
 * An operator client written by someone else, against real Mesos's docs, works against
 * `mesos-local` unchanged: the command prints its operator endpoints at start, and a Python 3
 * standard-library client (test/fixtures/interop/mesos_operator_client.py) subscribes on
 * /api/v1/operator, follows a framework's task through the event stream, and reads the finished
 * task's stdout from its agent (operator READ_FILE and the v0 /files/read).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { runFramework } from './local-operator-helpers';

const ROOT = join(__dirname, '../..');
const CLIENT = join(ROOT, 'test/fixtures/interop/mesos_operator_client.py');

interface Started {
  child: ChildProcess;
  output: () => string;
}

/** Runs `mesos-local` from source and waits for the line that names the operator endpoints. */
async function startMesosLocal(): Promise<Started> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'lib/local/cli.ts'), '--no-control', '--status-update-retry-ms', '200'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`mesos-local printed no operator endpoints:\n${output}`)), 15_000);
    child.stdout?.on('data', () => {
      if (!/operator API at .*\n/.test(output)) return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`mesos-local exited early with ${code}:\n${output}`));
    });
  });
  return { child, output: () => output };
}

describe('mesos-local operator API: an independent Python client', function () {
  this.timeout(30_000);

  it('prints the operator endpoints; the client subscribes, sees the task finish, and reads its stdout through the agent', async () => {
    const local = await startMesosLocal();
    let framework: ReturnType<typeof runFramework> | undefined;
    let client: ChildProcess | undefined;
    try {
      const printed =
        /mesos-local: operator API at (http:\/\/127\.0\.0\.1:\d+)\/api\/v1; agents (http:\/\/127\.0\.0\.1:\d+)\/api\/v1 \(and \/files\/browse\|read\|download\)/.exec(
          local.output(),
        );
      expect(printed, local.output()).to.not.equal(null);
      const masterUrl = printed?.[1] as string;
      const masterString = /master string (\S+)/.exec(local.output())?.[1] as string;
      const python = spawn('python3', [CLIENT, '--master', masterUrl, '--task', 'py-task', '--timeout', '15'], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      client = python;
      let stdout = '';
      let stderr = '';
      python.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => python.on('close', resolve));
      const subscribed = new Promise<void>((resolve) => {
        python.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('"subscribed"')) resolve();
        });
      });
      await Promise.race([
        subscribed,
        exited.then(() => Promise.reject(new Error(`client exited: ${stdout}${stderr}`))),
      ]);
      framework = runFramework({ masterString }, { 'py-task': 'echo written by the task' });
      const code = await exited;
      expect(code, `${stdout}\n${stderr}`).to.equal(0);
      const summary = JSON.parse(stdout.trim().split('\n').pop() as string);
      expect(summary.content_type).to.equal('application/json');
      expect(summary.event_types.slice(0, 2)).to.deep.equal(['SUBSCRIBED', 'HEARTBEAT']);
      expect(summary.event_types).to.include.members(['FRAMEWORK_ADDED', 'TASK_ADDED', 'TASK_UPDATED']);
      expect(summary.states).to.deep.equal(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      expect(summary.framework_id).to.equal(await framework.frameworkId);
      expect(summary.agent).to.equal(printed?.[2]?.replace('http://', ''));
      expect(summary.read_file).to.deep.equal({ size: 20, data: 'written by the task\n' });
      expect(summary.files_read).to.deep.equal({ data: 'written by the task\n', offset: 0 });
    } finally {
      client?.kill();
      await framework?.stop();
      const exited = new Promise((resolve) => local.child.once('exit', resolve));
      local.child.kill('SIGTERM');
      await exited;
    }
  });
});

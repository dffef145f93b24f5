/**
 * An operator client written by someone else, against real Mesos's docs, works against
 * LocalCluster unchanged: a Python 3 standard-library client (test/fixtures/interop/
 * mesos_operator_client.py) subscribes on /api/v1/operator, follows a framework's task through
 * the event stream, and reads the finished task's stdout from its agent (operator READ_FILE and
 * the v0 /files/read).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local/cluster';
import { runFramework } from './local-operator-helpers';

const CLIENT = join(__dirname, '../fixtures/interop/mesos_operator_client.py');

describe('LocalCluster operator API: an independent Python client', function () {
  this.timeout(20_000);

  it('subscribes, sees the task finish, and reads its stdout through the agent', async () => {
    const cluster = await LocalCluster.start({ log: false, statusUpdateRetryMs: 200 });
    const child = spawn('python3', [CLIENT, '--master', cluster.masterUrl, '--task', 'py-task', '--timeout', '15'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const subscribed = new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('"subscribed"')) resolve();
      });
    });
    let framework: ReturnType<typeof runFramework> | undefined;
    try {
      await Promise.race([
        subscribed,
        exited.then(() => Promise.reject(new Error(`client exited: ${stdout}${stderr}`))),
      ]);
      framework = runFramework(cluster, { 'py-task': 'echo written by the task' });
      const code = await exited;
      const summary = JSON.parse(stdout.trim().split('\n').pop() as string);
      expect(code, `${stdout}\n${stderr}`).to.equal(0);
      expect(summary.content_type).to.equal('application/json');
      expect(summary.event_types.slice(0, 2)).to.deep.equal(['SUBSCRIBED', 'HEARTBEAT']);
      expect(summary.event_types).to.include.members(['FRAMEWORK_ADDED', 'TASK_ADDED', 'TASK_UPDATED']);
      expect(summary.states).to.deep.equal(['TASK_STAGING', 'TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      expect(summary.framework_id).to.equal(await framework.frameworkId);
      expect(summary.read_file).to.deep.equal({ size: 20, data: 'written by the task\n' });
      expect(summary.files_read).to.deep.equal({ data: 'written by the task\n', offset: 0 });
    } finally {
      child.kill();
      await framework?.stop();
      await cluster.stop();
    }
  });
});

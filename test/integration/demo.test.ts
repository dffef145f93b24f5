/** `npm run demo`, as a new user runs it: a child process that must exit 0 and print its summary. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';

const REPO = join(__dirname, '..', '..');

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: REPO,
      env: { ...process.env, DEBUG: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('npm run demo', function () {
  this.timeout(25_000);

  it('runs ten command tasks on a LocalCluster, prints progress lines and a summary, exits 0', async () => {
    const { code, output } = await run('npm', ['run', '--silent', 'demo'], 20_000);
    expect(code, output).to.equal(0);
    // Not a terminal here: plain progress lines, no progress bar escapes.
    expect(output).to.match(/^\[no-executor\] task 9 TASK_FINISHED/m);
    expect(output).to.not.include('\u001b[');
    expect(output).to.match(/^ {2}no-executor +ok +10 +10 +0 +\d+\.\d s/m);
    expect(output).to.match(/^Demo succeeded: 1 sample\(s\), 10 task\(s\) finished, in \d+\.\d s$/m);
  });

  it('rejects an unknown sample with a usage message and a non-zero exit code', async () => {
    const { code, output } = await run('npm', ['run', '--silent', 'demo', '--', '--sample', 'nope'], 15_000);
    expect(code).to.equal(2);
    expect(output).to.include('--sample must be one of no-executor, test-framework, service');
  });
});

/**
 * `npm run docs` must build the API reference without a single warning: every public symbol is
 * documented, every link resolves, nothing referenced is left unexported.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';

const REPO = join(__dirname, '..', '..');

describe('typedoc (npm run docs)', function () {
  // typedoc typechecks the whole library; on a shared 2-core machine that takes tens of seconds.
  this.timeout(120_000);

  it('builds the API reference with no warnings and no errors', async () => {
    const typedoc = join(REPO, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const child = spawn(process.execPath, [typedoc, '--emit', 'none'], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    // Strip colour codes in case the terminal settings force them.
    const plain = output.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    const problems = plain.split('\n').filter((line) => /^\[(warning|error)\]/.test(line));
    expect(problems, 'typedoc warnings and errors').to.deep.equal([]);
    expect(code, plain).to.equal(0);
  });
});

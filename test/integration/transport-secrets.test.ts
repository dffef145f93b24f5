import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';

const CHILD = join(__dirname, 'helpers', 'http-secrets-child.ts');
const PRINCIPAL = 'secret-principal-7f3a';
const SECRET = 'top-secret-password-9c1e';
const TOKEN = 'bearer-token-secret-5d2b';

function runChild(): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, DEBUG: '*', DEBUG_DEPTH: '10', DEBUG_HIDE_DATE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 25_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('transport: no credentials in logs or errors (DEBUG=*)', function () {
  this.timeout(30_000);

  it('never prints the secret, the token or the Authorization value', async () => {
    const { code, stdout, stderr } = await runChild();
    expect(code, stdout + stderr).to.equal(0);
    // The run did exercise logging and failures, and credentials were sent.
    expect(stderr).to.contain('mesos-driver:transport:scheduler');
    expect(stderr).to.contain('mesos-driver:transport:executor');
    expect(stdout).to.contain('MesosAuthenticationError');
    expect(stdout).to.contain('MesosTimeoutError');
    expect(stdout).to.contain('MesosStreamEndedError');
    expect(stdout).to.contain('ECONNREFUSED');
    expect(stdout).to.match(/requests carried credentials: [1-9]/);

    const basic = Buffer.from(`${PRINCIPAL}:${SECRET}`).toString('base64');
    const output = stdout + stderr;
    for (const secret of [SECRET, TOKEN, basic, basic.slice(0, 16), `Basic ${basic}`]) {
      expect(output.includes(secret), `output contains ${secret.slice(0, 6)}…`).to.equal(false);
    }
  });
});

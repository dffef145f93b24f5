/**
 * `mesos-local --authenticate-http-readwrite|--authenticate-http-readonly` (also with Mesos's
 * underscores): parsed into LocalCluster options, refused without --credentials, and served: the
 * operator API and /state answer 401 without the file's credentials and 200 with them.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { MesosConfigError } from '../../lib/common/errors';
import { parseCliArgs } from '../../lib/local/cli';
import { rawRequest } from './local-master-helpers';

const CLI = join(__dirname, '../../lib/local/cli.ts');
const SECRET = 'cli-secret-0b9d';

describe('mesos-local HTTP authentication flags', function () {
  this.timeout(20_000);
  let dir: string;
  let credentials: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesos-local-cli-auth-'));
    credentials = join(dir, 'credentials');
    await writeFile(credentials, `ops ${SECRET}\n`);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('parses both spellings into authenticateHttpReadwrite/Readonly and needs --credentials', () => {
    const parsed = parseCliArgs([
      '--credentials',
      credentials,
      '--authenticate-http-readwrite',
      '--authenticate_http_readonly',
    ]);
    expect(parsed === 'help' ? undefined : parsed.cluster).to.deep.equal({
      credentials: [{ principal: 'ops', secret: SECRET }],
      authenticateHttpReadwrite: true,
      authenticateHttpReadonly: true,
    });
    const readonly = parseCliArgs(['--credentials', credentials, '--authenticate-http-readonly']);
    expect(readonly === 'help' ? undefined : readonly.cluster.authenticateHttpReadwrite).to.equal(undefined);
    for (const flag of ['--authenticate-http-readwrite', '--authenticate_http_readonly']) {
      expect(() => parseCliArgs([flag])).to.throw(MesosConfigError, /needs --credentials FILE/);
    }
  });

  it('serves with the flags: 401 without credentials, 200 with them, and never prints the secret', async () => {
    const args = ['--credentials', credentials, '--authenticate-http-readwrite', '--authenticate-http-readonly'];
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, ...args, '--task-mode', 'simulated', '--no-control'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /master at (http:\/\/127\.0\.0\.1:\d+)[\s\S]*authentication required/.exec(output);
          if (match?.[1]) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`mesos-local exited early with ${code}: ${output}`)));
      });
      const right = { Authorization: `Basic ${Buffer.from(`ops:${SECRET}`).toString('base64')}` };
      const call = (headers: Record<string, string>) =>
        rawRequest(url, {
          path: '/api/v1',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ type: 'GET_HEALTH' }),
        });
      const state = (headers: Record<string, string>) => rawRequest(url, { method: 'GET', path: '/state', headers });
      expect((await call({})).headers['www-authenticate']).to.equal('Basic realm="mesos-master-readwrite"');
      expect((await state({})).headers['www-authenticate']).to.equal('Basic realm="mesos-master-readonly"');
      expect([(await call(right)).status, (await state(right)).status]).to.deep.equal([200, 200]);
      expect(output).to.match(/HTTP Basic authentication required on readwrite .* and readonly /);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
      expect(output).to.not.include(SECRET);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

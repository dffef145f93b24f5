/** One run of a check (runProbe): HTTPS without verifying the certificate (curl -k), a COMMAND killed with its children at the timeout, TCP refused. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runProbe } from '../../lib/local/health/probes';
import { makeSelfSignedCert } from './helpers/http-tls';
import { freePort } from './local-task-helpers';

/** True while `pid` runs; a zombie (dead, waiting for its reaper) counts as gone. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

describe('local health probes', () => {
  let sandbox: string;
  before(() => {
    sandbox = mkdtempSync(join(tmpdir(), 'probes-'));
  });
  after(() => rmSync(sandbox, { recursive: true, force: true }));
  const target = () => ({ sandbox, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GREETING: 'hi' } });

  it('HTTPS: answers from a self-signed server count (the certificate is not verified)', async () => {
    const server = createHttpsServer(makeSelfSignedCert(), (req, res) => {
      res.statusCode = req.url === '/ready' ? 204 : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const result = await runProbe({ kind: 'HTTP', port, path: '/ready', scheme: 'https' }, target(), 2000);
      expect(result).to.deep.equal({ statusCode: 204 });
    } finally {
      server.close();
    }
  });

  it('COMMAND: the exit code, in the sandbox with the environment; a timeout kills it and its children', async () => {
    const ok = await runProbe(
      { kind: 'COMMAND', command: { value: 'test "$GREETING" = hi && test "$PWD" = "$(pwd)" && exit 4' } },
      target(),
      2000,
    );
    expect(ok).to.deep.equal({ exitCode: 4 });
    const started = Date.now();
    const slow = await runProbe(
      { kind: 'COMMAND', command: { value: 'sleep 5 & echo $! > child.pid; wait' } },
      target(),
      300,
    );
    expect(slow).to.deep.equal({ timedOut: true });
    const child = Number(readFileSync(join(sandbox, 'child.pid'), 'utf8'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(child), "the check command's child is killed with it").to.equal(false);
    expect(Date.now() - started).to.be.below(1500);
  });

  it('TCP: a refused connection is a result (connected: false), not a timeout', async () => {
    const port = await freePort();
    const result = await runProbe({ kind: 'TCP', port }, target(), 2000);
    expect(result.connected).to.equal(false);
  });
});

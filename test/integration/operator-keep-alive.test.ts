/**
 * A script that awaits an operator call against a master that is down must see the call settle:
 * the retry waits hold the process (before, their unref'd timers let Node exit mid-retry with the
 * promise never settled and exit code 0).
 */

import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';

const ROOT = join(__dirname, '..', '..');

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('operator client: retries hold the process', () => {
  it('a call to a master that refuses connections rejects with a typed error before the script ends', async () => {
    const port = await closedPort();
    const script = `
      const { MesosMasterOperator, MesosError } = require(${JSON.stringify(join(ROOT, 'lib', 'index.ts'))});
      const op = new MesosMasterOperator('127.0.0.1:${port}', { retryTimeoutMs: 1500 });
      op.getHealth().then(
        () => { console.log('answered'); },
        (err) => { console.log('rejected', err instanceof MesosError, err.constructor.name); process.exitCode = 3; },
      ).finally(() => op.close());
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(child.stdout.trim(), child.stderr).to.match(/^rejected true Mesos\w+Error$/);
    expect(child.status).to.equal(3);
  });
});

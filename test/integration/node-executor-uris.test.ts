/**
 * Node executors shipped through CommandInfo.uris, built with nodeExecutorInfo, on LocalCluster
 * (whose agent fetches URIs into the sandbox): a bundled .js executor served over loopback HTTP,
 * and a plain .js script that finds `require('mesos-driver')` through the NODE_PATH the helper sets.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ExecutorInfo, Offer, TaskStatus } from '../../lib/codec/messages';
import { nodeExecutorInfo } from '../../lib/driver/node-executor';
import { launchOnce, smallTaskResources, useDriverCluster } from './helpers/driver-harness';
import { installMesosDriverShim } from './helpers/mesos-driver-shim';

const REPO = join(__dirname, '..', '..');

/** Runs one `work:50` task on `executor` and returns the states the scheduler saw for it. */
async function runOneTask(env: ReturnType<typeof useDriverCluster>, executor: ExecutorInfo): Promise<TaskStatus[]> {
  const cluster = await env.startCluster({ agents: 1 });
  const scheduler = launchOnce((offer: Offer) => ({
    name: 'shipped',
    task_id: { value: 'shipped' },
    agent_id: offer.agent_id,
    resources: smallTaskResources(offer),
    executor,
    data: Buffer.from('work:50'),
  }));
  env.pool.create(scheduler, {}, cluster.masterString).start();
  await scheduler.waitForUpdate('TASK_FINISHED', 20_000);
  return scheduler.updates;
}

describe('Node executors shipped through uris (nodeExecutorInfo on LocalCluster)', function () {
  this.timeout(60_000);
  const env = useDriverCluster();
  let dir: string;
  let server: Server | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'node-executor-uris-'));
  });

  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a bundled .js executor fetched over http as an archive with proto/, relative to the sandbox', async () => {
    // One file holding the executor and the library, as a bundler makes it for shipping, and the
    // library's proto/ folder beside it (the codec reads the Mesos schema from there).
    const esbuild = (await import('esbuild')) as typeof import('esbuild');
    await esbuild.build({
      entryPoints: [join(__dirname, 'helpers', 'concurrent-executor.ts')],
      outfile: join(dir, 'executor.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      logLevel: 'silent',
    });
    execFileSync('cp', ['-r', join(REPO, 'proto'), join(dir, 'proto')]);
    execFileSync('tar', ['-czf', join(dir, 'executor.tgz'), '-C', dir, 'executor.js', 'proto/mesos']);
    const archive = readFileSync(join(dir, 'executor.tgz'));
    const requested: string[] = [];
    server = createServer((req, res) => {
      requested.push(req.url ?? '');
      res.writeHead(200, { 'Content-Type': 'application/gzip' }).end(archive);
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;

    const executor = nodeExecutorInfo('bundled', {
      uri: `http://127.0.0.1:${port}/executor.tgz`,
      script: 'executor.js',
      nodePath: false,
    });
    expect(executor.command?.arguments).to.deep.equal([process.execPath, 'executor.js']);
    expect(executor.command?.uris).to.deep.equal([{ value: `http://127.0.0.1:${port}/executor.tgz` }]);
    const updates = await runOneTask(env, executor);
    expect(updates.map((u) => u.state)).to.deep.equal(['TASK_RUNNING', 'TASK_FINISHED']);
    expect(updates[1]?.source).to.equal('SOURCE_EXECUTOR');
    expect(requested).to.deep.equal(['/executor.tgz']);
  });

  it("runs a plain .js script that require()s 'mesos-driver' through the NODE_PATH it is given", async () => {
    // An installed mesos-driver, as node_modules/mesos-driver would hold it (here: the sources).
    const modules = installMesosDriverShim(dir);
    mkdirSync(join(dir, 'app'));
    writeFileSync(
      join(dir, 'app', 'executor.js'),
      `const { MesosExecutorDriver, Status } = require('mesos-driver');
new MesosExecutorDriver({
  launchTask(driver, task) {
    driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_RUNNING' });
    setTimeout(() => driver.sendStatusUpdate({ task_id: task.task_id, state: 'TASK_FINISHED' }), 50);
  },
}).run().then((status) => { process.exitCode = status === Status.DRIVER_STOPPED ? 0 : 1; });
`,
    );
    const executor = nodeExecutorInfo('plain', { uri: join(dir, 'app', 'executor.js'), nodePath: [modules] });
    expect(executor.command?.environment?.variables).to.deep.equal([
      { name: 'NODE_PATH', type: 'VALUE', value: modules },
    ]);
    const updates = await runOneTask(env, executor);
    expect(updates.map((u) => u.state)).to.deep.equal(['TASK_RUNNING', 'TASK_FINISHED']);
  });
});

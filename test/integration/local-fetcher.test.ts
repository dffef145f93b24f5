/**
 * LocalCluster's fetcher end to end: CommandInfo.uris of command tasks and custom executors are
 * fetched into the sandbox before they start (local paths, file:// and loopback http:// URLs,
 * archives, executable, output_file, extract false); a failed fetch is a failed container launch
 * naming the URI; launches queued during a fetch keep their order; a kill or a teardown during a
 * fetch aborts it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { ExecutorInfo } from '../../lib/codec/messages';
import { agentState, completedExecutors, eventually } from './helpers/agent-state';
import { waitFor } from './helpers/driver-harness';
import { FileServer } from './helpers/file-server';
import { makeSelfSignedCert } from './helpers/http-tls';
import { FIXTURE_EXECUTOR, fixtureExecutor, TSX_LOADER, task, useLaunchHarness } from './helpers/launch-harness';

describe('LocalCluster fetcher (CommandInfo.uris)', function () {
  this.timeout(20_000);
  const { logs, launch, terminal } = useLaunchHarness();
  let files: FileServer;
  let root: string;

  beforeEach(async () => {
    files = await new FileServer().start();
    root = mkdtempSync(join(tmpdir(), 'fetcher-e2e-'));
  });

  afterEach(async () => {
    await files.stop();
    rmSync(root, { recursive: true, force: true });
  });

  /** A tarball (or zip) of `entries` (path -> content; a mode may follow after '|'), made with the system's tools. */
  function archive(name: string, entries: Record<string, string>, mode = 0o644): Buffer {
    const dir = mkdtempSync(join(root, 'content-'));
    for (const [path, content] of Object.entries(entries)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), content, { mode });
    }
    const file = join(root, name);
    const paths = Object.keys(entries);
    if (name.endsWith('.zip')) execFileSync('zip', ['-q', file, ...paths], { cwd: dir });
    else {
      const flag = /bz2$/.test(name) ? '-j' : /xz$/.test(name) ? '-J' : /gz$/.test(name) ? '-z' : '';
      execFileSync('tar', [`-c${flag.slice(1)}f`, file, ...paths], { cwd: dir });
    }
    return readFileSync(file);
  }

  it("fetches a local path, a file:// URL and http:// URLs into the sandbox, the command's working directory", async () => {
    writeFileSync(join(root, 'data.txt'), 'data');
    writeFileSync(join(root, 'conf.ini'), '[x]');
    files.routes.set('/tool.sh', { body: '#!/bin/sh\necho "tool ran" > ran.txt\n' });
    files.routes.set('/pkg.tar.gz', { body: archive('pkg.tar.gz', { 'pkg/inside.txt': 'pkg' }) });
    files.routes.set('/keep.tgz', { body: archive('keep.tgz', { 'keep/inside.txt': 'keep' }) });
    files.routes.set('/raw', { body: 'raw' });
    const script = [
      'set -e',
      'test "$(cat data.txt)" = data',
      'test -f conf.ini',
      './tool.sh && test -f ran.txt',
      'test "$(cat pkg/inside.txt)" = pkg && test -f pkg.tar.gz',
      'test -f keep.tgz && test ! -e keep',
      'test "$(cat etc/app.conf)" = raw',
      'test "$PWD" = "$MESOS_SANDBOX"',
    ].join('\n');
    const { scheduler } = await launch((offer) => [
      task(offer, 'all-kinds', {
        value: script,
        uris: [
          { value: join(root, 'data.txt') },
          { value: `file://${join(root, 'conf.ini')}` },
          { value: `${files.url}/tool.sh`, executable: true },
          { value: `${files.url}/pkg.tar.gz` },
          { value: `${files.url}/keep.tgz`, extract: false },
          { value: `${files.url}/raw?version=2`, output_file: 'etc/app.conf' },
        ],
      }),
    ]);
    const status = await terminal(scheduler, 'all-kinds');
    expect(status.state, logs.join('\n')).to.equal('TASK_FINISHED');
    expect(scheduler.updates.map((s) => s.state)).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
    expect(logs).to.deep.equal([]);
  });

  it('extracts every archive type fetched over http', async () => {
    const names = ['a.tar', 'b.tar.gz', 'c.tgz', 'd.tar.bz2', 'e.tar.xz', 'f.zip'];
    for (const name of names) files.routes.set(`/${name}`, { body: archive(name, { [`${name}.d/file`]: name }) });
    const check = names.map((name) => `test "$(cat ${name}.d/file)" = ${name}`).join(' && ');
    const { scheduler } = await launch((offer) => [
      task(offer, 'archives', { value: check, uris: names.map((name) => ({ value: `${files.url}/${name}` })) }),
    ]);
    expect((await terminal(scheduler, 'archives')).state, logs.join('\n')).to.equal('TASK_FINISHED');
  });

  it('fails the task as a failed container launch naming the URI and the cause: 404, missing file, bad archive', async () => {
    files.routes.set('/broken.tar.gz', { body: 'not a tarball at all' });
    const { scheduler } = await launch((offer) => [
      task(offer, 'f-404', {
        value: 'true',
        uris: [{ value: `http://deploy:s3cret@127.0.0.1:${new URL(files.url).port}/gone.tgz` }],
      }),
      task(offer, 'f-missing', { value: 'true', uris: [{ value: join(root, 'absent.sh') }] }),
      task(offer, 'f-archive', { value: 'true', uris: [{ value: `${files.url}/broken.tar.gz` }] }),
    ]);
    const notFound = await terminal(scheduler, 'f-404');
    const missing = await terminal(scheduler, 'f-missing');
    const broken = await terminal(scheduler, 'f-archive');
    for (const status of [notFound, missing, broken]) {
      expect(status).to.include({
        state: 'TASK_FAILED',
        source: 'SOURCE_AGENT',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      });
      expect(status.message).to.match(/^Failed to launch container: Failed to fetch all URIs for container '[^']+': /);
    }
    expect(notFound.message).to.contain(
      `Failed to fetch '${files.url}/gone.tgz': Error downloading resource, received HTTP return code 404`,
    );
    expect(notFound.message).not.to.contain('s3cret');
    expect(files.requests.find((r) => r.path === '/gone.tgz')?.authorization).to.equal(
      `Basic ${Buffer.from('deploy:s3cret').toString('base64')}`,
    );
    expect(missing.message).to.contain(`Failed to fetch '${join(root, 'absent.sh')}': Failed to copy`);
    expect(missing.message).to.contain('no such file');
    expect(broken.message).to.contain(
      `Failed to fetch '${files.url}/broken.tar.gz': Failed to extract archive 'broken.tar.gz'`,
    );
    // No STARTING/RUNNING: the command never ran.
    expect(scheduler.updates.filter((s) => s.state !== 'TASK_FAILED')).to.deep.equal([]);
    // The user is told, with the sandbox and what the fetcher wrote to its stderr; no credentials.
    await waitFor(
      'three reports',
      () => logs.filter((l) => / failed: Failed to launch container/.test(l)).length === 3,
    );
    const text = logs.join('\n');
    expect(text).to.contain("task 'f-404' of framework");
    expect(text).to.contain(`| Failed to fetch '${files.url}/gone.tgz'`);
    expect(text).not.to.contain('s3cret');
  });

  it('follows redirects and bounds downloads in time and size', async () => {
    files.routes.set('/old/tool', { location: '/new/tool' });
    files.routes.set('/new/tool', { body: 'ok' });
    files.routes.set('/big.bin', { body: Buffer.alloc(5000) });
    files.routes.set('/slow.bin', { hang: true });
    const { scheduler } = await launch(
      (offer) => [
        task(offer, 'redirected', { value: 'test "$(cat tool)" = ok', uris: [{ value: `${files.url}/old/tool` }] }),
        task(offer, 'too-big', { value: 'true', uris: [{ value: `${files.url}/big.bin` }] }),
        task(offer, 'too-slow', { value: 'true', uris: [{ value: `${files.url}/slow.bin` }] }),
      ],
      { fetch: { timeoutMs: 600, maxBytes: 1000 } },
    );
    expect((await terminal(scheduler, 'redirected')).state, logs.join('\n')).to.equal('TASK_FINISHED');
    expect((await terminal(scheduler, 'too-big')).message).to.contain('larger than the limit of 1000 bytes');
    expect((await terminal(scheduler, 'too-slow')).message).to.contain(
      `'${files.url}/slow.bin': Timed out after 600 ms`,
    );
    await waitFor('the abandoned download', () => files.abandoned.includes('/slow.bin'));
  });

  it('runs a custom executor shipped as a fetched tarball, with a command relative to the sandbox', async () => {
    const start = `#!/bin/sh\nexec "${process.execPath}" --import "${TSX_LOADER}" "${FIXTURE_EXECUTOR}"\n`;
    files.routes.set('/executor.tar.gz', { body: archive('executor.tar.gz', { 'bin/start-executor': start }, 0o755) });
    const { cluster, scheduler } = await launch((offer) => {
      const executor = fixtureExecutor(offer, 'shipped', {
        command: { value: './bin/start-executor', uris: [{ value: `${files.url}/executor.tar.gz` }] },
      });
      return [
        { ...task(offer, 'e1', undefined), executor },
        { ...task(offer, 'e2', undefined), executor },
      ];
    });
    await waitFor(
      'both tasks running',
      () => scheduler.updates.filter((s) => s.state === 'TASK_RUNNING').length === 2,
      15_000,
      () => logs,
    );
    const state = await agentState(cluster.agents[0]?.url);
    const executor = state.frameworks[0]?.executors.find((e) => e.id === 'shipped');
    expect(executor?.state).to.equal('RUNNING');
    expect(existsSync(join(executor?.directory as string, 'bin', 'start-executor'))).to.equal(true);
    expect(readFileSync(join(executor?.directory as string, 'stderr'), 'utf8')).to.contain(
      `Fetching URI '${files.url}/executor.tar.gz'`,
    );
  });

  it('fails every task queued on an executor whose fetch fails, and never starts the executor', async () => {
    const { cluster, scheduler } = await launch((offer) => {
      const executor = fixtureExecutor(offer, 'unfetchable', {
        command: { value: './run', uris: [{ value: `${files.url}/missing-executor.tgz` }] },
      });
      return [
        { ...task(offer, 'q1', undefined), executor },
        { ...task(offer, 'q2', undefined), executor },
      ];
    });
    for (const id of ['q1', 'q2']) {
      const status = await terminal(scheduler, id);
      expect(status).to.include({
        state: 'TASK_FAILED',
        source: 'SOURCE_AGENT',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
      });
      expect(status.message).to.contain(`Failed to fetch '${files.url}/missing-executor.tgz'`);
    }
    expect(scheduler.updates.map((s) => s.state)).to.deep.equal(['TASK_FAILED', 'TASK_FAILED']);
    const ended = completedExecutors(await agentState(cluster.agents[0]?.url)).find((e) => e.id === 'unfetchable');
    expect(ended?.status).to.contain('Failed to fetch all URIs');
    // Never started: no stdout was ever opened in its sandbox.
    expect(existsSync(join(ended?.directory as string, 'stdout'))).to.equal(false);
    expect(logs.join('\n')).to.contain("executor 'unfetchable' of framework");
  });

  it("keeps launches that arrive during an executor's fetch, in order", async () => {
    const start = `#!/bin/sh\nexec "${process.execPath}" --import "${TSX_LOADER}" "${FIXTURE_EXECUTOR}"\n`;
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    files.routes.set('/slow-start', { body: start, gate });
    let executor: ExecutorInfo | undefined;
    const { cluster, scheduler } = await launch(
      (offer) => {
        executor = fixtureExecutor(offer, 'slow', {
          command: { value: './slow-start', uris: [{ value: `${files.url}/slow-start`, executable: true }] },
        });
        return [{ ...task(offer, 'first', undefined), executor }];
      },
      {},
      (offer) => [
        { ...task(offer, 'second', undefined), executor: executor as ExecutorInfo },
        { ...task(offer, 'third', undefined), executor: executor as ExecutorInfo },
      ],
    );
    // The executor's file is held back until the agent has all three tasks waiting on the fetch.
    await eventually('three tasks staged on the agent', async () => {
      const tasks = (await agentState(cluster.agents[0]?.url)).frameworks[0]?.tasks ?? [];
      return tasks.length === 3 && tasks.every((t) => t.state === 'TASK_STAGING');
    });
    expect(files.answered.filter((a) => a.path === '/slow-start')).to.deep.equal([]);
    release();
    await waitFor(
      'three tasks running',
      () => scheduler.updates.filter((s) => s.state === 'TASK_RUNNING').length === 3,
      15_000,
      () => logs,
    );
    expect(scheduler.updates.filter((s) => s.state === 'TASK_RUNNING').map((s) => s.task_id.value)).to.deep.equal([
      'first',
      'second',
      'third',
    ]);
    expect(files.requests.filter((r) => r.path === '/slow-start')).to.have.length(1);
  });

  it("a kill during a command task's fetch aborts it: TASK_KILLED, and the download is abandoned", async () => {
    files.routes.set('/never', { hang: true });
    const { scheduler, driver } = await launch((offer) => [
      task(offer, 'k', { value: 'true', uris: [{ value: `${files.url}/never` }] }),
    ]);
    await waitFor('the download to start', () => files.requests.some((r) => r.path === '/never'));
    driver.killTask({ value: 'k' });
    const status = await terminal(scheduler, 'k');
    expect(status.state).to.equal('TASK_KILLED');
    await waitFor('the abandoned download', () => files.abandoned.includes('/never'));
    expect(logs).to.deep.equal([]);
  });

  it("a teardown during an executor's fetch aborts it, and the executor never starts", async () => {
    files.routes.set('/never', { hang: true });
    const { cluster, driver } = await launch((offer) => {
      const executor = fixtureExecutor(offer, 'torn', {
        command: { value: './never', uris: [{ value: `${files.url}/never`, executable: true }] },
      });
      return [{ ...task(offer, 't', undefined), executor }];
    });
    await waitFor('the download to start', () => files.requests.some((r) => r.path === '/never'));
    driver.stop();
    await driver.join();
    await waitFor('the abandoned download', () => files.abandoned.includes('/never'));
    const agent = cluster.agents[0];
    await eventually(
      'the agent to forget the framework',
      async () => (await agentState(agent?.url)).frameworks.length === 0,
    );
    expect(logs).to.deep.equal([]);
  });

  it('a kill of a task queued on an executor during its fetch: TASK_KILLED, the unused executor is never started', async () => {
    files.routes.set('/never', { hang: true });
    const { scheduler, driver } = await launch((offer) => {
      const executor = fixtureExecutor(offer, 'idle', {
        command: { value: './never', uris: [{ value: `${files.url}/never`, executable: true }] },
      });
      return [{ ...task(offer, 'queued', undefined), executor }];
    });
    await waitFor('the download to start', () => files.requests.some((r) => r.path === '/never'));
    driver.killTask({ value: 'queued' });
    const status = await terminal(scheduler, 'queued');
    expect(status).to.include({ state: 'TASK_KILLED', reason: 'REASON_TASK_KILLED_DURING_LAUNCH' });
    await waitFor('the abandoned download', () => files.abandoned.includes('/never'));
    await scheduler.waitForCallback('executorLost');
    expect(logs).to.deep.equal([]);
  });

  it('stopping the cluster during a fetch aborts it and leaves nothing running', async () => {
    files.routes.set('/never', { hang: true });
    const { cluster } = await launch((offer) => [
      task(offer, 'pending', { value: 'true', uris: [{ value: `${files.url}/never` }] }),
    ]);
    await waitFor('the download to start', () => files.requests.some((r) => r.path === '/never'));
    const started = Date.now();
    await cluster.stop();
    expect(Date.now() - started).to.be.below(2000);
    await waitFor('the abandoned download', () => files.abandoned.includes('/never'));
  });

  it('speaks TLS to https:// URLs, checking the certificate (an untrusted one fails the fetch, naming it)', async () => {
    const tls = makeSelfSignedCert();
    const server = createHttpsServer(tls, (_req, res) => res.end('secret bytes'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/tool.sh`;
      const { scheduler } = await launch((offer) => [task(offer, 'tls', { value: 'true', uris: [{ value: url }] })]);
      const status = await terminal(scheduler, 'tls');
      expect(status).to.include({ state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED' });
      expect(status.message).to.match(
        new RegExp(`Failed to fetch '${url}': Error downloading resource: .*certificate`),
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

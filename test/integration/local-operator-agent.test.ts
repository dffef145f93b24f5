/**
 * LocalCluster agents' operator API and files endpoints, with MesosAgentOperator (JSON and
 * protobuf): the agent's state calls; a finished command task's stdout read through READ_FILE on
 * Mesos's virtual sandbox path (`runs/latest`, the executor id of a command task is its task id)
 * and through `/files/read` (`offset=-1` gives the size), `/files/browse` and `/files/download`,
 * with nothing outside the sandboxes served; and a nested container session in a running task's
 * sandbox whose output arrives as it is written, a chatty one never blocked.
 */
import { spawn } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { agent } from '../../lib/codec/messages';
import { MesosError } from '../../lib/common/errors';
import { LocalCluster } from '../../lib/local/cluster';
import { MesosAgentOperator, stdinData, stdinEof } from '../../lib/operator';
import { rawRequest } from './local-master-helpers';
import { eventually, runFramework, type TestFramework } from './local-operator-helpers';

describe('LocalCluster operator API: agents', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  let framework: TestFramework;
  let frameworkId: string;
  let agentUrl: string;
  const clients: MesosAgentOperator[] = [];
  const client = (format: 'json' | 'protobuf' = 'json') => {
    const made = new MesosAgentOperator(agentUrl, { contentType: format, retryTimeoutMs: 2000 });
    clients.push(made);
    return made;
  };
  const get = (path: string) => rawRequest(agentUrl, { method: 'GET', path });

  before(async () => {
    cluster = await LocalCluster.start({ log: false, statusUpdateRetryMs: 200 });
    agentUrl = cluster.agents[0]?.url as string;
    framework = runFramework(cluster, { hello: 'echo hello from the task; echo oops >&2', sleeper: 'sleep 30' });
    frameworkId = await framework.frameworkId;
    await framework.reached('hello');
    await framework.reached('sleeper', 'TASK_RUNNING');
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await framework.stop();
    await cluster.stop();
  });

  for (const format of ['json', 'protobuf'] as const) {
    it(`answers the agent's state calls (${format})`, async () => {
      const c = client(format);
      expect(await c.getHealth()).to.deep.equal({ healthy: true });
      expect((await c.getVersion()).version_info.version).to.equal('1.12.0');
      expect((await c.getFlags()).flags?.map((f) => f.name)).to.include('work_dir');
      const tasks = await c.getTasks();
      expect(tasks.launched_tasks?.map((t) => [t.task_id.value, t.state])).to.deep.equal([['sleeper', 'TASK_RUNNING']]);
      const state = await c.getState();
      expect(state.get_frameworks?.frameworks?.[0]?.framework_info.id?.value).to.equal(frameworkId);
      const executors = state.get_executors;
      expect(executors?.executors?.map((e) => e.executor_info.executor_id.value)).to.deep.equal(['sleeper']);
      expect(executors?.completed_executors?.map((e) => e.executor_info.executor_id.value)).to.deep.equal(['hello']);
      const containers = await c.getContainers();
      expect(containers.containers?.map((x) => x.executor_id?.value)).to.deep.equal(['sleeper']);
      const metrics = (await c.getMetrics()).metrics ?? [];
      expect(metrics.find((m) => m.name === 'slave/tasks_running')?.value).to.equal(1);
    });

    it(`reads a finished task's stdout with READ_FILE and LIST_FILES on the virtual sandbox path (${format})`, async () => {
      const c = client(format);
      const sandbox = `/frameworks/${frameworkId}/executors/hello/runs/latest`;
      const listing = await c.listFiles(sandbox);
      expect(listing.file_infos?.map((f) => f.path)).to.include.members([`${sandbox}/stdout`, `${sandbox}/stderr`]);
      const read = await c.readFile(`${sandbox}/stdout`, 0);
      expect(Buffer.from(read.data as Uint8Array).toString()).to.equal('hello from the task\n');
      expect(read.size).to.equal('hello from the task\n'.length);
      const part = await c.readFile(`${sandbox}/stdout`, 6, 4);
      expect(Buffer.from(part.data as Uint8Array).toString()).to.equal('from');
      const missing = await c.readFile(`${sandbox}/nothing`, 0).catch((err: unknown) => err);
      expect(missing).to.be.instanceOf(MesosError);
    });
  }

  it('serves /files/read ({data, offset}; offset=-1 gives the size), /files/browse and /files/download', async () => {
    const path = encodeURIComponent(`/frameworks/${frameworkId}/executors/hello/runs/latest/stdout`);
    expect(JSON.parse((await get(`/files/read?path=${path}&offset=-1`)).text)).to.deep.equal({ data: '', offset: 20 });
    expect(JSON.parse((await get(`/files/read?path=${path}&offset=0&length=5`)).text)).to.deep.equal({
      data: 'hello',
      offset: 0,
    });
    const stderr = encodeURIComponent(`/frameworks/${frameworkId}/executors/hello/runs/latest/stderr`);
    expect(JSON.parse((await get(`/files/read.json?path=${stderr}&offset=0`)).text).data).to.include('oops');
    const dir = encodeURIComponent(`/frameworks/${frameworkId}/executors/hello/runs/latest`);
    const browse = JSON.parse((await get(`/files/browse?path=${dir}`)).text) as Array<{ path: string; mode: string }>;
    expect(browse.map((entry) => entry.path.split('/').pop())).to.include.members(['stdout', 'stderr']);
    expect(browse[0]?.mode).to.match(/^[-d][-rwx]{9}$/);
    const download = await get(`/files/download?path=${path}`);
    expect([download.status, download.text]).to.deep.equal([200, 'hello from the task\n']);
    expect(download.headers['content-disposition']).to.include('stdout');
    // The real sandbox path of /state works too.
    const state = JSON.parse((await get('/state')).text) as {
      frameworks: Array<{ completed_executors: Array<{ id: string; directory: string }> }>;
    };
    const directory = state.frameworks[0]?.completed_executors.find((e) => e.id === 'hello')?.directory as string;
    const real = await get(`/files/read?path=${encodeURIComponent(join(directory, 'stdout'))}&offset=0`);
    expect(JSON.parse(real.text).data).to.equal('hello from the task\n');
    expect((await get('/files/read?offset=0')).status).to.equal(400);
    expect((await get(`/files/read?path=${path}&offset=abc`)).status).to.equal(400);
    expect((await get(`/files/read?path=${dir}&offset=0`)).status).to.equal(400);
  });

  it('serves nothing outside the sandboxes (.., absolute paths, symlinks out)', async () => {
    const outside = encodeURIComponent(
      `/frameworks/${frameworkId}/executors/hello/runs/latest/../../../../../../../../etc/passwd`,
    );
    expect((await get(`/files/read?path=${outside}&offset=0`)).status).to.equal(404);
    expect((await get(`/files/download?path=${encodeURIComponent('/etc/passwd')}`)).status).to.equal(404);
    expect((await get(`/files/browse?path=${encodeURIComponent('/')}`)).status).to.equal(404);
    const state = JSON.parse((await get('/state')).text) as {
      frameworks: Array<{ completed_executors: Array<{ id: string; directory: string }> }>;
    };
    const directory = state.frameworks[0]?.completed_executors.find((e) => e.id === 'hello')?.directory as string;
    symlinkSync('/etc/passwd', join(directory, 'link'));
    const link = encodeURIComponent(`/frameworks/${frameworkId}/executors/hello/runs/latest/link`);
    expect((await get(`/files/download?path=${link}`)).status).to.equal(404);
    const read = await client()
      .readFile(`/frameworks/${frameworkId}/executors/hello/runs/latest/link`, 0)
      .catch((e) => e);
    expect(read).to.be.instanceOf(MesosError);
  });

  async function parentContainer(): Promise<string> {
    const containers = await client().getContainers();
    return containers.containers?.find((x) => x.executor_id?.value === 'sleeper')?.container_id.value as string;
  }

  for (const format of ['json', 'protobuf'] as const) {
    it(`LAUNCH_NESTED_CONTAINER_SESSION streams stdout/stderr as written, in the task's sandbox; WAIT_NESTED_CONTAINER gives the status (${format})`, async () => {
      const c = client(format);
      const parent = await parentContainer();
      const id = { value: `session-${format}`, parent: { value: parent } };
      const started = Date.now();
      const output = await c.launchNestedContainerSession({
        container_id: id,
        command: { value: 'echo first; pwd; echo warn >&2; sleep 1.5; echo last; exit 4' },
      });
      const records: Array<{ at: number; io: agent.ProcessIO }> = [];
      const waited = c.waitNestedContainer(id);
      for await (const io of output) {
        records.push({ at: Date.now() - started, io });
      }
      const text = (type: string) =>
        records
          .filter((r) => r.io.data?.type === type)
          .map((r) => Buffer.from(r.io.data?.data as Uint8Array).toString())
          .join('');
      expect(text('STDOUT')).to.match(/^first\n.*\/runs\/[^/]+\nlast\n$/);
      expect(text('STDOUT')).to.include(`/executors/sleeper/runs/${parent}`);
      expect(text('STDERR')).to.equal('warn\n');
      // "first" arrived well before the process ended (it sleeps 1.5 s before "last").
      const first = records.find((r) =>
        Buffer.from(r.io.data?.data as Uint8Array)
          .toString()
          .startsWith('first'),
      );
      const last = records.find((r) =>
        Buffer.from(r.io.data?.data as Uint8Array)
          .toString()
          .includes('last'),
      );
      expect((last?.at ?? 0) - (first?.at ?? 0)).to.be.greaterThan(1000);
      expect((await waited).exit_status).to.equal(4 << 8);
    });
  }

  it('ATTACH_CONTAINER_INPUT streams stdin into a session container (an empty record is EOF); misuse of the streaming headers is 415', async () => {
    const c = client('protobuf');
    const parent = await parentContainer();
    const id = { value: 'interactive', parent: { value: parent } };
    const output = await c.launchNestedContainerSession({
      container_id: id,
      command: { value: 'while read line; do echo "got $line"; done; echo bye' },
    });
    await c.attachContainerInput(id, [stdinData('one\n'), stdinData('two\n'), stdinEof()]);
    let text = '';
    for await (const io of output) text += Buffer.from(io.data?.data as Uint8Array).toString();
    expect(text).to.equal('got one\ngot two\nbye\n');
    const json = { 'Content-Type': 'application/json' };
    const asJson = await rawRequest(agentUrl, {
      path: '/api/v1',
      headers: json,
      body: JSON.stringify({
        type: 'ATTACH_CONTAINER_INPUT',
        attach_container_input: { type: 'CONTAINER_ID', container_id: id },
      }),
    });
    expect(asJson.status).to.equal(415);
    const stray = await rawRequest(agentUrl, {
      path: '/api/v1',
      headers: { ...json, 'Message-Content-Type': 'application/json' },
      body: '{"type":"GET_HEALTH"}',
    });
    expect(stray.status).to.equal(415);
    const missing = await c
      .attachContainerInput({ value: 'nope', parent: { value: parent } }, [stdinEof()])
      .catch((e) => e);
    expect(missing).to.be.instanceOf(MesosError);
  });

  it('a nested container does not outlive the process that runs the agent', async () => {
    const script = [
      "const { NestedContainers } = require('./lib/local/operator/nested-containers.ts');",
      "const c = new NestedContainers().launch('x', 'p', { value: 'echo $$; exec sleep 30' }, require('os').tmpdir(), { PATH: process.env.PATH });",
      'c.listeners.add((io) => { process.stdout.write(Buffer.from(io.data.data)); process.exit(0); });',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { cwd: join(__dirname, '../..') });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    await new Promise((resolve) => child.on('close', resolve));
    const pid = Number(out.trim());
    expect(pid).to.be.greaterThan(0);
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await eventually(() => (alive() ? undefined : true), 2000, 'the nested process to die');
  });

  it("LAUNCH_NESTED_CONTAINER writes its output under the parent's sandbox (containers/<id>); KILL_NESTED_CONTAINER signals it", async () => {
    const c = client();
    const parent = await parentContainer();
    const quick = { value: 'plain', parent: { value: parent } };
    await c.launchNestedContainer({ container_id: quick, command: { value: 'echo to a file' } });
    expect((await c.waitNestedContainer(quick)).exit_status).to.equal(0);
    const path = `/frameworks/${frameworkId}/executors/sleeper/runs/latest/containers/plain/stdout`;
    const read = await eventually(async () => {
      const answer = await c.readFile(path, 0);
      return answer.size > 0 ? answer : undefined;
    });
    expect(Buffer.from(read.data as Uint8Array).toString()).to.equal('to a file\n');
    const slow = { value: 'slow', parent: { value: parent } };
    await c.launchNestedContainer({ container_id: slow, command: { value: 'exec sleep 30' } });
    await c.killNestedContainer(slow, 15);
    expect((await c.waitNestedContainer(slow)).exit_status).to.equal(15);
    const unknown = await c
      .waitNestedContainer({ value: 'nope', parent: { value: parent } })
      .catch((err: unknown) => err);
    expect(unknown).to.be.instanceOf(MesosError);
  });

  it('a chatty session is never blocked by a full pipe (5 MB through the stream), and ATTACH_CONTAINER_OUTPUT refuses containers without a switchboard', async () => {
    const c = client();
    const parent = await parentContainer();
    const output = await c.launchNestedContainerSession({
      container_id: { value: 'chatty', parent: { value: parent } },
      command: { value: "head -c 5000000 /dev/zero | tr '\\0' x" },
    });
    let bytes = 0;
    for await (const io of output) bytes += (io.data?.data as Uint8Array | undefined)?.length ?? 0;
    expect(bytes).to.equal(5_000_000);
    expect((await c.waitNestedContainer({ value: 'chatty', parent: { value: parent } })).exit_status).to.equal(0);
    const refused = await rawRequest(agentUrl, {
      path: '/api/v1',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/recordio',
        'Message-Accept': 'application/json',
      },
      body: JSON.stringify({
        type: 'ATTACH_CONTAINER_OUTPUT',
        attach_container_output: { container_id: { value: parent } },
      }),
    });
    expect(refused.status).to.equal(500);
    expect(refused.text).to.include('I/O switchboard server was disabled for this container');
  });
});

/**
 * Interoperability: Mesos clients written by other people, against real Mesos, work against
 * LocalCluster unchanged.
 *
 * (a) A Python 3 scheduler (standard library only, written from the scheduler HTTP API docs:
 *     test/fixtures/interop/mesos_http_scheduler.py) against the `mesos-local` command.
 * (b) The npm package `mesos-framework` (a Node Mesos library written against real Mesos) against
 *     an in-process LocalCluster.
 *
 * What (b) has to work around is the library's, not LocalCluster's, and does not stop it working:
 * - It has no way to stop a scheduler. When the subscription stream ends (which TEARDOWN does, as
 *   on real Mesos) it re-subscribes after a backoff, forever, with the framework id of the removed
 *   framework. The test replaces the instance's `subscribe` with a no-op before TEARDOWN and
 *   destroys the subscription request at the end.
 * - Its RecordIO reader assumes every HTTP chunk (every `data` event) holds exactly one whole
 *   record, length line included, and it compares JavaScript string lengths with byte lengths. It
 *   works because the master, like Mesos, writes one record per chunk, and the events are ASCII.
 * - It writes a log file (by default `logs/` under the working directory): the test points it
 *   at a temporary folder and silences its console transport.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import { LocalCluster } from '../../lib/local/cluster';
import { rawRequest } from './local-master-helpers';

const ROOT = join(__dirname, '../..');
const BUILT_CLI = join(ROOT, 'dist/lib/local/cli.js');
const SOURCE_CLI = join(ROOT, 'lib/local/cli.ts');
const PYTHON_SCHEDULER = join(ROOT, 'test/fixtures/interop/mesos_http_scheduler.py');
const PYTHON_HEALTH_SCHEDULER = join(ROOT, 'test/fixtures/interop/mesos_health_scheduler.py');
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const EXPECTED_STATES = ['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED'];

// ------------------------------------------------------------------ shared helpers

/** The parts of `GET /master/state` these tests read. */
interface StateTask {
  id: string;
  state: string;
}
interface StateFramework {
  id: string;
  name?: string;
  active?: boolean;
  tasks?: StateTask[];
  completed_tasks?: StateTask[];
}
interface MasterState {
  frameworks: StateFramework[];
  completed_frameworks: StateFramework[];
  slaves: Array<{ id: string; used_resources: { cpus: number; mem: number } }>;
}

async function masterState(url: string): Promise<MasterState> {
  const response = await rawRequest(url, { method: 'GET', path: '/master/state' });
  expect(response.status, response.text).to.equal(200);
  return JSON.parse(response.text) as MasterState;
}

/** Polls `predicate` every 20 ms until it holds; rejects naming `what` after `timeoutMs`. */
async function waitFor(what: string, predicate: () => boolean, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves once `child` has exited (at once if it already has). */
function exitOf(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

// ------------------------------------------------------------------ (a) Python against mesos-local

/** What the Python scheduler prints on stdout. */
interface PythonSummary {
  ok: boolean;
  subscribe_status: number | null;
  content_type: string | null;
  stream_id: string | null;
  framework_id: string | null;
  heartbeat_interval_seconds: number | null;
  event_types: string[];
  heartbeats: number;
  accept_status: number | null;
  declines: number[];
  task_id: string | null;
  agent_id: string | null;
  states: string[];
  updates_with_uuid: number;
  acknowledged: string[];
  ack_statuses: number[];
  teardown_status: number | null;
  stream_ended_after_teardown: boolean;
  error: string | null;
}

/** Newest modification time of the TypeScript files under `dir`, in ms. */
function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMs(path));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/** The `mesos-local` command line: the build (the package's bin) when it is up to date, else the source. */
function mesosLocalCommand(): string[] {
  const builtIsFresh = existsSync(BUILT_CLI) && statSync(BUILT_CLI).mtimeMs >= newestSourceMs(join(ROOT, 'lib'));
  return builtIsFresh ? [BUILT_CLI] : ['--import', 'tsx', SOURCE_CLI];
}

/** Starts `mesos-local` and reads the URL it prints. */
async function startMesosLocal(args: string[]): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const command = mesosLocalCommand();
  const child = spawn(process.execPath, [...command, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mesos-local printed no URL within 10 s:\n${output}`)), 10_000);
      const onData = () => {
        const match = /master at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (!match?.[1]) return;
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(match[1]);
      };
      child.stdout?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`mesos-local exited early with ${code}:\n${output}`));
      });
    });
    return { child, url, output: () => output };
  } catch (err) {
    child.kill('SIGKILL');
    await exitOf(child);
    throw err;
  }
}

/** Runs the Python scheduler; it is killed if it outlives `timeoutMs`. */
async function runPythonScheduler(
  args: string[],
  timeoutMs = 12_000,
  script = PYTHON_SCHEDULER,
): Promise<{ code: number | null; summary: PythonSummary; stderr: string }> {
  const child = spawn('python3', [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  }).finally(() => clearTimeout(killer));
  let summary: PythonSummary;
  try {
    summary = JSON.parse(stdout) as PythonSummary;
  } catch {
    throw new Error(
      `The Python scheduler printed no JSON summary (exit ${code}).\nstdout: ${stdout}\nstderr: ${stderr}`,
    );
  }
  return { code, summary, stderr };
}

describe('LocalCluster interop', () => {
  describe('a Python 3 stdlib scheduler (written from the HTTP API docs) against mesos-local', function () {
    this.timeout(15_000);
    let mesosLocal: Awaited<ReturnType<typeof startMesosLocal>> | undefined;

    before(async () => {
      mesosLocal = await startMesosLocal(['--agents', '1', '--heartbeat-interval', '1']);
    });

    after(async () => {
      if (!mesosLocal) return;
      const { child } = mesosLocal;
      const exited = exitOf(child);
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited.finally(() => clearTimeout(killer));
      expect(code, `mesos-local did not stop cleanly:\n${mesosLocal.output()}`).to.equal(0);
    });

    /** Checks one complete run of the Python scheduler, from its side and from the master's. */
    async function expectCompleteRun(accept: string | undefined): Promise<void> {
      const url = mesosLocal!.url;
      const { code, summary, stderr } = await runPythonScheduler([
        '--master',
        url,
        '--timeout',
        '10',
        ...(accept !== undefined ? ['--accept', accept] : []),
      ]);
      const context = `summary: ${JSON.stringify(summary)}\nstderr: ${stderr}`;
      expect(summary.error, context).to.equal(null);
      expect(code, context).to.equal(0);

      // The client's side: the subscription, as the docs describe it.
      expect(summary.subscribe_status).to.equal(200);
      expect(summary.content_type).to.equal('application/json');
      expect(summary.stream_id).to.match(UUID_PATTERN);
      expect(summary.framework_id).to.be.a('string').and.not.empty;
      expect(summary.heartbeat_interval_seconds).to.equal(1);
      expect(summary.event_types.slice(0, 2)).to.deep.equal(['SUBSCRIBED', 'HEARTBEAT']);
      // A Mesos agent sends no FAILURE when a command task's own command executor ends.
      expect(summary.event_types).to.not.include('FAILURE');
      expect(summary.accept_status).to.equal(202);
      // Updates in order, each carrying a uuid, each acknowledged (202) with the uuid as received.
      expect(summary.states).to.deep.equal(EXPECTED_STATES);
      expect(summary.updates_with_uuid).to.equal(EXPECTED_STATES.length);
      expect(summary.ack_statuses).to.deep.equal(EXPECTED_STATES.map(() => 202));
      expect(summary.acknowledged).to.have.length(EXPECTED_STATES.length);
      for (const uuid of summary.acknowledged) expect(Buffer.from(uuid, 'base64')).to.have.length(16);
      expect(new Set(summary.acknowledged).size).to.equal(EXPECTED_STATES.length);
      expect(summary.teardown_status).to.equal(202);
      expect(summary.stream_ended_after_teardown, 'TEARDOWN closes the subscription stream').to.equal(true);

      // The master's side.
      const state = await masterState(url);
      expect(state.frameworks.map((framework) => framework.id)).not.to.include(summary.framework_id);
      const completed = state.completed_frameworks.find((framework) => framework.id === summary.framework_id);
      expect(completed, 'the torn-down framework is among completed_frameworks').to.not.equal(undefined);
      expect(completed?.name).to.equal('python-interop-framework');
      expect(completed?.active).to.equal(false);
      expect(completed?.completed_tasks?.map((task) => [task.id, task.state])).to.deep.equal([
        [summary.task_id, 'TASK_FINISHED'],
      ]);
      const agent = state.slaves.find((slave) => slave.id === summary.agent_id);
      expect(agent?.used_resources.cpus, 'the finished task no longer holds resources').to.equal(0);
    }

    it('subscribes, launches `echo interop`, acknowledges every update, sees TASK_FINISHED, tears down', async () => {
      await expectCompleteRun(undefined);
    });

    it('gets a JSON stream for a compound Accept header (application/json;q=0.9, application/x-protobuf;q=0.1)', async () => {
      await expectCompleteRun('application/json;q=0.9, application/x-protobuf;q=0.1');
    });

    it('a scheduler using an HTTP health check and answering inverse offers (decline, then accept after the filter)', async () => {
      const args = ['--master', mesosLocal!.url, '--timeout', '12'];
      const { code, summary, stderr } = await runPythonScheduler(args, 14_000, PYTHON_HEALTH_SCHEDULER);
      const run = summary as unknown as Record<string, unknown>;
      const context = `summary: ${JSON.stringify(summary)}\nstderr: ${stderr}`;
      expect([run.error, code], context).to.deep.equal([null, 0]);
      expect(run.health_updates, context).to.deep.equal([true]);
      expect(run.inverse_answers, context).to.deep.equal([
        ['DECLINE_INVERSE_OFFERS', 202],
        ['ACCEPT_INVERSE_OFFERS', 202],
      ]);
      expect(run.maintenance_statuses, context).to.deep.equal(['DECLINE', 'ACCEPT']);
      expect(run.states, context).to.include('TASK_KILLED');
    });
  });

  // ------------------------------------------------------------------ (b) npm mesos-framework

  describe('the npm mesos-framework library (written against real Mesos) against LocalCluster', function () {
    this.timeout(15_000);

    it('subscribes, launches a command task from an offer, sees it finish, and its acknowledgements reach the agent', async () => {
      const workDir = await mkdtemp(join(tmpdir(), 'mesos-interop-'));
      const cluster = await LocalCluster.start({
        log: false,
        heartbeatIntervalSeconds: 1,
        workDir: join(workDir, 'cluster'),
      });
      const agent = cluster.agents[0]!;
      const acknowledge = sinon.spy(agent, 'acknowledge');
      let scheduler: MesosFrameworkScheduler | undefined;
      try {
        const { Scheduler, Mesos } = loadMesosFramework();
        const mesos = Mesos.getMesos();
        const master = new URL(cluster.masterUrl);
        scheduler = new Scheduler({
          masterUrl: master.hostname,
          port: Number(master.port),
          frameworkName: 'mesos-framework-interop',
          user: 'interop',
          logging: { path: workDir, fileName: 'mesos-framework.log', level: 'info' },
          tasks: {
            echo: {
              priority: 1,
              instances: 1,
              // CommandInfo(uris, environment, shell, value, arguments, user), as in the library's examples.
              commandInfo: new mesos.CommandInfo(null, null, true, 'echo interop', null, null),
              resources: { cpus: 0.1, mem: 32, ports: 1, disk: 0 },
            },
          },
        });
        const library = scheduler;
        library.logger.transports.console.silent = true;

        let subscribed: { frameworkId: string; mesosStreamId: string } | undefined;
        let offerEvents = 0;
        let accepts = 0;
        let acknowledgements = 0;
        let teardowns = 0;
        const updates: Array<{ state: string; uuid?: string; taskId: string }> = [];
        const errors: unknown[] = [];
        library.on('subscribed', (details: { frameworkId: string; mesosStreamId: string }) => {
          subscribed = details;
        });
        library.on('offers', () => {
          offerEvents += 1;
        });
        library.on('sent_accept', () => {
          accepts += 1;
        });
        library.on('update', (update: { status: { state: string; uuid?: string; task_id: { value: string } } }) => {
          updates.push({ state: update.status.state, uuid: update.status.uuid, taskId: update.status.task_id.value });
        });
        library.on('sent_acknowledge', () => {
          acknowledgements += 1;
        });
        library.on('sent_teardown', () => {
          teardowns += 1;
        });
        library.on('error', (error: unknown) => errors.push(error));
        library.once('ready', () => library.subscribe());

        const logTail = async () => {
          const files = await readdir(workDir).catch(() => [] as string[]);
          const log = files.find((file) => file.endsWith('mesos-framework.log'));
          return log ? (await readFile(join(workDir, log), 'utf8').catch(() => '')).slice(-3000) : '(no log)';
        };
        try {
          await waitFor(
            'TASK_FINISHED and three acknowledgements',
            () => acknowledgements === EXPECTED_STATES.length && updates.some((u) => u.state === 'TASK_FINISHED'),
          );
        } catch (err) {
          throw new Error(`${(err as Error).message}\nerrors: ${JSON.stringify(errors)}\nlog:\n${await logTail()}`);
        }
        expect(errors, 'no error before TEARDOWN').to.deep.equal([]);

        // The library's side.
        expect(subscribed?.frameworkId).to.be.a('string').and.not.empty;
        expect(subscribed?.mesosStreamId).to.match(UUID_PATTERN);
        expect(offerEvents).to.be.greaterThan(0);
        expect(accepts).to.equal(1);
        expect(updates.map((update) => update.state)).to.deep.equal(EXPECTED_STATES);
        const taskId = updates[0]!.taskId;
        expect(taskId).to.match(/^mesos-framework-interop\.echo-1\./);

        // The acknowledgements reached the agent: one per update, with each update's uuid, in order.
        await waitFor(
          'the agent to see three acknowledgements',
          () => acknowledge.callCount === EXPECTED_STATES.length,
        );
        expect(acknowledge.args.map(([frameworkId]) => frameworkId)).to.deep.equal(
          EXPECTED_STATES.map(() => subscribed?.frameworkId),
        );
        expect(acknowledge.args.map(([, ackedTaskId]) => ackedTaskId)).to.deep.equal(EXPECTED_STATES.map(() => taskId));
        expect(acknowledge.args.map(([, , uuid]) => Buffer.from(uuid).toString('base64'))).to.deep.equal(
          updates.map((update) => update.uuid),
        );
        // The terminal update was acknowledged, so the agent has forgotten the task.
        await waitFor('the agent to forget the finished task', () =>
          agent.state().every((task) => task.task.task_id.value !== taskId),
        );

        // The master's side, while the framework is still registered.
        const before = await masterState(cluster.masterUrl);
        const framework = before.frameworks.find((entry) => entry.id === subscribed?.frameworkId);
        expect(framework?.name).to.equal('mesos-framework-interop');
        expect(framework?.completed_tasks?.map((task) => [task.id, task.state])).to.deep.equal([
          [taskId, 'TASK_FINISHED'],
        ]);
        expect(framework?.tasks ?? []).to.deep.equal([]);

        // The task really ran: its sandbox stdout holds what it echoed.
        const stdoutFiles = await findFiles(join(workDir, 'cluster'), 'stdout');
        const outputs = await Promise.all(stdoutFiles.map((file) => readFile(file, 'utf8')));
        expect(outputs).to.include('interop\n');

        // TEARDOWN through the library. It would re-subscribe once the stream ends (see the header).
        library.subscribe = () => undefined;
        library.teardown();
        await waitFor('the TEARDOWN call to be accepted', () => teardowns === 1);
        await waitFor('the master to complete the framework', () => {
          return cluster.leader?.core?.removedFrameworks.has(subscribed?.frameworkId ?? '') === true;
        });
        const after = await masterState(cluster.masterUrl);
        expect(after.frameworks.map((entry) => entry.id)).not.to.include(subscribed?.frameworkId);
        expect(after.completed_frameworks.map((entry) => entry.id)).to.include(subscribed?.frameworkId);
      } finally {
        acknowledge.restore();
        if (scheduler) {
          scheduler.subscribe = () => undefined;
          scheduler.removeAllListeners('ready');
          scheduler.on('error', () => undefined);
          const request = scheduler.httpRequest as Partial<ClientRequest>;
          request.destroy?.();
        }
        await cluster.stop();
        await rm(workDir, { recursive: true, force: true });
      }
    });
  });
});

// ------------------------------------------------------------------ mesos-framework typing

/** The part of mesos-framework's Scheduler (an EventEmitter) this test uses; the package has no types. */
interface MesosFrameworkScheduler extends NodeJS.EventEmitter {
  subscribe(): void;
  teardown(): void;
  /** The SUBSCRIBE request (an empty object before the first subscribe). */
  httpRequest: object;
  logger: { transports: { console: { silent: boolean } } };
}

interface MesosFrameworkModule {
  Scheduler: new (options: Record<string, unknown>) => MesosFrameworkScheduler;
  Mesos: { getMesos(): { CommandInfo: new (...fields: unknown[]) => object } };
}

function loadMesosFramework(): MesosFrameworkModule {
  return require('mesos-framework') as MesosFrameworkModule;
}

/** Every file named `name` under `dir`, recursively. */
async function findFiles(dir: string, name: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findFiles(path, name)));
    else if (entry.name === name) found.push(path);
  }
  return found;
}

import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { executor, FrameworkInfo, TaskInfo, TaskStatus } from '../../lib/codec/messages';
import { RecordIODecoder } from '../../lib/codec/recordio';
import { type AgentEvents, LocalAgent, type LocalAgentOptions } from '../../lib/local/agent';
import { parseResources } from '../../lib/local/resources';

// ---------------------------------------------------------------------------------------------
// Helpers

interface Recorded {
  updates: Array<{ frameworkId: string; status: TaskStatus }>;
  messages: Array<{ frameworkId: string; executorId: string; data: string }>;
  exits: Array<{ frameworkId: string; executorId: string; waitStatus: number }>;
}

class Recorder implements AgentEvents {
  readonly seen: Recorded = { updates: [], messages: [], exits: [] };
  agent: LocalAgent | undefined;
  autoAck = true;
  private waiters: Array<() => void> = [];

  statusUpdate(_agentId: string, frameworkId: string, status: TaskStatus): void {
    this.seen.updates.push({ frameworkId, status });
    if (this.autoAck && status.uuid) {
      const uuid = Buffer.from(status.uuid as Uint8Array);
      setImmediate(() => this.agent?.acknowledge(frameworkId, status.task_id.value, uuid));
    }
    this.poke();
  }
  frameworkMessage(_agentId: string, frameworkId: string, executorId: string, data: Uint8Array): void {
    this.seen.messages.push({ frameworkId, executorId, data: Buffer.from(data).toString() });
    this.poke();
  }
  executorExited(_agentId: string, frameworkId: string, executorId: string, waitStatus: number): void {
    this.seen.exits.push({ frameworkId, executorId, waitStatus });
    this.poke();
  }
  states(taskId: string): string[] {
    return this.seen.updates.filter((u) => u.status.task_id.value === taskId).map((u) => u.status.state);
  }
  update(taskId: string, state: string): TaskStatus | undefined {
    return this.seen.updates.find((u) => u.status.task_id.value === taskId && u.status.state === state)?.status;
  }
  private poke(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
  async until(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline)
        throw new Error(
          `Timed out waiting for ${what}; seen ${JSON.stringify(this.seen.updates.map((u) => [u.status.task_id.value, u.status.state]))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 20);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

const FRAMEWORK: FrameworkInfo = { user: 'tester', name: 'agent-test', id: { value: 'fw-1' } };
const CHECKPOINTING: FrameworkInfo = { ...FRAMEWORK, id: { value: 'fw-cp' }, checkpoint: true };

function commandTask(id: string, value: string, extra: Partial<TaskInfo> = {}): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: 'agent-1' },
    command: { value },
    resources: parseResources('cpus:0.1;mem:32'),
    ...extra,
  };
}

function executorTask(id: string, executorId: string, command: string): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: { value: 'agent-1' },
    resources: parseResources('cpus:0.1'),
    executor: { executor_id: { value: executorId }, command: { value: command } },
  };
}

/** True while `pid` runs; a zombie (dead, waiting for init to reap it) counts as gone. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

interface HttpAnswer {
  status: number;
  body: string;
  headers: IncomingMessage['headers'];
}

function httpCall(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer | string },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const jsonCall = getCodec<executor.Call>(TYPE_NAMES.ExecutorCall, 'json');
const protoCall = getCodec<executor.Call>(TYPE_NAMES.ExecutorCall, 'protobuf');

function post(agent: LocalAgent, call: executor.Call, format: 'json' | 'protobuf' = 'json'): Promise<HttpAnswer> {
  const codec = format === 'json' ? jsonCall : protoCall;
  return httpCall(`${agent.url}/api/v1/executor`, {
    headers: { 'Content-Type': codec.mediaType },
    body: codec.encode(call),
  });
}

/** A scripted executor speaking raw HTTP: holds the SUBSCRIBE stream and collects its events. */
class RawExecutor {
  readonly events: executor.Event[] = [];
  status = 0;
  ended = false;
  private req: ReturnType<typeof request> | undefined;
  constructor(
    private readonly agent: LocalAgent,
    readonly frameworkId: string,
    readonly executorId: string,
  ) {}

  subscribe(subscribe: executor.Call.Subscribe = {}, format: 'json' | 'protobuf' = 'json'): Promise<void> {
    const call: executor.Call = {
      type: 'SUBSCRIBE',
      framework_id: { value: this.frameworkId },
      executor_id: { value: this.executorId },
      subscribe,
    };
    const callCodec = format === 'json' ? jsonCall : protoCall;
    const eventCodec = getCodec<executor.Event>(TYPE_NAMES.ExecutorEvent, format);
    this.ended = false;
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.agent.url}/slave(1)/api/v1/executor`,
        { method: 'POST', headers: { 'Content-Type': callCodec.mediaType, Accept: callCodec.mediaType } },
        (res) => {
          this.status = res.statusCode ?? 0;
          const decoder = new RecordIODecoder();
          res.on('data', (chunk: Buffer) => {
            for (const record of decoder.write(chunk)) this.events.push(eventCodec.decode(record));
          });
          res.on('end', () => (this.ended = true));
          res.on('error', () => (this.ended = true));
          res.on('close', () => (this.ended = true));
          resolve();
        },
      );
      req.on('error', (err) => {
        this.ended = true;
        reject(err);
      });
      req.end(callCodec.encode(call));
      this.req = req;
    });
  }

  async next(type: string, timeoutMs = 5000): Promise<executor.Event> {
    let found: executor.Event | undefined;
    await waitFor(
      `executor event ${type}`,
      () => (found = this.events.find((e) => e.type === type)) !== undefined,
      timeoutMs,
    );
    this.events.splice(this.events.indexOf(found as executor.Event), 1);
    return found as executor.Event;
  }

  update(
    taskId: string,
    state: TaskStatus['state'],
    uuid: Buffer = Buffer.from(randomUUID().replace(/-/g, ''), 'hex'),
  ): Promise<HttpAnswer> {
    return post(this.agent, this.updateCall(taskId, state, uuid));
  }

  updateCall(taskId: string, state: TaskStatus['state'], uuid: Buffer): executor.Call {
    return {
      type: 'UPDATE',
      framework_id: { value: this.frameworkId },
      executor_id: { value: this.executorId },
      update: { status: { task_id: { value: taskId }, state, source: 'SOURCE_EXECUTOR', uuid } },
    };
  }

  close(): void {
    this.req?.destroy();
  }
}

// ---------------------------------------------------------------------------------------------

describe('LocalAgent (integration)', function () {
  this.timeout(15_000);
  let workDir: string;
  let agent: LocalAgent;
  let recorder: Recorder;
  const executors: RawExecutor[] = [];

  async function startAgent(options: Partial<LocalAgentOptions> = {}): Promise<LocalAgent> {
    recorder = new Recorder();
    agent = new LocalAgent(
      {
        id: 'agent-1',
        resources: parseResources('cpus:4;mem:4096;ports:[31000-32000]'),
        workDir,
        statusUpdateRetryMs: 100,
        executorShutdownGracePeriodMs: 300,
        executorReregistrationTimeoutMs: 1000,
        killGracePeriodMs: 1000,
        log: false,
        ...options,
      },
      recorder,
    );
    recorder.agent = agent;
    await agent.start();
    return agent;
  }

  function rawExecutor(frameworkId: string, executorId: string): RawExecutor {
    const raw = new RawExecutor(agent, frameworkId, executorId);
    executors.push(raw);
    return raw;
  }

  beforeEach(() => {
    workDir = mkdtempSync(join(tmpdir(), 'local-agent-'));
  });

  afterEach(async () => {
    for (const raw of executors.splice(0)) raw.close();
    await agent?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  describe('command tasks', () => {
    it('runs a shell command in its sandbox: STARTING, RUNNING, FINISHED with uuids, stdout in a file', async () => {
      await startAgent();
      const marker = join(workDir, 'sandbox-path');
      agent.launch(FRAMEWORK, [
        commandTask('t-ok', `echo hello-from-task; echo "$MESOS_SANDBOX" > ${marker}; test "$GREETING" = hi`, {
          command: {
            value: `echo hello-from-task; echo "$MESOS_SANDBOX" > ${marker}; test "$GREETING" = hi`,
            environment: { variables: [{ name: 'GREETING', value: 'hi' }] },
          },
        }),
      ]);
      await recorder.until('TASK_FINISHED', () => recorder.states('t-ok').includes('TASK_FINISHED'));
      expect(recorder.states('t-ok')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      const finished = recorder.update('t-ok', 'TASK_FINISHED') as TaskStatus;
      expect(finished.source).to.equal('SOURCE_EXECUTOR');
      expect(finished.executor_id?.value).to.equal('t-ok');
      expect(finished.agent_id?.value).to.equal('agent-1');
      expect(finished.uuid?.length).to.equal(16);
      expect(finished.timestamp)
        .to.be.a('number')
        .within(Date.now() / 1000 - 30, Date.now() / 1000 + 1);
      const sandbox = readFileSync(marker, 'utf8').trim();
      expect(sandbox.startsWith(workDir)).to.equal(true);
      expect(readFileSync(join(sandbox, 'stdout'), 'utf8')).to.contain('hello-from-task');
      // The command executor is the agent's own: its end is not an executor exit (no FAILURE in Mesos).
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(recorder.seen.exits).to.deep.equal([]);
    });

    it('reports TASK_FAILED with the exit status, and runs argv commands without a shell', async () => {
      await startAgent();
      agent.launch(FRAMEWORK, [
        commandTask('t-fail', 'exit 3'),
        commandTask('t-argv', '/bin/sh', {
          command: { value: '/bin/sh', shell: false, arguments: ['sh', '-c', 'exit 0'] },
        }),
        commandTask('t-missing', '/nonexistent/binary', { command: { value: '/nonexistent/binary', shell: false } }),
      ]);
      await recorder.until('terminal updates', () =>
        ['t-fail', 't-argv', 't-missing'].every((t) =>
          recorder.states(t).some((s) => s === 'TASK_FAILED' || s === 'TASK_FINISHED'),
        ),
      );
      const failed = recorder.update('t-fail', 'TASK_FAILED') as TaskStatus;
      expect(failed.message).to.contain('exited with status 3');
      expect(recorder.states('t-argv')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_FINISHED']);
      expect(recorder.update('t-missing', 'TASK_FAILED')?.reason).to.equal('REASON_CONTAINER_LAUNCH_FAILED');
      expect(recorder.seen.exits).to.deep.equal([]);
    });

    it('kills a task with SIGTERM, and its whole process group with SIGKILL after the grace period', async () => {
      await startAgent();
      const pidFile = join(workDir, 'pids');
      // The shell ignores SIGTERM (and so does its child): only the SIGKILL after the grace period ends them.
      agent.launch(FRAMEWORK, [commandTask('t-stubborn', `trap '' TERM; sleep 30 & echo $$ $! > ${pidFile}; wait`)]);
      agent.launch(FRAMEWORK, [commandTask('t-sleep', 'sleep 30')]);
      await recorder.until(
        'RUNNING',
        () =>
          recorder.states('t-stubborn').includes('TASK_RUNNING') && recorder.states('t-sleep').includes('TASK_RUNNING'),
      );
      await waitFor(
        'pid file',
        () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().split(' ').length === 2,
      );
      const pids = readFileSync(pidFile, 'utf8').trim().split(' ').map(Number);
      const started = Date.now();
      agent.kill('fw-1', 't-sleep');
      agent.kill('fw-1', 't-stubborn', { grace_period: { nanoseconds: 300e6 } });
      await recorder.until(
        'TASK_KILLED',
        () =>
          recorder.states('t-sleep').includes('TASK_KILLED') && recorder.states('t-stubborn').includes('TASK_KILLED'),
      );
      expect(Date.now() - started).to.be.at.least(250);
      expect(recorder.update('t-stubborn', 'TASK_KILLED')?.message).to.contain('SIGKILL');
      expect(recorder.update('t-sleep', 'TASK_KILLED')?.message).to.contain('SIGTERM');
      // The kernel finishes the group kill asynchronously; `sleep 30` would outlive this wait if it were missed.
      await waitFor('the whole process group to be gone', () => pids.every((pid) => !alive(pid)), 2000);
    });

    it('sends TASK_KILLING first to frameworks with the TASK_KILLING_STATE capability', async () => {
      await startAgent();
      const framework: FrameworkInfo = { ...FRAMEWORK, capabilities: [{ type: 'TASK_KILLING_STATE' }] };
      agent.launch(framework, [commandTask('t-k', 'sleep 30')]);
      await recorder.until('RUNNING', () => recorder.states('t-k').includes('TASK_RUNNING'));
      agent.kill('fw-1', 't-k');
      await recorder.until('KILLED', () => recorder.states('t-k').includes('TASK_KILLED'));
      expect(recorder.states('t-k')).to.deep.equal(['TASK_STARTING', 'TASK_RUNNING', 'TASK_KILLING', 'TASK_KILLED']);
    });
  });

  describe('simulated mode', () => {
    it('runs tasks on timers without processes, and kills them at once', async () => {
      await startAgent({ taskMode: 'simulated', simulatedTaskMs: 100 });
      const tasks = Array.from({ length: 200 }, (_, i) => commandTask(`sim-${i}`, 'ignored'));
      agent.launch(FRAMEWORK, [...tasks, commandTask('sim-kill', 'ignored')]);
      agent.kill('fw-1', 'sim-kill');
      await recorder.until('all finished', () =>
        tasks.every((t) => recorder.states(t.task_id.value).includes('TASK_FINISHED')),
      );
      expect(recorder.states('sim-0')).to.deep.equal(['TASK_RUNNING', 'TASK_FINISHED']);
      expect(recorder.states('sim-kill')).to.deep.equal(['TASK_KILLED']);
      await recorder.until('acks processed', () => agent.state().length === 0);
    });
  });

  describe('status update reliability', () => {
    it('re-sends the oldest update until acknowledged and holds newer ones behind it', async () => {
      await startAgent({ statusUpdateRetryMs: 60 });
      recorder.autoAck = false;
      agent.launch(FRAMEWORK, [commandTask('t-r', 'true')]);
      await recorder.until('3 copies of STARTING', () => recorder.states('t-r').length >= 3, 3000);
      expect(new Set(recorder.states('t-r'))).to.deep.equal(new Set(['TASK_STARTING']));
      const starting = recorder.seen.updates.map((u) => Buffer.from(u.status.uuid as Uint8Array).toString('hex'));
      expect(new Set(starting).size).to.equal(1);
      expect(agent.state()[0]?.state).to.equal('TASK_FINISHED');

      // A wrong uuid does not release the stream.
      agent.acknowledge('fw-1', 't-r', Buffer.alloc(16));
      const first = recorder.seen.updates[0]?.status as TaskStatus;
      agent.acknowledge('fw-1', 't-r', first.uuid as Uint8Array);
      await recorder.until('RUNNING', () => recorder.states('t-r').includes('TASK_RUNNING'));
      const running = recorder.update('t-r', 'TASK_RUNNING') as TaskStatus;
      expect(recorder.states('t-r')).to.not.include('TASK_FINISHED');
      agent.acknowledge('fw-1', 't-r', running.uuid as Uint8Array);
      await recorder.until('FINISHED', () => recorder.states('t-r').includes('TASK_FINISHED'));
      agent.acknowledge('fw-1', 't-r', recorder.update('t-r', 'TASK_FINISHED')?.uuid as Uint8Array);
      expect(agent.state()).to.deep.equal([]);
    });

    it('re-sends unacknowledged updates to a new master at once (setEvents)', async () => {
      await startAgent({ statusUpdateRetryMs: 60_000 });
      recorder.autoAck = false;
      agent.launch(FRAMEWORK, [commandTask('t-f', 'true')]);
      await recorder.until('STARTING', () => recorder.states('t-f').length === 1);
      const next = new Recorder();
      next.agent = agent;
      agent.setEvents(next);
      await next.until('re-sent STARTING', () => next.states('t-f').includes('TASK_STARTING'), 1000);
      await next.until('FINISHED via the new master', () => next.states('t-f').includes('TASK_FINISHED'));
    });
  });

  describe('executor API', () => {
    it('answers every error status of §2.4', async () => {
      await startAgent({ executorRegistrationTimeoutMs: 10_000 });
      agent.launch(FRAMEWORK, [executorTask('t-e', 'exec-1', 'exec sleep 30')]);
      const url = `${agent.url}/api/v1/executor`;
      const base = { framework_id: { value: 'fw-1' }, executor_id: { value: 'exec-1' } };

      const get = await httpCall(url, { method: 'GET' });
      expect(get.status).to.equal(405);
      expect(get.headers.allow).to.equal('POST');
      expect((await httpCall(url, { body: '{}' })).status).to.equal(400);
      const charset = await httpCall(url, {
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: '{}',
      });
      expect(charset.status).to.equal(415);
      const garbage = await httpCall(url, { headers: { 'Content-Type': 'application/json' }, body: '{"type":' });
      expect(garbage.status).to.equal(400);
      const missingIds = await httpCall(url, {
        headers: { 'Content-Type': 'application/json' },
        body: '{"type":"HEARTBEAT"}',
      });
      expect(missingIds.status).to.equal(400);
      expect((await post(agent, { ...base, type: 'HEARTBEAT' })).status).to.equal(202);
      expect((await post(agent, { ...base, type: 'HEARTBEAT' }, 'protobuf')).status).to.equal(202);

      const noFramework = await post(agent, {
        ...base,
        framework_id: { value: 'nope' },
        type: 'MESSAGE',
        message: { data: Buffer.from('x') },
      });
      expect([noFramework.status, noFramework.body]).to.deep.equal([400, 'Framework cannot be found']);
      const noExecutor = await post(agent, {
        ...base,
        executor_id: { value: 'nope' },
        type: 'MESSAGE',
        message: { data: Buffer.from('x') },
      });
      expect([noExecutor.status, noExecutor.body]).to.deep.equal([400, 'Executor cannot be found']);
      const early = await post(agent, { ...base, type: 'MESSAGE', message: { data: Buffer.from('x') } });
      expect([early.status, early.body]).to.deep.equal([403, 'Executor is not subscribed']);
      const noSub = await post(agent, { ...base, type: 'SUBSCRIBE' });
      expect(noSub.status).to.equal(400);
      expect(noSub.body).to.contain("'subscribe'");
      const notAcceptable = await httpCall(url, {
        headers: { 'Content-Type': 'application/json', Accept: 'text/html' },
        body: jsonCall.encode({ ...base, type: 'SUBSCRIBE', subscribe: {} }),
      });
      expect(notAcceptable.status).to.equal(406);

      const raw = rawExecutor('fw-1', 'exec-1');
      await raw.subscribe();
      await raw.next('SUBSCRIBED');
      const uuid = Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
      const badUuid = await post(agent, raw.updateCall('t-e', 'TASK_RUNNING', Buffer.alloc(4)));
      expect(badUuid.status).to.equal(400);
      expect(badUuid.body).to.contain('UUID');
      const badSource = raw.updateCall('t-e', 'TASK_RUNNING', uuid);
      (badSource.update as executor.Call.Update).status.source = 'SOURCE_AGENT';
      expect((await post(agent, badSource)).body).to.contain('invalid source');
      expect((await post(agent, raw.updateCall('t-e', 'TASK_STAGING', uuid))).body).to.contain('TASK_STAGING');
      const otherExecutor = raw.updateCall('t-e', 'TASK_RUNNING', uuid);
      (otherExecutor.update as executor.Call.Update).status.executor_id = { value: 'other' };
      expect((await post(agent, otherExecutor)).body).to.contain('does not match');
      expect((await post(agent, { ...base, type: 'UNKNOWN' })).status).to.equal(501);
      expect((await httpCall(`${agent.url}/nothing-here`, {})).status).to.equal(404);
      expect(recorder.states('t-e')).to.deep.equal([]);
    });

    it('launches the executor with the Mesos environment and speaks the whole protocol with it', async () => {
      await startAgent();
      const envFile = join(workDir, 'executor-env');
      const pidFile = join(workDir, 'executor-pid');
      agent.launch(FRAMEWORK, [executorTask('t-1', 'exec-1', `env > ${envFile}; echo $$ > ${pidFile}; exec sleep 30`)]);
      await waitFor(
        'executor env',
        () => existsSync(envFile) && existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '',
      );
      const env = Object.fromEntries(
        readFileSync(envFile, 'utf8')
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      const port = new URL(agent.url).port;
      expect(env).to.include({
        MESOS_FRAMEWORK_ID: 'fw-1',
        MESOS_EXECUTOR_ID: 'exec-1',
        MESOS_SLAVE_ID: 'agent-1',
        MESOS_AGENT_ENDPOINT: `127.0.0.1:${port}`,
        MESOS_SLAVE_PID: `slave(1)@127.0.0.1:${port}`,
        MESOS_CHECKPOINT: '0',
        MESOS_HTTP_COMMAND_EXECUTOR: '0',
        MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '300ms',
      });
      expect(env.MESOS_DIRECTORY).to.equal(env.MESOS_SANDBOX);
      expect(env.MESOS_DIRECTORY?.startsWith(workDir)).to.equal(true);
      expect(env.PATH).to.equal(process.env.PATH);
      expect(env).to.not.have.property('MESOS_RECOVERY_TIMEOUT');
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      // The agent reports the same pid (what cluster.faults.executors() and killExecutor use).
      const listed = agent.executorProcesses().map((e) => [e.frameworkId, e.executorId, e.pid, e.directory]);
      expect(listed).to.deep.equal([['fw-1', 'exec-1', pid, env.MESOS_SANDBOX]]);

      // Protobuf on the stream this time (the Accept header follows the Content-Type here).
      const raw = rawExecutor('fw-1', 'exec-1');
      await raw.subscribe({}, 'protobuf');
      expect(raw.status).to.equal(200);
      const subscribed = (await raw.next('SUBSCRIBED')).subscribed as executor.Event.Subscribed;
      expect(subscribed.framework_info.id?.value).to.equal('fw-1');
      expect(subscribed.executor_info.executor_id.value).to.equal('exec-1');
      expect(subscribed.agent_info.id?.value).to.equal('agent-1');
      expect(subscribed.container_id?.value).to.be.a('string').that.is.not.empty;
      const launch = await raw.next('LAUNCH');
      expect(launch.launch?.task.task_id.value).to.equal('t-1');

      // UPDATE: 202, ACKNOWLEDGED from the agent, forwarded to the master with the same uuid.
      const uuid = Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
      expect((await raw.update('t-1', 'TASK_RUNNING', uuid)).status).to.equal(202);
      const acknowledged = (await raw.next('ACKNOWLEDGED')).acknowledged as executor.Event.Acknowledged;
      expect(acknowledged.task_id.value).to.equal('t-1');
      expect(Buffer.from(acknowledged.uuid).equals(uuid)).to.equal(true);
      await recorder.until('RUNNING forwarded', () => recorder.states('t-1').includes('TASK_RUNNING'));
      const forwarded = recorder.update('t-1', 'TASK_RUNNING') as TaskStatus;
      expect(Buffer.from(forwarded.uuid as Uint8Array).equals(uuid)).to.equal(true);
      expect(forwarded.agent_id?.value).to.equal('agent-1');
      expect(forwarded.executor_id?.value).to.equal('exec-1');

      // MESSAGE both ways.
      expect(
        (
          await post(agent, {
            type: 'MESSAGE',
            framework_id: { value: 'fw-1' },
            executor_id: { value: 'exec-1' },
            message: { data: Buffer.from('to-scheduler') },
          })
        ).status,
      ).to.equal(202);
      await recorder.until('framework message', () => recorder.seen.messages.length === 1);
      expect(recorder.seen.messages[0]).to.deep.equal({
        frameworkId: 'fw-1',
        executorId: 'exec-1',
        data: 'to-scheduler',
      });
      agent.sendFrameworkMessage('fw-1', 'exec-1', Buffer.from('to-executor'));
      expect(Buffer.from((await raw.next('MESSAGE')).message?.data as Uint8Array).toString()).to.equal('to-executor');

      // A second task goes straight to the subscribed executor; KILL reaches it.
      agent.launch(FRAMEWORK, [executorTask('t-2', 'exec-1', 'ignored: the executor already runs')]);
      expect((await raw.next('LAUNCH')).launch?.task.task_id.value).to.equal('t-2');
      agent.kill('fw-1', 't-2', { grace_period: { nanoseconds: 1e9 } });
      const kill = (await raw.next('KILL')).kill as executor.Event.Kill;
      expect(kill.task_id.value).to.equal('t-2');
      expect(kill.kill_policy?.grace_period?.nanoseconds).to.equal(1e9);

      // SHUTDOWN, then the process group is killed after the 300 ms grace period; t-1 is lost, t-2 killed.
      const started = Date.now();
      agent.shutdownExecutor('fw-1', 'exec-1');
      await raw.next('SHUTDOWN');
      await recorder.until('executor exit', () => recorder.seen.exits.length === 1);
      expect(Date.now() - started).to.be.at.least(250);
      expect(recorder.seen.exits[0]).to.deep.equal({ frameworkId: 'fw-1', executorId: 'exec-1', waitStatus: 9 });
      await recorder.until(
        'terminal updates',
        () => recorder.states('t-1').includes('TASK_LOST') && recorder.states('t-2').includes('TASK_KILLED'),
      );
      expect(recorder.update('t-1', 'TASK_LOST')).to.deep.include({
        source: 'SOURCE_AGENT',
        reason: 'REASON_EXECUTOR_TERMINATED',
      });
      await waitFor('executor process gone', () => !alive(pid), 2000);
      await waitFor('stream end', () => raw.ended);
    });

    it('fails the tasks of an executor that exits, and of one that never subscribes', async () => {
      await startAgent({ executorRegistrationTimeoutMs: 300 });
      agent.launch(FRAMEWORK, [
        executorTask('t-exit', 'exec-exit', 'exit 5'),
        executorTask('t-silent', 'exec-silent', 'exec sleep 30'),
      ]);
      await recorder.until(
        'both failed',
        () => recorder.states('t-exit').includes('TASK_FAILED') && recorder.states('t-silent').includes('TASK_FAILED'),
      );
      expect(recorder.update('t-exit', 'TASK_FAILED')).to.deep.include({
        reason: 'REASON_EXECUTOR_TERMINATED',
        source: 'SOURCE_AGENT',
      });
      expect(recorder.update('t-silent', 'TASK_FAILED')?.reason).to.equal('REASON_EXECUTOR_REGISTRATION_TIMEOUT');
      await recorder.until('exits', () => recorder.seen.exits.length === 2);
      expect(recorder.seen.exits.find((e) => e.executorId === 'exec-exit')?.waitStatus).to.equal(5 << 8);
      expect(recorder.seen.exits.find((e) => e.executorId === 'exec-silent')?.waitStatus).to.equal(9);
    });

    it('kills a queued task before delivery and shuts the unused executor down (MESOS-8411)', async () => {
      await startAgent();
      agent.launch(FRAMEWORK, [executorTask('t-q', 'exec-q', 'exec sleep 30')]);
      agent.kill('fw-1', 't-q');
      await recorder.until('KILLED', () => recorder.states('t-q').includes('TASK_KILLED'));
      expect(recorder.update('t-q', 'TASK_KILLED')?.reason).to.equal('REASON_TASK_KILLED_DURING_LAUNCH');
      await recorder.until('executor exit', () => recorder.seen.exits.length === 1);
    });

    it('delivers LAUNCH_GROUP to the group executor', async () => {
      await startAgent();
      const executorInfo = { executor_id: { value: 'exec-g' }, command: { value: 'exec sleep 30' } };
      const tasks = [commandTask('g-1', 'x'), commandTask('g-2', 'y')].map(({ command: _c, ...t }) => t as TaskInfo);
      agent.launch(FRAMEWORK, tasks, { executor: executorInfo });
      const raw = rawExecutor('fw-1', 'exec-g');
      await waitFor('executor started', () => agent.state().length === 2);
      await raw.subscribe();
      await raw.next('SUBSCRIBED');
      const group = await raw.next('LAUNCH_GROUP');
      expect(group.launch_group?.task_group.tasks?.map((t) => t.task_id.value)).to.deep.equal(['g-1', 'g-2']);
    });
  });

  describe('agent restart', () => {
    it('keeps checkpointing executors and tasks; the executor re-subscribes with what it holds', async () => {
      await startAgent();
      const pidFile = join(workDir, 'cp-pid');
      agent.launch(CHECKPOINTING, [
        executorTask('t-cp', 'exec-cp', `echo $$ > ${pidFile}; env > ${pidFile}.env; exec sleep 30`),
      ]);
      let raw = rawExecutor('fw-cp', 'exec-cp');
      await waitFor(
        'executor started',
        () =>
          existsSync(`${pidFile}.env`) &&
          readFileSync(`${pidFile}.env`, 'utf8').includes('MESOS_SUBSCRIPTION_BACKOFF_MAX'),
      );
      const env = readFileSync(`${pidFile}.env`, 'utf8');
      expect(env).to.contain('MESOS_CHECKPOINT=1');
      expect(env).to.contain('MESOS_RECOVERY_TIMEOUT=15mins');
      expect(env).to.contain('MESOS_SUBSCRIPTION_BACKOFF_MAX=1secs');
      await raw.subscribe();
      await raw.next('SUBSCRIBED');
      await raw.next('LAUNCH');
      // A second task is launched but the executor "never saw it" before the restart.
      agent.launch(CHECKPOINTING, [executorTask('t-lost', 'exec-cp', 'ignored')]);
      await raw.next('LAUNCH');
      const port = agent.url;

      await agent.restart();
      expect(agent.url).to.equal(port);
      await waitFor('old stream broken', () => raw.ended);
      const pid = Number(readFileSync(pidFile, 'utf8').trim());
      expect(alive(pid)).to.equal(true);
      // Only SUBSCRIBE (and HEARTBEAT) are served until the executors are back.
      const during = await post(agent, {
        type: 'MESSAGE',
        framework_id: { value: 'fw-cp' },
        executor_id: { value: 'exec-cp' },
        message: { data: Buffer.from('x') },
      });
      expect([during.status, during.body]).to.deep.equal([503, 'Agent has not finished recovery']);

      raw = rawExecutor('fw-cp', 'exec-cp');
      const pendingUuid = Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
      const t1: TaskInfo = executorTask('t-cp', 'exec-cp', 'x');
      await raw.subscribe({
        unacknowledged_tasks: [t1],
        unacknowledged_updates: [
          {
            status: { task_id: { value: 't-cp' }, state: 'TASK_RUNNING', source: 'SOURCE_EXECUTOR', uuid: pendingUuid },
          },
        ],
      });
      await raw.next('SUBSCRIBED');
      const ack = (await raw.next('ACKNOWLEDGED')).acknowledged as executor.Event.Acknowledged;
      expect(Buffer.from(ack.uuid).equals(pendingUuid)).to.equal(true);
      await recorder.until(
        'replayed RUNNING and lost task',
        () => recorder.states('t-cp').includes('TASK_RUNNING') && recorder.states('t-lost').includes('TASK_LOST'),
      );
      expect(recorder.update('t-lost', 'TASK_LOST')).to.deep.include({
        reason: 'REASON_AGENT_RESTARTED',
        message: 'Task launched during agent restart',
        source: 'SOURCE_AGENT',
      });
      const after = await post(agent, {
        type: 'MESSAGE',
        framework_id: { value: 'fw-cp' },
        executor_id: { value: 'exec-cp' },
        message: { data: Buffer.from('back') },
      });
      expect(after.status).to.equal(202);
      expect(agent.state().map((t) => [t.task.task_id.value, t.state])).to.deep.include(['t-cp', 'TASK_RUNNING']);
      expect(recorder.seen.exits).to.deep.equal([]);
    });

    it('shuts down a checkpointing executor that does not re-subscribe in time', async () => {
      await startAgent({ executorReregistrationTimeoutMs: 300 });
      agent.launch(CHECKPOINTING, [executorTask('t-late', 'exec-late', 'exec sleep 30')]);
      const raw = rawExecutor('fw-cp', 'exec-late');
      await waitFor('executor started', () => agent.state().length === 1);
      await raw.subscribe();
      await raw.next('SUBSCRIBED');
      await raw.next('LAUNCH');
      await raw.update('t-late', 'TASK_RUNNING');
      await recorder.until('RUNNING', () => recorder.states('t-late').includes('TASK_RUNNING'));
      await agent.restart();
      await recorder.until('LOST', () => recorder.states('t-late').includes('TASK_LOST'));
      expect(recorder.update('t-late', 'TASK_LOST')?.reason).to.equal('REASON_EXECUTOR_REREGISTRATION_TIMEOUT');
      await recorder.until('exit', () => recorder.seen.exits.length === 1);
    });

    it('kills and forgets everything of frameworks that do not checkpoint', async () => {
      await startAgent();
      const pidFile = join(workDir, 'nocp-pid');
      const cmdPidFile = join(workDir, 'cmd-pid');
      agent.launch(FRAMEWORK, [executorTask('t-nocp', 'exec-nocp', `echo $$ > ${pidFile}; exec sleep 30`)]);
      agent.launch(FRAMEWORK, [commandTask('t-cmd', `echo $$ > ${cmdPidFile}; exec sleep 30`)]);
      await waitFor('pids', () =>
        [pidFile, cmdPidFile].every((f) => existsSync(f) && readFileSync(f, 'utf8').trim() !== ''),
      );
      const pids = [pidFile, cmdPidFile].map((f) => Number(readFileSync(f, 'utf8').trim()));
      await agent.restart();
      await waitFor('processes gone', () => pids.every((p) => !alive(p)));
      expect(agent.state()).to.deep.equal([]);
      const raw = rawExecutor('fw-1', 'exec-nocp');
      const answer = await post(agent, {
        type: 'SUBSCRIBE',
        framework_id: { value: 'fw-1' },
        executor_id: { value: 'exec-nocp' },
        subscribe: {},
      });
      expect([answer.status, answer.body]).to.deep.equal([400, 'Framework cannot be found']);
      raw.close();
      // Nothing is reported for what the restarted agent never knew.
      expect(recorder.seen.exits).to.deep.equal([]);
      expect(recorder.states('t-cmd').filter((s) => s !== 'TASK_STARTING' && s !== 'TASK_RUNNING')).to.deep.equal([]);
    });

    it('with checkpointRecovery false, treats checkpointing frameworks the same way', async () => {
      await startAgent();
      agent.launch(CHECKPOINTING, [commandTask('t-x', 'exec sleep 30')]);
      await recorder.until('RUNNING', () => recorder.states('t-x').includes('TASK_RUNNING'));
      await agent.restart({ checkpointRecovery: false });
      expect(agent.state()).to.deep.equal([]);
    });
  });

  it('shutdownFramework() kills its tasks and executors and stops reporting them', async () => {
    await startAgent({ killGracePeriodMs: 200 });
    const pidFile = join(workDir, 'fw-pids');
    agent.launch(FRAMEWORK, [
      commandTask('t-a', `echo $$ >> ${pidFile}; exec sleep 30`),
      executorTask('t-b', 'exec-b', `echo $$ >> ${pidFile}; exec sleep 30`),
    ]);
    const raw = rawExecutor('fw-1', 'exec-b');
    await waitFor('pids', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().split('\n').length === 2);
    await raw.subscribe();
    await raw.next('SUBSCRIBED');
    const pids = readFileSync(pidFile, 'utf8').trim().split('\n').map(Number);
    const before = recorder.seen.updates.length;
    agent.shutdownFramework('fw-1');
    await raw.next('SHUTDOWN');
    await waitFor('processes gone', () => pids.every((p) => !alive(p)));
    expect(agent.state()).to.deep.equal([]);
    const late = await raw.update('t-b', 'TASK_KILLED');
    expect(late.status).to.be.oneOf([202, 400]);
    expect(
      recorder.seen.updates
        .slice(before)
        .filter((u) => u.status.state !== 'TASK_STARTING' && u.status.state !== 'TASK_RUNNING'),
    ).to.deep.equal([]);
  });

  it('stop() kills every process and leaves no server behind', async () => {
    await startAgent();
    const pidFile = join(workDir, 'stop-pid');
    agent.launch(FRAMEWORK, [commandTask('t-stop', `echo $$ > ${pidFile}; exec sleep 30`)]);
    await waitFor('pid', () => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    const url = agent.url;
    await agent.stop();
    await waitFor('task process gone', () => !alive(pid), 2000);
    let refused = false;
    await httpCall(`${url}/state`, { method: 'GET' }).catch(() => (refused = true));
    expect(refused).to.equal(true);
  });
});

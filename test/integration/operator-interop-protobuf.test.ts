/**
 * An operator client with its OWN generated types works against LocalCluster in protobuf: the
 * official-shaped protos of proto/ are compiled with protobufjs-cli (`pbjs -t static-module`, a
 * root of its own, camelCase fields, int64 as Long) as a third-party client would, and only those
 * generated classes (not this library's codec) encode the calls and decode the answers of a master
 * (GET_HEALTH, GET_VERSION, GET_METRICS, GET_STATE, GET_TASKS, GET_AGENTS, SUBSCRIBE's RecordIO
 * records) and of an agent (GET_STATE, GET_AGENT, GET_TASKS, GET_EXECUTORS), sent with plain `fetch`. Every answer verifies,
 * re-encodes to the same bytes (nothing unknown or lost), and 64-bit times read as Longs equal
 * this library's own reading.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local/cluster';
import { MesosMasterOperator } from '../../lib/operator';
import { eventually, runFramework, type TestFramework } from './local-operator-helpers';

const ROOT = join(__dirname, '../..');
const PROTOBUF = 'application/x-protobuf';

/** The few members of a pbjs-generated message class this client uses. */
interface Generated {
  create(properties: object): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  decode(bytes: Uint8Array): Record<string, unknown>;
  verify(message: object): string | null;
  toObject(message: unknown, options: object): Record<string, unknown>;
  Type: Record<string, number>;
}

/** Anything in a decoded message, read loosely (the generated classes are untyped here). */
// biome-ignore lint/suspicious/noExplicitAny: generated at test time, no typings
type Loose = any;

interface Types {
  MasterCall: Generated;
  MasterResponse: Generated;
  MasterEvent: Generated;
  AgentCall: Generated;
  AgentResponse: Generated;
}

/** Compiles proto/ with pbjs into a static CommonJS module with a root of its own, and loads it. */
async function generateTypes(dir: string): Promise<Types> {
  const out = join(dir, 'mesos-operator.js');
  await promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'node_modules/protobufjs-cli/bin/pbjs'),
      ...['-t', 'static-module', '-w', 'commonjs', '-r', 'third_party_operator', '-p', join(ROOT, 'proto')],
      ...['--no-comments', '-o', out],
      join(ROOT, 'proto/mesos/v1/master/master.proto'),
      join(ROOT, 'proto/mesos/v1/agent/agent.proto'),
    ],
    { cwd: ROOT },
  );
  // Evaluated with a require rooted in this repository, so `protobufjs/minimal` resolves.
  const code = await readFile(out, 'utf8');
  const module = { exports: {} as Loose };
  new Function('require', 'module', 'exports', code)(createRequire(join(ROOT, 'package.json')), module, module.exports);
  const v1 = module.exports.mesos.v1;
  return {
    MasterCall: v1.master.Call,
    MasterResponse: v1.master.Response,
    MasterEvent: v1.master.Event,
    AgentCall: v1.agent.Call,
    AgentResponse: v1.agent.Response,
  };
}

/** One protobuf call with the generated types; checks the answer verifies and re-encodes byte for byte. */
async function call(url: string, request: Generated, response: Generated, message: object): Promise<Loose> {
  const body = request.encode(request.create(message)).finish();
  const answer = await fetch(new URL('/api/v1', url), {
    method: 'POST',
    headers: { 'Content-Type': PROTOBUF, Accept: PROTOBUF },
    body,
  });
  expect(answer.status, await answer.clone().text()).to.equal(200);
  expect(answer.headers.get('content-type')).to.equal(PROTOBUF);
  const bytes = new Uint8Array(await answer.arrayBuffer());
  const decoded = response.decode(bytes);
  expect(response.verify(decoded)).to.equal(null);
  expect(Buffer.from(response.encode(decoded).finish()).equals(Buffer.from(bytes))).to.equal(true);
  return decoded;
}

/** A minimal RecordIO reader ("<length>\n<bytes>"), as a third-party client writes one. */
async function* records(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  let buffer = Buffer.alloc(0);
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const newline = buffer.indexOf(10);
      if (newline === -1) break;
      const length = Number(buffer.subarray(0, newline).toString());
      if (buffer.length < newline + 1 + length) break;
      yield buffer.subarray(newline + 1, newline + 1 + length);
      buffer = buffer.subarray(newline + 1 + length);
    }
  }
}

describe('operator API interop: a client with its own pbjs-generated types (protobuf)', function () {
  this.timeout(30_000);
  let dir: string;
  let types: Types;
  let cluster: LocalCluster;
  let framework: TestFramework | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'operator-interop-'));
    types = await generateTypes(dir);
    cluster = await LocalCluster.start({ log: false, heartbeatIntervalSeconds: 1, statusUpdateRetryMs: 200 });
  });
  after(async () => {
    await framework?.stop();
    await cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('SUBSCRIBE: SUBSCRIBED and HEARTBEAT, then the events of a framework running tasks, decoded record by record', async () => {
    const { MasterCall, MasterEvent } = types;
    const controller = new AbortController();
    const answer = await fetch(new URL('/api/v1', cluster.masterUrl), {
      method: 'POST',
      headers: { 'Content-Type': PROTOBUF, Accept: PROTOBUF },
      body: MasterCall.encode(MasterCall.create({ type: MasterCall.Type.SUBSCRIBE })).finish(),
      signal: controller.signal,
    });
    expect(answer.status).to.equal(200);
    expect(answer.headers.get('content-type')).to.equal(PROTOBUF);
    const events: Loose[] = [];
    const typeName = (event: Loose) => MasterEvent.toObject(event, { enums: String }).type;
    try {
      for await (const record of records(answer.body as ReadableStream<Uint8Array>)) {
        const event = MasterEvent.decode(record);
        expect(MasterEvent.verify(event)).to.equal(null);
        events.push(event);
        if (events.length === 2) framework = runFramework(cluster, { done: 'echo done', runs: 'sleep 30' }, 'interop');
        const finished = events.some(
          (e) =>
            typeName(e) === 'TASK_UPDATED' && e.taskUpdated.status.taskId.value === 'done' && e.taskUpdated.state === 2,
        );
        const running = events.some(
          (e) =>
            typeName(e) === 'TASK_UPDATED' && e.taskUpdated.status.taskId.value === 'runs' && e.taskUpdated.state === 1,
        );
        if (finished && running) break;
      }
    } finally {
      controller.abort();
    }
    const types_ = events.map(typeName);
    expect(types_.slice(0, 2)).to.deep.equal(['SUBSCRIBED', 'HEARTBEAT']);
    expect(events[0].subscribed.heartbeatIntervalSeconds).to.equal(1);
    const agents = events[0].subscribed.getState.getAgents.agents;
    expect(agents.map((a: Loose) => a.agentInfo.id.value)).to.deep.equal([cluster.agents[0]?.id]);
    expect(types_).to.include.members(['FRAMEWORK_ADDED', 'TASK_ADDED', 'TASK_UPDATED']);
    const added = events.filter((e) => typeName(e) === 'TASK_ADDED').map((e) => e.taskAdded.task);
    expect(added.map((t: Loose) => t.taskId.value).sort()).to.deep.equal(['done', 'runs']);
    expect(added.map((t: Loose) => t.state)).to.deep.equal([6, 6]); // TASK_STAGING
  });

  it('GET_HEALTH, GET_VERSION, GET_METRICS, GET_STATE, GET_TASKS, GET_AGENTS decode into the generated types', async () => {
    const { MasterCall, MasterResponse } = types;
    const master = (message: object) => call(cluster.masterUrl, MasterCall, MasterResponse, message);
    const T = MasterCall.Type;
    await framework?.reached('done');
    const frameworkId = await framework?.frameworkId;

    expect((await master({ type: T.GET_HEALTH })).getHealth.healthy).to.equal(true);
    expect((await master({ type: T.GET_VERSION })).getVersion.versionInfo.version).to.match(/^\d+\.\d+\.\d+/);
    const metrics = (await master({ type: T.GET_METRICS, getMetrics: { timeout: { nanoseconds: 1e9 } } })).getMetrics
      .metrics as Array<{ name: string; value: number }>;
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value;
    expect(metric('master/tasks_finished')).to.equal(1);
    expect(metric('master/tasks_running')).to.equal(1);
    expect(metric('master/frameworks_active')).to.equal(1);

    const state = (await master({ type: T.GET_STATE })).getState;
    expect(state.getTasks.tasks.map((t: Loose) => [t.taskId.value, t.state])).to.deep.equal([['runs', 1]]);
    expect(state.getTasks.completedTasks.map((t: Loose) => [t.taskId.value, t.state])).to.deep.equal([['done', 2]]);
    expect(state.getFrameworks.frameworks.map((f: Loose) => f.frameworkInfo.id.value)).to.deep.equal([frameworkId]);
    const finished = state.getTasks.completedTasks[0];
    expect(finished.statuses.map((s: Loose) => s.state)).to.deep.equal([0, 1, 2]); // STARTING, RUNNING, FINISHED
    expect(Buffer.from(finished.statusUpdateUuid).length).to.equal(16);

    const tasks = (await master({ type: T.GET_TASKS })).getTasks;
    expect(tasks.tasks.map((t: Loose) => t.taskId.value)).to.deep.equal(['runs']);
    const agents = (await master({ type: T.GET_AGENTS })).getAgents.agents;
    expect(agents.map((a: Loose) => a.agentInfo.hostname)).to.deep.equal(['127.0.0.1']);

    // 64-bit times (beyond 2^53 ns) read as Longs by the generated code equal this library's reading.
    const ours = new MesosMasterOperator(cluster.masterString, { contentType: 'json' });
    try {
      const own = await ours.getAgents();
      const mine = own.agents?.[0]?.registered_time?.nanoseconds;
      expect(typeof mine).to.equal('bigint');
      expect(agents[0].registeredTime.nanoseconds.toString()).to.equal(String(mine));
      const ownFramework = (await ours.getFrameworks()).frameworks?.[0];
      expect(state.getFrameworks.frameworks[0].registeredTime.nanoseconds.toString()).to.equal(
        String(ownFramework?.registered_time?.nanoseconds),
      );
    } finally {
      await ours.close();
    }
  });

  it("an agent's GET_STATE, GET_AGENT, GET_TASKS and GET_EXECUTORS decode into the generated agent types", async () => {
    const { AgentCall, AgentResponse } = types;
    const agentUrl = cluster.agents[0]?.url as string;
    await eventually(() => framework?.statuses.some((s) => s.task_id.value === 'runs' && s.state === 'TASK_RUNNING'));
    const state = (await call(agentUrl, AgentCall, AgentResponse, { type: AgentCall.Type.GET_STATE })).getState;
    expect(state.getTasks.launchedTasks.map((t: Loose) => [t.taskId.value, t.state])).to.deep.equal([['runs', 1]]);
    expect(state.getFrameworks.frameworks.map((f: Loose) => f.frameworkInfo.name)).to.deep.equal(['interop']);
    const agent = (await call(agentUrl, AgentCall, AgentResponse, { type: AgentCall.Type.GET_AGENT })).getAgent;
    expect(agent.agentInfo.id.value).to.equal(cluster.agents[0]?.id);
    const tasks = (await call(agentUrl, AgentCall, AgentResponse, { type: AgentCall.Type.GET_TASKS })).getTasks;
    expect(tasks.launchedTasks.map((t: Loose) => t.taskId.value)).to.deep.equal(['runs']);
    const executors = (await call(agentUrl, AgentCall, AgentResponse, { type: AgentCall.Type.GET_EXECUTORS }))
      .getExecutors;
    expect(executors.executors.map((e: Loose) => e.executorInfo.executorId.value)).to.deep.equal(['runs']);
  });

  it('JSON answers, read as a careful client does (big integers kept as text), fill keep-case types of their own to the same bytes as the protobuf answers', async () => {
    const protobuf = createRequire(join(ROOT, 'package.json'))('protobufjs');
    const root = new protobuf.Root();
    // Imports are relative to proto/, as protoc's -I would take them.
    root.resolvePath = (_origin: string, target: string) =>
      target.startsWith('/') ? target : join(ROOT, 'proto', target);
    root.loadSync('mesos/v1/master/master.proto', { keepCase: true });
    const Response = root.lookupType('mesos.v1.master.Response');
    for (const type of ['GET_HEALTH', 'GET_VERSION', 'GET_STATE', 'GET_TASKS', 'GET_AGENTS', 'GET_FRAMEWORKS']) {
      const post = (contentType: string) =>
        fetch(new URL('/api/v1', cluster.masterUrl), {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Accept: contentType },
          body: JSON.stringify({ type }),
        });
      const text = await (await post('application/json')).text();
      // Integers beyond 2^53 (times in ns) kept as strings, as json-bigint-style readers do.
      const json = JSON.parse(text.replace(/([:[,]\s*)(-?\d{16,})(?=\s*[,\]}])/g, '$1"$2"'));
      const message = Response.fromObject(json);
      expect(Response.verify(message), type).to.equal(null);
      const fromJson = Buffer.from(Response.encode(message).finish());
      const fromProtobuf = Buffer.from(await (await post(PROTOBUF)).arrayBuffer());
      expect(fromJson.equals(fromProtobuf), type).to.equal(true);
    }
  });
});

/**
 * Fuzzing LocalCluster's request handlers in-process (fast-check; counts: test/unit/helpers/fuzz.ts):
 * the bulk of the server-side cases, at ~130 µs each instead of a ~6.5 ms loopback round trip. Each
 * case is a real IncomingMessage/ServerResponse pair on a stand-in socket (./helpers/in-process-http.ts)
 * given to the very listener the HTTP server calls: the master's (scheduler, operator, state,
 * redirect, health, version, files, status page and its control routes), the agent's (executor,
 * operator, state, files) and the control endpoint's. Requests are random methods, paths, headers
 * and bodies: valid calls, damaged ones, random bytes, RecordIO frames, calls of every type with
 * random fields in JSON and protobuf (carrying the ids of a live framework), over-long bodies,
 * bodies cut by a client that goes away. Every answer must end (or, for a stream, begin) within
 * 2 s and not be a 5xx other than the few Mesos itself gives (DOCUMENTED_5XX); no listener may
 * throw or reject; the servers keep answering valid calls (checked every 1,000 cases and at the
 * end, over real HTTP too); the heap after a full GC stays bounded. The socket-level sample is
 * ./fuzz-local-endpoints.test.ts.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect } from 'chai';
import fc from 'fast-check';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { scheduler } from '../../lib/codec/messages';
import { type FieldInfo, getMessageInfo, type MessageInfo, type ValueKind } from '../../lib/codec/reflect';
import type { LocalAgent } from '../../lib/local/agent';
import { LocalCluster } from '../../lib/local/cluster';
import { handleControlRequest } from '../../lib/local/control/server';
import type { LocalMaster } from '../../lib/local/master';
import { chunked, damaged, fuzzAsync, fuzzRuns } from '../unit/helpers/fuzz';
import {
  type InProcessAnswer,
  type InProcessRequest,
  type RequestListener,
  serveInProcess,
  setHeaders,
} from './helpers/in-process-http';
import { AGENT_PATHS, MASTER_PATHS } from './helpers/local-endpoints';

const CONTROL_TOKEN = 'fuzz-control-token-0123456789';

const CONTROL_PATHS = ['/local/state', '/local/faults/latency', '/local/faults/reset', '/local/nowhere', '/'];
/** Where a call of each kind goes. */
const CALL_PATHS = {
  [TYPE_NAMES.SchedulerCall]: ['master', '/api/v1/scheduler'],
  [TYPE_NAMES.MasterCall]: ['master', '/api/v1'],
  [TYPE_NAMES.ExecutorCall]: ['agent', '/api/v1/executor'],
  [TYPE_NAMES.AgentCall]: ['agent', '/api/v1'],
} as const;
/** Call types left out: they would start real processes on this machine with random commands. */
const NOT_FUZZED = new Set(['LAUNCH_NESTED_CONTAINER', 'LAUNCH_NESTED_CONTAINER_SESSION', 'LAUNCH_CONTAINER']);

/**
 * The 5xx answers Mesos itself gives to these requests (/work/shared/reference: mesos-protocol.md,
 * mesos-operator-api.md), which the simulator copies: 501 for a call of type UNKNOWN (and the
 * simulator's calls it does not implement), 500 for resource-provider calls without
 * --resource_provider_config_dir and REMOVE_CONTAINER of a missing or running container.
 * Anything else (e.g. "Internal error" from a handler that threw) fails the property.
 */
const DOCUMENTED_5XX: readonly (readonly [number, RegExp])[] = [
  [501, /^(|Received 'UNKNOWN' call|Unsupported call type \w+)$/],
  [500, /^Missing required flag --resource_provider_config_dir /],
  [500, /^Container .* is still running or does not exist$/],
];

const SUBSCRIBE: scheduler.Call = {
  type: 'SUBSCRIBE',
  subscribe: { framework_info: { user: 'u', name: 'fuzz', failover_timeout: 3600 } },
};
const VALID_BODIES = [
  Buffer.from(JSON.stringify(SUBSCRIBE)),
  Buffer.from(getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, 'protobuf').encode(SUBSCRIBE)),
  Buffer.from(JSON.stringify({ type: 'GET_STATE' })),
  Buffer.from(JSON.stringify({ type: 'GET_FLAGS' })),
  Buffer.from(JSON.stringify({ type: 'READ_FILE', read_file: { path: '/', offset: 0 } })),
  Buffer.from(JSON.stringify({ type: 'SUBSCRIBE', framework_id: { value: 'fw' }, executor_id: { value: 'e' } })),
];

describe('fuzz: LocalCluster request handlers, in-process', function () {
  this.timeout(180_000);
  let cluster: LocalCluster | undefined;

  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('answers every random request with no 5xx and no throw, within 2 s, and keeps serving', async () => {
    const c = await LocalCluster.start({ agents: 1, taskMode: 'simulated', log: false });
    cluster = c;
    const master = c.leader as LocalMaster;
    const agent = c.agents[0] as LocalAgent;
    const masterHost = new URL(master.url).host;
    const agentHost = new URL(agent.url).host;
    const listeners: Record<'master' | 'agent' | 'control', RequestListener> = {
      master: master.serveRequest,
      agent: agent.servers.serveTcp,
      control: (req, res) => handleControlRequest(c, CONTROL_TOKEN, req, res),
    };
    const hosts = { master: masterHost, agent: agentHost, control: masterHost };

    // A live framework whose ids (framework, stream, agent, offers) the random calls may carry.
    const live = await subscribeLive(master);
    const ids = [...live.ids, agent.id, 'fw', 'e', ''];
    const problems: string[] = [];
    const onProcessError = (err: unknown) => problems.push(`uncaught: ${(err as Error)?.stack ?? String(err)}`);
    process.on('unhandledRejection', onProcessError);
    process.on('uncaughtException', onProcessError);

    await expectOverLongBodiesRefused(listeners, hosts);
    const runs = fuzzRuns(100_000);
    const statuses = new Map<string | number, number>();
    const documented5xx = new Map<(typeof DOCUMENTED_5XX)[number], number>();
    const heapBefore = heapUsed();
    let cases = 0;
    // Refusals build many errors whose stacks no one reads; short stacks keep a case cheap.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 4;
    try {
      await fuzzAsync(
        'local-handlers (in-process)',
        runs,
        fc.asyncProperty(requestCase(ids, live), async (input) => {
          const target = input.target;
          const headers = input.headers.map(([name, value]) => [name, value] as const);
          if (input.host !== null) headers.push(['Host', input.host ?? hosts[target]]);
          const request = { ...input.request, headers };
          let answer: InProcessAnswer;
          try {
            answer = await serveInProcess(listeners[target], request);
          } catch (err) {
            throw new Error(`${what(target, request)}: ${(err as Error).message}`);
          }
          const key = answer.end === 'ended' ? answer.status : `${answer.status} ${answer.end}`;
          statuses.set(key, (statuses.get(key) ?? 0) + 1);
          if (answer.status >= 500) {
            const documented = DOCUMENTED_5XX.find(
              ([status, body]) => status === answer.status && body.test(answer.bodyStart),
            );
            if (!documented) throw new Error(`${what(target, request)}: answered ${answer.status} ${answer.bodyStart}`);
            documented5xx.set(documented, (documented5xx.get(documented) ?? 0) + 1);
          }
          if (problems.length > 0) throw new Error(`${what(target, request)}: ${problems.join('; ')}`);
          if (++cases % 1000 === 0) await expectStillServing(listeners, hosts);
        }),
      );
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
      process.off('unhandledRejection', onProcessError);
      process.off('uncaughtException', onProcessError);
      live.close();
    }
    console.log(`      answers: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    for (const [[status, body], count] of documented5xx) console.log(`      Mesos's own ${status}: ${body} x ${count}`);
    const growthMiB = (heapUsed() - heapBefore) / 2 ** 20;
    console.log(`      heap growth over the in-process run: ${growthMiB.toFixed(1)} MiB`);
    expect(growthMiB).to.be.below(16 + (200 * runs) / 2 ** 20);

    await expectStillServing(listeners, hosts);
    // And over real HTTP.
    expect((await fetch(`${master.url}/health`)).status).to.equal(200);
    expect((await fetch(`${agent.url}/state`)).status).to.equal(200);
    const subscribed = await fetch(`${master.url}/api/v1/scheduler`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(SUBSCRIBE),
    });
    expect(subscribed.status).to.equal(200);
    await subscribed.body?.cancel();
  });
});

/** Bodies just beyond each server's limit (too big to draw at random) are refused, never with a 5xx. */
async function expectOverLongBodiesRefused(
  listeners: Record<Target, RequestListener>,
  hosts: Record<Target, string>,
): Promise<void> {
  const MiB = Buffer.alloc(2 ** 20, 0x20);
  const limits: [Target, string, number][] = [
    ['master', '/api/v1/scheduler', 64],
    ['master', '/api/v1', 64],
    ['agent', '/api/v1/executor', 16],
    ['agent', '/api/v1', 64],
  ];
  const cases: [Target, string, Buffer[]][] = limits.map(([target, url, mib]) => [
    target,
    url,
    [...Array(mib).fill(MiB), Buffer.from('{}')],
  ]);
  cases.push(['control', '/local/faults/latency', [Buffer.alloc(64 * 1024 + 1, 0x20)]]);
  for (const [target, url, chunks] of cases) {
    const answer = await serveInProcess(listeners[target], {
      method: 'POST',
      url,
      headers: [
        ['Host', hosts[target]],
        ['Content-Type', 'application/json'],
        ['Authorization', `Bearer ${CONTROL_TOKEN}`],
      ],
      chunks,
    });
    expect(answer.status, `an over-long body to ${target} ${url}: ${answer.bodyStart}`).to.be.within(400, 499);
  }
}

/** A valid SUBSCRIBE and GET /health each get a 200, and the agent's /state too. */
async function expectStillServing(
  listeners: Record<'master' | 'agent', RequestListener>,
  hosts: Record<'master' | 'agent', string>,
): Promise<void> {
  const subscribe = await serveInProcess(listeners.master, {
    method: 'POST',
    url: '/api/v1/scheduler',
    headers: [
      ['Host', hosts.master],
      ['Content-Type', 'application/json'],
      ['Accept', 'application/json'],
    ],
    chunks: [VALID_BODIES[0] as Buffer],
  });
  expect(subscribe, 'a valid SUBSCRIBE').to.include({ status: 200, end: 'streaming' });
  for (const [target, url] of [
    ['master', '/health'],
    ['agent', '/state'],
  ] as const) {
    const answer = await serveInProcess(listeners[target], {
      method: 'GET',
      url,
      headers: [['Host', hosts[target]]],
      chunks: [],
    });
    expect(answer, `GET ${url} on the ${target}`).to.include({ status: 200, end: 'ended' });
  }
}

/** Subscribes a framework in-process and keeps its stream open; the ids it was sent are harvested. */
async function subscribeLive(
  master: LocalMaster,
): Promise<{ ids: string[]; frameworkId: string; streamId: string; close(): void }> {
  const { IncomingMessage, ServerResponse } = await import('node:http');
  const { PassThrough } = await import('node:stream');
  const socket = Object.assign(new PassThrough(), { setNoDelay: () => undefined, remoteAddress: '127.0.0.1' });
  let received = '';
  socket.on('data', (chunk: Buffer) => {
    if (received.length < 1 << 20) received += chunk.toString('latin1');
  });
  const req = new IncomingMessage(socket as never);
  req.method = 'POST';
  req.url = '/api/v1/scheduler';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  setHeaders(req, [
    ['Host', new URL(master.url).host],
    ['Content-Type', 'application/json'],
    ['Accept', 'application/json'],
  ]);
  const res = new ServerResponse(req);
  res.assignSocket(socket as never);
  master.serveRequest(req, res);
  req.push(VALID_BODIES[0]);
  req.complete = true;
  req.push(null);
  const deadline = Date.now() + 5000;
  while (!/"type":"OFFERS"/.test(received) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(received, 'SUBSCRIBED and OFFERS on the live stream').to.match(/"type":"OFFERS"/);
  const ids = [...new Set([...received.matchAll(/"value":"([^"]{1,80})"/g)].map((m) => m[1] as string))];
  const frameworkId = /"framework_id":\{"value":"([^"]+)"/.exec(received)?.[1] ?? '';
  return { ids, frameworkId, streamId: String(res.getHeader('Mesos-Stream-Id')), close: () => res.destroy() };
}

type Target = 'master' | 'agent' | 'control';

interface Case {
  target: Target;
  request: Omit<InProcessRequest, 'headers'>;
  headers: [string, string][];
  /** undefined: the target's own Host; null: none; else this one. */
  host: string | null | undefined;
}

function requestCase(ids: readonly string[], live: { frameworkId: string; streamId: string }): fc.Arbitrary<Case> {
  const streamId = live.streamId;
  const id = fc.oneof(fc.constantFrom(...ids), fc.string({ maxLength: 6 }));
  const header = fc.oneof(
    fc.constantFrom<[string, string]>(
      ['Content-Type', 'application/json'],
      ['Content-Type', 'application/json'],
      ['Content-Type', 'application/x-protobuf'],
      ['Content-Type', 'application/json; charset=utf-8'],
      ['Content-Type', 'application/recordio'],
      ['Content-Type', 'text/plain'],
      ['Accept', 'application/json'],
      ['Accept', 'application/x-protobuf'],
      ['Accept', 'application/recordio'],
      ['Accept', '*/*'],
      ['Accept', ''],
      ['Accept-Encoding', 'gzip'],
      ['Message-Accept', 'application/json'],
      ['Message-Content-Type', 'application/x-protobuf'],
      ['Mesos-Stream-Id', streamId],
      ['Mesos-Stream-Id', 'not-a-stream'],
      ['Authorization', 'Basic Zm9vOmJhcg=='],
      ['Authorization', `Bearer ${CONTROL_TOKEN}`],
      ['Authorization', 'Bearer x.y.z'],
      ['X-Mesos-Local-Token', CONTROL_TOKEN],
      ['Origin', 'http://evil.example'],
      ['Origin', 'http://127.0.0.1:1'],
      ['Content-Encoding', 'gzip'],
      ['Content-Length', '99999999999'],
      ['Transfer-Encoding', 'chunked'],
    ),
    fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), fc.stringMatching(/^[ -~]{0,30}$/)),
  );
  const calls: fc.Arbitrary<Payload> = fc.oneof(
    ...Object.keys(CALL_PATHS).map((typeName) => callBody(typeName, id, live)),
  );
  const garbage: fc.Arbitrary<Payload> = fc.oneof(
    damaged(fc.constantFrom(...VALID_BODIES)).map((body) => ({ body: Buffer.from(body), target: undefined })),
    fc.uint8Array({ maxLength: 200 }).map((body) => ({ body: Buffer.from(body), target: undefined })),
    fc.constantFrom(...VALID_BODIES).map((body) => ({ body: recordio(body), target: undefined })),
    fc
      .constantFrom(
        Buffer.from([0xff, 0xfe, 0x7b, 0x22]), // bad UTF-8 before JSON
        Buffer.from('{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"\ud800","name":"x"}}}'),
        Buffer.from('{"type":"SUBSCRIBE"}'.repeat(1000)),
        Buffer.alloc(0),
      )
      .map((body) => ({ body, target: undefined })),
  );
  const onPath = fc.record({
    target: fc.constantFrom<Target>('master', 'master', 'agent', 'control'),
    pathIndex: fc.nat(),
    token: fc.nat(3).map((n) => n > 0),
    query: fc.option(fc.stringMatching(/^[A-Za-z0-9=&%._~/-]{0,24}$/), { nil: undefined }),
    method: fc.constantFrom('POST', 'POST', 'GET', 'GET', 'PUT', 'DELETE', 'OPTIONS', 'HEAD', 'PATCH', 'BREW'),
    payload: fc.oneof(calls, garbage, garbage),
    headers: fc.array(header, { maxLength: 5 }),
    cuts: fc.array(fc.nat(), { maxLength: 3 }),
    abortAfter: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 30 },
      { arbitrary: fc.nat({ max: 2 }), weight: 1 },
    ),
    host: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 30 },
      { arbitrary: fc.constantFrom<string | null>(null, 'evil.example', 'localhost:1', '[::1]'), weight: 1 },
    ),
  });
  return onPath.map((input): Case => {
    const target = input.payload.target ?? input.target;
    const paths = target === 'master' ? MASTER_PATHS : target === 'agent' ? AGENT_PATHS : CONTROL_PATHS;
    let url = input.payload.target ? (input.payload.path as string) : (paths[input.pathIndex % paths.length] as string);
    if (input.query !== undefined) url += `${url.includes('?') ? '&' : '?'}${input.query}`;
    return {
      target,
      request: {
        method: input.payload.target ? 'POST' : input.method,
        url,
        chunks: chunked(input.payload.body, input.cuts),
        ...(input.abortAfter !== undefined && { abortAfter: input.abortAfter }),
      },
      headers: [
        ...(input.payload.headers ?? []),
        ...(target === 'control' && input.token
          ? [['Authorization', `Bearer ${CONTROL_TOKEN}`] as [string, string]]
          : []),
        ...input.headers,
      ],
      host: input.host,
    };
  });
}

interface Payload {
  body: Buffer;
  target: Target | undefined;
  path?: string;
  headers?: [string, string][];
}

/** A value of the wrong shape for a field. */
const WRONG_VALUE = fc.constantFrom<unknown>(null, 'x', '', 1, -1.5, true, [], {}, [{}], { value: 1 });

/** A call of `typeName` of any type, with random fields of the right shape (and some of the wrong one). */
function callBody(
  typeName: string,
  id: fc.Arbitrary<string>,
  live: { frameworkId: string; streamId: string },
): fc.Arbitrary<Payload> {
  const info = getMessageInfo(typeName);
  const typeField = info.fieldByName.get('type');
  const types =
    typeField?.value.kind === 'enum'
      ? [...typeField.value.enumInfo.numberByName.keys()].filter((t) => !NOT_FUZZED.has(t))
      : [];
  const [target, path] = CALL_PATHS[typeName as keyof typeof CALL_PATHS];
  const values = new ValueArbitraries(id);
  const base = values.message(info, 2);
  // The live framework's id half the time, so calls get past "Framework cannot be found".
  const frameworkId = fc.option(fc.oneof(fc.constant(live.frameworkId), id));
  const protobuf = fc.nat(3).map((n) => n === 0);
  // Scheduler calls carry the live framework's stream id half the time, so they get past that check.
  const streamHeader = fc
    .boolean()
    .map((on): [string, string][] =>
      on && typeName === TYPE_NAMES.SchedulerCall ? [['Mesos-Stream-Id', live.streamId]] : [],
    );
  const perType = types.map((type) => {
    const subField = info.fieldByName.get(type.toLowerCase());
    // The type's own field: of the right shape mostly, of a wrong one (or absent) sometimes.
    const sub = fc.oneof(
      { arbitrary: subField ? values.value(subField.value, 3) : fc.constant(null), weight: 7 },
      { arbitrary: fc.option(WRONG_VALUE), weight: 1 },
    );
    const parts = { base, sub, frameworkId, protobuf, streamHeader };
    return fc.record(parts).map(({ base, sub, frameworkId, protobuf, streamHeader }): Payload => {
      const call: Record<string, unknown> = { ...base, type };
      // The live framework stays (a TEARDOWN of it would leave every later call "cannot be found").
      const keepLive = type === 'TEARDOWN' && frameworkId === live.frameworkId;
      if (frameworkId !== null) call.framework_id = { value: keepLive ? 'fw' : frameworkId };
      if (subField && sub !== null) call[subField.name] = sub;
      const json = Buffer.from(JSON.stringify(call));
      return {
        body: protobuf ? toProtobuf(typeName, json) : json,
        target,
        path,
        headers: [
          ['Content-Type', protobuf ? 'application/x-protobuf' : 'application/json'],
          ['Accept', 'application/json'],
          ...streamHeader,
        ],
      };
    });
  });
  return fc.oneof(...perType);
}

/** The protobuf form of a JSON call that the JSON codec reads; the JSON itself otherwise. */
function toProtobuf(typeName: string, json: Buffer): Buffer {
  try {
    const call = getCodec<object>(typeName, 'json').decode(json);
    return Buffer.from(getCodec<object>(typeName, 'protobuf').encode(call));
  } catch {
    return json;
  }
}

/** Random values for protobuf fields, by kind; a few fields per message, nested `depth` deep. */
class ValueArbitraries {
  private readonly messages = new Map<string, fc.Arbitrary<Record<string, unknown>>>();
  constructor(private readonly id: fc.Arbitrary<string>) {}

  message(info: MessageInfo, depth: number): fc.Arbitrary<Record<string, unknown>> {
    const key = `${info.fullName}/${depth}`;
    let arb = this.messages.get(key);
    if (arb) return arb;
    const fields = info.fields;
    arb =
      depth <= 0 || fields.length === 0
        ? fc.constant({})
        : fc
            .tuple(
              // Required fields always (else nothing gets past decoding), up to 3 others.
              fc.tuple(...info.requiredFields.map((field) => this.entry(field, depth))),
              fc.array(fc.oneof(...fields.map((field) => this.entry(field, depth))), { maxLength: 3 }),
            )
            .map(([required, others]) => Object.fromEntries([...required, ...others]));
    this.messages.set(key, arb);
    return arb;
  }

  private entry(field: FieldInfo, depth: number): fc.Arbitrary<readonly [string, unknown]> {
    const one = this.value(field.value, depth - 1);
    const value = field.map
      ? fc.dictionary(fc.string({ maxLength: 4 }), one, { maxKeys: 2 })
      : field.repeated
        ? fc.array(one, { maxLength: 2 })
        : one;
    return value.map((v) => [field.name, v] as const);
  }

  value(kind: ValueKind, depth: number): fc.Arbitrary<unknown> {
    let right: fc.Arbitrary<unknown>;
    if (kind.kind === 'message') {
      right =
        kind.messageInfo.fieldByName.has('value') && kind.messageInfo.fields.length === 1
          ? this.id.map((value) => ({ value })) // the *ID messages: known ids
          : this.message(kind.messageInfo, depth);
    } else if (kind.kind === 'enum') {
      right = fc.oneof(fc.constantFrom(...kind.enumInfo.numberByName.keys()), fc.constant('NOT_A_VALUE'));
    } else {
      switch (kind.scalar) {
        case 'string':
          right = this.id;
          break;
        case 'bool':
          right = fc.boolean();
          break;
        case 'bytes':
          right = fc.base64String({ maxLength: 12 });
          break;
        case 'double':
        case 'float':
          right = fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: -1, max: 10 }));
          break;
        default:
          right = fc.oneof(
            fc.integer({ min: -1, max: 10 }),
            fc.constantFrom(2 ** 31, 2 ** 32, -(2 ** 31) - 1, Number.MAX_SAFE_INTEGER, '18446744073709551615', '1e3'),
          );
      }
    }
    return fc.oneof({ arbitrary: right, weight: 24 }, { arbitrary: WRONG_VALUE, weight: 1 });
  }
}

/** One RecordIO record of `payload` (a body in the stream framing, which no endpoint takes). */
function recordio(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${payload.length}\n`), payload]);
}

function what(target: Target, request: InProcessRequest): string {
  const headers = request.headers;
  const body = Buffer.concat(request.chunks);
  return `${target}: ${request.method} ${request.url} ${JSON.stringify(headers)} body(${body.length}) ${body.toString('latin1').slice(0, 160)}${request.abortAfter !== undefined ? ` aborted after ${request.abortAfter} chunk(s)` : ''}`;
}

/** The heap in use after a full collection (gc is exposed for this when node was not started with --expose-gc). */
function heapUsed(): number {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
  return process.memoryUsage().heapUsed;
}

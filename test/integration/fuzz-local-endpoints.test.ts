/**
 * Fuzzing the server side (fast-check; counts: test/unit/helpers/fuzz.ts): every HTTP endpoint a
 * LocalCluster serves (master: scheduler, operator, state, redirect, health, version, files,
 * status page; agent: executor, operator, state, files) gets random methods, headers and bodies
 * (random bytes, damaged valid calls) and raw malformed requests. Each answer must come within
 * 2 s and not be a 5xx; afterwards the cluster still serves a framework, and the heap has not grown
 * without bound. This is the socket-level sample (real parsing, raw bytes, loopback round trips of
 * ~6.5 ms); the bulk of the server-side cases run in-process in ./fuzz-local-handlers.test.ts.
 */
import http from 'node:http';
import net from 'node:net';
import { expect } from 'chai';
import fc from 'fast-check';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { executor, scheduler } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { chunked, damaged, fuzzAsync, fuzzRuns } from '../unit/helpers/fuzz';
import { DriverPool, RecordingScheduler, waitFor } from './helpers/driver-harness';
import { AGENT_PATHS, MASTER_PATHS } from './helpers/local-endpoints';

const SUBSCRIBE: scheduler.Call = {
  type: 'SUBSCRIBE',
  subscribe: { framework_info: { user: 'u', name: 'fuzz' } },
};
const EXECUTOR_SUBSCRIBE: executor.Call = {
  type: 'SUBSCRIBE',
  framework_id: { value: 'fw' },
  executor_id: { value: 'e' },
  subscribe: {},
};
const VALID_BODIES = [
  Buffer.from(JSON.stringify(SUBSCRIBE)),
  Buffer.from(getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, 'protobuf').encode(SUBSCRIBE)),
  Buffer.from(JSON.stringify({ type: 'TEARDOWN', framework_id: { value: 'nope' } })),
  Buffer.from(JSON.stringify({ type: 'ACKNOWLEDGE', framework_id: { value: 'x' }, acknowledge: {} })),
  Buffer.from(JSON.stringify(EXECUTOR_SUBSCRIBE)),
  Buffer.from(JSON.stringify({ type: 'GET_STATE' })),
  Buffer.from(JSON.stringify({ type: 'GET_FLAGS' })),
  Buffer.from(JSON.stringify({ type: 'READ_FILE', read_file: { path: '/', offset: 0 } })),
];

interface Answer {
  status: number | 'closed';
  what: string;
}

/** One request through node's client; a 200 stream is cut once its head arrived. */
function request(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<Answer> {
  const what = `${method} ${base}${path} ${JSON.stringify(headers)} body ${body.toString('hex').slice(0, 80)}`;
  return new Promise((resolve, reject) => {
    const req = http.request(`${base}${path}`, { method, headers, agent: false }, (res) => {
      resolve({ status: res.statusCode ?? 0, what });
      res.destroy();
    });
    req.setTimeout(2000, () => reject(new Error(`no answer within 2 s: ${what}`)));
    req.on('error', () => resolve({ status: 'closed', what }));
    req.end(body);
  });
}

/** Raw bytes on a socket: the answer's status, or 'closed' when the server just closes. */
function raw(port: number, bytes: readonly Buffer[]): Promise<Answer> {
  const what = `raw ${Buffer.concat(bytes).toString('latin1').slice(0, 120)}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      // A request the server still waits the rest of is fine (its head is incomplete); a full one is not.
      resolve({ status: 'closed', what });
    }, 100);
    socket.on('connect', () => {
      for (const chunk of bytes) socket.write(chunk);
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      if (match) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: Number(match[1]), what });
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ status: 'closed', what });
    });
    void reject;
  });
}

describe('fuzz: every HTTP endpoint LocalCluster serves', function () {
  this.timeout(180_000);
  let cluster: LocalCluster | undefined;
  const pool = new DriverPool();

  afterEach(async () => {
    await pool.stopAll();
    await cluster?.stop();
    cluster = undefined;
  });

  it('answers random methods, headers and bodies with no 5xx, within 2 s, and stays up', async () => {
    const c = await LocalCluster.start({ agents: 1, taskMode: 'simulated', log: false });
    cluster = c;
    const master = c.masterUrl;
    const agent = c.agents[0]?.url as string;
    // The status page relays an agent's file endpoints with a request of its own (sockets only here).
    const relay = `/status/agents/${encodeURIComponent(c.agents[0]?.id ?? '')}/files`;
    const masterPaths = [
      ...MASTER_PATHS,
      `${relay}/browse?path=/`,
      `${relay}/read?path=/&offset=0`,
      `${relay}/download`,
    ];
    const heapBefore = process.memoryUsage().heapUsed;
    const statuses = new Map<string, number>();
    const header = fc.oneof(
      fc.constantFrom(
        ['Content-Type', 'application/json'],
        ['Content-Type', 'application/x-protobuf'],
        ['Content-Type', 'text/plain'],
        ['Accept', 'application/json'],
        ['Accept', 'application/x-protobuf'],
        ['Accept', 'application/recordio'],
        ['Accept', '*/*'],
        ['Message-Accept', 'application/json'],
        ['Message-Content-Type', 'application/x-protobuf'],
        ['Mesos-Stream-Id', 'not-a-stream'],
        ['Authorization', 'Basic Zm9vOmJhcg=='],
        ['Authorization', 'Bearer x.y.z'],
        ['Host', 'evil.example:80'],
        ['Content-Encoding', 'gzip'],
      ),
      fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,15}$/), fc.stringMatching(/^[ -~]{0,30}$/)),
    );
    const httpCase = fc.record({
      kind: fc.constant('http' as const),
      onAgent: fc.boolean(),
      pathIndex: fc.nat(),
      query: fc.option(fc.stringMatching(/^[A-Za-z0-9=&%._~-]{0,20}$/), { nil: undefined }),
      method: fc.constantFrom('POST', 'POST', 'POST', 'GET', 'PUT', 'DELETE', 'OPTIONS', 'HEAD'),
      headers: fc.array(header, { maxLength: 4 }),
      body: fc.oneof(
        damaged(fc.constantFrom(...VALID_BODIES)),
        fc.uint8Array({ maxLength: 200 }),
        fc.constantFrom(...VALID_BODIES),
      ),
    });
    const rawCase = fc.record({
      kind: fc.constant('raw' as const),
      onAgent: fc.boolean(),
      bytes: fc.oneof(
        damaged(
          fc.constant(
            Buffer.from(
              'POST /api/v1/scheduler HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
            ),
          ),
        ),
        fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.concat([Buffer.from(b), Buffer.from('\r\n\r\n')])),
      ),
      cuts: fc.array(fc.nat(), { maxLength: 4 }),
    });
    await fuzzAsync(
      'local-endpoints',
      fuzzRuns(1000),
      fc.asyncProperty(fc.oneof(httpCase, httpCase, rawCase), async (input) => {
        const base = input.onAgent ? agent : master;
        let answer: Answer;
        if (input.kind === 'raw') {
          answer = await raw(Number(new URL(base).port), chunked(input.bytes, input.cuts));
        } else {
          const paths = input.onAgent ? AGENT_PATHS : masterPaths;
          let path = paths[input.pathIndex % paths.length] as string;
          if (input.query !== undefined) path += `${path.includes('?') ? '&' : '?'}${input.query}`;
          const headers: Record<string, string> = {};
          for (const [name, value] of input.headers) headers[name] = value;
          answer = await request(base, input.method, path, headers, Buffer.from(input.body));
        }
        const key = String(answer.status);
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
        if (typeof answer.status === 'number') expect(answer.status, answer.what).to.be.below(500);
      }),
    );
    console.log(`      answers: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
    const growthMiB = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;
    console.log(`      heap growth over the fuzz run: ${growthMiB.toFixed(1)} MiB`);
    expect(growthMiB).to.be.below(100);

    // Still up: both servers answer, and a framework registers and gets offers.
    expect((await fetch(`${master}/health`)).status).to.equal(200);
    expect((await fetch(`${agent}/state`)).status).to.equal(200);
    const scheduler = new RecordingScheduler();
    pool.create(scheduler, {}, master).start();
    await waitFor('offers after the fuzz run', () => scheduler.offers.length > 0, 10_000);
  });
});

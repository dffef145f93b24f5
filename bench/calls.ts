/**
 * Calls benchmark (issue 8, part 2): ACKNOWLEDGE, ACCEPT and DECLINE calls per second and p50/p99
 * latency against a loopback master that answers 202, at concurrency 1 and 64, through the
 * library's SchedulerClient (JSON and protobuf) and through a raw `http.request` loop with a
 * keep-alive agent (JSON.stringify per call). The library runs with its defaults (ACCEPT and
 * DECLINE on the ordered lane, pipelined in order on one connection; ACKNOWLEDGE on the
 * pipelined acknowledgement lane, 16 at a time) and, at concurrency 64, also "wide" (maxConcurrentCalls and maxConcurrentAcknowledgements
 * 64, like the raw loop's 64 sockets). The server runs in a child process; cells run in rotating
 * order each round and medians are reported.
 */
import http from 'node:http';
import { getCodec, TYPE_NAMES } from '../lib/codec/codec';
import type { scheduler } from '../lib/codec/messages';
import { ORDERED_PIPELINE_DEPTH, SchedulerClient } from '../lib/transport';
import { BenchChild } from './lib/bench-child';
import { type BenchResult, median } from './lib/results';
import type { Row } from './lib/table';

const ROUNDS = Number(process.env.BENCH_CALLS_ROUNDS ?? 5);
const CALLS_AT: Record<number, number> = { 1: 800, 64: 3000 };
const CONCURRENCIES = [1, 64];
const CALL_TYPES = ['ACKNOWLEDGE', 'ACCEPT', 'DECLINE'] as const;
type CallType = (typeof CALL_TYPES)[number];
type ClientKind =
  | 'raw'
  | 'library-json'
  | 'library-protobuf'
  | 'library-json-wide'
  | 'library-protobuf-wide'
  | 'undici-json';
/**
 * Optional comparison: undici's `Client` with `pipelining` (one connection, so calls stay in
 * order), sending the library's JSON encoding. Not a dependency of the project: set
 * BENCH_UNDICI to an installed undici package folder (e.g. after `npm i --prefix /tmp/u undici`,
 * BENCH_UNDICI=/tmp/u/node_modules/undici) to add it to the table.
 */
const UNDICI_PATH = process.env.BENCH_UNDICI;
const UNDICI: ClientKind[] = UNDICI_PATH ? ['undici-json'] : [];
/** Clients measured at each concurrency; "wide" only where it differs from the defaults. */
const CLIENTS_AT: Record<number, ClientKind[]> = {
  1: ['raw', 'library-json', 'library-protobuf', ...UNDICI],
  64: ['raw', 'library-json', 'library-protobuf', 'library-json-wide', 'library-protobuf-wide', ...UNDICI],
};
const CLIENT_LABELS: Record<ClientKind, string> = {
  raw: 'raw http.request',
  'library-json': 'library json (defaults)',
  'library-protobuf': 'library protobuf (defaults)',
  'library-json-wide': 'library json, 64 wide',
  'library-protobuf-wide': 'library protobuf, 64 wide',
  'undici-json': 'undici Client, pipelining 64, json',
};
const FRAMEWORK_ID = { value: 'a3c5e1f0-7b2d-4c8e-9f61-2d4b8a7c9e10-0001' };
const AGENT_ID = { value: 'a3c5e1f0-7b2d-4c8e-9f61-2d4b8a7c9e10-S7' };

/** A realistic call of each type; `n` makes ids unique. */
function buildCall(type: CallType, n: number): scheduler.Call {
  const offerId = { value: `a3c5e1f0-7b2d-4c8e-9f61-2d4b8a7c9e10-O${n}` };
  switch (type) {
    case 'ACKNOWLEDGE': {
      const uuid = Buffer.alloc(16, 0x5a);
      uuid.writeUInt32BE(n, 12);
      return {
        framework_id: FRAMEWORK_ID,
        type,
        acknowledge: { agent_id: AGENT_ID, task_id: { value: `web-frontend.${n}` }, uuid },
      };
    }
    case 'DECLINE':
      return { framework_id: FRAMEWORK_ID, type, decline: { offer_ids: [offerId], filters: { refuse_seconds: 5 } } };
    case 'ACCEPT':
      return {
        framework_id: FRAMEWORK_ID,
        type,
        accept: {
          offer_ids: [offerId],
          operations: [
            {
              type: 'LAUNCH',
              launch: {
                task_infos: [
                  {
                    name: `web-frontend-${n}`,
                    task_id: { value: `web-frontend.${n}` },
                    agent_id: AGENT_ID,
                    resources: [
                      { name: 'cpus', type: 'SCALAR', scalar: { value: 0.5 }, allocation_info: { role: '*' } },
                      { name: 'mem', type: 'SCALAR', scalar: { value: 256 }, allocation_info: { role: '*' } },
                      {
                        name: 'ports',
                        type: 'RANGES',
                        ranges: { range: [{ begin: 31000, end: 31000 }] },
                        allocation_info: { role: '*' },
                      },
                    ],
                    command: { value: 'exec ./server --port=$PORT0', shell: true },
                  },
                ],
              },
            },
          ],
          filters: { refuse_seconds: 5 },
        },
      };
  }
}

/** The JSON a hand-written client would send: the same object with bytes as base64. */
function rawJson(call: scheduler.Call): string {
  return JSON.stringify(call, (_k, v: unknown) =>
    v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer'
      ? Buffer.from((v as { data: number[] }).data).toString('base64')
      : v,
  );
}

/** Sends one call; resolves when the 202 has been read. */
type Sender = (call: scheduler.Call) => Promise<void>;

/** The parts of undici this benchmark uses. */
interface UndiciClient {
  request(options: Record<string, unknown>): Promise<{ statusCode: number; body: { dump(): Promise<void> } }>;
  close(): Promise<void>;
}

/** undici's Client on one pipelined connection (ordered like the library's lane), bodies encoded by the library's codec. */
function undiciSender(url: string, streamId: string): { send: Sender; close: () => void } {
  const { Client } = require(UNDICI_PATH as string) as { Client: new (url: string, options: object) => UndiciClient };
  const client = new Client(new URL(url).origin, { pipelining: ORDERED_PIPELINE_DEPTH });
  const codec = getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, 'json');
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'mesos-stream-id': streamId };
  return {
    send: async (call) => {
      const res = await client.request({
        method: 'POST',
        path: '/api/v1/scheduler',
        headers,
        body: codec.encode(call),
      });
      await res.body.dump();
      if (res.statusCode !== 202) throw new Error(`status ${res.statusCode}`);
    },
    close: () => void client.close(),
  };
}

function rawSender(url: string, streamId: string, agent: http.Agent): Sender {
  const target = new URL('/api/v1/scheduler', url);
  return (call) =>
    new Promise<void>((resolve, reject) => {
      const req = http.request(
        target,
        {
          method: 'POST',
          agent,
          headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'Mesos-Stream-Id': streamId },
        },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => (res.statusCode === 202 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(rawJson(call));
    });
}

interface Cell {
  callsPerSecond: number;
  p50: number;
  p99: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function measureCell(send: Sender, type: CallType, concurrency: number, total: number): Promise<Cell> {
  const latencies: number[] = [];
  let issued = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < total) {
      const call = buildCall(type, issued++);
      const t0 = performance.now();
      await send(call);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { callsPerSecond: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** Runs the calls benchmark. */
export async function run(): Promise<BenchResult> {
  const server = BenchChild.start('bench/lib/event-stream-server.ts', { events: 0, afterLast: 'idle' });
  const { url } = await server.next<{ url: string }>(30_000);
  const clients = new Map<string, { send: Sender; close: () => void }>();
  const results = new Map<string, Cell[]>();
  let streamId = '';
  try {
    for (const concurrency of CONCURRENCIES) {
      for (const kind of CLIENTS_AT[concurrency] ?? []) {
        if (kind === 'raw' || kind === 'undici-json') continue;
        const format = kind.includes('json') ? 'json' : 'protobuf';
        const wide = kind.endsWith('-wide');
        const client = new SchedulerClient(
          url,
          wide
            ? { contentType: format, maxConcurrentCalls: concurrency, maxConcurrentAcknowledgements: concurrency }
            : { contentType: format },
        );
        const subscription = await client.subscribe({
          type: 'SUBSCRIBE',
          subscribe: { framework_info: { user: 'bench', name: 'calls' } },
        });
        streamId = subscription.streamId;
        clients.set(`${kind}/${concurrency}`, {
          send: async (call) => {
            await client.call(call);
          },
          close: () => client.close(),
        });
      }
      const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
      clients.set(`raw/${concurrency}`, { send: rawSender(url, streamId, agent), close: () => agent.destroy() });
      if (UNDICI.length > 0) clients.set(`undici-json/${concurrency}`, undiciSender(url, streamId));
    }
    const cells: Array<{ client: ClientKind; type: CallType; concurrency: number }> = [];
    for (const type of CALL_TYPES) {
      for (const concurrency of CONCURRENCIES) {
        for (const client of CLIENTS_AT[concurrency] ?? []) cells.push({ client, type, concurrency });
      }
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = cells.map((_, i) => cells[(i * 7 + round * 5) % cells.length] as (typeof cells)[number]);
      for (const { client, type, concurrency } of order) {
        const entry = clients.get(`${client}/${concurrency}`);
        if (!entry) throw new Error(`no client ${client}/${concurrency}`);
        const cell = await measureCell(entry.send, type, concurrency, CALLS_AT[concurrency] ?? 1000);
        const key = `${client}|${type}|${concurrency}`;
        results.set(key, [...(results.get(key) ?? []), cell]);
      }
      process.stderr.write(`  round ${round + 1}/${ROUNDS} done\n`);
    }
    server.send({ counters: true });
  } finally {
    for (const { close } of clients.values()) close();
  }
  type CountersMessage = {
    stream?: unknown;
    calls: { byType: Record<string, number>; badStreamId: number; malformed: number };
  };
  // Skip the per-stream reports the server printed for each subscription; the answer has no `stream`.
  let counters = await server.next<CountersMessage>(10_000);
  while (counters.stream !== undefined) counters = await server.next<CountersMessage>(10_000);
  await server.finish();

  const rows: Row[] = [];
  const figures: Record<string, number> = {};
  const notes: string[] = [];
  const summary = (client: ClientKind, type: CallType, concurrency: number) => {
    const list = results.get(`${client}|${type}|${concurrency}`) ?? [];
    return {
      callsPerSecond: median(list.map((c) => c.callsPerSecond)),
      p50: median(list.map((c) => c.p50)),
      p99: median(list.map((c) => c.p99)),
    };
  };
  /** Every library cell counts against the 80% target: the defaults (ordered, pipelined) and "64 wide". */
  const comparable = (client: ClientKind) => client.startsWith('library');
  const worst: Array<{ label: string; ratio: number }> = [];
  for (const type of CALL_TYPES) {
    for (const concurrency of CONCURRENCIES) {
      const raw = summary('raw', type, concurrency);
      for (const client of CLIENTS_AT[concurrency] ?? []) {
        const s = summary(client, type, concurrency);
        const ratio = s.callsPerSecond / raw.callsPerSecond;
        rows.push({
          call: type,
          concurrency,
          client: CLIENT_LABELS[client],
          'calls/s': s.callsPerSecond,
          'p50 ms': Math.round(s.p50 * 1000) / 1000,
          'p99 ms': Math.round(s.p99 * 1000) / 1000,
          'vs raw': Math.round(ratio * 100) / 100,
        });
        const key = `${client.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}${type}${concurrency}`;
        figures[`${key}CallsPerSecond`] = Math.round(s.callsPerSecond);
        figures[`${key}P50Ms`] = Math.round(s.p50 * 1000) / 1000;
        figures[`${key}P99Ms`] = Math.round(s.p99 * 1000) / 1000;
        if (client !== 'raw') figures[`${key}VsRaw`] = Math.round(ratio * 100) / 100;
        if (comparable(client)) worst.push({ label: `${CLIENT_LABELS[client]} ${type} at ${concurrency}`, ratio });
      }
    }
  }
  worst.sort((a, b) => a.ratio - b.ratio);
  const lowest = worst[0];
  const failing = worst.filter((w) => w.ratio < 0.8);
  const defaults64 = worst.filter((w) => w.label.includes('(defaults)') && w.label.endsWith(' at 64'));
  const lowestDefault = [...defaults64].sort((a, b) => a.ratio - b.ratio)[0];
  notes.push(
    `${ROUNDS} rounds, medians; ${CALLS_AT[1]} calls per cell at concurrency 1, ${CALLS_AT[64]} at 64. Library = SchedulerClient (lib/transport). "defaults": ACCEPT and DECLINE on the ordered lane, pipelined on one connection in call order (up to ${ORDERED_PIPELINE_DEPTH} written before their answers, as libprocess reads them), ACKNOWLEDGE on the pipelined acknowledgement lane (16 in flight over 2 connections). "64 wide": maxConcurrentCalls = maxConcurrentAcknowledgements = 64 (calls then unordered, one http.request per call over 64 sockets). Raw = http.request + keep-alive Agent(maxSockets = concurrency) + JSON.stringify. Server (202 to everything) in a child process.`,
    `Server saw ${Object.entries(counters.calls.byType)
      .map(([t, n]) => `${n} ${t}`)
      .join(', ')}; ${counters.calls.badStreamId} without a valid stream id, ${counters.calls.malformed} malformed.`,
    `Target >= 80% of the raw loop at concurrency 64 in the default (ordered) mode: ${defaults64.every((w) => w.ratio >= 0.8) ? 'MET' : 'MISSED'} (lowest: ${lowestDefault?.label} at ${Math.round((lowestDefault?.ratio ?? 0) * 100)}%).`,
    `All library cells >= 80% of the raw loop: ${failing.length === 0 ? 'yes' : 'no'} (lowest: ${lowest?.label} at ${Math.round((lowest?.ratio ?? 0) * 100)}%${failing.length > 0 ? `; below 80%: ${failing.map((f) => `${f.label} ${Math.round(f.ratio * 100)}%`).join(', ')}` : ''}).`,
  );
  figures.lowestDefaults64VsRaw = Math.round((lowestDefault?.ratio ?? 0) * 100) / 100;
  figures.lowestVsRaw = Math.round((lowest?.ratio ?? 0) * 100) / 100;
  return { name: 'calls', rows, figures, notes };
}

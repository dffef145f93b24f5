/**
 * MesosExecutorDriver under chaos, against a scripted loopback agent driven by a seeded schedule:
 * bursts of sendStatusUpdate while the agent cuts the stream in the middle of a record, restarts
 * (answering 503 while it "recovers"), or goes silent (holds every request, as a stopped process
 * would, then answers them all). At the end every update reached the agent, in order per task,
 * none dropped, and each was re-sent (in a SUBSCRIBE) until acknowledged; the executor then ends
 * as Mesos expects: SHUTDOWN, the grace period, the recovery timeout, or at once without
 * checkpointing.
 *
 * The seed comes from MESOS_DRIVER_CHAOS_SEED (default fixed); it is printed so a failure replays.
 */
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { expect } from 'chai';
import { getCodec, MEDIA_TYPES, TYPE_NAMES, type WireFormat } from '../../lib/codec/codec';
import type { executor, TaskStatus } from '../../lib/codec/messages';
import { encodeRecord } from '../../lib/codec/recordio';
import { MesosExecutorDriver } from '../../lib/driver/executor-driver';
import type { Executor } from '../../lib/driver/executor-types';
import { Status } from '../../lib/driver/status';
import { sleep, waitFor } from './helpers/driver-harness';
import { chaosSeed, seededRandom } from './helpers/seeded-random';

const SEED = chaosSeed(16_2026);
const GRACE_MS = 300;

const hex = (bytes: Uint8Array | string | undefined) => Buffer.from(bytes ?? '').toString('hex');

/** One update as the agent received it. */
interface Arrival {
  task: string;
  uuid: string;
  message: string;
  via: 'call' | 'subscribe';
}

/** A scripted agent: acknowledges every update it receives, unless told to misbehave. */
class ChaosAgent {
  readonly arrivals: Arrival[] = [];
  /** Uuids acknowledged on a stream (the ack may still be lost if the stream is cut). */
  readonly acked = new Set<string>();
  subscribes = 0;
  refused = 0;
  /** The next SUBSCRIBEs (and calls) are answered 503, as an agent that has not finished recovery. */
  recovering = 0;
  private silent = false;
  /** False after a restart until the executor subscribes again (the agent then answers calls 403). */
  private registered = false;
  private held: Array<() => void> = [];
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private stream: { res: http.ServerResponse; format: WireFormat } | undefined;
  private port = 0;

  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }
  get streaming(): boolean {
    return this.stream !== undefined;
  }

  env(checkpoint: boolean, overrides: Record<string, string> = {}): Record<string, string> {
    return {
      MESOS_AGENT_ENDPOINT: this.endpoint,
      MESOS_SLAVE_PID: `slave(1)@${this.endpoint}`,
      MESOS_FRAMEWORK_ID: 'fw-1',
      MESOS_EXECUTOR_ID: 'exec-1',
      MESOS_DIRECTORY: '/tmp',
      MESOS_SLAVE_ID: 'agent-1',
      MESOS_CHECKPOINT: checkpoint ? '1' : '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: `${GRACE_MS}ms`,
      ...(checkpoint ? { MESOS_RECOVERY_TIMEOUT: '20secs', MESOS_SUBSCRIPTION_BACKOFF_MAX: '100ms' } : {}),
      ...overrides,
    };
  }

  async listen(): Promise<void> {
    const server = http.createServer((req, res) => this.onRequest(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  /** The agent process dies: every connection is reset. */
  async stop(): Promise<void> {
    this.events.push('stop');
    const server = this.server;
    this.server = undefined;
    this.stream = undefined;
    this.held = [];
    this.silent = false;
    this.registered = false;
    for (const socket of this.sockets) socket.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Writes the first half of an ACKNOWLEDGED-sized record, then resets the stream's connection. */
  cutMidRecord(): void {
    const stream = this.stream;
    if (!stream) return;
    this.stream = undefined;
    const record = encodeRecord(this.encode({ type: 'HEARTBEAT' }, stream.format));
    stream.res.write(record.subarray(0, Math.max(1, record.length >> 1)));
    stream.res.socket?.destroy();
  }

  /** Stops answering (as SIGSTOP would); resume() answers everything held, in order. */
  goSilent(): void {
    this.events.push('silent');
    this.silent = true;
  }
  resume(): void {
    this.events.push('resume');
    this.silent = false;
    for (const answer of this.held.splice(0)) answer();
  }

  shutdownExecutor(): void {
    this.send({ type: 'SHUTDOWN' });
  }

  private encode(event: executor.Event, format: WireFormat): Uint8Array {
    return getCodec<executor.Event>(TYPE_NAMES.ExecutorEvent, format).encode(event);
  }

  private send(event: executor.Event): boolean {
    const stream = this.stream;
    if (!stream || stream.res.destroyed) return false;
    stream.res.write(encodeRecord(this.encode(event, stream.format)));
    return true;
  }

  /** What happened, in order (written to MESOS_DRIVER_CHAOS_DUMP when set, to study a failure). */
  readonly events: string[] = [];
  private receive(update: executor.Call.Update, via: Arrival['via']): void {
    this.events.push(`arrive ${update.status.message} ${via}`);
    const status = update.status;
    const uuid = hex(status.uuid);
    this.arrivals.push({ task: status.task_id.value, uuid, message: status.message ?? '', via });
    if (this.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid ?? '' } })) {
      this.acked.add(uuid);
    }
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const answer = () => this.answer(req, res, Buffer.concat(parts));
      if (this.silent) this.held.push(answer);
      else answer();
    });
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void {
    // A request whose connection the executor reset while the agent was silent is gone, with every
    // request pipelined behind it on that connection (as bytes discarded with the connection).
    if (req.socket.destroyed) return;
    const format: WireFormat = req.headers['content-type'] === MEDIA_TYPES.json ? 'json' : 'protobuf';
    const call = getCodec<executor.Call>(TYPE_NAMES.ExecutorCall, format).decode(body);
    if (this.recovering > 0) {
      if (call.type === 'SUBSCRIBE') {
        this.recovering--;
        this.refused++;
      }
      this.events.push(`503 ${call.type} ${call.update?.status.message ?? ''}`);
      res.writeHead(503, { 'Content-Type': 'text/plain' }).end('Agent has not finished recovery');
      return;
    }
    if (call.type !== 'SUBSCRIBE') {
      if (call.type === 'UPDATE' && !this.registered) {
        this.events.push(`403 ${call.update?.status.message}`);
        res.writeHead(403, { 'Content-Type': 'text/plain' }).end('Executor is not subscribed');
        return;
      }
      res.writeHead(202).end();
      if (call.type === 'UPDATE' && call.update) this.receive(call.update, 'call');
      return;
    }
    this.subscribes++;
    this.events.push(
      `SUBSCRIBE ${(call.subscribe?.unacknowledged_updates ?? []).map((u) => u.status.message).join(',')}`,
    );
    this.registered = true;
    this.stream?.res.end();
    res.writeHead(200, { 'Content-Type': MEDIA_TYPES[format] });
    const stream = { res, format };
    this.stream = stream;
    res.on('close', () => {
      if (this.stream === stream) this.stream = undefined;
    });
    this.send({
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: { executor_id: { value: 'exec-1' } },
        framework_info: { user: 'u', name: 'chaos', id: { value: 'fw-1' }, checkpoint: true },
        agent_info: { hostname: 'chaos-agent', id: { value: 'agent-1' } },
      },
    });
    // As Slave::subscribe: the unacknowledged updates are processed again (duplicates are safe).
    for (const update of call.subscribe?.unacknowledged_updates ?? []) this.receive(update, 'subscribe');
  }
}

/** An executor recording its callbacks; on shutdown it reports its open tasks TASK_KILLED. */
function chaosExecutor(log: string[], open: Set<string>): Executor {
  return {
    registered: () => void log.push('registered'),
    reregistered: () => void log.push('reregistered'),
    disconnected: () => void log.push('disconnected'),
    shutdown: (driver) => {
      log.push('shutdown');
      for (const task of open) driver.sendStatusUpdate({ task_id: { value: task }, state: 'TASK_KILLED' });
    },
    error: (_d, message) => void log.push(`error ${message}`),
  };
}

type Fault = 'cut' | 'restart' | 'restart503' | 'silent' | 'none';

describe('MesosExecutorDriver under chaos (scripted agent, seeded)', function () {
  this.timeout(30_000);
  let agent: ChaosAgent;
  const drivers: MesosExecutorDriver[] = [];

  beforeEach(async () => {
    agent = new ChaosAgent();
    await agent.listen();
  });
  afterEach(async () => {
    for (const driver of drivers.splice(0)) driver.abort();
    await agent.stop();
  });

  function start(env: Record<string, string>, log: string[], open: Set<string>) {
    const terminated: number[] = [];
    const driver = new MesosExecutorDriver(chaosExecutor(log, open), {
      environment: env,
      random: seededRandom(SEED + 1),
      callTimeoutMs: 400,
      terminateProcess: () => terminated.push(Date.now()),
    });
    drivers.push(driver);
    driver.start();
    return { driver, terminated };
  }

  /** Per task, the first arrival of each update, in arrival order; none missing, in send order. */
  function checkDelivery(sent: Map<string, string[]>): { duplicates: number } {
    const firstSeen = new Set<string>();
    const perTask = new Map<string, string[]>();
    for (const arrival of agent.arrivals) {
      if (firstSeen.has(arrival.uuid)) continue;
      firstSeen.add(arrival.uuid);
      perTask.set(arrival.task, [...(perTask.get(arrival.task) ?? []), arrival.message]);
    }
    for (const [task, messages] of sent) expect(perTask.get(task), `updates of ${task}`).to.deep.equal(messages);
    return { duplicates: agent.arrivals.length - firstSeen.size };
  }

  it('with checkpointing: every update is acknowledged, re-sent until then, in order per task, none dropped; SHUTDOWN ends it after the grace period', async () => {
    const random = seededRandom(SEED);
    console.log(`      chaos seed ${SEED} (MESOS_DRIVER_CHAOS_SEED replays it)`);
    const log: string[] = [];
    const tasks = ['t0', 't1', 't2', 't3'];
    const open = new Set(tasks);
    const { driver, terminated } = start(agent.env(true), log, open);
    await waitFor('registered', () => log.includes('registered'));
    const sent = new Map<string, string[]>(tasks.map((t) => [t, []]));
    const counts: Record<Fault, number> = { cut: 0, restart: 0, restart503: 0, silent: 0, none: 0 };
    const burst = (n: number) => {
      for (let i = 0; i < n; i++) {
        const task = tasks[Math.floor(random() * tasks.length)] as string;
        const messages = sent.get(task) as string[];
        const message = `${task}#${messages.length}`;
        messages.push(message);
        driver.sendStatusUpdate({ task_id: { value: task }, state: 'TASK_RUNNING', message } as TaskStatus);
      }
    };
    const faults: Fault[] = ['cut', 'restart', 'restart503', 'silent', 'none'];
    for (let round = 0; round < 16; round++) {
      const fault = faults[Math.floor(random() * faults.length)] as Fault;
      counts[fault]++;
      burst(1 + Math.floor(random() * 20));
      await sleep(Math.floor(random() * 15));
      agent.events.push(`fault ${fault}`);
      if (fault === 'cut') agent.cutMidRecord();
      else if (fault === 'restart' || fault === 'restart503') {
        await agent.stop();
        burst(1 + Math.floor(random() * 10));
        await sleep(20 + Math.floor(random() * 100));
        if (fault === 'restart503') agent.recovering = 1 + Math.floor(random() * 3);
        await agent.listen();
      } else if (fault === 'silent') {
        agent.goSilent();
        burst(1 + Math.floor(random() * 10));
        await sleep(100 + Math.floor(random() * 500));
        agent.resume();
      }
      burst(Math.floor(random() * 10));
      await sleep(Math.floor(random() * 60));
    }
    await waitFor(
      'every update acknowledged',
      () => agent.streaming && driver.unacknowledged.unacknowledged_updates?.length === 0,
      10_000,
      () => ({ left: driver.unacknowledged.unacknowledged_updates?.length, log: log.slice(-5) }),
    );
    if (process.env.MESOS_DRIVER_CHAOS_DUMP)
      writeFileSync(process.env.MESOS_DRIVER_CHAOS_DUMP, agent.events.join('\n'));
    const { duplicates } = checkDelivery(sent);
    const total = [...sent.values()].reduce((n, m) => n + m.length, 0);
    const resent = agent.arrivals.filter((a) => a.via === 'subscribe').length;
    console.log(
      `      executor chaos: ${JSON.stringify(counts)}; updates ${total}, arrivals ${agent.arrivals.length} ` +
        `(duplicates ${duplicates}, re-sent in SUBSCRIBE ${resent}); SUBSCRIBEs ${agent.subscribes}, refused ${agent.refused}`,
    );
    expect(agent.acked.size).to.equal(total);
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
    expect(log.filter((l) => l.startsWith('error'))).to.deep.equal([]);
    // An update whose acknowledgement was lost with a cut stream went out again.
    expect(resent).to.be.greaterThan(0);

    // SHUTDOWN: the executor reports its tasks, the driver stops, the process ends after the grace period.
    const shutdownAt = Date.now();
    agent.shutdownExecutor();
    await waitFor('driver stopped', () => driver.status === Status.DRIVER_STOPPED, 5000);
    await waitFor('process ended', () => terminated.length > 0, GRACE_MS * 3);
    expect((terminated[0] as number) - shutdownAt).to.be.at.least(GRACE_MS - 20);
    const killed = agent.arrivals.filter((a) => a.message === '').map((a) => a.task);
    expect([...new Set(killed)].sort()).to.deep.equal(tasks);
  });

  it('with checkpointing, an agent that stays away (or answers 503): shutdown at the recovery timeout, process ended after the grace period', async () => {
    const log: string[] = [];
    const { driver, terminated } = start(agent.env(true, { MESOS_RECOVERY_TIMEOUT: '800ms' }), log, new Set(['t0']));
    await waitFor('registered', () => log.includes('registered'));
    driver.sendStatusUpdate({ task_id: { value: 't0' }, state: 'TASK_RUNNING' });
    await waitFor('acknowledged', () => driver.unacknowledged.unacknowledged_updates?.length === 0);
    await agent.stop();
    const lostAt = Date.now();
    await sleep(200);
    agent.recovering = Number.MAX_SAFE_INTEGER;
    await agent.listen();
    await waitFor('shutdown', () => log.includes('shutdown'), 3000);
    const shutdownAfter = Date.now() - lostAt;
    await waitFor('driver stopped', () => driver.status === Status.DRIVER_STOPPED, 3000);
    await waitFor('process ended', () => terminated.length > 0, 3000);
    expect(shutdownAfter).to.be.within(750, 1500);
    expect((terminated[0] as number) - lostAt).to.be.at.least(800 + GRACE_MS - 20);
    expect(agent.refused).to.be.greaterThan(0);
    expect(log).to.deep.equal(['registered', 'disconnected', 'shutdown']);
  });

  it('without checkpointing: an agent restart shuts the executor down at once, no reconnection, process ended after the grace period', async () => {
    const log: string[] = [];
    const { driver, terminated } = start(agent.env(false), log, new Set());
    await waitFor('registered', () => log.includes('registered'));
    for (let i = 0; i < 5; i++) driver.sendStatusUpdate({ task_id: { value: 't0' }, state: 'TASK_RUNNING' });
    await waitFor('acknowledged', () => driver.unacknowledged.unacknowledged_updates?.length === 0);
    await agent.stop();
    const lostAt = Date.now();
    await agent.listen();
    await waitFor('shutdown', () => log.includes('shutdown'), 2000);
    expect(Date.now() - lostAt).to.be.below(GRACE_MS);
    await waitFor('process ended', () => terminated.length > 0, 2000);
    expect((terminated[0] as number) - lostAt).to.be.at.least(GRACE_MS - 20);
    await sleep(200);
    expect(agent.subscribes).to.equal(1);
    expect(driver.status).to.equal(Status.DRIVER_STOPPED);
    expect(log).to.deep.equal(['registered', 'shutdown']);
  });
});

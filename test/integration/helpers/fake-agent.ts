/**
 * A scripted Mesos agent for executor tests: a real HTTP server on 127.0.0.1 serving
 * `POST /api/v1/executor` with the library's own codecs and RecordIO. Tests push events down the
 * current SUBSCRIBE stream, read the calls it received, and stop/restart it on the same port to
 * play an agent restart.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { getCodec, MEDIA_TYPES, TYPE_NAMES, type WireFormat } from '../../../lib/codec/codec';
import type { executor } from '../../../lib/codec/messages';
import { encodeRecord } from '../../../lib/codec/recordio';

/** Behaviour switches of {@link FakeAgent}. */
export interface FakeAgentOptions {
  /** Answer SUBSCRIBE with a SUBSCRIBED event at once. Default true. */
  autoSubscribed?: boolean;
  /** Answer every UPDATE with ACKNOWLEDGED on the stream. Default true. */
  autoAcknowledge?: boolean;
  /** When set, SUBSCRIBE is answered with this status (e.g. 503) instead of a stream. */
  subscribeStatus?: number;
  /** Listen on this Unix domain socket instead of a loopback TCP port (`env()` then sets MESOS_DOMAIN_SOCKET). */
  socketPath?: string;
}

/** The SUBSCRIBED event the fake agent sends. */
export function subscribedEvent(hostname = 'fake-agent'): executor.Event {
  return {
    type: 'SUBSCRIBED',
    subscribed: {
      executor_info: { executor_id: { value: 'exec-1' }, name: 'Test Executor' },
      framework_info: { user: 'tester', name: 'Test Framework', id: { value: 'fw-1' } },
      agent_info: { hostname, id: { value: 'agent-1' } },
    },
  };
}

/** A scripted loopback agent. */
export class FakeAgent {
  readonly options: Required<Omit<FakeAgentOptions, 'subscribeStatus' | 'socketPath'>> &
    Pick<FakeAgentOptions, 'subscribeStatus' | 'socketPath'>;
  /** Every SUBSCRIBE received, decoded, oldest first (across restarts). */
  readonly subscribes: executor.Call[] = [];
  /** Every other call received, decoded, oldest first (across restarts). */
  readonly calls: executor.Call[] = [];
  /** Bearer tokens seen in Authorization headers (to check token handling). */
  readonly authorizations: Array<string | undefined> = [];
  /** The request path of every request, oldest first. */
  readonly paths: string[] = [];
  private server: http.Server | undefined;
  private readonly sockets = new Set<Socket>();
  private stream: { res: http.ServerResponse; format: WireFormat } | undefined;
  private waiters: Array<() => void> = [];
  private portNumber = 0;
  private hostname = 'fake-agent';

  private constructor(options: FakeAgentOptions) {
    this.options = { autoSubscribed: true, autoAcknowledge: true, ...options };
    // On a Unix socket, MESOS_AGENT_ENDPOINT names a port nothing listens on: any TCP use fails.
    if (options.socketPath !== undefined) this.portNumber = 1;
  }

  /** Starts an agent on a free loopback port. */
  static async start(options: FakeAgentOptions = {}): Promise<FakeAgent> {
    const agent = new FakeAgent(options);
    await agent.listen(0);
    return agent;
  }

  /** `127.0.0.1:<port>`, as MESOS_AGENT_ENDPOINT holds it. */
  get endpoint(): string {
    return `127.0.0.1:${this.portNumber}`;
  }

  /** True while a SUBSCRIBE stream is open. */
  get streaming(): boolean {
    return this.stream !== undefined;
  }

  /** The environment a real agent would give the executor. */
  env(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
    return {
      ...(this.options.socketPath !== undefined && { MESOS_DOMAIN_SOCKET: this.options.socketPath }),
      MESOS_AGENT_ENDPOINT: this.endpoint,
      MESOS_SLAVE_PID: `slave(1)@${this.endpoint}`,
      MESOS_FRAMEWORK_ID: 'fw-1',
      MESOS_EXECUTOR_ID: 'exec-1',
      MESOS_DIRECTORY: '/tmp',
      MESOS_SLAVE_ID: 'agent-1',
      MESOS_CHECKPOINT: '0',
      MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '5secs',
      ...overrides,
    };
  }

  /** Sends an event down the open SUBSCRIBE stream. */
  send(event: executor.Event): void {
    const stream = this.stream;
    if (!stream) throw new Error('FakeAgent: no open SUBSCRIBE stream');
    stream.res.write(encodeRecord(getCodec<executor.Event>(TYPE_NAMES.ExecutorEvent, stream.format).encode(event)));
  }

  /** Resolves once `predicate` holds, checking after every request; rejects after `timeoutMs`. */
  async waitFor(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`FakeAgent: timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Calls of one type, in order. */
  callsOf(type: executor.Call.Type): executor.Call[] {
    return this.calls.filter((call) => call.type === type);
  }

  /** Ends the open stream cleanly (EOF), as an agent closing it. */
  endStream(): void {
    this.stream?.res.end();
    this.stream = undefined;
  }

  /** Plays an agent going away: closes the server and destroys every connection. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.stream = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Plays the agent coming back on the same port (after `stop()`). */
  async restart(hostname = 'fake-agent-restarted'): Promise<void> {
    this.hostname = hostname;
    await this.listen(this.portNumber);
  }

  private async listen(port: number): Promise<void> {
    const server = http.createServer((req, res) => this.onRequest(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      if (this.options.socketPath !== undefined) server.listen(this.options.socketPath, () => resolve());
      else server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    if (this.options.socketPath === undefined) this.portNumber = (server.address() as AddressInfo).port;
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      this.paths.push(req.url ?? '');
      if (req.method !== 'POST' || (req.url !== '/api/v1/executor' && req.url !== '/slave(1)/api/v1/executor')) {
        res.writeHead(404).end();
        return;
      }
      const format: WireFormat = req.headers['content-type'] === MEDIA_TYPES.json ? 'json' : 'protobuf';
      let call: executor.Call;
      try {
        call = getCodec<executor.Call>(TYPE_NAMES.ExecutorCall, format).decode(Buffer.concat(parts));
      } catch (err) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end(`Failed to parse body: ${(err as Error).message}`);
        return;
      }
      this.authorizations.push(req.headers.authorization);
      if (call.type === 'SUBSCRIBE') this.onSubscribe(call, format, res);
      else this.onCall(call, res);
      this.notify();
    });
  }

  private onSubscribe(call: executor.Call, format: WireFormat, res: http.ServerResponse): void {
    this.subscribes.push(call);
    if (this.options.subscribeStatus !== undefined) {
      res.writeHead(this.options.subscribeStatus, { 'Content-Type': 'text/plain' }).end('scripted refusal');
      return;
    }
    // As a real agent: a new subscription replaces the old stream.
    this.stream?.res.end();
    res.writeHead(200, { 'Content-Type': MEDIA_TYPES[format] });
    res.flushHeaders();
    const stream = { res, format };
    this.stream = stream;
    res.on('close', () => {
      if (this.stream === stream) this.stream = undefined;
    });
    if (this.options.autoSubscribed) this.send(subscribedEvent(this.hostname));
  }

  private onCall(call: executor.Call, res: http.ServerResponse): void {
    this.calls.push(call);
    res.writeHead(202).end();
    const status = call.update?.status;
    if (call.type === 'UPDATE' && status?.uuid && this.options.autoAcknowledge && this.stream) {
      this.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid } });
    }
  }
}

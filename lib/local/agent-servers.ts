/**
 * The listeners of a LocalAgent: its HTTP server on 127.0.0.1 (every endpoint, loopback Host
 * only) and, with `httpExecutorDomainSockets` (Mesos agent flag `--http_executor_domain_sockets`),
 * a Unix domain socket serving the executor API only, whose path executors get as
 * MESOS_DOMAIN_SOCKET. The socket lives in a private directory (0700) of its own under the
 * temporary folder, short enough for a socket address, and is itself 0600, so no other user can
 * reach it; it keeps its path across agent restarts and is removed when the agent stops.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MesosConfigError } from '../common/errors';
import { createLogger } from '../common/logger';
import { MAX_SOCKET_PATH_BYTES } from '../transport/executor-client';
import { refuseForeignHost } from './control/guard';

const log = createLogger('local:agent');

/** The paths of the executor API on an agent. */
export const EXECUTOR_PATHS: ReadonlySet<string> = new Set(['/api/v1/executor', '/slave(1)/api/v1/executor']);

/** The socket's file name in its directory (Mesos's default is `<runtime_dir>/agent.sock`). */
const SOCKET_FILE = 'agent.sock';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** Executor API requests each listener received (what the agent's `executorEndpoints` shows). */
export interface ExecutorRequestCounts {
  /** Requests on the agent's TCP endpoint. */
  tcp: number;
  /** Requests on the executor domain socket. */
  domainSocket: number;
}

/** Where the agent serves the executor API, and what each listener received. */
export interface ExecutorEndpoints {
  /** The Unix socket path given to executors as MESOS_DOMAIN_SOCKET, when the agent has one. */
  domainSocket?: string;
  /** Executor API requests received on each listener. */
  requests: Readonly<ExecutorRequestCounts>;
}

/** The option `httpExecutorDomainSockets`, checked: a boolean, false when absent. */
export function domainSocketsOption(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean')
    throw new MesosConfigError(`Option httpExecutorDomainSockets must be a boolean, got ${String(value)}`);
  return value;
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

async function listenOn(server: Server, where: { port: number; host: string } | { path: string }): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(where, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A directory of our own for the socket: under the temporary folder, or /tmp when that is too long. */
async function socketDirectory(): Promise<string> {
  for (const base of [tmpdir(), '/tmp']) {
    const dir = await mkdtemp(join(base, 'mesos-agent-'));
    if (Buffer.byteLength(join(dir, SOCKET_FILE)) <= MAX_SOCKET_PATH_BYTES) return dir;
    await rm(dir, { recursive: true, force: true });
  }
  throw new MesosConfigError(
    `Cannot place the agent's executor socket: the temporary folder's path is too long for a Unix socket address (at most ${MAX_SOCKET_PATH_BYTES} bytes)`,
  );
}

/** The agent's TCP server and, when asked for, its executor domain socket. */
export class AgentServers {
  /** Executor API requests received on each listener. */
  readonly executorRequests: ExecutorRequestCounts = { tcp: 0, domainSocket: 0 };
  private tcp: Server | undefined;
  private unix: Server | undefined;
  private readonly connections = new Set<Socket>();
  private socketDir: string | undefined;

  /** `handle` serves every request; `domainSockets` says (when first listening) whether to open the socket. */
  constructor(
    private readonly handle: Handler,
    private readonly domainSockets: () => boolean,
  ) {}

  /** True while the servers are open. */
  get listening(): boolean {
    return this.tcp !== undefined;
  }

  /** Path of the executor domain socket, once the agent has listened with the option on. */
  get domainSocketPath(): string | undefined {
    return this.socketDir === undefined ? undefined : join(this.socketDir, SOCKET_FILE);
  }

  /** MESOS_DOMAIN_SOCKET for executors and command tasks, when the socket is on. */
  environment(): Record<string, string> {
    const path = this.domainSocketPath;
    return path === undefined ? {} : { MESOS_DOMAIN_SOCKET: path };
  }

  /** @internal What the TCP server runs per request (in-process fuzzing calls it with no socket). */
  readonly serveTcp = (req: IncomingMessage, res: ServerResponse): void => {
    if (refuseForeignHost(req, res)) return;
    if (EXECUTOR_PATHS.has(pathOf(req))) this.executorRequests.tcp++;
    this.handle(req, res);
  };

  /** Opens the TCP server on 127.0.0.1:`port` (0: a free one) and the socket when on; resolves with the port. */
  async listen(port: number): Promise<number> {
    const tcp = this.track(createServer(this.serveTcp));
    await listenOn(tcp, { port, host: '127.0.0.1' });
    this.tcp = tcp;
    if (this.domainSockets()) await this.listenOnSocket();
    return (tcp.address() as AddressInfo).port;
  }

  private async listenOnSocket(): Promise<void> {
    this.socketDir ??= await socketDirectory();
    const path = this.domainSocketPath as string;
    // A socket file left by a server that did not close cleanly would make listen() fail.
    await rm(path, { force: true });
    const unix = this.track(
      createServer((req, res) => {
        if (!EXECUTOR_PATHS.has(pathOf(req))) {
          req.resume();
          res.writeHead(404).end();
          return;
        }
        this.executorRequests.domainSocket++;
        this.handle(req, res);
      }),
    );
    await listenOn(unix, { path });
    this.unix = unix;
    await chmod(path, 0o600);
    log('executor API also on %s', path);
  }

  /** Closes the servers and drops every connection; the socket keeps its path for the next listen(). */
  async close(): Promise<void> {
    const servers = [this.tcp, this.unix].filter((server) => server !== undefined);
    this.tcp = undefined;
    this.unix = undefined;
    const closed = servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
    await Promise.all(closed);
  }

  /** Removes the socket's directory (after close()). */
  async removeSocketDirectory(): Promise<void> {
    const dir = this.socketDir;
    this.socketDir = undefined;
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }

  private track(server: Server): Server {
    server.on('connection', (socket: Socket) => {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
    });
    return server;
  }
}

/**
 * A small typed, promise-based face over node-zookeeper-client (which ships no types).
 * Only what the detector and the LocalCluster membership use is declared here.
 */
import { MesosAbortError, MesosTimeoutError } from '../common/errors';
import { MesosZooKeeperError } from './errors';

/** A ZooKeeper watch notification, as node-zookeeper-client delivers it. */
export interface ZkWatchEvent {
  readonly type: number;
  readonly name: string;
  readonly path: string;
}

/** The ZooKeeper ACL entry shape of node-zookeeper-client. */
export interface ZkAcl {
  readonly permission: number;
  readonly id: { readonly scheme: string; readonly id: string };
}

/** The node-zookeeper-client `Client` surface used by this library. */
export interface RawZkClient {
  connect(): void;
  close(): void;
  on(event: 'connected' | 'disconnected' | 'expired' | 'authenticationFailed', listener: () => void): unknown;
  once(event: 'connected' | 'disconnected' | 'expired' | 'authenticationFailed', listener: () => void): unknown;
  removeAllListeners(): unknown;
  addAuthInfo(scheme: string, auth: Buffer): void;
  getSessionId(): Buffer;
  getSessionPassword(): Buffer;
  getSessionTimeout(): number;
  getState(): { name: string; code: number };
  getChildren(
    path: string,
    watcher: ((event: ZkWatchEvent) => void) | undefined,
    cb: (err: RawZkError | null, children: string[]) => void,
  ): void;
  getData(
    path: string,
    watcher: ((event: ZkWatchEvent) => void) | undefined,
    cb: (err: RawZkError | null, data: Buffer | undefined) => void,
  ): void;
  exists(
    path: string,
    watcher: ((event: ZkWatchEvent) => void) | undefined,
    cb: (err: RawZkError | null, stat: unknown) => void,
  ): void;
  create(
    path: string,
    data: Buffer | null,
    acls: ZkAcl[],
    mode: number,
    cb: (err: RawZkError | null, path: string) => void,
  ): void;
  mkdirp(
    path: string,
    data: Buffer | null,
    acls: ZkAcl[],
    mode: number,
    cb: (err: RawZkError | null, path: string) => void,
  ): void;
  remove(path: string, version: number, cb: (err: RawZkError | null) => void): void;
}

/** The error object node-zookeeper-client passes to callbacks. */
export interface RawZkError extends Error {
  readonly code: number;
  readonly name: string;
}

interface ZkModule {
  createClient(
    connectString: string,
    options: {
      sessionTimeout: number;
      spinDelay: number;
      retries: number;
      sessionId?: Buffer;
      sessionPassword?: Buffer;
    },
  ): RawZkClient;
  ACL: {
    new (permission: number, id: unknown): ZkAcl;
    OPEN_ACL_UNSAFE: ZkAcl[];
    CREATOR_ALL_ACL: ZkAcl[];
    READ_ACL_UNSAFE: ZkAcl[];
  };
  Id: {
    new (scheme: string, id: string): { scheme: string; id: string };
    ANYONE_ID_UNSAFE: { scheme: string; id: string };
    AUTH_IDS: { scheme: string; id: string };
  };
  Permission: { READ: number; WRITE: number; CREATE: number; DELETE: number; ADMIN: number; ALL: number };
  CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };
  Event: { NODE_CREATED: number; NODE_DELETED: number; NODE_DATA_CHANGED: number; NODE_CHILDREN_CHANGED: number };
}

// The package has no type declarations; the interfaces above describe the part we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const zookeeper: ZkModule = require('node-zookeeper-client');

/** ZooKeeper error codes whose operation may succeed when repeated (after a reconnect). */
const RETRYABLE_CODES = new Set(['CONNECTION_LOSS', 'OPERATION_TIMEOUT', 'SESSION_EXPIRED', 'SYSTEM_ERROR']);

const HINTS: Record<string, string> = {
  NO_AUTH: 'not authorized: check the user:password of the zk:// URL and the znode ACLs',
  AUTH_FAILED: 'authentication failed',
  NO_NODE: 'no such znode',
  SESSION_EXPIRED: 'the ZooKeeper session expired',
  CONNECTION_LOSS: 'the connection to ZooKeeper was lost',
};

/** Turns a node-zookeeper-client error into a typed MesosZooKeeperError naming the operation and path. */
export function toZooKeeperError(err: unknown, operation: string, path: string): MesosZooKeeperError {
  const raw = err as Partial<RawZkError> | undefined;
  const code = typeof raw?.name === 'string' && typeof raw.code === 'number' ? raw.name : 'UNKNOWN';
  const hint = HINTS[code];
  return new MesosZooKeeperError(
    `ZooKeeper ${operation} ${path} failed: ${code}${hint ? ` (${hint})` : ''}`,
    code,
    path,
    { cause: err, retryable: RETRYABLE_CODES.has(code) || code === 'UNKNOWN' },
  );
}

/** Promise-returning ZooKeeper operations over one client; every failure is a MesosZooKeeperError. */
export class ZkOps {
  constructor(readonly client: RawZkClient) {}

  /** Runs one client call; the client asserts its arguments synchronously (e.g. a bad path), which becomes a rejection too. */
  private call<T>(
    operation: string,
    path: string,
    start: (resolve: (value: T) => void, reject: (err: unknown) => void) => void,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      try {
        start(resolve, (err) => reject(toZooKeeperError(err, operation, path)));
      } catch (err) {
        reject(
          new MesosZooKeeperError(
            `ZooKeeper ${operation} ${path} refused: ${(err as Error).message}`,
            'BAD_ARGUMENTS',
            path,
            { cause: err },
          ),
        );
      }
    });
  }

  getChildren(path: string, watcher?: (event: ZkWatchEvent) => void): Promise<string[]> {
    return this.call('getChildren', path, (resolve, reject) =>
      this.client.getChildren(path, watcher, (err, children) => (err ? reject(err) : resolve(children))),
    );
  }

  getData(path: string, watcher?: (event: ZkWatchEvent) => void): Promise<Buffer> {
    return this.call('getData', path, (resolve, reject) =>
      this.client.getData(path, watcher, (err, data) => (err ? reject(err) : resolve(data ?? Buffer.alloc(0)))),
    );
  }

  exists(path: string, watcher?: (event: ZkWatchEvent) => void): Promise<boolean> {
    return this.call('exists', path, (resolve, reject) =>
      this.client.exists(path, watcher, (err, stat) => (err ? reject(err) : resolve(Boolean(stat)))),
    );
  }

  create(path: string, data: Buffer, acls: ZkAcl[], mode: number): Promise<string> {
    return this.call('create', path, (resolve, reject) =>
      this.client.create(path, data, acls, mode, (err, created) => (err ? reject(err) : resolve(created))),
    );
  }

  /** Creates `path` and its missing parents as persistent znodes; an existing path is fine. */
  mkdirp(path: string, acls: ZkAcl[]): Promise<void> {
    return this.call('mkdirp', path, (resolve, reject) =>
      this.client.mkdirp(path, null, acls, zookeeper.CreateMode.PERSISTENT, (err) => (err ? reject(err) : resolve())),
    );
  }

  remove(path: string): Promise<void> {
    return this.call('remove', path, (resolve, reject) =>
      this.client.remove(path, -1, (err) => (err ? reject(err) : resolve())),
    );
  }
}

/** Options of {@link openZooKeeperSession}. */
export interface ZkSessionOptions {
  /** `host:port,host:port` (no path). */
  servers: string;
  sessionTimeoutMs: number;
  /** `user:password` for ZooKeeper digest authentication. */
  digest?: string;
  /** How long to wait for the first connection; default: the session timeout. */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}

/** Creates a client with the digest credentials set before it connects. It does not connect. */
export function createZooKeeperClient(servers: string, sessionTimeoutMs: number, digest?: string): RawZkClient {
  // spinDelay: pause after every server of the list failed once; small so a dead server costs little.
  const client = zookeeper.createClient(servers, { sessionTimeout: sessionTimeoutMs, spinDelay: 200, retries: 0 });
  if (digest !== undefined) client.addAuthInfo('digest', Buffer.from(digest));
  guardConnection(client);
  return client;
}

interface ManagerInternals {
  state: number;
  connectTimeout: number;
  sessionTimeout: number;
  socket?: { destroy(): void };
  onSocketConnected(this: ManagerInternals, ...args: unknown[]): void;
  onSocketData(this: ManagerInternals, ...args: unknown[]): void;
  /** Our liveness watchdog (see guardConnection). */
  livenessTimer?: NodeJS.Timeout;
}

/** node-zookeeper-client's ConnectionManager states we look at. */
const MANAGER_CONNECTING = 1;
const MANAGER_CONNECTED = 2;

/**
 * node-zookeeper-client has no read timeout: it stops its connect timer once TCP is up, so a server
 * that accepts but never answers the handshake (one still starting: ZooKeeper may accept a
 * connection during start-up and never read it) leaves it stuck, and a connection that silently
 * died (or was taken over by another client of the same session) is never noticed. So a handshake
 * gets a third of the session timeout (at most the library's per-server connect timeout), which
 * leaves room for further attempts before the session is given up; and, as ZooKeeper's Java client
 * does, a connection that delivers nothing for 2/3 of the session timeout (pings are sent every
 * 1/3) is ended, and the client reconnects (and learns about an expired session). Both checks
 * look again after pending I/O is read, so a stalled event loop does not end a healthy connection.
 */
function guardConnection(client: RawZkClient): void {
  const manager = (client as unknown as { connectionManager?: ManagerInternals }).connectionManager;
  if (!manager || typeof manager.onSocketConnected !== 'function' || typeof manager.onSocketData !== 'function') return;
  const originalConnected = manager.onSocketConnected;
  const originalData = manager.onSocketData;
  let lastRead = Date.now();
  manager.onSocketConnected = function guardedConnected(this: ManagerInternals, ...args: unknown[]) {
    lastRead = Date.now();
    originalConnected.apply(this, args);
    const socket = this.socket;
    const unanswered = () => this.state === MANAGER_CONNECTING && this.socket === socket;
    const timer = setTimeout(
      () => {
        if (unanswered()) setImmediate(() => unanswered() && socket?.destroy());
      },
      handshakeTimeoutMs(this.sessionTimeout, this.connectTimeout),
    );
    timer.unref?.();
  };
  manager.onSocketData = function guardedData(this: ManagerInternals, ...args: unknown[]) {
    lastRead = Date.now();
    originalData.apply(this, args);
  };
  const check = Math.max(50, Math.floor(manager.sessionTimeout / 6));
  const silent = () => manager.state === MANAGER_CONNECTED && Date.now() - lastRead > (manager.sessionTimeout * 2) / 3;
  manager.livenessTimer = setInterval(() => {
    if (!silent()) return;
    setImmediate(() => {
      if (!silent()) return;
      lastRead = Date.now();
      manager.socket?.destroy();
    });
  }, check);
  manager.livenessTimer.unref?.();
}

/**
 * How long a connected socket may wait for the answer to its session handshake: a third of the
 * session timeout, so a server that never answers costs a reconnect, not the session; never more
 * than node-zookeeper-client's per-server connect timeout.
 */
export function handshakeTimeoutMs(sessionTimeoutMs: number, connectTimeoutMs: number): number {
  return Math.max(50, Math.min(connectTimeoutMs, Math.floor(sessionTimeoutMs / 3)));
}

/** Creates a client and waits until it is connected; rejects (and closes it) on timeout or abort. */
export function openZooKeeperSession(options: ZkSessionOptions): Promise<RawZkClient> {
  const client = createZooKeeperClient(options.servers, options.sessionTimeoutMs, options.digest);
  return new Promise<RawZkClient>((resolve, reject) => {
    const { signal } = options;
    const finish = (err?: Error) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (err) {
        client.removeAllListeners();
        void closeZooKeeperClient(client);
        reject(err);
      } else {
        resolve(client);
      }
    };
    const onAbort = () => finish(new MesosAbortError('Connecting to ZooKeeper was aborted', { cause: signal?.reason }));
    const timeoutMs = options.connectTimeoutMs ?? options.sessionTimeoutMs;
    const timer = setTimeout(
      () => finish(new MesosTimeoutError(`Could not connect to ZooKeeper (${options.servers}) within ${timeoutMs} ms`)),
      timeoutMs,
    );
    timer.unref?.();
    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    client.on('connected', () => finish());
    client.connect();
  });
}

interface ConnectionManagerInternals {
  connectionManager?: { socket?: { destroy(): void }; connect?: () => void; livenessTimer?: NodeJS.Timeout };
}

/**
 * Closes a client and waits (bounded) until its socket is gone. node-zookeeper-client's close only
 * queues a CLOSE_SESSION packet, which never leaves when the server is unreachable, and its
 * reconnect loop may have a connection attempt pending; so reconnecting is switched off and the
 * socket destroyed after a short grace period (and once more after the library's spin delay).
 */
export async function closeZooKeeperClient(client: RawZkClient, graceMs = 1000): Promise<void> {
  const manager = (client as unknown as ConnectionManagerInternals).connectionManager;
  const connected = client.getState().name === 'SYNC_CONNECTED';
  try {
    client.close();
  } catch {
    // Already closed.
  }
  if (manager) {
    manager.connect = () => {};
    clearInterval(manager.livenessTimer);
  }
  if (connected) {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, graceMs);
      timer.unref?.();
      client.on('disconnected', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
  manager?.socket?.destroy();
  // A connection attempt scheduled before close (after the spin delay) opens a new socket: end it too.
  const late = setTimeout(() => manager?.socket?.destroy(), 300);
  late.unref?.();
  client.removeAllListeners();
}

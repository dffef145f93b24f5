/**
 * Test harness: a real ZooKeeper server (the Debian `zookeeper` package) on a free loopback port,
 * with its own data directory and config, run as a foreground java process that is killed on stop
 * and when the test process exits (even on SIGKILL: a shell guard watches our stdin).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeZooKeeperClient, createZooKeeperClient, zookeeper } from '../../../lib/detector/zookeeper';

const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const SERVER_MAIN = 'org.apache.zookeeper.server.ZooKeeperServerMain';

/** A running ZooKeeper test server. */
export interface ZooKeeperServer {
  /** `127.0.0.1:PORT`. */
  readonly connectString: string;
  readonly port: number;
  readonly dataDir: string;
  /** Stops the server (data kept); restart() starts it again on the same port and data. */
  stop(): Promise<void>;
  /** Starts a stopped server again (same port, same data), or stops and starts a running one. */
  restart(): Promise<void>;
  /** Expires a client's session: a second client takes over the session id and closes it. */
  expireSession(sessionId: Buffer, sessionPassword: Buffer): Promise<void>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
}

/** A free TCP port on 127.0.0.1 (or one that was free a moment ago). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Sends a ZooKeeper four-letter word and returns the answer ('' when the server is not there). */
export function fourLetterWord(port: number, word: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('connect', () => socket.write(word));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    socket.on('end', done);
    socket.on('error', done);
  });
}

/** Starts a ZooKeeper server; rejects with a clear error when it cannot (tests must fail, not skip). */
export async function startZooKeeper(options: { tickTimeMs?: number } = {}): Promise<ZooKeeperServer> {
  if (!existsSync(ZOOKEEPER_JAR)) {
    throw new Error(`ZooKeeper is not installed (${ZOOKEEPER_JAR} missing): run .ci/install-system-deps`);
  }
  installExitHook();
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mesos-driver-zk-'));
  const tickTime = options.tickTimeMs ?? 200;
  const config = join(dataDir, 'zoo.cfg');
  writeFileSync(
    config,
    [
      `tickTime=${tickTime}`,
      `dataDir=${join(dataDir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,cons,dump',
      `minSessionTimeout=${tickTime * 2}`,
      'maxSessionTimeout=60000',
      'maxClientCnxns=0',
      'forceSync=no',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  let output = '';

  const start = async (): Promise<void> => {
    // The shell kills java when our stdin closes, i.e. when this process dies, whatever the way.
    const java = `exec java -Xmx96m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp ${ZOOKEEPER_JAR} ${SERVER_MAIN} ${config}`;
    const proc = spawn(
      'bash',
      ['-c', `(${java}) & pid=$!; trap 'kill -9 $pid 2>/dev/null' EXIT; cat >/dev/null; kill -9 $pid 2>/dev/null`],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      },
    );
    child = proc;
    running.add(proc);
    output = '';
    const collect = (chunk: Buffer) => {
      if (output.length < 8192) output += chunk.toString('utf8');
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    proc.on('exit', () => running.delete(proc));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null || proc.signalCode !== null) {
        throw new Error(`ZooKeeper exited while starting (code ${proc.exitCode}): ${output.trim().slice(0, 2000)}`);
      }
      if ((await fourLetterWord(port, 'ruok', 500)) === 'imok') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    await stop();
    throw new Error(`ZooKeeper did not answer on 127.0.0.1:${port} within 30 s: ${output.trim().slice(0, 2000)}`);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    killGroup(proc, 'SIGKILL');
    proc.stdin?.destroy();
    await exited;
    proc.stdout?.destroy();
    proc.stderr?.destroy();
  };

  const sessionListed = async (hexId: string): Promise<boolean> => {
    await new Promise((r) => setTimeout(r, 150));
    const listing = (await fourLetterWord(port, 'cons')) + (await fourLetterWord(port, 'dump'));
    return listing.includes(hexId);
  };

  await start();
  return {
    connectString: `127.0.0.1:${port}`,
    port,
    dataDir,
    stop,
    async restart() {
      await stop();
      await start();
    },
    async expireSession(sessionId: Buffer, sessionPassword: Buffer) {
      // A second client attaches to the session and closes it. The owner may reattach in between
      // (it reconnects at once when the server moves its session), so repeat until the server no
      // longer lists the session.
      const hexId = `0x${BigInt(`0x${sessionId.toString('hex')}`).toString(16)}`;
      for (let attempt = 0; attempt < 20; attempt += 1) {
        const thief = zookeeper.createClient(`127.0.0.1:${port}`, {
          sessionTimeout: 60_000,
          spinDelay: 100,
          retries: 0,
          sessionId,
          sessionPassword,
        });
        const outcome = await new Promise<'attached' | 'expired' | 'timeout'>((resolve) => {
          const timer = setTimeout(() => resolve('timeout'), 2000);
          thief.on('connected', () => {
            clearTimeout(timer);
            resolve('attached');
          });
          thief.on('expired', () => {
            clearTimeout(timer);
            resolve('expired');
          });
          thief.connect();
        });
        await closeZooKeeperClient(thief);
        // The server refusing the session id means it is gone.
        if (outcome === 'expired') return;
        if (outcome === 'attached' && !(await sessionListed(hexId)) && !(await sessionListed(hexId))) return;
      }
      throw new Error(`expireSession: session ${hexId} is still alive`);
    },
    async destroy() {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Connects a plain client for test set-up (creating znodes by hand); close it with closeZooKeeperClient. */
export async function connectTestClient(connectString: string, digest?: string) {
  const client = createZooKeeperClient(connectString, 10_000, digest);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`test client could not connect to ${connectString}`)), 5000);
    client.on('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
  return client;
}

/** A TCP proxy on 127.0.0.1 in front of a ZooKeeper server, for connection faults the server itself cannot make on cue. */
export interface ZooKeeperProxy {
  /** `127.0.0.1:PORT` of the proxy. */
  readonly connectString: string;
  /** While true, new connections are closed at once (as when nothing listens). */
  refuse: boolean;
  /** Leaves the next `count` connections open but never forwarded nor answered, as a starting ZooKeeper may. */
  silenceNext(count: number): void;
  /** Ends every forwarded connection: its client sees a connection loss. */
  dropAll(): void;
  /** Resolves when the next connection is forwarded to the server. */
  nextForwarded(): Promise<void>;
  close(): Promise<void>;
}

/** Starts a {@link ZooKeeperProxy} forwarding to `127.0.0.1:targetPort`. */
export async function startZooKeeperProxy(targetPort: number): Promise<ZooKeeperProxy> {
  const sockets = new Set<net.Socket>();
  const forwarded = new Set<net.Socket>();
  let silence = 0;
  let onForwarded: Array<() => void> = [];
  const proxy = { refuse: false };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    if (proxy.refuse) {
      client.destroy();
      return;
    }
    if (silence > 0) {
      silence -= 1;
      client.resume(); // read and drop: the handshake is never answered
      return;
    }
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    sockets.add(upstream);
    forwarded.add(client);
    const end = () => {
      forwarded.delete(client);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('close', () => sockets.delete(upstream));
    upstream.on('error', end);
    upstream.on('close', end);
    client.on('close', end);
    upstream.on('connect', () => {
      const waiting = onForwarded;
      onForwarded = [];
      for (const notify of waiting) notify();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return Object.assign(proxy, {
    connectString: `127.0.0.1:${port}`,
    silenceNext(count: number) {
      silence = count;
    },
    dropAll() {
      for (const socket of [...forwarded]) socket.destroy();
    },
    nextForwarded() {
      return new Promise<void>((resolve) => onForwarded.push(resolve));
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
}

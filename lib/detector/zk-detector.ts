/**
 * Leader detection through ZooKeeper, as Mesos masters publish themselves (§6): the member of the
 * group znode with the lowest sequence leads. Children and the leader's znode are watched, so a
 * change is seen at once. Connection loss longer than the session timeout counts as expiry: the
 * leader becomes unknown (null) and a new session is created and re-read.
 */
import { type BackoffStrategy, ExponentialBackoff } from '../common/backoff';
import { MesosAbortError, type MesosError } from '../common/errors';
import { createLogger } from '../common/logger';
import { MesosZooKeeperError } from './errors';
import { LeaderState } from './leader-state';
import { masterUrl } from './master-info';
import type { ZooKeeperUrl } from './master-string';
import { DEFAULT_ZK_SESSION_TIMEOUT_MS, type DetectorOptions, type MasterDetector, type MasterLocation } from './types';
import { decodeMemberData, leadingMember } from './zk-members';
import { closeZooKeeperClient, createZooKeeperClient, type RawZkClient, ZkOps, type ZkWatchEvent } from './zookeeper';

const log = createLogger('detector:zk');

/** Watches a Mesos master group in ZooKeeper and reports its leader. */
export class ZooKeeperDetector implements MasterDetector {
  private readonly state = new LeaderState();
  private readonly sessionTimeoutMs: number;
  private readonly scheme: 'http' | 'https';
  private readonly backoff: BackoffStrategy;
  private client: RawZkClient | undefined;
  private ops: ZkOps | undefined;
  /** Bumped for every new session and on close, so callbacks of an old session do nothing. */
  private generation = 0;
  private sessionEstablished = false;
  private lossTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private syncing = false;
  private syncAgain = false;
  private lastFailure: string | undefined;
  private closed = false;

  constructor(
    /** The ZooKeeper servers and master group path being watched. */
    readonly zk: ZooKeeperUrl,
    options: DetectorOptions = {},
  ) {
    this.sessionTimeoutMs = options.zkSessionTimeoutMs ?? DEFAULT_ZK_SESSION_TIMEOUT_MS;
    this.scheme = options.scheme ?? 'http';
    this.backoff = options.backoff ?? new ExponentialBackoff({ initialMs: 2000, maxMs: 60_000, jitter: 0 });
  }

  detect(previous: MasterLocation | null, options: { signal?: AbortSignal } = {}): Promise<MasterLocation | null> {
    if (!this.closed && this.client === undefined) this.startSession();
    return this.state.detect(previous, options.signal);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.generation += 1;
    this.clearTimers();
    this.state.close(new MesosAbortError('The master detector was closed'));
    const client = this.client;
    this.client = undefined;
    this.ops = undefined;
    if (client) await closeZooKeeperClient(client);
  }

  private startSession(): void {
    const generation = ++this.generation;
    const client = createZooKeeperClient(this.zk.servers, this.sessionTimeoutMs, this.zk.credentials);
    this.client = client;
    this.ops = new ZkOps(client);
    this.sessionEstablished = false;
    this.syncing = false;
    this.syncAgain = false;
    const current = (handler: () => void) => () => {
      if (generation === this.generation) handler();
    };
    client.on(
      'connected',
      current(() => this.onConnected()),
    );
    client.on(
      'disconnected',
      current(() => this.onDisconnected()),
    );
    client.on(
      'expired',
      current(() => this.onExpired('ZooKeeper expired the session')),
    );
    log('connecting to %s', this.zk.redacted);
    client.connect();
    // Not connected within the session timeout: the leader is unknown (the client keeps trying).
    this.armLossTimer();
  }

  private onConnected(): void {
    log('connected to %s', this.zk.redacted);
    this.sessionEstablished = true;
    this.clearLossTimer();
    this.sync();
  }

  private onDisconnected(): void {
    log('disconnected from %s', this.zk.redacted);
    this.armLossTimer();
  }

  private armLossTimer(): void {
    if (this.lossTimer || this.closed) return;
    const generation = this.generation;
    this.lossTimer = setTimeout(() => {
      this.lossTimer = undefined;
      if (generation !== this.generation) return;
      if (this.sessionEstablished) {
        // Mesos treats a loss longer than the session timeout as expiry without waiting for ZooKeeper.
        this.onExpired(`no connection to ZooKeeper for ${this.sessionTimeoutMs} ms`);
      } else {
        log('still not connected to %s after %d ms: leader unknown', this.zk.redacted, this.sessionTimeoutMs);
        this.state.set(null);
      }
    }, this.sessionTimeoutMs);
    this.lossTimer.unref?.();
  }

  private onExpired(reason: string): void {
    if (this.closed) return;
    log('session lost (%s): no leader until a new session is read', reason);
    this.clearTimers();
    this.state.set(null);
    const old = this.client;
    this.client = undefined;
    if (old) void closeZooKeeperClient(old);
    this.startSession();
  }

  /** Reads the group and its leader; runs one read at a time, and again if asked meanwhile. */
  private sync(): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    const generation = this.generation;
    void (async () => {
      try {
        do {
          this.syncAgain = false;
          await this.readLeader(generation);
        } while (this.syncAgain && generation === this.generation);
      } finally {
        if (generation === this.generation) this.syncing = false;
      }
    })();
  }

  private async readLeader(generation: number): Promise<void> {
    const ops = this.ops;
    if (!ops) return;
    const watch = (event: ZkWatchEvent) => {
      if (generation !== this.generation) return;
      log('watch fired: %s %s', event.name, event.path);
      this.sync();
    };
    const path = this.zk.path;
    try {
      let children: string[];
      try {
        children = await ops.getChildren(path, watch);
      } catch (err) {
        if (!(err instanceof MesosZooKeeperError) || err.code !== 'NO_NODE') throw err;
        // The group does not exist yet: no leader; watch for its creation.
        if (await ops.exists(path, watch)) {
          this.syncAgain = true;
          return;
        }
        this.publish(generation, null);
        return;
      }
      const leader = leadingMember(children);
      if (!leader) {
        this.publish(generation, null);
        return;
      }
      const znode = `${path}/${leader.name}`;
      let data: Buffer;
      try {
        data = await ops.getData(znode, watch);
      } catch (err) {
        if (err instanceof MesosZooKeeperError && err.code === 'NO_NODE') {
          // The leader left between the two reads; the children watch brings the new group.
          this.syncAgain = true;
          return;
        }
        throw err;
      }
      if (generation !== this.generation) return;
      const info = decodeMemberData(leader, data, znode);
      this.publish(generation, { url: masterUrl(info, this.scheme), info });
    } catch (err) {
      if (generation !== this.generation) return;
      this.onReadError(err as MesosError, generation);
    }
  }

  private publish(generation: number, location: MasterLocation | null): void {
    if (generation !== this.generation) return;
    this.backoff.reset();
    this.lastFailure = undefined;
    const before = this.state.leader;
    if ((before?.url ?? null) !== (location?.url ?? null) || before === undefined) {
      log('leader: %s', location?.url ?? 'none');
    }
    this.state.set(location);
  }

  private onReadError(err: MesosError, generation: number): void {
    if (err instanceof MesosZooKeeperError && (err.code === 'CONNECTION_LOSS' || err.code === 'SESSION_EXPIRED')) {
      // The connection handlers re-read on reconnect or start a new session.
      log('read interrupted: %s', err.message);
      return;
    }
    if (err.message !== this.lastFailure) {
      this.lastFailure = err.message;
      log('detection failed: %s', err.message);
      this.state.fail(err);
    }
    if (err instanceof MesosZooKeeperError) {
      // A read that failed set no watch: try again later (ACLs or the server may change).
      const wait = this.backoff.next();
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => {
        if (generation === this.generation) this.sync();
      }, wait);
      this.retryTimer.unref?.();
    }
  }

  private clearLossTimer(): void {
    clearTimeout(this.lossTimer);
    this.lossTimer = undefined;
  }

  private clearTimers(): void {
    this.clearLossTimer();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}

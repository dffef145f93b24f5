/**
 * A LocalCluster master's membership in a ZooKeeper group, exactly as Mesos masters join one (§6):
 * an EPHEMERAL_SEQUENTIAL `json.info_` znode holding the MasterInfo JSON under the URL's path.
 * The member with the lowest sequence leads; every change of leader is emitted.
 */
import EventEmitter from 'eventemitter3';
import { getCodec, TYPE_NAMES } from '../codec/codec';
import type { MasterInfo } from '../codec/messages';
import { MesosConfigError, type MesosError, MesosMisuseError } from '../common/errors';
import { createLogger } from '../common/logger';
import type { MesosZooKeeperError } from '../detector/errors';
import { decodeMasterIp } from '../detector/master-info';
import { parseZooKeeperUrl, type ZooKeeperUrl } from '../detector/master-string';
import { decodeMemberData, leadingMember, MASTER_INFO_JSON_LABEL } from '../detector/zk-members';
import {
  closeZooKeeperClient,
  openZooKeeperSession,
  type RawZkClient,
  type ZkAcl,
  ZkOps,
  zookeeper,
} from '../detector/zookeeper';

const log = createLogger('local:zk-membership');

/** Options of {@link ZkMasterMembership}. */
export interface ZkMasterMembershipOptions {
  /** `zk://[user:password@]host:port,.../path`. */
  zk: string;
  /** This master's MasterInfo, written to its znode (pid is filled in when absent). */
  masterInfo: MasterInfo;
  /** ZooKeeper session timeout, in ms. Default 10000. */
  sessionTimeoutMs?: number;
}

/** Events of {@link ZkMasterMembership}. */
export interface ZkMasterMembershipEvents {
  /** The leader changed: its MasterInfo (null: none known), and whether it is this member. */
  leader: (leader: MasterInfo | null, isSelf: boolean) => void;
  /** The session was lost: this member's znode is gone; it rejoins with a new session (at the back of the line). */
  lost: (reason: string) => void;
  /** A failure while watching the group (reported, the membership keeps going). */
  error: (err: MesosError) => void;
}

/** Joins a Mesos master group in ZooKeeper and follows its leader. */
export class ZkMasterMembership extends EventEmitter<ZkMasterMembershipEvents> {
  private readonly zk: ZooKeeperUrl;
  private readonly info: MasterInfo;
  private readonly sessionTimeoutMs: number;
  private client: RawZkClient | undefined;
  private ops: ZkOps | undefined;
  private generation = 0;
  private ownName: string | undefined;
  private leaderName: string | undefined;
  private leaderInfo: MasterInfo | null = null;
  private stopped = false;
  private started = false;
  private syncing = false;
  private syncAgain = false;
  private lossTimer: NodeJS.Timeout | undefined;

  constructor(options: ZkMasterMembershipOptions) {
    super();
    if (!/^zk:\/\//i.test(options.zk)) throw new MesosConfigError('ZkMasterMembership needs a zk:// URL');
    this.zk = parseZooKeeperUrl(options.zk);
    this.sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    const info = options.masterInfo;
    const host = info.address?.ip ?? decodeMasterIp(info.ip);
    this.info = { ...info, pid: info.pid ?? `master@${host}:${info.port}` };
  }

  /** True when this member has the lowest sequence in the group. */
  get isLeader(): boolean {
    return this.ownName !== undefined && this.leaderName === this.ownName;
  }

  /** The full path of this member's znode, once joined. */
  get znode(): string | undefined {
    return this.ownName === undefined ? undefined : `${this.zk.path}/${this.ownName}`;
  }

  /** The current leader's MasterInfo, or null when none is known. */
  leader(): MasterInfo | null {
    return this.leaderInfo;
  }

  /** Connects, creates the group path and this member's znode, and reads the leader. */
  async start(signal?: AbortSignal): Promise<void> {
    if (this.started) throw new MesosMisuseError('ZkMasterMembership.start() was already called');
    this.started = true;
    await this.join(signal);
  }

  private acl(): ZkAcl[] {
    // As Mesos: with credentials, everyone may read and only the creator may change.
    if (this.zk.credentials === undefined) return zookeeper.ACL.OPEN_ACL_UNSAFE;
    return [
      new zookeeper.ACL(zookeeper.Permission.ALL, zookeeper.Id.AUTH_IDS),
      new zookeeper.ACL(zookeeper.Permission.READ, zookeeper.Id.ANYONE_ID_UNSAFE),
    ];
  }

  private async join(signal?: AbortSignal): Promise<void> {
    const generation = ++this.generation;
    const client = await openZooKeeperSession({
      servers: this.zk.servers,
      sessionTimeoutMs: this.sessionTimeoutMs,
      ...(this.zk.credentials !== undefined ? { digest: this.zk.credentials } : {}),
      ...(signal ? { signal } : {}),
    });
    if (this.stopped || generation !== this.generation) {
      await closeZooKeeperClient(client);
      return;
    }
    this.client = client;
    const ops = new ZkOps(client);
    this.ops = ops;
    client.on('disconnected', () => generation === this.generation && this.armLossTimer());
    client.on('connected', () => {
      if (generation !== this.generation) return;
      clearTimeout(this.lossTimer);
      this.lossTimer = undefined;
      this.sync(generation);
    });
    client.on('expired', () => generation === this.generation && this.onLost('ZooKeeper expired the session'));
    try {
      await ops.mkdirp(this.zk.path, this.acl());
      const data = getCodec<MasterInfo>(TYPE_NAMES.MasterInfo, 'json').encode(this.info);
      const created = await ops.create(
        `${this.zk.path}/${MASTER_INFO_JSON_LABEL}_`,
        data,
        this.acl(),
        zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
      );
      this.ownName = created.slice(created.lastIndexOf('/') + 1);
      log('joined %s as %s', this.zk.redacted, this.ownName);
      await this.readLeader(generation);
    } catch (err) {
      if (generation === this.generation) {
        this.generation += 1;
        this.client = undefined;
        await closeZooKeeperClient(client);
      }
      throw err;
    }
  }

  private armLossTimer(): void {
    if (this.lossTimer || this.stopped) return;
    const generation = this.generation;
    this.lossTimer = setTimeout(() => {
      this.lossTimer = undefined;
      if (generation === this.generation) this.onLost(`no connection to ZooKeeper for ${this.sessionTimeoutMs} ms`);
    }, this.sessionTimeoutMs);
    this.lossTimer.unref?.();
  }

  private onLost(reason: string): void {
    if (this.stopped) return;
    log('membership lost: %s', reason);
    this.generation += 1;
    const old = this.client;
    this.client = undefined;
    this.ops = undefined;
    this.ownName = undefined;
    if (old) void closeZooKeeperClient(old);
    this.setLeader(undefined, null);
    this.emit('lost', reason);
    this.rejoin();
  }

  private rejoin(): void {
    if (this.stopped) return;
    this.join().catch((err: MesosError) => {
      if (this.stopped) return;
      this.emit('error', err);
      const timer = setTimeout(() => this.rejoin(), Math.min(this.sessionTimeoutMs, 2000));
      timer.unref?.();
    });
  }

  private sync(generation: number): void {
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    void (async () => {
      do {
        this.syncAgain = false;
        await this.readLeader(generation).catch((err: MesosError) => {
          if (generation === this.generation && !this.stopped) this.emit('error', err);
        });
      } while (this.syncAgain && generation === this.generation);
      this.syncing = false;
    })();
  }

  private async readLeader(generation: number): Promise<void> {
    const ops = this.ops;
    if (!ops) return;
    const watch = () => {
      if (generation === this.generation) this.sync(generation);
    };
    const children = await ops.getChildren(this.zk.path, watch);
    if (generation !== this.generation) return;
    const member = leadingMember(children);
    if (!member) {
      this.setLeader(undefined, null);
      return;
    }
    if (member.name === this.ownName) {
      this.setLeader(member.name, this.info);
      return;
    }
    const znode = `${this.zk.path}/${member.name}`;
    let data: Buffer;
    try {
      data = await ops.getData(znode, watch);
    } catch (err) {
      if ((err as { code?: string }).code === 'NO_NODE') {
        this.syncAgain = true;
        return;
      }
      throw err;
    }
    if (generation !== this.generation) return;
    this.setLeader(member.name, decodeMemberData(member, data, znode));
  }

  private setLeader(name: string | undefined, info: MasterInfo | null): void {
    if (name === this.leaderName && (name !== undefined || this.leaderInfo === null)) return;
    this.leaderName = name;
    this.leaderInfo = info;
    const isSelf = name !== undefined && name === this.ownName;
    log('leader: %s%s', name ?? 'none', isSelf ? ' (self)' : '');
    this.emit('leader', info, isSelf);
  }

  /**
   * Removes this member's znode and closes the session. The removal waits at most 2 s; with
   * `awaitReconnect` it waits while the client reconnects, up to the session timeout (by then
   * ZooKeeper has expired the session and its znode anyway), so the other members elect a new
   * leader as soon as ZooKeeper answers again rather than when the orphaned session expires.
   */
  async stop(options: { awaitReconnect?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.generation += 1;
    clearTimeout(this.lossTimer);
    const client = this.client;
    const ops = this.ops;
    const own = this.znode;
    this.client = undefined;
    this.ops = undefined;
    if (client && ops && own) {
      // Bounded: closing the session removes the ephemeral znode anyway.
      const boundMs = options.awaitReconnect ? this.sessionTimeoutMs : Math.min(this.sessionTimeoutMs, 2000);
      await removeThroughReconnects(client, ops, own, boundMs);
    }
    if (client) await closeZooKeeperClient(client);
    this.ownName = undefined;
  }
}

/**
 * Removes `znode`, and again after the next reconnect whenever the connection is lost on the way
 * (a request sent on a connection that is dying is lost with it), until `boundMs` has passed or the
 * session expired (which took the ephemeral znode along).
 */
async function removeThroughReconnects(client: RawZkClient, ops: ZkOps, znode: string, boundMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  let over = false;
  const ended = new Promise<void>((resolve) => {
    const end = () => {
      over = true;
      resolve();
    };
    timer = setTimeout(end, boundMs);
    timer.unref?.();
    client.once('expired', end);
  });
  try {
    while (!over) {
      const lost = await Promise.race([
        ops.remove(znode).then(
          () => false,
          (err: MesosZooKeeperError) => err.code === 'CONNECTION_LOSS',
        ),
        ended.then(() => false),
      ]);
      if (!lost || over) return;
      // The loss is reported while the client starts reconnecting, so its next 'connected' is still to come.
      await Promise.race([new Promise<void>((resolve) => client.once('connected', resolve)), ended]);
    }
  } finally {
    clearTimeout(timer);
  }
}

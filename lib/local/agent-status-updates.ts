/**
 * The agent's status update manager (§1.8): every update of a task goes into that task's
 * stream; only the oldest unacknowledged one is forwarded, and it is re-sent with backoff until
 * the framework's acknowledgement comes back. Newer updates wait behind it, so a task's updates
 * reach the framework in order. Duplicates (same uuid) are ignored.
 */
import { bytesToBuffer } from '../codec/bytes';
import type { Bytes, TaskStatus } from '../codec/messages';
import { isTerminalTaskState } from '../codec/task-states';
import { ExponentialBackoff } from '../common/backoff';
import { createLogger } from '../common/logger';

const log = createLogger('local:agent:updates');

/** Where the manager sends updates, and what it tells the agent when a task's stream is done. */
export interface StatusUpdateSink {
  /** Forwards an update to the master. */
  forward(frameworkId: string, status: TaskStatus): void;
  /** The terminal update of a task was acknowledged: the agent may forget the task. */
  streamCompleted(frameworkId: string, taskId: string): void;
}

/** Options of {@link AgentStatusUpdates}. */
export interface AgentStatusUpdatesOptions {
  /** First retry interval in ms (Mesos: 10 s). */
  retryMs: number;
  /** Largest retry interval in ms (Mesos: 10 min). */
  retryMaxMs: number;
}

interface TaskStream {
  readonly frameworkId: string;
  readonly taskId: string;
  readonly pending: TaskStatus[];
  /** Hex uuids of every update taken into this stream (for duplicate detection). */
  readonly seen: Set<string>;
  readonly backoff: ExponentialBackoff;
  timer: NodeJS.Timeout | undefined;
}

function uuidHex(uuid: Bytes | undefined): string {
  return uuid ? bytesToBuffer(uuid).toString('hex') : '';
}

/** Reliable, ordered delivery of task status updates from one agent. */
export class AgentStatusUpdates {
  private readonly streams = new Map<string, TaskStream>();
  private readonly options: AgentStatusUpdatesOptions;
  private readonly sink: StatusUpdateSink;
  private paused = false;

  constructor(options: AgentStatusUpdatesOptions, sink: StatusUpdateSink) {
    this.options = options;
    this.sink = sink;
  }

  /**
   * Takes an update (which must carry a uuid) into its task's stream; forwards it at once if
   * it is the oldest pending one. Returns false for a duplicate, which is ignored.
   */
  update(frameworkId: string, status: TaskStatus): boolean {
    const key = streamKey(frameworkId, status.task_id.value);
    let stream = this.streams.get(key);
    if (!stream) {
      stream = {
        frameworkId,
        taskId: status.task_id.value,
        pending: [],
        seen: new Set(),
        backoff: new ExponentialBackoff({
          initialMs: this.options.retryMs,
          maxMs: this.options.retryMaxMs,
          factor: 2,
          jitter: 0,
        }),
        timer: undefined,
      };
      this.streams.set(key, stream);
    }
    const id = uuidHex(status.uuid);
    if (stream.seen.has(id)) {
      log('duplicate update %s for task %s ignored', id, stream.taskId);
      return false;
    }
    stream.seen.add(id);
    stream.pending.push(status);
    if (stream.pending.length === 1) this.sendHead(stream);
    return true;
  }

  /** Handles the framework's ACK; true when it matched the oldest pending update of the task. */
  acknowledge(frameworkId: string, taskId: string, uuid: Bytes): boolean {
    const stream = this.streams.get(streamKey(frameworkId, taskId));
    const head = stream?.pending[0];
    if (!stream || !head) return false;
    if (uuidHex(head.uuid) !== uuidHex(uuid)) {
      log('ACK %s for task %s does not match the pending update %s', uuidHex(uuid), taskId, uuidHex(head.uuid));
      return false;
    }
    stream.pending.shift();
    this.clearTimer(stream);
    stream.backoff.reset();
    if (stream.pending.length > 0) {
      this.sendHead(stream);
    } else if (isTerminalTaskState(head.state)) {
      this.streams.delete(streamKey(frameworkId, taskId));
      this.sink.streamCompleted(frameworkId, taskId);
    }
    return true;
  }

  /** True when the task still has updates waiting for an acknowledgement. */
  hasPending(frameworkId: string, taskId: string): boolean {
    return (this.streams.get(streamKey(frameworkId, taskId))?.pending.length ?? 0) > 0;
  }

  /** The pending updates of a task, oldest first. */
  pendingOf(frameworkId: string, taskId: string): readonly TaskStatus[] {
    return this.streams.get(streamKey(frameworkId, taskId))?.pending ?? [];
  }

  /** Stops forwarding and retrying (the agent is down); updates are kept. */
  pause(): void {
    this.paused = true;
    for (const stream of this.streams.values()) this.clearTimer(stream);
  }

  /** Re-sends the oldest pending update of every task now, with a fresh backoff (after a pause or a master failover). */
  resendAll(): void {
    this.paused = false;
    for (const stream of this.streams.values()) {
      this.clearTimer(stream);
      stream.backoff.reset();
      if (stream.pending.length > 0) this.sendHead(stream);
    }
  }

  /** Forgets every stream of a framework (it was removed; Mesos's SUM cleans it up). */
  dropFramework(frameworkId: string): void {
    for (const [key, stream] of this.streams) {
      if (stream.frameworkId !== frameworkId) continue;
      this.clearTimer(stream);
      this.streams.delete(key);
    }
  }

  /** Clears every timer and stream. */
  clear(): void {
    for (const stream of this.streams.values()) this.clearTimer(stream);
    this.streams.clear();
  }

  private sendHead(stream: TaskStream): void {
    const head = stream.pending[0];
    if (!head || this.paused) return;
    this.clearTimer(stream);
    stream.timer = setTimeout(() => {
      stream.timer = undefined;
      log('retrying update %s of task %s', head.state, stream.taskId);
      this.sendHead(stream);
    }, stream.backoff.next());
    stream.timer.unref();
    this.sink.forward(stream.frameworkId, head);
  }

  private clearTimer(stream: TaskStream): void {
    if (stream.timer) clearTimeout(stream.timer);
    stream.timer = undefined;
  }
}

function streamKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

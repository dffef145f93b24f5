/** Scripted stand-ins for the agent connection of MesosExecutorDriver, for unit tests without sockets. */
import type { executor, TaskInfo } from '../../../lib/codec/messages';
import { MesosStreamEndedError } from '../../../lib/common/errors';
import type { AgentSubscription, ExecutorConnection } from '../../../lib/driver/executor-driver';

/** A scripted event stream: the test pushes events and ends it. */
export class FakeStream implements AgentSubscription {
  private readonly queue: executor.Event[] = [];
  private wake: (() => void) | undefined;
  private ending: { error?: Error } | undefined;
  closed = false;

  push(event: executor.Event): void {
    this.queue.push(event);
    this.wake?.();
  }

  /** Ends the stream as the transport does when the agent goes away. */
  fail(error: Error = new MesosStreamEndedError('agent went away')): void {
    this.ending = { error };
    this.wake?.();
  }

  close(): void {
    this.closed = true;
    this.ending ??= {};
    this.wake?.();
  }

  readonly events: AsyncIterable<executor.Event> = {
    [Symbol.asyncIterator]: () => ({
      next: async (): Promise<IteratorResult<executor.Event>> => {
        for (;;) {
          const event = this.queue.shift();
          if (event) return { value: event, done: false };
          if (this.ending) {
            if (this.ending.error && !this.closed) throw this.ending.error;
            return { value: undefined, done: true };
          }
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        }
      },
    }),
  };
}

/** A fake agent connection: answers SUBSCRIBE from a script and records every call. */
export class FakeConnection implements ExecutorConnection {
  readonly subscribeCalls: executor.Call[] = [];
  /** Calls other than HEARTBEAT, in the order call() was invoked. */
  readonly calls: executor.Call[] = [];
  /** HEARTBEAT calls, and how many SUBSCRIBE attempts had been made when each was sent. */
  readonly heartbeats: number[] = [];
  readonly streams: FakeStream[] = [];
  /** What the next SUBSCRIBE attempts do: a stream (default) or an error. */
  readonly script: Array<Error | 'stream'> = [];
  closed = false;

  async subscribe(call: executor.Call): Promise<AgentSubscription> {
    this.subscribeCalls.push(structuredClone(call));
    const next = this.script.shift() ?? 'stream';
    if (next instanceof Error) throw next;
    const stream = new FakeStream();
    this.streams.push(stream);
    return stream;
  }

  async call(call: executor.Call): Promise<void> {
    if (call.type === 'HEARTBEAT') this.heartbeats.push(this.subscribeCalls.length);
    else this.calls.push(call);
  }

  close(): void {
    this.closed = true;
  }

  get stream(): FakeStream {
    const last = this.streams[this.streams.length - 1];
    if (!last) throw new Error('no stream yet');
    return last;
  }
}

export const ENV = {
  MESOS_AGENT_ENDPOINT: '127.0.0.1:5051',
  MESOS_FRAMEWORK_ID: 'fw-1',
  MESOS_EXECUTOR_ID: 'exec-1',
  MESOS_DIRECTORY: '/tmp/sandbox',
  MESOS_SLAVE_ID: 'agent-env',
  MESOS_CHECKPOINT: '1',
  MESOS_RECOVERY_TIMEOUT: '10secs',
  MESOS_SUBSCRIPTION_BACKOFF_MAX: '2secs',
  MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: '3secs',
};

export const SUBSCRIBED: executor.Event = {
  type: 'SUBSCRIBED',
  subscribed: {
    executor_info: { executor_id: { value: 'exec-1' } },
    framework_info: { user: 'u', name: 'fw', id: { value: 'fw-1' } },
    agent_info: { hostname: 'agent-host', id: { value: 'agent-A' } },
  },
};

export function task(id: string): TaskInfo {
  return { name: `Task ${id}`, task_id: { value: id }, agent_id: { value: 'agent-A' } };
}

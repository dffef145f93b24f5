/**
 * Helpers for LocalCluster master tests: raw HTTP requests (so tests check the server, not our
 * client), a subscription reader that keeps every HTTP chunk, and a scripted fake agent.
 */

import { randomBytes } from 'node:crypto';
import { type ClientRequest, type IncomingHttpHeaders, type IncomingMessage, request } from 'node:http';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type {
  AgentInfo,
  FrameworkInfo,
  Resource,
  scheduler,
  TaskInfo,
  TaskState,
  TaskStatus,
} from '../../lib/codec/messages';
import { RecordIODecoder } from '../../lib/codec/recordio';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** One HTTP request to 127.0.0.1; `chunks` sends the body in several chunked writes. */
export function rawRequest(
  baseUrl: string,
  options: {
    method?: string;
    path?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    chunks?: Array<string | Buffer>;
  },
): Promise<RawResponse> {
  const url = new URL(options.path ?? '/api/v1/scheduler', baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'POST', headers: options.headers ?? {} }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        const body = Buffer.concat(parts);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.chunks) {
      for (const chunk of options.chunks) req.write(chunk);
      req.end();
    } else req.end(options.body);
  });
}

/** POSTs a JSON call (object or string) with JSON Content-Type unless headers say otherwise. */
export function postCall(baseUrl: string, call: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  return rawRequest(baseUrl, {
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof call === 'string' ? call : JSON.stringify(call),
  });
}

/** A framework's SUBSCRIBE call. */
export function subscribeCall(info: Partial<FrameworkInfo> = {}, frameworkId?: string): scheduler.Call {
  const framework_info: FrameworkInfo = { user: 'tester', name: 'test-framework', ...info };
  if (frameworkId) framework_info.id = { value: frameworkId };
  return {
    type: 'SUBSCRIBE',
    ...(frameworkId ? { framework_id: { value: frameworkId } } : {}),
    subscribe: { framework_info },
  };
}

/** An open subscription: decoded events in arrival order, raw HTTP chunks, and helpers. */
export class Subscription {
  readonly events: scheduler.Event[] = [];
  readonly chunks: Buffer[] = [];
  ended = false;
  status = 0;
  headers: IncomingHttpHeaders = {};
  private readonly decoder = new RecordIODecoder();
  private waiters: Array<() => void> = [];
  private req: ClientRequest | undefined;
  private res: IncomingMessage | undefined;

  /** Opens a SUBSCRIBE; resolves once the response headers arrived. */
  static open(
    baseUrl: string,
    call: scheduler.Call | string,
    options: { format?: 'json' | 'protobuf'; headers?: Record<string, string> } = {},
  ): Promise<Subscription> {
    const format = options.format ?? 'json';
    const subscription = new Subscription();
    const body =
      typeof call === 'string'
        ? Buffer.from(call)
        : getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, format).encode(call);
    const mediaType = format === 'json' ? 'application/json' : 'application/x-protobuf';
    return new Promise((resolve, reject) => {
      // A header given as '' is left out entirely (to test an absent Accept).
      const headers = Object.fromEntries(
        Object.entries({ 'Content-Type': mediaType, Accept: mediaType, ...options.headers }).filter(
          ([, value]) => value !== '',
        ),
      );
      const req = request(new URL('/api/v1/scheduler', baseUrl), { method: 'POST', headers }, (res) => {
        subscription.res = res;
        subscription.status = res.statusCode ?? 0;
        subscription.headers = res.headers;
        const eventFormat = res.headers['content-type'] === 'application/x-protobuf' ? 'protobuf' : 'json';
        res.on('data', (chunk: Buffer) => {
          subscription.chunks.push(chunk);
          if (subscription.status !== 200) return;
          for (const record of subscription.decoder.write(chunk)) {
            try {
              subscription.events.push(
                getCodec<scheduler.Event>(TYPE_NAMES.SchedulerEvent, eventFormat).decode(record),
              );
            } catch {
              subscription.events.push({ type: 'UNKNOWN' });
            }
          }
          subscription.wake();
        });
        const finish = () => {
          subscription.ended = true;
          subscription.wake();
        };
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
        resolve(subscription);
      });
      subscription.req = req;
      req.on('error', (err) => {
        subscription.ended = true;
        subscription.wake();
        if (subscription.status === 0) reject(err);
      });
      req.end(body);
    });
  }

  get streamId(): string {
    return String(this.headers['mesos-stream-id'] ?? '');
  }

  get frameworkId(): string {
    return this.events.find((event) => event.type === 'SUBSCRIBED')?.subscribed?.framework_id.value ?? '';
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Waits until `predicate` holds for the events (checked on each arrival), or fails after `timeoutMs`. */
  async waitFor<T>(
    predicate: (events: scheduler.Event[]) => T | undefined | false,
    timeoutMs = 3000,
    what = 'condition',
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = predicate(this.events);
      if (result) return result;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`Timed out waiting for ${what}; events: ${this.events.map((event) => event.type).join(',')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for the n-th (1-based) event of `type` after index `from`. */
  waitForEvent(
    type: scheduler.Event.Type,
    options: { from?: number; timeoutMs?: number; where?: (event: scheduler.Event) => boolean } = {},
  ): Promise<scheduler.Event> {
    return this.waitFor(
      (events) =>
        events.slice(options.from ?? 0).find((event) => event.type === type && (options.where?.(event) ?? true)),
      options.timeoutMs,
      `event ${type}`,
    );
  }

  /** Waits until the stream has ended. */
  waitForEnd(timeoutMs = 3000): Promise<true> {
    return this.waitFor(() => this.ended || undefined, timeoutMs, 'end of stream');
  }

  /** POSTs a non-SUBSCRIBE call for this framework with its stream id. */
  call(baseUrl: string, call: scheduler.Call, headers: Record<string, string> = {}): Promise<RawResponse> {
    return postCall(
      baseUrl,
      { framework_id: { value: this.frameworkId }, ...call },
      { 'Mesos-Stream-Id': this.streamId, ...headers },
    );
  }

  /** Closes the connection from the client side. */
  close(): void {
    this.res?.destroy();
    this.req?.destroy();
  }
}

/** The callbacks a master gives an agent (same shape as lib/local/agent.ts's AgentEvents). */
export interface FakeAgentEvents {
  statusUpdate(agentId: string, frameworkId: string, status: TaskStatus): void;
  frameworkMessage(agentId: string, frameworkId: string, executorId: string, data: Uint8Array): void;
  executorExited(agentId: string, frameworkId: string, executorId: string, waitStatus: number): void;
}

/** A scripted agent: tasks go RUNNING at once, KILL gives TASK_KILLED, and calls are recorded. */
export class FakeAgent {
  readonly info: AgentInfo;
  events: FakeAgentEvents | undefined;
  readonly launches: Array<{ frameworkId: string; tasks: TaskInfo[]; executorId?: string }> = [];
  readonly acks: Array<{ frameworkId: string; taskId: string; uuid: Uint8Array }> = [];
  readonly messages: Array<{ frameworkId: string; executorId: string; data: Uint8Array }> = [];
  readonly kills: string[] = [];
  readonly shutdownFrameworks: string[] = [];
  readonly shutdownExecutors: string[] = [];
  readonly running = new Map<
    string,
    { frameworkId: string; framework: FrameworkInfo; task: TaskInfo; state: TaskState }
  >();

  constructor(id: string, resources: Resource[], port = 5051) {
    this.info = { id: { value: id }, hostname: '127.0.0.1', port, resources };
  }

  setEvents(events: FakeAgentEvents): void {
    this.events = events;
  }

  private update(frameworkId: string, task: TaskInfo, state: TaskState): void {
    const entry = this.running.get(task.task_id.value);
    if (entry) entry.state = state;
    if (['TASK_FINISHED', 'TASK_FAILED', 'TASK_KILLED'].includes(state)) this.running.delete(task.task_id.value);
    const status: TaskStatus = {
      task_id: task.task_id,
      state,
      agent_id: this.info.id,
      source: 'SOURCE_EXECUTOR',
      uuid: randomBytes(16),
      timestamp: Date.now() / 1000,
    };
    setImmediate(() => this.events?.statusUpdate(this.info.id?.value ?? '', frameworkId, status));
  }

  launch(framework: FrameworkInfo, tasks: TaskInfo[], group?: { executor: { executor_id: { value: string } } }): void {
    const frameworkId = framework.id?.value ?? '';
    this.launches.push({ frameworkId, tasks, ...(group ? { executorId: group.executor.executor_id.value } : {}) });
    for (const task of tasks) {
      this.running.set(task.task_id.value, { frameworkId, framework, task, state: 'TASK_STAGING' });
      this.update(frameworkId, task, 'TASK_RUNNING');
    }
  }

  /** Ends a task with `state` as if its process exited. */
  finish(taskId: string, state: TaskState = 'TASK_FINISHED'): void {
    const entry = this.running.get(taskId);
    if (entry) this.update(entry.frameworkId, entry.task, state);
  }

  kill(frameworkId: string, taskId: string): void {
    this.kills.push(taskId);
    const entry = this.running.get(taskId);
    if (entry) this.update(frameworkId, entry.task, 'TASK_KILLED');
  }

  shutdownExecutor(frameworkId: string, executorId: string): void {
    this.shutdownExecutors.push(`${frameworkId}/${executorId}`);
  }

  shutdownFramework(frameworkId: string): void {
    this.shutdownFrameworks.push(frameworkId);
    for (const [taskId, entry] of this.running) if (entry.frameworkId === frameworkId) this.running.delete(taskId);
  }

  acknowledge(frameworkId: string, taskId: string, uuid: Uint8Array): void {
    this.acks.push({ frameworkId, taskId, uuid });
  }

  sendFrameworkMessage(frameworkId: string, executorId: string, data: Uint8Array): void {
    this.messages.push({ frameworkId, executorId, data });
  }

  state(): Array<{ framework: FrameworkInfo; task: TaskInfo; state: TaskState; resources: Resource[] }> {
    return [...this.running.values()].map((entry) => ({
      framework: entry.framework,
      task: entry.task,
      state: entry.state,
      resources: entry.task.resources ?? [],
    }));
  }
}

/**
 * The master's operator event stream (SUBSCRIBE): each subscriber gets SUBSCRIBED (the whole
 * state and the heartbeat interval) and a HEARTBEAT in its first chunk, then the events the
 * core reports, with Mesos's rules: TASK_UPDATED when a task's state changes or a check or
 * health check status arrives (carrying the update the master forwarded, and the task's state),
 * FRAMEWORK_ADDED before the first task of a framework learnt from an agent, AGENT_REMOVED only
 * for removals (not for unreachable agents, nor for agents marked gone).
 * Also keeps the counters of terminal task states for GET_METRICS.
 */
import type { ServerResponse } from 'node:http';
import { getCodec, MEDIA_TYPES, TYPE_NAMES, type WireFormat } from '../../codec/codec';
import type { master, scheduler, TaskState, TaskStatus, Unavailability } from '../../codec/messages';
import { encodeRecord } from '../../codec/recordio';
import { isTerminalTaskState } from '../../codec/task-states';
import { createLogger } from '../../common/logger';
import type { LocalAgent } from '../agent';
import type { MasterCore } from '../master-core';
import type { FrameworkRecord } from '../master-frameworks';
import { type AgentSwitches, agentMessage, frameworkMessage, getState, taskMessage } from './master-views';
import type { MasterCoreObserver, ObservedTask } from './observer';

const log = createLogger('local:operator:events');
const CHECK_UPDATED = 'REASON_TASK_CHECK_STATUS_UPDATED';
const HEALTH_UPDATED = 'REASON_TASK_HEALTH_CHECK_STATUS_UPDATED';

interface Subscriber {
  readonly res: ServerResponse;
  readonly format: WireFormat;
  timer: NodeJS.Timeout | undefined;
}

/** Options of an {@link OperatorEventHub}. */
export interface OperatorEventHubOptions {
  /** The leading core, when there is one. */
  core(): MasterCore | undefined;
  switches: AgentSwitches;
  heartbeatIntervalSeconds: number;
  /** Agents whose next removal is not reported (marked gone: Mesos sends no AGENT_REMOVED). */
  quietRemovals?: Set<string>;
  /** Told of the frameworks' answers to inverse offers. */
  inverseOffersAnswered?: (frameworkId: string, call: scheduler.Call) => void;
  /** Answers {@link MasterCoreObserver.refusesAgent} (an agent on a DOWN machine). */
  refusesAgent?: (agent: LocalAgent) => boolean;
  /** Called after every task update (drains watch their agents empty). */
  afterTaskUpdate?: () => void;
}

function key(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

/** Subscribers of one master, fed by the core it leads with. */
export class OperatorEventHub implements MasterCoreObserver {
  private readonly subscribers = new Set<Subscriber>();
  private readonly options: OperatorEventHubOptions;
  /** The state each live task was last reported in. */
  private readonly states = new Map<string, TaskState>();
  private readonly frameworks = new Set<string>();
  /** How many tasks reached each terminal state under this core. */
  readonly terminalCounts = new Map<TaskState, number>();

  constructor(options: OperatorEventHubOptions) {
    this.options = options;
  }

  /** Number of open subscriptions. */
  get size(): number {
    return this.subscribers.size;
  }

  /** Starts a subscription on `res` (checks passed, the master leads). */
  subscribe(res: ServerResponse, format: WireFormat, core: MasterCore): void {
    res.statusCode = 200;
    res.setHeader('Content-Type', MEDIA_TYPES[format]);
    res.setHeader('Cache-Control', 'no-cache');
    res.socket?.setNoDelay(true);
    const subscriber: Subscriber = { res, format, timer: undefined };
    const interval = this.options.heartbeatIntervalSeconds;
    const subscribed: master.Event = {
      type: 'SUBSCRIBED',
      subscribed: { get_state: getState(core, this.options.switches), heartbeat_interval_seconds: interval },
    };
    res.write(Buffer.concat([this.record(subscribed, format), this.record({ type: 'HEARTBEAT' }, format)]));
    subscriber.timer = setInterval(() => this.write(subscriber, { type: 'HEARTBEAT' }), interval * 1000);
    subscriber.timer.unref();
    res.on('close', () => this.drop(subscriber));
    this.subscribers.add(subscriber);
    log('operator subscriber added (%d open)', this.subscribers.size);
  }

  /** Ends every subscription (EOF), as a master that stops leading does; forgets the core's tasks. */
  reset(): void {
    for (const subscriber of [...this.subscribers]) {
      this.drop(subscriber);
      subscriber.res.end();
    }
    this.states.clear();
    this.frameworks.clear();
    this.terminalCounts.clear();
  }

  // ------------------------------------------------------------------ MasterCoreObserver

  taskAdded(task: ObservedTask): void {
    if (!this.frameworks.has(task.frameworkId)) {
      const framework = this.options.core()?.frameworks.get(task.frameworkId);
      if (framework) this.frameworkChanged(framework, false);
    }
    this.states.set(key(task.frameworkId, task.task.task_id.value), task.state);
    this.broadcast(() => ({ type: 'TASK_ADDED', task_added: { task: taskMessage(task) } }));
  }

  taskUpdated(task: ObservedTask, status: TaskStatus): void {
    const taskKey = key(task.frameworkId, task.task.task_id.value);
    const previous = this.states.get(taskKey);
    // A task no longer tracked has ended already: a repeated terminal update is no change.
    const changed = previous === undefined ? !isTerminalTaskState(task.state) : previous !== task.state;
    // Mesos also reports every check and health check update, the state unchanged, and a status of
    // another state added to an ended task (the master's, when the agent of a task awaiting its ACK goes).
    const added = previous === undefined && status.state !== task.state;
    if (!changed && !added && status.reason !== CHECK_UPDATED && status.reason !== HEALTH_UPDATED) return;
    if (changed) {
      queueMicrotask(() => this.options.afterTaskUpdate?.());
      if (isTerminalTaskState(task.state)) {
        this.states.delete(taskKey);
        this.terminalCounts.set(task.state, (this.terminalCounts.get(task.state) ?? 0) + 1);
      } else this.states.set(taskKey, task.state);
    }
    const { data: _data, ...kept } = status;
    this.broadcast(() => ({
      type: 'TASK_UPDATED',
      task_updated: { framework_id: { value: task.frameworkId }, status: kept, state: task.state },
    }));
  }

  frameworkChanged(framework: FrameworkRecord, _resubscribed: boolean): void {
    const known = this.frameworks.has(framework.id);
    this.frameworks.add(framework.id);
    const core = this.options.core();
    if (!core) return;
    if (known) {
      this.broadcast(() => ({
        type: 'FRAMEWORK_UPDATED',
        framework_updated: { framework: frameworkMessage(core, framework) },
      }));
    } else {
      this.broadcast(() => ({
        type: 'FRAMEWORK_ADDED',
        framework_added: { framework: frameworkMessage(core, framework) },
      }));
    }
  }

  frameworkRemoved(framework: FrameworkRecord): void {
    this.frameworks.delete(framework.id);
    for (const taskKey of [...this.states.keys()])
      if (taskKey.startsWith(`${framework.id}\u0000`)) this.states.delete(taskKey);
    const info = { ...framework.info, id: { value: framework.id } };
    this.broadcast(() => ({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: info } }));
  }

  agentAdded(agentId: string): void {
    const core = this.options.core();
    if (!core?.agents.has(agentId)) return;
    this.broadcast(() => ({
      type: 'AGENT_ADDED',
      agent_added: { agent: agentMessage(core, agentId, this.options.switches) },
    }));
  }

  agentRemoved(agentId: string, mode: string): void {
    if (this.options.quietRemovals?.delete(agentId) || mode === 'unreachable') return;
    this.broadcast(() => ({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: agentId } } }));
  }

  isDeactivated(agentId: string): boolean {
    return this.options.switches.isDeactivated(agentId);
  }

  taskAcknowledged(): void {
    queueMicrotask(() => this.options.afterTaskUpdate?.()); // a draining agent may be drained now
  }

  inverseOffersAnswered(frameworkId: string, call: scheduler.Call): void {
    this.options.inverseOffersAnswered?.(frameworkId, call);
  }

  unavailability(hostname: string): Unavailability | undefined {
    return this.options.switches.unavailability(hostname);
  }

  refusesAgent(agent: LocalAgent): boolean {
    return this.options.refusesAgent?.(agent) ?? false;
  }

  // ------------------------------------------------------------------ writing

  private broadcast(make: () => master.Event): void {
    if (this.subscribers.size === 0) return;
    const event = make();
    const encoded = new Map<WireFormat, Buffer>();
    for (const subscriber of this.subscribers) {
      let record = encoded.get(subscriber.format);
      if (!record) encoded.set(subscriber.format, (record = this.record(event, subscriber.format)));
      this.writeRecord(subscriber, record);
    }
  }

  private write(subscriber: Subscriber, event: master.Event): void {
    this.writeRecord(subscriber, this.record(event, subscriber.format));
  }

  private writeRecord(subscriber: Subscriber, record: Buffer): void {
    const res = subscriber.res;
    if (res.destroyed || res.writableEnded) this.drop(subscriber);
    else res.write(record);
  }

  private record(event: master.Event, format: WireFormat): Buffer {
    return encodeRecord(getCodec<master.Event>(TYPE_NAMES.MasterEvent, format).encode(event));
  }

  private drop(subscriber: Subscriber): void {
    if (subscriber.timer) clearInterval(subscriber.timer);
    subscriber.timer = undefined;
    this.subscribers.delete(subscriber);
  }
}

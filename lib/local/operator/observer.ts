/**
 * What the leading master's core tells the operator API as its model changes (the sources of
 * the operator event stream), and what it asks of it (whether an agent is deactivated). Kept
 * free of master-core imports so that the core can depend on it without a cycle.
 */
import type { Resource, scheduler, TaskInfo, TaskState, TaskStatus, Unavailability } from '../../codec/messages';
import type { LocalAgent } from '../agent';
import type { FrameworkRecord } from '../master-frameworks';

/** A task as the core holds it (the shape of master-core's TaskRecord). */
export interface ObservedTask {
  readonly frameworkId: string;
  readonly agentId: string;
  readonly task: TaskInfo;
  readonly state: TaskState;
  readonly executorId: string | undefined;
  readonly resources: Resource[];
  readonly lastStatus: TaskStatus | undefined;
}

/** The core's notifications; every method is called after the model changed. */
export interface MasterCoreObserver {
  /** A task became known: launched (TASK_STAGING) or learnt from a (re-)registering agent. */
  taskAdded(task: ObservedTask): void;
  /** A task got a status update (from its agent, or made by the master when its agent went away). */
  taskUpdated(task: ObservedTask, status: TaskStatus): void;
  /** The framework acknowledged a task's terminal update: the master no longer holds the task. */
  taskAcknowledged?(): void;
  /** A framework subscribed (`resubscribed` when it was known before) or was updated by UPDATE_FRAMEWORK. */
  frameworkChanged(framework: FrameworkRecord, resubscribed: boolean): void;
  /** A framework was removed (TEARDOWN or failover timeout). */
  frameworkRemoved(framework: FrameworkRecord): void;
  /** An agent registered. */
  agentAdded(agentId: string): void;
  /** An agent was removed (`mode` is how; `unreachable` when it only became unreachable). */
  agentRemoved(agentId: string, mode: string): void;
  /** True while an operator keeps the agent out of offers (DEACTIVATE_AGENT, DRAIN_AGENT). */
  isDeactivated(agentId: string): boolean;
  /** A framework answered inverse offers (ACCEPT_INVERSE_OFFERS or DECLINE_INVERSE_OFFERS). */
  inverseOffersAnswered(frameworkId: string, call: scheduler.Call): void;
  /** The maintenance window of the agent's machine, which its offers carry. */
  unavailability(hostname: string): Unavailability | undefined;
  /** True when the agent may not register (its machine is DOWN); it is then told to shut down. */
  refusesAgent?(agent: LocalAgent): boolean;
}

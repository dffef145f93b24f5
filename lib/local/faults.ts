/**
 * Fault injection: the switches masters consult on every request and stream, and the
 * `cluster.faults` API that flips them or acts on masters, streams and agents.
 */
import { constants } from 'node:os';
import type { scheduler } from '../codec/messages';
import { MesosConfigError } from '../common/errors';
import type { ExecutorProcess } from './executor-termination';
import type { PartitionOptions } from './partition';

/** One armed "answer the next calls with this" rule. */
export interface CallFailureRule {
  /** How many calls are still to be failed. */
  remaining: number;
  /** Only calls of this type are failed; all types when undefined. */
  callType: scheduler.Call.Type | undefined;
  status: number;
  body: string;
}

/** Switches shared by every master of a cluster. */
export class FaultSwitches {
  /** Extra delay before every response of the scheduler endpoint, in ms. */
  latencyMs = 0;
  /** When true, subscriptions send no HEARTBEAT. */
  heartbeatsStopped = false;
  private readonly rules: CallFailureRule[] = [];

  /** Arms a rule (see {@link ClusterFaults.failNextCalls}). */
  addRule(rule: CallFailureRule): void {
    this.rules.push(rule);
  }

  /** The answer to force for a call of `callType`, consuming one use of the first matching rule. */
  takeFailure(callType: scheduler.Call.Type | undefined): { status: number; body: string } | undefined {
    const index = this.rules.findIndex((rule) => rule.callType === undefined || rule.callType === callType);
    if (index < 0) return undefined;
    const rule = this.rules[index] as CallFailureRule;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.rules.splice(index, 1);
    return { status: rule.status, body: rule.body };
  }

  /** Disarms everything. */
  reset(): void {
    this.latencyMs = 0;
    this.heartbeatsStopped = false;
    this.rules.length = 0;
  }
}

/** Options of {@link ClusterFaults.failNextCalls}. */
export interface FailNextCallsOptions {
  /** HTTP status to answer with, e.g. 503 or 500. */
  status: number;
  /** Plain-text body; default empty. */
  body?: string;
  /** How many calls; default 1. */
  count?: number;
  /** Only calls of this type (e.g. 'ACCEPT', 'SUBSCRIBE'); default any. */
  callType?: scheduler.Call.Type;
}

/** Options of {@link ClusterFaults.dropSubscription}. */
export interface DropSubscriptionOptions {
  /** Which framework's stream; default every subscription. */
  frameworkId?: string;
  /** Write half a record before destroying the socket. */
  midRecord?: boolean;
}

/** Options of {@link ClusterFaults.restartAgent}. */
export interface RestartAgentOptions {
  /**
   * The agent starts without its checkpointed state (as after removing its `meta/slaves/latest`)
   * and registers with a NEW agent id (default false: it recovers and keeps its id).
   */
  newId?: boolean;
}

/** What ClusterFaults needs from the cluster (kept as an interface so faults.ts imports no cluster code). */
export interface FaultTarget {
  readonly switches: FaultSwitches;
  dropSubscriptions(frameworkId: string | undefined, midRecord: boolean): number;
  sendMalformedRecord(frameworkId: string | undefined): number;
  killLeader(): Promise<void>;
  loseAgent(agent: number | string, mode: 'removed' | 'unreachable'): Promise<void>;
  restartAgent(agent: number | string, options: RestartAgentOptions): Promise<void>;
  partitionAgent(agent: number | string, ms: number, options: PartitionOptions): Promise<void>;
  /** The running custom executors of every live agent. */
  executorProcesses(): ExecutorProcess[];
}

/** A running custom executor, as {@link ClusterFaults.executors} lists it. */
export interface LocalExecutorProcess {
  /** The agent it runs on. */
  agentId: string;
  /** The framework it belongs to. */
  frameworkId: string;
  /** Its ExecutorInfo's executor_id. */
  executorId: string;
  /** Pid of the executor's process (the leader of its process group). */
  pid: number;
  /** Its sandbox, the working directory it was started in. */
  directory: string;
}

/** Options of {@link ClusterFaults.killExecutor}. */
export interface KillExecutorOptions {
  /** The executor's framework; needed only when several frameworks use the same executor id. */
  frameworkId?: string;
  /** The agent it runs on; needed only when the framework runs that executor id on several agents. */
  agentId?: string;
  /** Signal sent to the executor's process group; default `SIGKILL` (a crash). */
  signal?: NodeJS.Signals;
}

/** `cluster.faults`: fault injection for tests of schedulers and drivers. */
export class ClusterFaults {
  private readonly target: FaultTarget;

  /** @internal Built by LocalCluster: use `cluster.faults`. */
  constructor(target: FaultTarget) {
    this.target = target;
  }

  /** Breaks subscription connections (all, or one framework's); returns how many were dropped. */
  dropSubscription(options: DropSubscriptionOptions = {}): number {
    return this.target.dropSubscriptions(options.frameworkId, options.midRecord ?? false);
  }

  /** Stops sending HEARTBEAT events on every subscription until {@link resumeHeartbeats}. */
  stopHeartbeats(): void {
    this.target.switches.heartbeatsStopped = true;
  }

  /** Undoes {@link stopHeartbeats}. */
  resumeHeartbeats(): void {
    this.target.switches.heartbeatsStopped = false;
  }

  /** Writes one well-framed record holding an undecodable event; returns how many streams got it. */
  sendMalformedRecord(frameworkId?: string): number {
    return this.target.sendMalformedRecord(frameworkId);
  }

  /** Answers the next calls (optionally of one type) with `status` and `body` instead of handling them. */
  failNextCalls(options: FailNextCallsOptions): void {
    const count = options.count ?? 1;
    if (!Number.isInteger(count) || count < 1)
      throw new RangeError(`failNextCalls: count must be a positive integer, got ${count}`);
    if (!Number.isInteger(options.status) || options.status < 100 || options.status > 599) {
      throw new RangeError(`failNextCalls: status must be an HTTP status code, got ${options.status}`);
    }
    this.target.switches.addRule({
      remaining: count,
      callType: options.callType,
      status: options.status,
      body: options.body ?? '',
    });
  }

  /** Delays every scheduler-endpoint response by `ms` (0 to stop). */
  setLatency(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`setLatency: ms must be >= 0, got ${ms}`);
    this.target.switches.latencyMs = ms;
  }

  /** Kills the leading master; another takes over (through ZooKeeper, or at once without it). */
  killLeader(): Promise<void> {
    return this.target.killLeader();
  }

  /**
   * Loses an agent (by index or id) for good: it leaves `cluster.agents` and stops, its offers are
   * rescinded and every framework gets FAILURE. `'removed'` (default) is an agent shut down, which
   * Mesos's master removes: each task TASK_LOST to every framework (PARTITION_AWARE ones too),
   * SOURCE_MASTER, REASON_AGENT_REMOVED, "Agent <hostname> removed: the agent unregistered".
   * `'unreachable'` is one the master marks unreachable: TASK_UNREACHABLE (TASK_LOST without
   * PARTITION_AWARE), REASON_AGENT_REMOVED.
   */
  loseAgent(agent: number | string, mode: 'removed' | 'unreachable' = 'removed'): Promise<void> {
    return this.target.loseAgent(agent, mode);
  }

  /**
   * Restarts an agent (by index or id) the way an agent process restart would: the master ends the
   * tasks of frameworks that do not checkpoint at once (TASK_LOST, REASON_AGENT_DISCONNECTED); the
   * executors of checkpointing frameworks may reconnect to the restarted agent.
   *
   * With `{ newId: true }` the agent does not recover: everything it ran is killed and a new agent
   * (same hostname, port, resources; a new id) takes its place in `cluster.agents`. The master
   * removes the old agent when the new one registers at its address: its remaining tasks become
   * TASK_LOST (PARTITION_AWARE frameworks too), SOURCE_MASTER, REASON_AGENT_REMOVED, frameworks get
   * FAILURE; the new agent is then offered. Resolves once the new agent has registered.
   */
  async restartAgent(agent: number | string, options: RestartAgentOptions = {}): Promise<void> {
    if (options === null || typeof options !== 'object')
      throw new MesosConfigError(`restartAgent: options must be an object, got ${String(options)}`);
    if (options.newId !== undefined && typeof options.newId !== 'boolean')
      throw new MesosConfigError(`restartAgent: newId must be a boolean, got ${JSON.stringify(options.newId)}`);
    return this.target.restartAgent(agent, options);
  }

  /**
   * Partitions an agent (by index or id) from the master for `ms`: it is marked unreachable
   * (TASK_UNREACHABLE, or TASK_LOST without PARTITION_AWARE; FAILURE) while its tasks keep running,
   * then it reregisters: every connected framework gets each of its tasks' state from the master
   * (TASK_RUNNING for a running one) with REASON_AGENT_REREGISTERED, as Mesos since 1.5, and
   * PARTITION_AWARE frameworks TASK_GONE for a task it lost. When its machine went DOWN meanwhile
   * (START_MAINTENANCE) the master refuses it instead, before any update, and it shuts down.
   * Resolves once it has reregistered or been refused. With `restartAgent` it restarts meanwhile.
   */
  partitionAgent(agent: number | string, ms: number, options: PartitionOptions = {}): Promise<void> {
    return this.target.partitionAgent(agent, ms, options);
  }

  /** Every running custom executor (ExecutorInfo with a command) of the live agents, with its pid. */
  executors(): LocalExecutorProcess[] {
    return this.target.executorProcesses().map(describeExecutor);
  }

  /**
   * Signals a running custom executor's process group (default SIGKILL), as a crash would; the
   * agent then reports its tasks and the executor's exit as Mesos does. Returns the executor signalled.
   * Throws MesosConfigError when no running executor matches, when several do, or for an unknown signal.
   */
  killExecutor(executorId: string, options: KillExecutorOptions = {}): LocalExecutorProcess {
    const signal = options.signal ?? 'SIGKILL';
    if (!Object.hasOwn(constants.signals, signal))
      throw new MesosConfigError(`killExecutor: unknown signal '${String(signal)}'`);
    const { frameworkId, agentId } = options;
    const found = this.target
      .executorProcesses()
      .filter(
        (e) =>
          e.executorId === executorId &&
          (frameworkId ?? e.frameworkId) === e.frameworkId &&
          (agentId ?? e.agentId) === e.agentId,
      );
    if (found.length !== 1) {
      const which = `'${executorId}'${frameworkId ? ` of framework ${frameworkId}` : ''}${agentId ? ` on agent ${agentId}` : ''}`;
      if (found.length === 0) throw new MesosConfigError(`killExecutor: no running executor ${which}`);
      const places = found.map((e) => `framework ${e.frameworkId} on agent ${e.agentId}`).join('; ');
      throw new MesosConfigError(
        `killExecutor: several executors ${which} run (${places}); give frameworkId or agentId`,
      );
    }
    const executor = found[0] as ExecutorProcess;
    executor.signal(signal);
    return describeExecutor(executor);
  }

  /** Disarms latency, heartbeat stop and pending call failures. */
  reset(): void {
    this.target.switches.reset();
  }
}

function describeExecutor({ agentId, frameworkId, executorId, pid, directory }: ExecutorProcess): LocalExecutorProcess {
  return { agentId, frameworkId, executorId, pid, directory };
}

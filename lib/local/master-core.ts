/**
 * The leading master's state machine: frameworks, offers, tasks, agents, and the effect of every
 * scheduler call. Created when a master becomes leader and disposed when it stops leading: a new
 * leader knows what the cluster's registry holds (registry.ts), the rest it learns from agents.
 */
import { randomBytes } from 'node:crypto';
import type {
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  MasterInfo,
  Offer,
  OperationStatus,
  Resource,
  scheduler,
  TaskInfo,
  TaskState,
  TaskStatus,
} from '../codec/messages';
import { TERMINAL_TASK_STATES } from '../codec/task-states';
import { createLogger } from '../common/logger';
import type { AgentEvents, LocalAgent } from './agent';
import { removalReport } from './agent-removal';
import { type AgentRecovery, awaitRecoveredAgents, type ReregisterTimeoutOptions } from './agent-reregister-timeout';
import { allocatedTo, withoutAllocation } from './allocation-info';
import { Allocator, type AllocatorAgent, type AllocatorFramework } from './allocator';
import type { SubscriptionStream } from './event-stream';
import { taskChecksProblem } from './health/task-checks';
import { executorKeyOf, operationKey } from './keys';
import {
  type AgentRemoval,
  type FrameworkRecord,
  frameworkRoles,
  hasCapability,
  isConnected,
  recoveredFramework,
  validateFrameworkInfo,
} from './master-frameworks';
import { setOfferConstraints } from './offer-constraints';
import type { MasterCoreObserver } from './operator/observer';
import { conversionOf } from './operator/resource-conversions';
import type { Re2Limits } from './re2/compile';
import type { Registry } from './registry';
import { addResources, containsResources, isEmptyResources, ResourceTotals, subtractResources } from './resources';
import { reconcileTasks } from './task-reconciliation';
import { recordTaskStatus } from './task-statuses';
import { timeInfo } from './time-info';
import {
  masterTaskStatus,
  placeAfterRemoval,
  TaskBook,
  type TaskPlace,
  type TaskRecord,
  taskKey,
} from './unacknowledged-tasks';
import { updateFrameworkProblem } from './update-framework-validation';
import { unsupportedOperation } from './volume-resize';

const log = createLogger('local:master');
/** How many removed frameworks /state lists in full (Mesos's `--max_completed_frameworks` default). */
const MAX_COMPLETED_FRAMEWORKS = 50;

export type { TaskRecord } from './unacknowledged-tasks';

/** An executor the master charges resources for. */
export interface ExecutorRecord {
  frameworkId: string;
  agentId: string;
  executorId: string;
  resources: Resource[];
}

/** An agent registered with the leading master. */
export interface AgentRecord {
  agent: LocalAgent;
  info: AgentInfo;
  /** Total resources, changed by RESERVE/UNRESERVE/CREATE/DESTROY. */
  total: Resource[];
  registeredAt: number;
}

interface OfferRecord {
  offer: Offer;
  frameworkId: string;
  agentId: string;
  role: string;
  resources: Resource[];
  timer: NodeJS.Timeout | undefined;
}

/** How a non-SUBSCRIBE call is answered. */
export interface CallResult {
  status: number;
  body?: string;
}

/** Options of a {@link MasterCore}. */
export interface MasterCoreOptions extends ReregisterTimeoutOptions {
  masterInfo: MasterInfo;
  heartbeatIntervalSeconds: number;
  allocationIntervalMs: number;
  offerTimeoutMs: number | undefined;
  roles: readonly string[] | undefined;
  registry?: Registry; // the cluster's, recovered from and written through (unacknowledged-tasks.ts)
  /** Told of the changes the operator event stream reports; says which agents are deactivated. */
  observer?: MasterCoreObserver;
  re2Limits?: Re2Limits; // the master's --offer_constraints_re2_* (master-flag-options.ts)
}

/** The leading master's logic. */
export class MasterCore {
  readonly frameworks = new Map<string, FrameworkRecord>();
  readonly removedFrameworks = new Set<string>();
  /** The most recently removed frameworks, oldest first, for /state's completed_frameworks (Mesos keeps 50). */
  readonly completedFrameworks: Array<{ record: FrameworkRecord; removedAt: number }> = [];
  readonly agents = new Map<string, AgentRecord>();
  readonly tasks = new Map<string, TaskRecord>();
  readonly startedAt = Date.now();
  /** Tasks no longer live: terminal awaiting their ACK, unreachable, completed (unacknowledged-tasks.ts). */
  readonly book: TaskBook;
  private readonly executors = new Map<string, ExecutorRecord>();
  private readonly offers = new Map<string, OfferRecord>();
  private readonly operations = new Map<string, OperationStatus>();
  private readonly allocator = new Allocator();
  private readonly options: MasterCoreOptions;
  // Running totals, updated as tasks, executors and offers come and go (as Mesos's master keeps
  // `Slave::usedResources`), so an event costs the size of the change, not of the whole cluster.
  /** Resources of tasks and executors, per agent. */
  private readonly usedOnAgent = new Map<string, ResourceTotals>();
  /** Resources in outstanding offers, per agent. */
  private readonly offeredOnAgent = new Map<string, ResourceTotals>();
  /** Resources a framework holds in tasks and offers (its dominant share), per framework. */
  private readonly heldByFramework = new Map<string, ResourceTotals>();
  /** Free resources of agents whose resources did not change since they were computed. */
  private readonly freeCache = new Map<string, Resource[]>();
  /** Agents whose resources changed since the last allocation round looked at them. */
  private readonly changedAgents = new Set<string>();
  private allocationTimer: NodeJS.Timeout | undefined;
  private allocationSoon: NodeJS.Immediate | undefined;
  /** True when the pending round must look at every agent (frameworks changed), not only the changed ones. */
  private fullAllocationSoon = false;
  private frameworkCounter = 0;
  private offerCounter = 0;
  private disposed = false;
  readonly recovery: AgentRecovery | undefined; // the wait for the registry's agents (agent-reregister-timeout.ts)

  /** The callbacks agents report to; points at this core. */
  readonly agentEvents: AgentEvents = {
    statusUpdate: (agentId, frameworkId, status) => this.onStatusUpdate(agentId, frameworkId, status),
    frameworkMessage: (agentId, frameworkId, executorId, data) =>
      this.onFrameworkMessage(agentId, frameworkId, executorId, data),
    executorExited: (agentId, frameworkId, executorId, waitStatus) =>
      this.onExecutorExited(agentId, frameworkId, executorId, waitStatus),
  };

  constructor(options: MasterCoreOptions) {
    this.options = options;
    this.book = new TaskBook(options.registry);
    this.allocationTimer = setInterval(() => this.allocate(true), options.allocationIntervalMs);
    this.allocationTimer.unref();
    this.recovery = options.registry ? awaitRecoveredAgents(this, options.registry, options) : undefined;
  }

  /** The master this core belongs to. */
  get masterInfo(): MasterInfo {
    return this.options.masterInfo;
  }

  // ---------------------------------------------------------------- agents

  /** True when `agent` may not (re)register: partitioned, gone, or on a DOWN machine (it is then told to shut down). */
  refusesAgent(agent: LocalAgent): boolean {
    return this.book.refusesRegistration(agent) || this.options.observer?.refusesAgent?.(agent) === true;
  }

  /** (Re)registers an agent, learning its frameworks and tasks, unless refused (see refusesAgent). */
  addAgent(agent: LocalAgent): void {
    const info = agent.info;
    const agentId = info.id?.value ?? '';
    if (this.refusesAgent(agent)) return;
    this.book.agentRegistered(agentId);
    this.agents.set(agentId, { agent, info, total: withoutAllocation(info.resources), registeredAt: Date.now() });
    this.agentChanged(agentId);
    this.options.observer?.agentAdded(agentId);
    const reported = new Set<string>();
    for (const row of agent.state()) {
      const frameworkId = row.framework.id?.value;
      if (!frameworkId) continue;
      if (!this.frameworks.has(frameworkId))
        this.frameworks.set(frameworkId, recoveredFramework(frameworkId, row.framework));
      const key = taskKey(frameworkId, row.task.task_id.value);
      reported.add(key);
      const resources = withoutAllocation(row.resources);
      const task = { frameworkId, agentId, task: row.task, state: row.state, executorId: row.executorId, resources };
      if (!TERMINAL_TASK_STATES.has(row.state)) this.putTask(key, { ...task, lastStatus: undefined });
      else if (!this.book.awaitingAck(key)) {
        // It awaits its ACK (the agent re-sends its update, setEvents), holding no resources.
        this.dropTask(key);
        this.book.put(key, { ...task, lastStatus: undefined }, 'unacknowledged');
      }
    }
    // One it no longer has (restarted, not checkpointing) cannot be acknowledged: Mesos ends it as the agent left.
    const left = `Agent ${info.hostname} disconnected`;
    for (const [key, task] of this.book.unacknowledgedOn(agentId).filter(([held]) => !reported.has(held))) {
      const status = masterTaskStatus(task, 'TASK_LOST', 'REASON_AGENT_DISCONNECTED', left);
      this.finishTask(key, task, status);
      const framework = this.frameworks.get(task.frameworkId);
      if (framework) this.sendTo(framework, { type: 'UPDATE', update: { status } });
    }
    agent.setEvents(this.agentEvents); // after its tasks are known: it re-sends its unacknowledged updates now
    this.scheduleAllocation(false);
  }

  /**
   * Removes an agent as Mesos does: its offers are rescinded, its tasks reported (state, reason and message by
   * `mode` and the framework's PARTITION_AWARE, see agent-removal.ts; a terminal task awaiting
   * its ACK too, keeping its state), and every connected framework gets FAILURE with the agent id. `now` (ms) is
   * when, the `unreachable_time` of an unreachable agent.
   */
  removeAgent(agentId: string, mode: AgentRemoval = 'removed', now = Date.now()): void {
    if (!this.agents.has(agentId)) return;
    this.rescindAgentOffers(agentId);
    const report = removalReport(mode, agentId, this.agents.get(agentId)?.info.hostname);
    this.agents.delete(agentId);
    for (const [key, task] of [...this.tasks, ...this.book.unacknowledgedOn(agentId)]) {
      if (task.agentId !== agentId) continue;
      const framework = this.frameworks.get(task.frameworkId);
      const aware = framework !== undefined && hasCapability(framework.info, 'PARTITION_AWARE');
      const status = masterTaskStatus(task, ...report(aware));
      if (mode === 'unreachable') status.unreachable_time = timeInfo(now);
      this.finishTask(key, task, status, placeAfterRemoval(mode, aware));
      if (framework) this.sendTo(framework, { type: 'UPDATE', update: { status } });
    }
    this.book.agentRemoved(agentId, mode, now);
    this.forgetExecutors((executor) => executor.agentId === agentId);
    this.freeCache.delete(agentId);
    this.changedAgents.delete(agentId);
    const failure = { agent_id: { value: agentId } };
    for (const framework of this.frameworks.values()) this.sendTo(framework, { type: 'FAILURE', failure });
    this.options.observer?.agentRemoved(agentId, mode === 'unreachable' ? mode : 'removed');
  }

  /** Operator RESERVE/UNRESERVE/CREATE/DESTROY: false when the agent's free resources (offers rescinded) lack `consumed`. */
  convertAgentResources(agentId: string, consumed: Resource[], converted: Resource[]): boolean {
    this.rescindAgentOffers(agentId);
    const record = this.agents.get(agentId);
    if (!record || consumed.length === 0 || !containsResources(this.freeOn(agentId), consumed)) return false;
    record.total = addResources(subtractResources(record.total, consumed), converted);
    this.agentChanged(agentId);
    this.scheduleAllocation(false);
    return true;
  }

  /** Rescinds the offers of an agent (e.g. before it restarts). */
  rescindAgentOffers(agentId: string): void {
    for (const offer of [...this.offers.values()]) if (offer.agentId === agentId) this.rescindOffer(offer, true);
  }

  // ---------------------------------------------------------------- subscribe

  /**
   * Handles a SUBSCRIBE whose HTTP checks passed and whose 200 stream is open: either SUBSCRIBED
   * plus heartbeats, or ERROR and close (§1.5).
   */
  subscribe(call: scheduler.Call, stream: SubscriptionStream): void {
    const subscribe = call.subscribe as scheduler.Call.Subscribe;
    const requested = subscribe.framework_info;
    const suppressed = subscribe.suppressed_roles ?? [];
    const requestedId = call.framework_id?.value;
    if (requestedId !== undefined && this.removedFrameworks.has(requestedId)) {
      stream.failWith('Framework has been removed');
      return;
    }
    const { roles, re2Limits } = this.options;
    const invalid = validateFrameworkInfo(requested, roles, suppressed, subscribe.offer_constraints, re2Limits);
    if (invalid) {
      stream.failWith(invalid);
      return;
    }
    let framework = requestedId !== undefined ? this.frameworks.get(requestedId) : undefined;
    const resubscribed = framework !== undefined;
    if (framework) {
      const old = framework.info;
      if ((old.principal ?? '') !== (requested.principal ?? '') && framework.subscribedAt !== undefined) {
        stream.failWith("Changing framework's principal is not allowed.");
        return;
      }
      if (framework.stream && !framework.stream.closed) {
        const previous = framework.stream;
        framework.stream = undefined;
        previous.failWith('Framework failed over');
      }
      // user and checkpoint cannot change on re-subscribe: the old values are kept.
      framework.info = { ...requested, user: old.user, checkpoint: old.checkpoint, id: { value: framework.id } };
      if (framework.failoverTimer) clearTimeout(framework.failoverTimer);
      framework.failoverTimer = undefined;
      // Offers held before the re-subscribe are discarded without RESCIND (§1.5.7).
      for (const offer of [...this.offers.values()]) if (offer.frameworkId === framework.id) this.removeOffer(offer);
    } else {
      const id = requestedId ?? `${this.options.masterInfo.id}-${String(this.frameworkCounter++).padStart(4, '0')}`;
      framework = {
        id,
        info: { ...requested, id: { value: id } },
        stream: undefined,
        suppressedRoles: new Set(),
        failoverTimer: undefined,
        subscribedAt: undefined,
        registeredAt: Date.now(),
      };
      this.frameworks.set(id, framework);
    }
    framework.suppressedRoles = new Set(suppressed);
    setOfferConstraints(framework, subscribe.offer_constraints, (id) => this.agents.get(id)?.info);
    framework.subscribedAt = Date.now();
    framework.stream = stream;
    this.allocator.clearFilters(framework.id);
    const subscribed = framework;
    stream.on('closed', () => this.onStreamClosed(subscribed, stream));
    log('framework %s subscribed (stream %s)', framework.id, stream.streamId);
    stream.send({
      type: 'SUBSCRIBED',
      subscribed: {
        framework_id: { value: framework.id },
        heartbeat_interval_seconds: this.options.heartbeatIntervalSeconds,
        master_info: this.options.masterInfo,
      },
    });
    stream.startHeartbeats();
    this.options.observer?.frameworkChanged(framework, resubscribed);
    // A re-subscribe reaches every agent (Mesos's UpdateFrameworkMessage), which re-sends its
    // pending updates at once: without this they would wait for the next retry (10 s and more).
    // (setEvents re-points an agent at this master and re-sends its unacknowledged updates.)
    if (resubscribed) for (const record of this.agents.values()) record.agent.setEvents(this.agentEvents);
    this.scheduleAllocation();
  }

  private onStreamClosed(framework: FrameworkRecord, stream: SubscriptionStream): void {
    if (this.disposed || framework.stream !== stream) return;
    framework.stream = undefined;
    log('framework %s disconnected', framework.id);
    for (const offer of [...this.offers.values()]) {
      if (offer.frameworkId === framework.id) this.removeOffer(offer);
    }
    const timeoutMs = Math.max(0, (framework.info.failover_timeout ?? 0) * 1000);
    framework.failoverTimer = setTimeout(
      () => {
        framework.failoverTimer = undefined;
        if (!isConnected(framework)) this.removeFramework(framework, 'failover timeout');
      },
      Math.min(timeoutMs, 2 ** 31 - 1),
    );
    framework.failoverTimer.unref();
    this.scheduleAllocation();
  }

  /** Removes a framework: kills its tasks and executors, forgets it, refuses its id from now on. */
  removeFramework(framework: FrameworkRecord, why: string): void {
    log('removing framework %s (%s)', framework.id, why);
    if (framework.failoverTimer) clearTimeout(framework.failoverTimer);
    framework.failoverTimer = undefined;
    for (const offer of [...this.offers.values()]) {
      if (offer.frameworkId === framework.id) this.removeOffer(offer);
    }
    for (const record of this.agents.values()) {
      try {
        record.agent.shutdownFramework(framework.id);
      } catch (err) {
        log('agent shutdownFramework failed: %O', err);
      }
    }
    for (const [key, task] of [...this.tasks, ...this.book.heldFor(framework.id)]) {
      if (task.frameworkId !== framework.id) continue;
      const status = masterTaskStatus(task, 'TASK_KILLED', 'REASON_FRAMEWORK_REMOVED', 'Framework removed');
      this.finishTask(key, task, status);
    }
    this.forgetExecutors((executor) => executor.frameworkId === framework.id);
    this.frameworks.delete(framework.id);
    this.options.observer?.frameworkRemoved(framework);
    this.heldByFramework.delete(framework.id);
    this.removedFrameworks.add(framework.id);
    this.completedFrameworks.push({ record: framework, removedAt: Date.now() });
    if (this.completedFrameworks.length > MAX_COMPLETED_FRAMEWORKS) this.completedFrameworks.shift();
    this.allocator.removeFramework(framework.id);
    const stream = framework.stream;
    framework.stream = undefined;
    stream?.close();
    this.scheduleAllocation();
  }

  // ---------------------------------------------------------------- other calls

  /** Checks 10-15 of §1.4 and then the call's effect; the HTTP layer did checks 0-9. */
  handleCall(call: scheduler.Call, streamIdHeader: string | undefined): CallResult {
    const frameworkId = call.framework_id?.value ?? '';
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return { status: 400, body: 'Framework cannot be found' };
    if (!isConnected(framework)) return { status: 403, body: 'Framework is not subscribed' };
    if (streamIdHeader === undefined) {
      return { status: 400, body: "All non-subscribe calls should include the 'Mesos-Stream-Id' header" };
    }
    const stream = framework.stream as SubscriptionStream;
    if (streamIdHeader !== stream.streamId) {
      return {
        status: 400,
        body: `The stream ID '${streamIdHeader}' included in this request didn't match the stream ID currently associated with framework ID ${frameworkId}`,
      };
    }
    switch (call.type) {
      case 'TEARDOWN':
        this.removeFramework(framework, 'TEARDOWN');
        return { status: 202 };
      case 'ACCEPT':
        this.accept(framework, call.accept ?? {});
        return { status: 202 };
      case 'DECLINE':
        this.decline(framework, call.decline?.offer_ids ?? [], call.decline?.filters?.refuse_seconds);
        return { status: 202 };
      case 'REVIVE':
        this.revive(framework, call.revive?.roles ?? []);
        return { status: 202 };
      case 'SUPPRESS':
        this.suppress(framework, call.suppress?.roles ?? []);
        return { status: 202 };
      case 'KILL':
        this.kill(framework, call.kill as scheduler.Call.Kill);
        return { status: 202 };
      case 'SHUTDOWN': {
        const shutdown = call.shutdown as scheduler.Call.Shutdown;
        this.agents.get(shutdown.agent_id.value)?.agent.shutdownExecutor(framework.id, shutdown.executor_id.value);
        return { status: 202 };
      }
      case 'ACKNOWLEDGE': {
        const ack = call.acknowledge as scheduler.Call.Acknowledge;
        const agent = this.agents.get(ack.agent_id.value)?.agent; // Mesos ignores an ACK for an unregistered agent
        const key = taskKey(framework.id, ack.task_id.value);
        if (agent && this.book.acknowledge(key, ack.agent_id.value, ack.uuid))
          this.options.observer?.taskAcknowledged?.();
        agent?.acknowledge(framework.id, ack.task_id.value, ack.uuid);
        return { status: 202 };
      }
      case 'RECONCILE':
        this.reconcile(framework, call.reconcile?.tasks ?? []);
        return { status: 202 };
      case 'MESSAGE': {
        const { agent_id: agentId, executor_id: executorId, data } = call.message as scheduler.Call.Message;
        this.agents.get(agentId.value)?.agent.sendFrameworkMessage(framework.id, executorId.value, data);
        return { status: 202 };
      }
      case 'ACCEPT_INVERSE_OFFERS':
      case 'DECLINE_INVERSE_OFFERS':
        this.options.observer?.inverseOffersAnswered(framework.id, call);
        return { status: 202 };
      case 'REQUEST':
        return { status: 202 };
      case 'ACKNOWLEDGE_OPERATION_STATUS': {
        const ack = call.acknowledge_operation_status as scheduler.Call.AcknowledgeOperationStatus;
        const key = operationKey(framework.id, ack.operation_id.value);
        const status = this.operations.get(key);
        if (status) this.operations.set(key, { ...status, uuid: undefined });
        return { status: 202 };
      }
      case 'RECONCILE_OPERATIONS':
        this.reconcileOperations(framework, call.reconcile_operations?.operations ?? []);
        return { status: 202 };
      case 'UPDATE_FRAMEWORK':
        return this.updateFramework(framework, call.update_framework as scheduler.Call.UpdateFramework);
      default:
        return { status: 501, body: `Unsupported call type ${String(call.type)}` };
    }
  }

  private decline(
    framework: FrameworkRecord,
    offerIds: Array<{ value: string }>,
    refuseSeconds: number | undefined,
  ): void {
    for (const { value } of offerIds) {
      const offer = this.offers.get(value);
      if (!offer || offer.frameworkId !== framework.id) continue;
      this.removeOffer(offer);
      this.allocator.refuse(framework.id, offer.agentId, offer.resources, refuseSeconds, Date.now());
    }
    this.scheduleAllocation(false);
  }

  private revive(framework: FrameworkRecord, roles: string[]): void {
    const targets = roles.length > 0 ? roles : frameworkRoles(framework.info);
    for (const role of targets) framework.suppressedRoles.delete(role);
    this.allocator.clearFilters(framework.id);
    this.scheduleAllocation();
  }

  private suppress(framework: FrameworkRecord, roles: string[]): void {
    const targets = roles.length > 0 ? roles : frameworkRoles(framework.info);
    for (const role of targets) framework.suppressedRoles.add(role);
  }

  private kill(framework: FrameworkRecord, kill: scheduler.Call.Kill): void {
    const key = taskKey(framework.id, kill.task_id.value);
    const task = this.tasks.get(key) ?? this.book.awaitingAck(key); // the agent ignores a kill of an ended task
    // As Mesos (since 0.22), the kill of an unknown task is answered by its reconciliation.
    if (!task)
      this.reconcile(framework, [{ task_id: kill.task_id, ...(kill.agent_id && { agent_id: kill.agent_id }) }]);
    else {
      const policy = kill.kill_policy ?? task.task.kill_policy;
      this.agents.get(task.agentId)?.agent.kill(framework.id, task.task.task_id.value, policy);
    }
  }

  private reconcile(framework: FrameworkRecord, wanted: scheduler.Call.Reconcile.Task[]): void {
    reconcileTasks(this, framework, wanted, (status) => this.sendTo(framework, { type: 'UPDATE', update: { status } }));
  }

  private reconcileOperations(
    framework: FrameworkRecord,
    wanted: scheduler.Call.ReconcileOperations.Operation[],
  ): void {
    const prefix = `${framework.id}\u0000`;
    const send = (status: OperationStatus) => {
      const { uuid: _noUuid, ...rest } = status;
      this.sendTo(framework, { type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status: rest } });
    };
    if (wanted.length === 0) {
      for (const [key, status] of this.operations) if (key.startsWith(prefix)) send(status);
      return;
    }
    for (const item of wanted) {
      const known = this.operations.get(operationKey(framework.id, item.operation_id.value));
      send(
        known ?? {
          operation_id: item.operation_id,
          state: 'OPERATION_UNKNOWN',
          ...(item.agent_id ? { agent_id: item.agent_id } : {}),
        },
      );
    }
  }

  private updateFramework(framework: FrameworkRecord, update: scheduler.Call.UpdateFramework): CallResult {
    const invalid = updateFrameworkProblem(framework.info, update, this.options.roles, this.options.re2Limits);
    if (invalid) return { status: 400, body: invalid };
    framework.info = { ...update.framework_info, id: { value: framework.id } };
    framework.suppressedRoles = new Set(update.suppressed_roles);
    setOfferConstraints(framework, update.offer_constraints, (id) => this.agents.get(id)?.info);
    const roles = new Set(frameworkRoles(framework.info));
    for (const offer of [...this.offers.values()])
      if (offer.frameworkId === framework.id && !roles.has(offer.role)) this.rescindOffer(offer, true);
    this.options.observer?.frameworkChanged(framework, true);
    this.scheduleAllocation();
    return { status: 200 };
  }

  // ---------------------------------------------------------------- ACCEPT

  private accept(framework: FrameworkRecord, accept: scheduler.Call.Accept): void {
    const offerIds = (accept.offer_ids ?? []).map((id) => id.value);
    const operations = accept.operations ?? [];
    const found: OfferRecord[] = [];
    let invalid: string | undefined;
    for (const id of offerIds) {
      const offer = this.offers.get(id);
      if (!offer || offer.frameworkId !== framework.id) invalid ??= `Offer ${id} is no longer valid`;
      else if (found.some((other) => other.offer.id.value === id)) invalid ??= `Duplicate offer ${id} in ACCEPT`;
      else found.push(offer);
    }
    if (offerIds.length === 0) invalid ??= 'No offers specified';
    const agentIds = new Set(found.map((offer) => offer.agentId));
    if (agentIds.size > 1) invalid ??= 'Aggregated offers must belong to one single agent';
    for (const offer of found) this.removeOffer(offer);

    if (invalid !== undefined) {
      this.dropLaunches(
        framework,
        operations,
        `Task launched with invalid offers: ${invalid}`,
        'REASON_INVALID_OFFERS',
      );
      this.scheduleAllocation(false);
      return;
    }
    const first = found[0] as OfferRecord;
    const agentRecord = this.agents.get(first.agentId);
    if (!agentRecord) {
      this.dropLaunches(framework, operations, 'Agent is no longer registered', 'REASON_INVALID_OFFERS');
      return;
    }
    let pool: Resource[] = [];
    for (const offer of found) pool = addResources(pool, offer.resources);

    for (const operation of operations) {
      switch (operation.type) {
        case 'LAUNCH':
          pool = this.launch(framework, agentRecord, operation.launch?.task_infos ?? [], undefined, pool);
          break;
        case 'LAUNCH_GROUP': {
          const group = operation.launch_group;
          if (!group) break;
          pool = this.launch(framework, agentRecord, group.task_group.tasks ?? [], group.executor, pool);
          break;
        }
        case 'RESERVE':
        case 'UNRESERVE':
        case 'CREATE':
        case 'DESTROY':
        case 'GROW_VOLUME':
        case 'SHRINK_VOLUME':
          pool = this.convert(framework, agentRecord, operation, pool);
          break;
        default:
          this.operationFeedback(framework, agentRecord, operation, 'OPERATION_ERROR', unsupportedOperation(operation));
      }
    }
    // What the operations did not use counts as declined with the call's filters.
    this.allocator.refuse(framework.id, first.agentId, pool, accept.filters?.refuse_seconds, Date.now());
    this.scheduleAllocation(false);
  }

  private dropLaunches(
    framework: FrameworkRecord,
    operations: Offer.Operation[],
    message: string,
    reason: TaskStatus.Reason,
  ): void {
    const state: TaskState = hasCapability(framework.info, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST';
    for (const operation of operations) {
      const tasks =
        operation.type === 'LAUNCH'
          ? (operation.launch?.task_infos ?? [])
          : operation.type === 'LAUNCH_GROUP'
            ? (operation.launch_group?.task_group.tasks ?? [])
            : [];
      for (const task of tasks) {
        this.sendTo(framework, {
          type: 'UPDATE',
          update: {
            status: {
              task_id: task.task_id,
              agent_id: task.agent_id,
              state,
              source: 'SOURCE_MASTER',
              reason,
              message,
              timestamp: Date.now() / 1000,
            },
          },
        });
      }
    }
  }

  /** LAUNCH / LAUNCH_GROUP: validates against the pool, records TASK_STAGING, hands tasks to the agent; returns the pool left. */
  private launch(
    framework: FrameworkRecord,
    agentRecord: AgentRecord,
    tasks: TaskInfo[],
    groupExecutor: ExecutorInfo | undefined,
    pool: Resource[],
  ): Resource[] {
    const agentId = agentRecord.info.id?.value ?? '';
    const taskError = (task: TaskInfo, message: string, reason: TaskStatus.Reason = 'REASON_TASK_INVALID') =>
      this.sendTo(framework, {
        type: 'UPDATE',
        update: {
          status: {
            task_id: task.task_id,
            agent_id: { value: agentId },
            state: 'TASK_ERROR',
            source: 'SOURCE_MASTER',
            reason,
            message,
            timestamp: Date.now() / 1000,
          },
        },
      });
    let remaining = pool;
    const accepted: TaskInfo[] = [];
    const acceptedIds = new Set<string>();
    const problems = new Map<TaskInfo, string>();
    // A running sum: adding each task into a consolidated list would cost O(tasks) per task.
    const neededTotals = new ResourceTotals();
    const newExecutors = new Map<string, Resource[]>();
    for (const task of tasks) {
      const executor = groupExecutor ?? task.executor;
      const key = taskKey(framework.id, task.task_id?.value ?? '');
      let problem: string | undefined;
      if (!task.task_id?.value) problem = 'Task ID must be non-empty';
      else if (this.tasks.has(key) || this.book.awaitingAck(key) || acceptedIds.has(task.task_id.value))
        problem = `Task has duplicate ID: ${task.task_id.value}`;
      else if (this.book.isUnreachable(framework.id, key))
        problem = `Task reuses the ID of an unreachable task: ${task.task_id.value}`;
      else if (task.agent_id?.value !== agentId)
        problem = `Task uses agent ${task.agent_id?.value} but the offer is for agent ${agentId}`;
      else if (!groupExecutor && (task.command === undefined) === (task.executor === undefined))
        problem = 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
      else if (groupExecutor && task.executor !== undefined)
        problem = "'TaskInfo.executor' must not be set in a task group";
      else problem = taskChecksProblem(task);
      if (problem) {
        problems.set(task, problem);
        continue;
      }
      let want = withoutAllocation(task.resources);
      if (executor) {
        const executorKey = executorKeyOf(framework.id, agentId, executor.executor_id.value);
        if (!this.executors.has(executorKey) && !newExecutors.has(executorKey)) {
          const executorResources = withoutAllocation(executor.resources);
          newExecutors.set(executorKey, executorResources);
          want = addResources(want, executorResources);
        }
      }
      neededTotals.add(want);
      accepted.push(task);
      acceptedIds.add(task.task_id.value);
    }
    if (groupExecutor && problems.size > 0) {
      // A task group launches atomically: one bad task fails them all.
      for (const task of tasks)
        taskError(task, problems.get(task) ?? 'Task group is invalid', 'REASON_TASK_GROUP_INVALID');
      return remaining;
    }
    for (const [task, problem] of problems) taskError(task, problem);
    if (accepted.length === 0) return remaining;
    const needed = neededTotals.toArray();
    if (!containsResources(remaining, needed)) {
      const reason = groupExecutor ? 'REASON_TASK_GROUP_INVALID' : 'REASON_TASK_INVALID';
      for (const task of accepted) taskError(task, 'Task uses more resources than available in the offers', reason);
      return remaining;
    }
    remaining = subtractResources(remaining, needed);
    for (const [key, resources] of newExecutors) {
      const [, , executorId] = key.split('\u0000') as [string, string, string];
      this.putExecutor(key, { frameworkId: framework.id, agentId, executorId, resources });
    }
    for (const task of accepted) {
      const executor = groupExecutor ?? task.executor;
      this.putTask(taskKey(framework.id, task.task_id.value), {
        frameworkId: framework.id,
        agentId,
        task,
        state: 'TASK_STAGING',
        executorId: executor?.executor_id.value,
        resources: withoutAllocation(task.resources),
        lastStatus: undefined,
      });
    }
    try {
      const frameworkInfo: FrameworkInfo = { ...framework.info, id: { value: framework.id } };
      if (groupExecutor) agentRecord.agent.launch(frameworkInfo, accepted, { executor: groupExecutor });
      else agentRecord.agent.launch(frameworkInfo, accepted);
    } catch (err) {
      log('agent launch failed: %O', err);
      for (const task of accepted) {
        const key = taskKey(framework.id, task.task_id.value);
        const record = this.tasks.get(key);
        if (!record) continue;
        const why = `Launch failed: ${(err as Error).message}`;
        const status = masterTaskStatus(record, 'TASK_ERROR', 'REASON_TASK_INVALID', why);
        this.finishTask(key, record, status);
        this.sendTo(framework, { type: 'UPDATE', update: { status } });
      }
    }
    return remaining;
  }

  /** RESERVE / UNRESERVE / CREATE / DESTROY / GROW_VOLUME / SHRINK_VOLUME: swaps resources in the pool and the agent's total. */
  private convert(
    framework: FrameworkRecord,
    agentRecord: AgentRecord,
    operation: Offer.Operation,
    pool: Resource[],
  ): Resource[] {
    const { consumed, converted, problem } = conversionOf(operation);
    if (consumed.length === 0 || !containsResources(pool, consumed)) {
      const why = problem ?? `the offered resources do not contain ${JSON.stringify(consumed)}`;
      this.operationFeedback(
        framework,
        agentRecord,
        operation,
        'OPERATION_ERROR',
        `Invalid ${operation.type} operation: ${why}`,
      );
      return pool;
    }
    agentRecord.total = addResources(subtractResources(agentRecord.total, consumed), converted);
    this.agentChanged(agentRecord.info.id?.value ?? '');
    this.operationFeedback(framework, agentRecord, operation, 'OPERATION_FINISHED', undefined, converted);
    return addResources(subtractResources(pool, consumed), converted);
  }

  private operationFeedback(
    framework: FrameworkRecord,
    agentRecord: AgentRecord,
    operation: Offer.Operation,
    state: OperationStatus['state'],
    message?: string,
    converted?: Resource[],
  ): void {
    if (!operation.id) return; // Feedback only for operations with an id (§1.6).
    const status: OperationStatus = {
      operation_id: operation.id,
      state,
      agent_id: agentRecord.info.id,
      uuid: { value: randomBytes(16) },
      ...(message !== undefined ? { message } : {}),
      ...(converted && converted.length > 0 ? { converted_resources: converted } : {}),
    };
    this.operations.set(operationKey(framework.id, operation.id.value), status);
    this.sendTo(framework, { type: 'UPDATE_OPERATION_STATUS', update_operation_status: { status } });
  }

  // ---------------------------------------------------------------- agent events

  private onStatusUpdate(agentId: string, frameworkId: string, status: TaskStatus): void {
    if (this.disposed) return;
    const key = taskKey(frameworkId, status.task_id.value);
    const task = this.tasks.get(key);
    // A terminal update from the agent (uuid) awaits its ACK; an update of a task already awaiting one is a re-send.
    if (task && TERMINAL_TASK_STATES.has(status.state))
      this.finishTask(key, task, status, status.uuid ? 'unacknowledged' : 'completed');
    else if (task) {
      recordTaskStatus(task, status);
      task.state = status.state;
      this.options.observer?.taskUpdated(task, status);
    } else this.book.resent(key, status);
    const framework = this.frameworks.get(frameworkId);
    if (framework)
      this.sendTo(framework, {
        type: 'UPDATE',
        update: { status: { ...status, agent_id: status.agent_id ?? { value: agentId } } },
      });
  }

  private onFrameworkMessage(agentId: string, frameworkId: string, executorId: string, data: Uint8Array): void {
    if (this.disposed) return;
    const framework = this.frameworks.get(frameworkId);
    if (framework)
      this.sendTo(framework, {
        type: 'MESSAGE',
        message: { agent_id: { value: agentId }, executor_id: { value: executorId }, data },
      });
  }

  private onExecutorExited(agentId: string, frameworkId: string, executorId: string, waitStatus: number): void {
    if (this.disposed) return;
    this.dropExecutor(executorKeyOf(frameworkId, agentId, executorId));
    const framework = this.frameworks.get(frameworkId);
    if (framework) {
      this.sendTo(framework, {
        type: 'FAILURE',
        failure: { agent_id: { value: agentId }, executor_id: { value: executorId }, status: waitStatus },
      });
    }
    this.scheduleAllocation(false);
  }

  /** Ends a live task (its resources freed) or re-files a held one (a terminal state is kept, as Mesos does). */
  finishTask(key: string, task: TaskRecord, status: TaskStatus, place: TaskPlace = 'completed'): void {
    if (!TERMINAL_TASK_STATES.has(task.state)) task.state = status.state;
    recordTaskStatus(task, status);
    this.options.observer?.taskUpdated(task, status);
    this.dropTask(key);
    this.book.put(key, task, place);
    this.scheduleAllocation(false);
  }

  // ---------------------------------------------------------------- offers

  /**
   * Asks for an allocation round as soon as the event loop is free. `everyAgent` false is for
   * events that changed only some agents' resources (they are marked as they change): the round
   * then looks at those agents only, since every other agent would get the same answer as in the
   * round that last looked at it. Framework-level changes (subscribe, revive, roles) need all.
   */
  scheduleAllocation(everyAgent = true): void {
    if (this.disposed) return;
    if (everyAgent) this.fullAllocationSoon = true;
    if (this.allocationSoon) return;
    this.allocationSoon = setImmediate(() => {
      this.allocationSoon = undefined;
      const full = this.fullAllocationSoon;
      this.fullAllocationSoon = false;
      this.allocate(full);
    });
    this.allocationSoon.unref();
  }

  /** Resources of `agentId` not used by tasks/executors nor offered. */
  freeResources(agentId: string): Resource[] {
    return [...this.freeOn(agentId)];
  }

  /** Like {@link freeResources}, but the cached list itself (callers must not change it). */
  private freeOn(agentId: string): Resource[] {
    const cached = this.freeCache.get(agentId);
    if (cached) return cached;
    const record = this.agents.get(agentId);
    if (!record) return [];
    let free = record.total;
    const used = this.usedOnAgent.get(agentId);
    if (used && !used.isEmpty) free = subtractResources(free, used);
    const offered = this.offeredOnAgent.get(agentId);
    if (offered && !offered.isEmpty) free = subtractResources(free, offered);
    this.freeCache.set(agentId, free);
    return free;
  }

  /** Resources used by tasks and executors on `agentId`, per framework (for /state; scans every task). */
  usedByFramework(agentId: string): Map<string, Resource[]> {
    const used = new Map<string, Resource[]>();
    const add = (frameworkId: string, resources: Resource[]) =>
      used.set(frameworkId, addResources(used.get(frameworkId) ?? [], resources));
    for (const task of this.tasks.values()) if (task.agentId === agentId) add(task.frameworkId, task.resources);
    for (const executor of this.executors.values())
      if (executor.agentId === agentId) add(executor.frameworkId, executor.resources);
    return used;
  }

  /** The outstanding offers, for /state and tests. */
  outstandingOffers(): Offer[] {
    return [...this.offers.values()].map((record) => record.offer);
  }

  // ---------------------------------------------------------------- running totals

  /** Marks an agent's free resources as changed: recomputed when next needed, and looked at in the next round. */
  private agentChanged(agentId: string): void {
    this.freeCache.delete(agentId);
    this.changedAgents.add(agentId);
  }

  /** Records a task (replacing any with the same key), charging its resources to its agent and framework. */
  private putTask(key: string, record: TaskRecord): void {
    const previous = this.tasks.get(key);
    if (previous) this.dropTask(key);
    this.tasks.set(key, record);
    this.options.observer?.taskAdded(record);
    totalsOf(this.usedOnAgent, record.agentId).add(record.resources);
    totalsOf(this.heldByFramework, record.frameworkId).add(record.resources);
    this.agentChanged(record.agentId);
  }

  /** Forgets a task, giving its resources back. */
  private dropTask(key: string): void {
    const record = this.tasks.get(key);
    if (!record) return;
    this.tasks.delete(key);
    this.usedOnAgent.get(record.agentId)?.subtract(record.resources);
    this.heldByFramework.get(record.frameworkId)?.subtract(record.resources);
    this.agentChanged(record.agentId);
  }

  /** Records an executor, charging its resources to its agent (a framework's share counts tasks and offers only). */
  private putExecutor(key: string, record: ExecutorRecord): void {
    if (this.executors.has(key)) this.dropExecutor(key);
    this.executors.set(key, record);
    totalsOf(this.usedOnAgent, record.agentId).add(record.resources);
    this.agentChanged(record.agentId);
  }

  /** Forgets the executors `which` selects (their agent or framework went away), giving their resources back. */
  forgetExecutors(which: (executor: ExecutorRecord) => boolean): void {
    for (const [key, executor] of [...this.executors]) if (which(executor)) this.dropExecutor(key);
  }

  /** Forgets an executor, giving its resources back. */
  private dropExecutor(key: string): void {
    const record = this.executors.get(key);
    if (!record) return;
    this.executors.delete(key);
    this.usedOnAgent.get(record.agentId)?.subtract(record.resources);
    this.agentChanged(record.agentId);
  }

  // ---------------------------------------------------------------- allocation

  /** One allocation round over every agent (`full`) or over the agents that changed since the last one. */
  private allocate(full = true): void {
    if (this.disposed) return;
    const now = Date.now();
    const frameworks: AllocatorFramework[] = [];
    for (const framework of this.frameworks.values()) {
      if (!isConnected(framework)) continue;
      frameworks.push({
        id: framework.id,
        roles: frameworkRoles(framework.info),
        suppressedRoles: framework.suppressedRoles,
        offerFilter: framework.offerFilter,
        allocated: this.heldByFramework.get(framework.id)?.toArray() ?? [],
      });
    }
    if (frameworks.length === 0 || this.agents.size === 0) return;
    // An expired refusal filter may uncover any agent: look at all of them, as a full round would.
    const everyAgent = full || this.allocator.hasExpiredFilters(now);
    const clusterTotals: Resource[][] = [];
    const agents: AllocatorAgent[] = [];
    for (const [id, record] of this.agents) {
      clusterTotals.push(record.total);
      if (this.options.observer?.isDeactivated(id)) continue;
      if (everyAgent || this.changedAgents.has(id)) agents.push({ id, free: this.freeOn(id), total: record.total });
    }
    this.changedAgents.clear();
    if (agents.length === 0) return;
    const byFramework = new Map<string, Offer[]>();
    for (const allocation of this.allocator.allocate(agents, frameworks, now, clusterTotals)) {
      const agentRecord = this.agents.get(allocation.agentId);
      if (!agentRecord || isEmptyResources(allocation.resources)) continue;
      const offer = this.makeOffer(allocation.frameworkId, agentRecord, allocation.role, allocation.resources);
      const list = byFramework.get(allocation.frameworkId) ?? [];
      list.push(offer);
      byFramework.set(allocation.frameworkId, list);
    }
    for (const [frameworkId, offers] of byFramework) {
      const framework = this.frameworks.get(frameworkId);
      if (framework) this.sendTo(framework, { type: 'OFFERS', offers: { offers } });
    }
  }

  private makeOffer(frameworkId: string, agentRecord: AgentRecord, role: string, resources: Resource[]): Offer {
    const info = agentRecord.info;
    const agentId = info.id?.value ?? '';
    const offerId = `${this.options.masterInfo.id}-O${this.offerCounter++}`;
    const executorIds = [...this.executors.values()]
      .filter((executor) => executor.frameworkId === frameworkId && executor.agentId === agentId)
      .map((executor) => ({ value: executor.executorId }));
    const offer: Offer = {
      id: { value: offerId },
      framework_id: { value: frameworkId },
      agent_id: { value: agentId },
      hostname: info.hostname,
      url: {
        scheme: 'http',
        address: { hostname: info.hostname, ip: '127.0.0.1', port: info.port ?? 5051 },
        path: '/slave(1)',
      },
      resources: allocatedTo(resources, role),
      ...(executorIds.length > 0 ? { executor_ids: executorIds } : {}),
      ...(info.attributes && info.attributes.length > 0 ? { attributes: info.attributes } : {}),
      allocation_info: { role },
    };
    const unavailability = this.options.observer?.unavailability(info.hostname);
    if (unavailability) offer.unavailability = unavailability;
    const record: OfferRecord = { offer, frameworkId, agentId, role, resources, timer: undefined };
    if (this.options.offerTimeoutMs !== undefined) {
      record.timer = setTimeout(() => this.rescindOffer(record, false), this.options.offerTimeoutMs);
      record.timer.unref();
    }
    this.offers.set(offerId, record);
    totalsOf(this.offeredOnAgent, agentId).add(resources);
    totalsOf(this.heldByFramework, frameworkId).add(resources);
    this.agentChanged(agentId);
    return offer;
  }

  private removeOffer(record: OfferRecord): void {
    if (record.timer) clearTimeout(record.timer);
    if (!this.offers.delete(record.offer.id.value)) return;
    this.offeredOnAgent.get(record.agentId)?.subtract(record.resources);
    this.heldByFramework.get(record.frameworkId)?.subtract(record.resources);
    this.agentChanged(record.agentId);
  }

  private rescindOffer(record: OfferRecord, quiet: boolean): void {
    if (!this.offers.has(record.offer.id.value)) return;
    this.removeOffer(record);
    const framework = this.frameworks.get(record.frameworkId);
    if (framework) this.sendTo(framework, { type: 'RESCIND', rescind: { offer_id: record.offer.id } });
    if (!quiet) this.scheduleAllocation(false);
  }

  private sendTo(framework: FrameworkRecord, event: scheduler.Event): void {
    if (framework.stream && !framework.stream.closed) framework.stream.send(event);
  }

  // ---------------------------------------------------------------- views

  /** Tasks that ended, most recent last (for /state's completed_tasks). */
  get finishedTasks(): readonly TaskRecord[] {
    return this.book.completed;
  }

  /** Stops timers and closes every stream; the core is unusable afterwards (leadership lost). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.recovery?.cancel();
    if (this.allocationTimer) clearInterval(this.allocationTimer);
    if (this.allocationSoon) clearImmediate(this.allocationSoon);
    for (const offer of this.offers.values()) if (offer.timer) clearTimeout(offer.timer);
    this.offers.clear();
    for (const framework of this.frameworks.values()) {
      if (framework.failoverTimer) clearTimeout(framework.failoverTimer);
      framework.failoverTimer = undefined;
      const stream = framework.stream;
      framework.stream = undefined;
      stream?.close();
    }
  }
}

/** The running totals of `id` in `map`, created empty on first use. */
function totalsOf(map: Map<string, ResourceTotals>, id: string): ResourceTotals {
  let totals = map.get(id);
  if (!totals) map.set(id, (totals = new ResourceTotals()));
  return totals;
}

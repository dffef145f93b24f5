/**
 * One simulated Mesos agent: holds resources, runs tasks as real processes (or on timers in
 * simulated mode), launches custom executors and serves them the executor API (§2), and sends
 * status updates reliably to the master (§1.8) through {@link AgentEvents}.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { bytesToBuffer } from '../codec/bytes';
import { getCodec, TYPE_NAMES } from '../codec/codec';
import type {
  AgentInfo,
  Attribute,
  Bytes,
  ExecutorInfo,
  executor,
  FrameworkInfo,
  KillPolicy,
  Resource,
  TaskGroupInfo,
  TaskInfo,
  TaskState,
  TaskStatus,
} from '../codec/messages';
import { isTerminalTaskState } from '../codec/task-states';
import { MesosConfigError, MesosMisuseError } from '../common/errors';
import { createLogger } from '../common/logger';
import { baseEnvironment, durationMs, executorEnvironment } from './agent-environment';
import { AgentLaunchSupport, abnormalEnd, type FetchLimits, type LogOption, launchFailedUpdate } from './agent-launch';
import { AgentServers, domainSocketsOption, EXECUTOR_PATHS, type ExecutorEndpoints } from './agent-servers';
import { AgentStatusUpdates } from './agent-status-updates';
import { ExecutorEventStream, validateExecutorCall } from './executor-api';
import { type ExecutorProcess, executorGoneUpdate, liveExecutor, type TerminationCause } from './executor-termination';
import { TaskChecks } from './health/task-checks';
import { taskKey } from './keys';
import { KillEscalation, killGraceMs } from './kill-escalation';
import { hasCapability } from './master-frameworks';
import { formatOfContentType, negotiateResponseFormat } from './media-types';
import { AgentRoutes, type HttpAuthentication } from './operator/agent-routes';
import { addResources } from './resources';
import { GROUP_MEMBER_KILL, TaskGroups } from './task-group';
import { commandEnvironment, describeWaitStatus, type ProcessExit, type SandboxedProcess } from './task-process';

const log = createLogger('local:agent');

/** What the agent tells its master. Implemented by the master and passed to the agent. */
export interface AgentEvents {
  /** A task status update; it carries a uuid and is re-sent until {@link LocalAgent.acknowledge} is called. */
  statusUpdate(agentId: string, frameworkId: string, status: TaskStatus): void;
  /** A framework message from an executor (best effort). */
  frameworkMessage(agentId: string, frameworkId: string, executorId: string, data: Uint8Array): void;
  /** An executor process ended; `waitStatus` is the raw `waitpid` status word. */
  executorExited(agentId: string, frameworkId: string, executorId: string, waitStatus: number): void;
}

/** Options of {@link LocalAgent}. Times are in ms; defaults are Mesos's. */
export interface LocalAgentOptions {
  /** The agent id (e.g. `'<cluster>-S0'`). */
  id: string;
  /** Hostname put in AgentInfo and offers. Default `'127.0.0.1'`. */
  hostname?: string;
  /** Port to listen on; default a free port (kept across {@link LocalAgent.restart}). */
  port?: number;
  /** Total resources of the agent. */
  resources: Resource[];
  /** Attributes of the agent. */
  attributes?: Attribute[];
  /** `'process'` (default) runs command tasks and executors for real; `'simulated'` runs every task on timers. */
  taskMode?: 'process' | 'simulated';
  /** How long a simulated task runs before TASK_FINISHED. Default 1000. */
  simulatedTaskMs?: number;
  /** Root of the sandboxes (`<workDir>/slaves/<id>/frameworks/...`). */
  workDir: string;
  /** First status update retry interval. Default 10000 (Mesos). */
  statusUpdateRetryMs?: number;
  /** Largest status update retry interval. Default 600000 (Mesos). */
  statusUpdateRetryMaxMs?: number;
  /** Grace period between SHUTDOWN and killing an executor. Default 5000. */
  executorShutdownGracePeriodMs?: number;
  /** How long a launched executor has to SUBSCRIBE. Default 60000. */
  executorRegistrationTimeoutMs?: number;
  /** MESOS_RECOVERY_TIMEOUT given to checkpointing executors. Default 15 min. */
  recoveryTimeoutMs?: number;
  /** After a restart, how long checkpointed executors have to re-subscribe (MESOS_SUBSCRIPTION_BACKOFF_MAX). Default 2000, at most 15000. */
  executorReregistrationTimeoutMs?: number;
  /** Interval of HEARTBEAT events to executors. Default 30 min. */
  executorHeartbeatIntervalMs?: number;
  /** Default grace period between SIGTERM and SIGKILL when killing a command task. Default 3000. */
  killGracePeriodMs?: number;
  /** Extra environment variables for every executor and command task (`--executor_environment_variables`). */
  executorEnvironment?: Record<string, string>;
  /** Where an executor's death or a failed command task is reported (sandbox, stderr tail); false: nowhere. Default stderr. */
  log?: LogOption;
  /** Bounds of the fetcher of `CommandInfo.uris` (download timeout and size). */
  fetch?: FetchLimits;
  /** Also serve the executor API on a Unix socket given to executors as MESOS_DOMAIN_SOCKET (`--http_executor_domain_sockets`). */
  httpExecutorDomainSockets?: boolean;
  /** HTTP authentication of `/api/v1`, `/state` and `/files/*` (`--authenticate_http_readonly|readwrite`), when on. */
  httpAuth?: HttpAuthentication;
}

/** One task as the agent reports it to a (new) master. */
export interface AgentTaskState {
  /** The FrameworkInfo of the task's framework. */
  framework: FrameworkInfo;
  /** The task as it was launched. */
  task: TaskInfo;
  /** The task's latest state on the agent. */
  state: TaskState;
  /** Id of the task's executor (a command task's built-in executor has the task's id). */
  executorId?: string;
  /** The task's resources (a copy). */
  resources: Resource[];
}

type ExecutorPhase = 'REGISTERING' | 'RUNNING' | 'TERMINATING' | 'TERMINATED';

interface FrameworkRecord {
  info: FrameworkInfo;
  readonly id: string;
  terminating: boolean;
  readonly executors: Map<string, ExecutorRecord>;
}

type QueuedLaunch = { kind: 'task'; task: TaskInfo } | { kind: 'group'; group: TaskGroupInfo };

interface ExecutorRecord {
  readonly frameworkId: string;
  readonly id: string;
  readonly info: ExecutorInfo;
  readonly containerId: string;
  readonly sandbox: string;
  phase: ExecutorPhase;
  process?: SandboxedProcess;
  stream?: ExecutorEventStream;
  readonly queued: QueuedLaunch[];
  /** Ids of tasks sent to the executor in LAUNCH/LAUNCH_GROUP. */
  readonly launched: Set<string>;
  cause?: TerminationCause;
  /** Set while a restarted agent waits for this executor to re-subscribe. */
  awaitingReregistration: boolean;
  /** Events are not reported for executors a restart forgot. */
  forgotten: boolean;
  registrationTimer?: NodeJS.Timeout;
  shutdownTimer?: NodeJS.Timeout;
  heartbeatTimer?: NodeJS.Timeout;
}

interface TaskRecord {
  readonly frameworkId: string;
  readonly task: TaskInfo;
  state: TaskState;
  /** The executor id: the custom executor's, or the task id for the command executor. */
  readonly executorId: string;
  readonly kind: 'command' | 'executor' | 'simulated';
  process?: SandboxedProcess;
  killRequested: boolean;
  timers: NodeJS.Timeout[];
  checks?: TaskChecks;
  escalation?: KillEscalation;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;
/** Variables of the parent passed through so that executors (Node ones included) can run. */

function nowSeconds(): number {
  return Date.now() / 1000;
}

function newUuid(): Buffer {
  return Buffer.from(randomUUID().replace(/-/g, ''), 'hex');
}

/** A simulated Mesos agent on 127.0.0.1. */
export class LocalAgent {
  private readonly options: Required<
    Omit<LocalAgentOptions, 'port' | 'attributes' | 'executorEnvironment' | 'log' | 'fetch' | 'httpAuth'>
  > & {
    attributes: Attribute[];
    executorEnvironment: Record<string, string>;
  };
  private events: AgentEvents;
  private readonly frameworks = new Map<string, FrameworkRecord>();
  private readonly tasks = new Map<string, TaskRecord>();
  /** How many of {@link tasks} each framework has (so an ACK need not scan every task). */
  private readonly taskCounts = new Map<string, number>();
  private readonly updates: AgentStatusUpdates;
  /** @internal (in-process fuzzing runs servers.serveTcp) */ readonly servers = new AgentServers(
    this.handleRequest.bind(this),
    () => this.options.httpExecutorDomainSockets,
  );
  private port: number;
  private started = false;
  private stopping = false;
  /** True between a restart and the end of executor re-registration (calls other than SUBSCRIBE get 503). */
  private recovering = false;
  private recoveryTimer: NodeJS.Timeout | undefined;
  private readonly processes = new Set<SandboxedProcess>();
  private readonly launcher: AgentLaunchSupport;
  private readonly groups = new TaskGroups((key) => this.killCommandTask(this.tasks.get(key), GROUP_MEMBER_KILL));
  /** `/state`, `/files/*` and the operator API (`/api/v1`). */
  private readonly routes: AgentRoutes;

  constructor(options: LocalAgentOptions, events: AgentEvents) {
    if (!options || typeof options.id !== 'string' || options.id === '')
      throw new MesosConfigError("LocalAgent needs a non-empty 'id'");
    if (typeof options.workDir !== 'string' || options.workDir === '')
      throw new MesosConfigError("LocalAgent needs a 'workDir'");
    if (!Array.isArray(options.resources))
      throw new MesosConfigError("LocalAgent needs 'resources' (use parseResources)");
    this.options = {
      id: options.id,
      hostname: options.hostname ?? '127.0.0.1',
      resources: options.resources,
      attributes: options.attributes ?? [],
      taskMode: options.taskMode ?? 'process',
      simulatedTaskMs: options.simulatedTaskMs ?? 1000,
      workDir: options.workDir,
      statusUpdateRetryMs: options.statusUpdateRetryMs ?? 10_000,
      statusUpdateRetryMaxMs: options.statusUpdateRetryMaxMs ?? 600_000,
      executorShutdownGracePeriodMs: options.executorShutdownGracePeriodMs ?? 5_000,
      executorRegistrationTimeoutMs: options.executorRegistrationTimeoutMs ?? 60_000,
      recoveryTimeoutMs: options.recoveryTimeoutMs ?? 15 * 60_000,
      executorReregistrationTimeoutMs: Math.min(options.executorReregistrationTimeoutMs ?? 2_000, 15_000),
      executorHeartbeatIntervalMs: options.executorHeartbeatIntervalMs ?? 30 * 60_000,
      killGracePeriodMs: options.killGracePeriodMs ?? 3_000,
      executorEnvironment: options.executorEnvironment ?? {},
      httpExecutorDomainSockets: domainSocketsOption(options.httpExecutorDomainSockets),
    };
    if (this.options.taskMode !== 'process' && this.options.taskMode !== 'simulated') {
      throw new MesosConfigError(
        `Invalid taskMode '${String(this.options.taskMode)}': expected 'process' or 'simulated'`,
      );
    }
    this.port = options.port ?? 0;
    this.routes = new AgentRoutes(() => this.routesView(), options.httpAuth);
    this.events = events;
    this.launcher = new AgentLaunchSupport({
      agentId: options.id,
      workDir: options.workDir,
      log: options.log,
      fetch: options.fetch,
    });
    this.updates = new AgentStatusUpdates(
      {
        retryMs: this.options.statusUpdateRetryMs,
        retryMaxMs: Math.max(this.options.statusUpdateRetryMs, this.options.statusUpdateRetryMaxMs),
      },
      {
        forward: (frameworkId, status) =>
          this.emit('statusUpdate', () => this.events.statusUpdate(this.options.id, frameworkId, status)),
        streamCompleted: (frameworkId, taskId) => this.forgetTask(frameworkId, taskId),
      },
    );
  }

  /** The agent id. */
  get id(): string {
    return this.options.id;
  }

  /** AgentInfo as the master registers it: id, hostname, port, resources, attributes. */
  get info(): AgentInfo {
    const info: AgentInfo = {
      id: { value: this.options.id },
      hostname: this.options.hostname,
      port: this.port,
      resources: this.options.resources,
    };
    if (this.options.attributes.length > 0) info.attributes = this.options.attributes;
    return info;
  }

  /** Base URL of the agent, `http://127.0.0.1:PORT`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The executor domain socket's path (with `httpExecutorDomainSockets`), and executor API requests per listener. */
  get executorEndpoints(): ExecutorEndpoints {
    const domainSocket = this.servers.domainSocketPath;
    return { ...(domainSocket !== undefined && { domainSocket }), requests: this.servers.executorRequests };
  }

  /** Starts the HTTP server on 127.0.0.1 (free port unless one was given). */
  async start(): Promise<void> {
    if (this.started) throw new MesosMisuseError(`Agent ${this.options.id} is already started`);
    this.started = true;
    this.stopping = false;
    await this.listen();
  }

  /** Re-points the agent at a new leading master; unacknowledged updates are re-sent to it. */
  setEvents(events: AgentEvents): void {
    this.events = events;
    if (!this.recovering) this.updates.resendAll();
  }

  // -------------------------------------------------------------------------------------------
  // Launching

  /** Launches tasks of a framework (LAUNCH), or one task group with its executor (LAUNCH_GROUP). */
  launch(framework: FrameworkInfo, tasks: TaskInfo[], group?: { executor: ExecutorInfo }): void {
    const frameworkId = framework.id?.value;
    if (!frameworkId) throw new MesosMisuseError('launch() needs a FrameworkInfo with its id');
    const record = this.frameworkRecord(framework);
    if (record.terminating) {
      log('ignoring launch of %d task(s) for terminating framework %s', tasks.length, frameworkId);
      return;
    }
    if (group) {
      this.launchGroup(record, group.executor, tasks);
      return;
    }
    for (const task of tasks) {
      if (this.tasks.has(taskKey(frameworkId, task.task_id.value))) {
        log('task %s of framework %s already exists; ignoring the duplicate launch', task.task_id.value, frameworkId);
        continue;
      }
      if (this.options.taskMode === 'simulated')
        this.launchSimulated(record, task, task.executor?.executor_id.value ?? task.task_id.value);
      else if (task.executor) this.launchOnExecutor(record, task.executor, { kind: 'task', task });
      else this.launchCommandTask(record, task, task.task_id.value);
    }
  }

  private launchGroup(record: FrameworkRecord, executorInfo: ExecutorInfo, tasks: TaskInfo[]): void {
    const fresh = tasks.filter((t) => !this.tasks.has(taskKey(record.id, t.task_id.value)));
    if (!executorInfo.command?.value) this.groups.add(fresh.map((t) => taskKey(record.id, t.task_id.value)));
    if (this.options.taskMode === 'simulated') {
      for (const task of fresh) this.launchSimulated(record, task, executorInfo.executor_id.value);
    } else if (executorInfo.command?.value) {
      this.launchOnExecutor(record, executorInfo, { kind: 'group', group: { tasks: fresh } });
    } else {
      // The DEFAULT executor (no command): run each task's command ourselves, under the executor's id.
      for (const task of fresh) this.launchCommandTask(record, task, executorInfo.executor_id.value);
    }
  }

  private frameworkRecord(framework: FrameworkInfo): FrameworkRecord {
    const id = framework.id?.value as string;
    let record = this.frameworks.get(id);
    if (!record) {
      record = { info: framework, id, terminating: false, executors: new Map() };
      this.frameworks.set(id, record);
    } else if (!record.terminating) {
      record.info = framework;
    }
    return record;
  }

  private addTask(frameworkId: string, task: TaskInfo, executorId: string, kind: TaskRecord['kind']): TaskRecord {
    const record: TaskRecord = {
      frameworkId,
      task,
      state: 'TASK_STAGING',
      executorId,
      kind,
      killRequested: false,
      timers: [],
    };
    this.putTask(taskKey(frameworkId, task.task_id.value), record);
    return record;
  }

  private sandboxOf(frameworkId: string, executorId: string, containerId: string): string {
    const { workDir, id } = this.options;
    return join(workDir, 'slaves', id, 'frameworks', frameworkId, 'executors', executorId, 'runs', containerId);
  }

  // -------------------------------------------------------------------------------------------
  // Status updates

  /** Records a new state for a task and hands the update to the reliable stream. */
  private sendUpdate(
    task: TaskRecord,
    state: TaskState,
    extra: Pick<TaskStatus, 'source' | 'reason' | 'message' | 'healthy' | 'check_status'> = {},
  ): void {
    const status: TaskStatus = {
      task_id: { value: task.task.task_id.value },
      state,
      source: extra.source ?? 'SOURCE_EXECUTOR',
      agent_id: { value: this.options.id },
      executor_id: { value: task.executorId },
      timestamp: nowSeconds(),
      uuid: newUuid(),
    };
    if (extra.reason) status.reason = extra.reason;
    if (extra.message !== undefined) status.message = extra.message;
    if (extra.healthy !== undefined) status.healthy = extra.healthy;
    if (extra.check_status) status.check_status = extra.check_status;
    task.checks?.decorate(status, isTerminalTaskState(state));
    this.takeUpdate(task.frameworkId, status);
  }

  /** The single entry of every update (agent-made or from an executor) into the status update manager. */
  private takeUpdate(frameworkId: string, status: TaskStatus): boolean {
    const framework = this.frameworks.get(frameworkId);
    if (!framework || framework.terminating) {
      // Mesos ignores updates for terminating frameworks.
      log('ignoring update %s of task %s: framework %s is gone', status.state, status.task_id.value, frameworkId);
      return false;
    }
    const key = taskKey(frameworkId, status.task_id.value);
    const task = this.tasks.get(key);
    if (task) {
      task.state = status.state;
      if (isTerminalTaskState(status.state)) this.clearTaskTimers(task);
    }
    this.groups.updated(key, status.state); // kills the rest of a group after this update went out
    return this.updates.update(frameworkId, status);
  }

  /** Passes on the framework's ACK of an update (Call ACKNOWLEDGE at the master). */
  acknowledge(frameworkId: string, taskId: string, uuid: Bytes): void {
    if (!this.updates.acknowledge(frameworkId, taskId, uuid))
      log('unexpected ACK for task %s of framework %s', taskId, frameworkId);
  }

  private forgetTask(frameworkId: string, taskId: string): void {
    const task = this.tasks.get(taskKey(frameworkId, taskId));
    if (!task || !isTerminalTaskState(task.state)) return;
    this.launcher.history.completeTask(task); // Mesos's Executor::completeTask (GET_TASKS completed_tasks)
    this.deleteTask(taskKey(frameworkId, taskId));
    this.maybeRemoveFramework(frameworkId);
  }

  // -------------------------------------------------------------------------------------------
  // Command tasks and simulated tasks

  private launchSimulated(framework: FrameworkRecord, task: TaskInfo, executorId: string): void {
    const record = this.addTask(framework.id, task, executorId, 'simulated');
    const finish = () => this.sendUpdate(record, 'TASK_FINISHED', { message: 'Simulated task finished' });
    const running = setTimeout(() => this.sendUpdate(record, 'TASK_RUNNING'), 0).unref();
    record.timers.push(running, setTimeout(finish, this.options.simulatedTaskMs).unref());
  }

  private baseEnvironment(): Record<string, string> {
    return baseEnvironment(this.options.executorEnvironment, this.servers.environment());
  }

  private launchCommandTask(framework: FrameworkRecord, task: TaskInfo, executorId: string): void {
    const record = this.addTask(framework.id, task, executorId, 'command');
    const containerId = randomUUID();
    const sandbox = this.sandboxOf(framework.id, executorId, containerId);
    const command = task.command;
    if (!command?.value) {
      this.sendUpdate(record, 'TASK_FAILED', {
        source: 'SOURCE_AGENT',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message: 'The task has no command value',
      });
      return;
    }
    const env = {
      ...this.baseEnvironment(),
      ...commandEnvironment(command),
      MESOS_SANDBOX: sandbox,
      MESOS_DIRECTORY: sandbox,
      MESOS_FRAMEWORK_ID: framework.id,
      MESOS_EXECUTOR_ID: executorId,
      MESOS_TASK_ID: task.task_id.value,
      MESOS_AGENT_ENDPOINT: `127.0.0.1:${this.port}`,
    };
    const kill = () => this.killCommandTask(record, undefined);
    record.checks = TaskChecks.of(task, { sandbox, env }, (f) => this.sendUpdate(record, 'TASK_RUNNING', f), kill);
    let child: SandboxedProcess;
    try {
      child = this.launcher.start(command, { sandbox, env, containerId }, () => {
        this.sendUpdate(record, 'TASK_STARTING');
        this.sendUpdate(record, 'TASK_RUNNING');
        record.checks?.start();
      });
    } catch (err) {
      this.sendUpdate(record, 'TASK_FAILED', {
        source: 'SOURCE_AGENT',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message: `Failed to launch the command: ${(err as Error).message}`,
      });
      return;
    }
    record.process = child;
    this.processes.add(child);
    this.launcher.commandStarted({
      frameworkId: framework.id,
      executorId,
      taskId: task.task_id.value,
      containerId,
      sandbox,
    });
    void child.exited.then((exit) => this.commandTaskExited(record, exit));
  }

  private commandTaskExited(record: TaskRecord, exit: ProcessExit): void {
    const child = record.process;
    if (child) this.processes.delete(child);
    child?.signalGroup('SIGKILL'); // leftovers of the task's process group
    this.clearTaskTimers(record);
    const key = taskKey(record.frameworkId, record.task.task_id.value);
    const live = !this.stopping && !isTerminalTaskState(record.state) && this.tasks.has(key);
    const description = exit.launchFailure ?? `Command ${describeWaitStatus(exit)}`;
    if (!live) {
      // The agent is stopping, or the task has ended or been forgotten already: nothing to report.
    } else if (exit.error) {
      this.sendUpdate(record, 'TASK_FAILED', {
        source: 'SOURCE_AGENT',
        reason: 'REASON_CONTAINER_LAUNCH_FAILED',
        message: description,
      });
    } else if (record.killRequested) {
      this.sendUpdate(record, 'TASK_KILLED', { message: description });
    } else if (exit.code === 0) {
      this.sendUpdate(record, 'TASK_FINISHED', { message: description });
    } else {
      this.sendUpdate(record, 'TASK_FAILED', { message: description });
    }
    const failed = live && record.state === 'TASK_FAILED' ? description : undefined;
    this.launcher.commandEnded(record, exit, this.frameworks.get(record.frameworkId)?.info.name, failed);
    // No executorExited here: a Mesos agent reports executor exits (FAILURE events) only for the
    // executors frameworks give, never for the command executors it makes for command tasks.
  }

  private killCommandTask(record: TaskRecord | undefined, killPolicy: KillPolicy | undefined): void {
    if (!record) return;
    const framework = this.frameworks.get(record.frameworkId);
    const graceMs = killGraceMs(killPolicy, record.task.kill_policy, this.options.killGracePeriodMs);
    record.escalation?.kill(graceMs); // a repeated kill may only shorten the grace period
    if (record.killRequested) return;
    record.killRequested = true;
    record.checks?.stop();
    if (record.kind === 'simulated') {
      this.clearTaskTimers(record);
      this.sendUpdate(record, 'TASK_KILLED', { message: 'Simulated task killed' });
      return;
    }
    const child = record.process;
    if (!child || child.hasExited) return;
    if (framework && hasCapability(framework.info, 'TASK_KILLING_STATE')) this.sendUpdate(record, 'TASK_KILLING');
    (record.escalation ??= new KillEscalation(child)).kill(graceMs);
  }

  private clearTaskTimers(record: TaskRecord): void {
    record.checks?.stop();
    for (const timer of record.timers) clearTimeout(timer);
    record.timers.length = 0;
  }

  // -------------------------------------------------------------------------------------------
  // Custom executors

  private launchOnExecutor(framework: FrameworkRecord, info: ExecutorInfo, launch: QueuedLaunch): void {
    const tasks = launch.kind === 'task' ? [launch.task] : (launch.group.tasks ?? []);
    const executorId = info.executor_id.value;
    const records = tasks.map((t) => this.addTask(framework.id, t, executorId, 'executor'));
    let record = framework.executors.get(executorId);
    if (record && (record.phase === 'TERMINATING' || record.phase === 'TERMINATED')) {
      for (const task of records) {
        this.sendUpdate(task, hasCapability(framework.info, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST', {
          source: 'SOURCE_AGENT',
          reason: 'REASON_EXECUTOR_TERMINATED',
          message: 'Executor terminating',
        });
      }
      return;
    }
    if (!record) {
      const started = this.startExecutor(framework, info);
      if (!started) {
        for (const task of records) {
          this.sendUpdate(task, 'TASK_FAILED', {
            source: 'SOURCE_AGENT',
            reason: 'REASON_CONTAINER_LAUNCH_FAILED',
            message: info.command?.value ? 'Failed to launch the executor' : 'The executor has no command',
          });
        }
        return;
      }
      record = started;
    }
    if (record.phase === 'RUNNING' && record.stream && !record.stream.closed) this.deliverLaunch(record, launch);
    else record.queued.push(launch);
  }

  private startExecutor(framework: FrameworkRecord, info: ExecutorInfo): ExecutorRecord | undefined {
    if (!info.command?.value) return undefined;
    const containerId = randomUUID();
    const executorId = info.executor_id.value;
    const sandbox = this.sandboxOf(framework.id, executorId, containerId);
    const record: ExecutorRecord = {
      frameworkId: framework.id,
      id: executorId,
      info: { ...info, framework_id: { value: framework.id } },
      containerId,
      sandbox,
      phase: 'REGISTERING',
      queued: [],
      launched: new Set(),
      awaitingReregistration: false,
      forgotten: false,
    };
    const env = this.executorEnvironment(framework, record);
    let child: SandboxedProcess;
    try {
      // The registration timeout starts once the process runs (after its URIs are fetched).
      child = this.launcher.start(info.command, { sandbox, env, containerId }, (started) => {
        log('launched executor %s of framework %s (pid %d)', executorId, framework.id, started.pid);
        record.registrationTimer = setTimeout(() => {
          if (record.phase !== 'REGISTERING') return;
          log('executor %s did not subscribe within %d ms', executorId, this.options.executorRegistrationTimeoutMs);
          this.destroyExecutor(record, 'registration-timeout');
        }, this.options.executorRegistrationTimeoutMs);
        record.registrationTimer.unref();
      });
    } catch (err) {
      log('cannot start executor %s: %s', executorId, (err as Error).message);
      return undefined;
    }
    record.process = child;
    this.processes.add(child);
    framework.executors.set(executorId, record);
    void child.exited.then((exit) => this.executorProcessExited(record, exit));
    return record;
  }

  private executorEnvironment(framework: FrameworkRecord, record: ExecutorRecord): Record<string, string> {
    const { id, executorShutdownGracePeriodMs, recoveryTimeoutMs, executorReregistrationTimeoutMs } = this.options;
    return executorEnvironment(
      this.baseEnvironment(),
      { id: framework.id, checkpoint: framework.info.checkpoint === true },
      record,
      {
        agentId: id,
        port: this.port,
        defaultGraceMs: executorShutdownGracePeriodMs,
        recoveryTimeoutMs,
        executorReregistrationTimeoutMs,
      },
    );
  }

  private deliverLaunch(record: ExecutorRecord, launch: QueuedLaunch): void {
    const tasks = launch.kind === 'task' ? [launch.task] : (launch.group.tasks ?? []);
    for (const task of tasks) record.launched.add(task.task_id.value);
    if (launch.kind === 'task') record.stream?.send({ type: 'LAUNCH', launch: { task: launch.task } });
    else record.stream?.send({ type: 'LAUNCH_GROUP', launch_group: { task_group: launch.group } });
  }

  /** Sends SHUTDOWN to an executor, then kills its process group after the grace period. */
  shutdownExecutor(frameworkId: string, executorId: string): void {
    const framework = this.frameworks.get(frameworkId);
    const record = framework?.executors.get(executorId);
    if (!framework || !record) {
      // A command task's executor id is its task id.
      const task = this.tasks.get(taskKey(frameworkId, executorId));
      if (task && task.kind !== 'executor' && !isTerminalTaskState(task.state)) this.killCommandTask(task, undefined);
      else log('shutdown of unknown executor %s of framework %s ignored', executorId, frameworkId);
      return;
    }
    this.terminateExecutor(record, 'shutdown');
  }

  private terminateExecutor(record: ExecutorRecord, cause: TerminationCause): void {
    if (record.phase === 'TERMINATING' || record.phase === 'TERMINATED') return;
    if (record.phase === 'REGISTERING' || !record.stream || record.stream.closed) {
      // Nobody to tell: destroy the container right away, as Mesos does for an unregistered executor.
      this.destroyExecutor(record, cause);
      return;
    }
    record.phase = 'TERMINATING';
    record.cause = cause;
    record.stream.send({ type: 'SHUTDOWN' });
    const graceMs = durationMs(record.info.shutdown_grace_period) ?? this.options.executorShutdownGracePeriodMs;
    record.shutdownTimer = setTimeout(() => this.destroyExecutor(record, cause), graceMs);
    record.shutdownTimer.unref();
  }

  /** Kills the executor's process group now (container destruction). */
  private destroyExecutor(record: ExecutorRecord, cause: TerminationCause): void {
    if (record.phase === 'TERMINATED') return;
    record.phase = 'TERMINATING';
    record.cause ??= cause;
    if (!record.process || record.process.hasExited || !record.process.signalGroup('SIGKILL')) {
      // No process to wait for: finish the bookkeeping now.
      if (record.process && !record.process.hasExited) return;
      this.executorGone(record, { waitStatus: 9, code: null, signal: 'SIGKILL' });
    }
  }

  private executorProcessExited(record: ExecutorRecord, exit: ProcessExit): void {
    if (record.process) this.processes.delete(record.process);
    record.process?.signalGroup('SIGKILL'); // children left behind
    this.executorGone(record, exit);
  }

  private executorGone(record: ExecutorRecord, exit: ProcessExit): void {
    if (record.phase === 'TERMINATED') return;
    const wasTerminating = record.phase === 'TERMINATING';
    record.phase = 'TERMINATED';
    for (const timer of [record.registrationTimer, record.shutdownTimer, record.heartbeatTimer])
      if (timer) clearTimeout(timer);
    record.stream?.close();
    const framework = this.frameworks.get(record.frameworkId);
    if (framework?.executors.get(record.id) === record) framework.executors.delete(record.id);
    if (this.stopping || record.forgotten || !framework) return;
    log('executor %s of framework %s %s', record.id, record.frameworkId, describeWaitStatus(exit));
    this.launcher.executorEnded(record, exit, framework.info.name, abnormalEnd(record.cause, wasTerminating, exit));
    if (framework.terminating) {
      // As Mesos: no updates and no executor exit for a framework being removed; its tasks go too.
      for (const [key, task] of this.tasks)
        if (task.frameworkId === framework.id && task.executorId === record.id) this.deleteTask(key);
      this.maybeRemoveFramework(framework.id);
      return;
    }
    const partitionAware = hasCapability(framework.info, 'PARTITION_AWARE');
    for (const task of this.tasks.values()) {
      if (task.frameworkId !== record.frameworkId || task.executorId !== record.id || task.kind !== 'executor')
        continue;
      if (isTerminalTaskState(task.state)) continue;
      const { killRequested } = task;
      const registrationTimeoutMs = this.options.executorRegistrationTimeoutMs;
      const update =
        launchFailedUpdate(exit) ??
        executorGoneUpdate({
          killRequested,
          cause: record.cause,
          wasTerminating,
          partitionAware,
          exit,
          registrationTimeoutMs,
        });
      this.sendUpdate(task, update.state, { source: 'SOURCE_AGENT', ...update });
    }
    this.emit('executorExited', () =>
      this.events.executorExited(this.options.id, record.frameworkId, record.id, exit.waitStatus),
    );
    this.maybeRemoveFramework(record.frameworkId);
  }

  // -------------------------------------------------------------------------------------------
  // Kill, messages, framework shutdown

  /** Kills a task: the command executor's SIGTERM/SIGKILL, or KILL to its custom executor. */
  kill(frameworkId: string, taskId: string, killPolicy?: KillPolicy): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) {
      log('kill of task %s ignored: unknown framework %s', taskId, frameworkId);
      return;
    }
    const task = this.tasks.get(taskKey(frameworkId, taskId));
    if (!task) {
      // Mesos: no executor runs this task, so it is reported lost (dropped for partition-aware frameworks).
      this.takeUpdate(frameworkId, {
        task_id: { value: taskId },
        state: hasCapability(framework.info, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST',
        source: 'SOURCE_AGENT',
        reason: 'REASON_EXECUTOR_TERMINATED',
        message: 'Cannot find executor',
        agent_id: { value: this.options.id },
        timestamp: nowSeconds(),
        uuid: newUuid(),
      });
      return;
    }
    if (isTerminalTaskState(task.state)) return;
    if (task.kind !== 'executor') {
      this.killCommandTask(task, killPolicy);
      return;
    }
    const executorRecord = framework.executors.get(task.executorId);
    if (!executorRecord || executorRecord.phase === 'TERMINATING' || executorRecord.phase === 'TERMINATED') return;
    if (!executorRecord.launched.has(taskId)) {
      this.killQueued(executorRecord, taskId);
      return;
    }
    task.killRequested = true;
    const kill: executor.Event.Kill = { task_id: { value: taskId } };
    if (killPolicy) kill.kill_policy = killPolicy;
    executorRecord.stream?.send({ type: 'KILL', kill });
  }

  /** Kills a task that was never delivered to its executor (and the rest of its group). */
  private killQueued(record: ExecutorRecord, taskId: string): void {
    const index = record.queued.findIndex((q) =>
      q.kind === 'task'
        ? q.task.task_id.value === taskId
        : (q.group.tasks ?? []).some((t) => t.task_id.value === taskId),
    );
    if (index < 0) return;
    const [launch] = record.queued.splice(index, 1);
    const tasks = launch?.kind === 'task' ? [launch.task] : (launch?.group.tasks ?? []);
    for (const info of tasks) {
      const task = this.tasks.get(taskKey(record.frameworkId, info.task_id.value));
      if (task && !isTerminalTaskState(task.state)) {
        this.sendUpdate(task, 'TASK_KILLED', {
          source: 'SOURCE_AGENT',
          reason: 'REASON_TASK_KILLED_DURING_LAUNCH',
          message: 'Killed before delivery to the executor',
        });
      }
    }
    // MESOS-8411: an executor that never got a task and has nothing left to run is shut down.
    if (record.launched.size === 0 && record.queued.length === 0) this.terminateExecutor(record, 'shutdown');
  }

  /** Delivers a framework message to an executor (best effort: dropped when it is not connected). */
  sendFrameworkMessage(frameworkId: string, executorId: string, data: Bytes): void {
    const record = this.frameworks.get(frameworkId)?.executors.get(executorId);
    if (record?.phase !== 'RUNNING' || !record.stream || record.stream.closed) {
      log('dropping framework message for executor %s of framework %s: not connected', executorId, frameworkId);
      return;
    }
    record.stream.send({ type: 'MESSAGE', message: { data } });
  }

  /** The live processes of custom executors on this agent (for `cluster.faults.killExecutor` and tests). */
  executorProcesses(): ExecutorProcess[] {
    const all = [...this.frameworks.values()];
    return all.flatMap((f) => [...f.executors.values()].flatMap((e) => liveExecutor(this.id, f.id, e)));
  }

  /** Kills every task and executor of a framework and forgets it. */
  shutdownFramework(frameworkId: string): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework) return;
    framework.terminating = true;
    this.updates.dropFramework(frameworkId);
    for (const record of [...framework.executors.values()]) this.terminateExecutor(record, 'shutdown');
    for (const task of [...this.tasks.values()]) {
      if (task.frameworkId !== frameworkId) continue;
      if (task.kind === 'executor') {
        if (!framework.executors.has(task.executorId)) this.deleteTask(taskKey(frameworkId, task.task.task_id.value));
        continue;
      }
      this.clearTaskTimers(task);
      if (task.process && !task.process.hasExited) {
        task.killRequested = true;
        (task.escalation ??= new KillEscalation(task.process)).kill(this.options.killGracePeriodMs);
      }
      this.deleteTask(taskKey(frameworkId, task.task.task_id.value));
    }
    this.maybeRemoveFramework(frameworkId);
  }

  private putTask(key: string, record: TaskRecord): void {
    const previous = this.tasks.get(key);
    if (previous) this.deleteTask(key);
    this.tasks.set(key, record);
    this.taskCounts.set(record.frameworkId, (this.taskCounts.get(record.frameworkId) ?? 0) + 1);
  }

  private deleteTask(key: string): void {
    const record = this.tasks.get(key);
    if (!record) return;
    this.tasks.delete(key);
    this.groups.forget(key);
    const left = (this.taskCounts.get(record.frameworkId) ?? 1) - 1;
    if (left > 0) this.taskCounts.set(record.frameworkId, left);
    else this.taskCounts.delete(record.frameworkId);
  }

  private maybeRemoveFramework(frameworkId: string): void {
    const framework = this.frameworks.get(frameworkId);
    if (!framework || framework.executors.size > 0 || (this.taskCounts.get(frameworkId) ?? 0) > 0) return;
    this.frameworks.delete(frameworkId);
    this.updates.dropFramework(frameworkId);
  }

  /** Every task the agent knows (live ones, and terminal ones whose updates are not yet acknowledged). */
  state(): AgentTaskState[] {
    const result: AgentTaskState[] = [];
    for (const task of this.tasks.values()) {
      const framework = this.frameworks.get(task.frameworkId);
      if (!framework || framework.terminating) continue;
      result.push({
        framework: framework.info,
        task: task.task,
        state: task.state,
        executorId: task.executorId,
        resources: addResources([], task.task.resources ?? []),
      });
    }
    return result;
  }

  // -------------------------------------------------------------------------------------------
  // HTTP

  private async listen(): Promise<void> {
    this.port = await this.servers.listen(this.port);
    log('agent %s listening on %s', this.options.id, this.url);
  }

  private async closeServer(): Promise<void> {
    if (!this.servers.listening) return;
    for (const framework of this.frameworks.values()) {
      for (const record of framework.executors.values()) record.stream?.destroy();
    }
    await this.servers.close();
  }

  private handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (this.routes.handle(req, res, path)) return;
    if (!EXECUTOR_PATHS.has(path)) return void reply(res, 404, '');
    if (req.method !== 'POST') {
      req.resume();
      reply(res, 405, `Expecting POST, got '${req.method ?? ''}'`, { Allow: 'POST' });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (tooLarge) {
        reply(res, 400, `Request body exceeds ${MAX_BODY_BYTES} bytes`);
        return;
      }
      try {
        this.handleExecutorCall(req, res, Buffer.concat(chunks));
      } catch (err) {
        log('executor call failed: %s', (err as Error).message);
        if (!res.headersSent) reply(res, 500, 'Internal error');
        else res.destroy();
      }
    });
  }

  private handleExecutorCall(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const contentType = req.headers['content-type'];
    if (contentType === undefined) {
      reply(res, 400, "Expecting 'Content-Type' to be present");
      return;
    }
    const format = formatOfContentType(contentType);
    if (!format) {
      reply(res, 415, `Expecting 'Content-Type' of application/json or application/x-protobuf`);
      return;
    }
    let call: executor.Call;
    try {
      call = getCodec<executor.Call>(TYPE_NAMES.ExecutorCall, format).decode(body);
    } catch (err) {
      reply(res, 400, `Failed to parse body into Call: ${(err as Error).message}`);
      return;
    }
    const problem = validateExecutorCall(call);
    if (problem) {
      reply(res, 400, `Failed to validate Executor::Call: ${problem}`);
      return;
    }
    if (call.type === 'HEARTBEAT') {
      reply(res, 202, '');
      return;
    }
    if (this.recovering && call.type !== 'SUBSCRIBE') {
      reply(res, 503, 'Agent has not finished recovery');
      return;
    }

    let responseFormat = format;
    if (call.type === 'SUBSCRIBE') {
      const negotiated = negotiateResponseFormat(req.headers.accept);
      if (!negotiated) {
        reply(res, 406, "Expecting 'Accept' to allow application/json or application/x-protobuf");
        return;
      }
      responseFormat = negotiated;
    }
    const framework = this.frameworks.get(call.framework_id.value);
    if (!framework) {
      reply(res, 400, 'Framework cannot be found');
      return;
    }
    const record = framework.executors.get(call.executor_id.value);
    if (!record) {
      reply(res, 400, 'Executor cannot be found');
      return;
    }
    if (record.phase === 'REGISTERING' && call.type !== 'SUBSCRIBE') {
      reply(res, 403, 'Executor is not subscribed');
      return;
    }

    switch (call.type) {
      case 'SUBSCRIBE':
        this.subscribe(framework, record, call.subscribe ?? {}, res, responseFormat);
        return;
      case 'UPDATE': {
        const status = call.update?.status as TaskStatus;
        reply(res, 202, '');
        this.executorUpdate(record, status);
        return;
      }
      case 'MESSAGE': {
        reply(res, 202, '');
        const data = bytesToBuffer(call.message?.data ?? new Uint8Array());
        this.emit('frameworkMessage', () =>
          this.events.frameworkMessage(this.options.id, record.frameworkId, record.id, data),
        );
        return;
      }
      default:
        reply(res, 501, `Received '${call.type ?? 'UNKNOWN'}' call`);
        return;
    }
  }

  /** An UPDATE from an executor: into the reliable stream, then ACKNOWLEDGED back to the executor. */
  private executorUpdate(record: ExecutorRecord, status: TaskStatus, acknowledge = true): void {
    const filled: TaskStatus = {
      ...status,
      agent_id: { value: this.options.id },
      executor_id: status.executor_id ?? { value: record.id },
    };
    if (filled.timestamp === undefined) filled.timestamp = nowSeconds();
    const framework = this.frameworks.get(record.frameworkId);
    if (!framework || framework.terminating) return;
    this.takeUpdate(record.frameworkId, filled);
    // The agent has taken the update (duplicates too): the executor may stop re-sending it.
    if (acknowledge && filled.uuid) {
      record.stream?.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: filled.task_id, uuid: filled.uuid } });
    }
  }

  private subscribe(
    framework: FrameworkRecord,
    record: ExecutorRecord,
    subscribe: executor.Call.Subscribe,
    res: ServerResponse,
    format: 'json' | 'protobuf',
  ): void {
    const refuse =
      this.stopping || framework.terminating || record.phase === 'TERMINATING' || record.phase === 'TERMINATED';
    const previous = record.stream;
    const stream = new ExecutorEventStream(res, format, () => {
      if (record.stream === stream) record.stream = undefined;
    });
    if (refuse) {
      stream.send({ type: 'SHUTDOWN' });
      stream.close();
      return;
    }
    previous?.close();
    record.stream = stream;
    const reregistering = record.phase === 'RUNNING';
    record.phase = 'RUNNING';
    if (record.registrationTimer) clearTimeout(record.registrationTimer);
    record.registrationTimer = undefined;
    record.awaitingReregistration = false;
    log(
      'executor %s of framework %s %s',
      record.id,
      record.frameworkId,
      reregistering ? 're-subscribed' : 'subscribed',
    );

    // Updates the executor still holds: take them again (duplicates are ignored), ACK after SUBSCRIBED.
    const replayed: TaskStatus[] = [];
    for (const update of subscribe.unacknowledged_updates ?? []) {
      const status = update.status;
      if (status?.uuid?.length !== 16) continue;
      this.executorUpdate(record, status, false);
      replayed.push(status);
    }
    // Tasks sent before a restart that the executor never heard of were lost in transit.
    const known = new Set((subscribe.unacknowledged_tasks ?? []).map((t) => t.task_id.value));
    for (const taskId of record.launched) {
      const task = this.tasks.get(taskKey(record.frameworkId, taskId));
      if (task?.state !== 'TASK_STAGING' || known.has(taskId)) continue;
      this.sendUpdate(task, hasCapability(framework.info, 'PARTITION_AWARE') ? 'TASK_DROPPED' : 'TASK_LOST', {
        source: 'SOURCE_AGENT',
        reason: 'REASON_AGENT_RESTARTED',
        message: 'Task launched during agent restart',
      });
    }

    const frameworkInfo: FrameworkInfo = { ...framework.info, id: { value: framework.id } };
    stream.send({
      type: 'SUBSCRIBED',
      subscribed: {
        executor_info: record.info,
        framework_info: frameworkInfo,
        agent_info: this.info,
        container_id: { value: record.containerId },
      },
    });
    for (const launch of record.queued.splice(0)) this.deliverLaunch(record, launch);
    for (const status of replayed)
      stream.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: status.task_id, uuid: status.uuid as Uint8Array } });

    if (record.heartbeatTimer) clearInterval(record.heartbeatTimer);
    record.heartbeatTimer = setInterval(
      () => record.stream?.send({ type: 'HEARTBEAT' }),
      this.options.executorHeartbeatIntervalMs,
    );
    record.heartbeatTimer.unref();
    if (this.recovering) this.maybeFinishRecovery();
  }

  private routesView() {
    const { id, hostname, resources, attributes, workDir } = this.options;
    const view = { id, hostname, port: this.port, resources, attributes, launcher: this.launcher, workDir };
    return { ...view, frameworks: this.frameworks.values(), tasks: this.tasks.values(), recovering: this.recovering };
  }

  private emit(what: string, call: () => void): void {
    if (this.stopping) return;
    try {
      call();
    } catch (err) {
      log('the %s handler threw: %s', what, (err as Error).message);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Restart and stop

  /**
   * Simulates an agent restart: the server goes away (executor streams break) and comes back
   * on the same port. Executors of checkpointing frameworks keep running and may re-subscribe
   * within the re-registration timeout; those that do not are shut down. Everything of other
   * frameworks (or of all, with `checkpointRecovery: false`) is killed and forgotten, as a
   * restarted Mesos agent does; the master learns it from {@link state}.
   */
  async restart(options: { checkpointRecovery?: boolean } = {}): Promise<void> {
    if (!this.started || this.stopping) throw new MesosMisuseError(`Agent ${this.options.id} is not running`);
    const checkpointRecovery = options.checkpointRecovery ?? true;
    this.updates.pause();
    this.recovering = true;
    await this.closeServer();

    for (const framework of [...this.frameworks.values()]) {
      if (checkpointRecovery && framework.info.checkpoint === true && !framework.terminating) {
        for (const record of framework.executors.values()) {
          if (record.phase === 'RUNNING' || record.phase === 'REGISTERING') record.awaitingReregistration = true;
        }
        continue;
      }
      this.forgetFramework(framework);
    }

    await this.listen();
    if (this.recoveryTimer) clearTimeout(this.recoveryTimer);
    this.recoveryTimer = setTimeout(() => this.finishRecovery(), this.options.executorReregistrationTimeoutMs);
    this.recoveryTimer.unref();
    this.maybeFinishRecovery();
  }

  /** Kills every process of a framework without reporting anything (the restarted agent never knew them). */
  private forgetFramework(framework: FrameworkRecord): void {
    for (const record of framework.executors.values()) {
      record.forgotten = true;
      record.phase = 'TERMINATING';
      if (!record.process?.signalGroup('SIGKILL'))
        this.executorGone(record, { waitStatus: 9, code: null, signal: 'SIGKILL' });
    }
    for (const [key, task] of this.tasks) {
      if (task.frameworkId !== framework.id) continue;
      this.clearTaskTimers(task);
      task.process?.signalGroup('SIGKILL');
      this.deleteTask(key);
    }
    this.updates.dropFramework(framework.id);
    this.frameworks.delete(framework.id);
  }

  private maybeFinishRecovery(): void {
    if (!this.recovering) return;
    for (const framework of this.frameworks.values()) {
      for (const record of framework.executors.values()) if (record.awaitingReregistration) return;
    }
    this.finishRecovery();
  }

  private finishRecovery(): void {
    if (this.recoveryTimer) clearTimeout(this.recoveryTimer);
    this.recoveryTimer = undefined;
    if (!this.recovering) return;
    this.recovering = false;
    for (const framework of this.frameworks.values()) {
      for (const record of [...framework.executors.values()]) {
        if (!record.awaitingReregistration) continue;
        record.awaitingReregistration = false;
        log('executor %s did not re-subscribe after the restart', record.id);
        this.destroyExecutor(record, 'reregistration-timeout');
      }
    }
    this.updates.resendAll();
  }

  /** Kills every process, closes the server and clears every timer. Reports nothing more. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.recovering = false;
    if (this.recoveryTimer) clearTimeout(this.recoveryTimer);
    this.updates.clear();
    for (const task of this.tasks.values()) this.clearTaskTimers(task);
    for (const framework of this.frameworks.values()) {
      for (const record of framework.executors.values()) {
        for (const timer of [record.registrationTimer, record.shutdownTimer, record.heartbeatTimer])
          if (timer) clearTimeout(timer);
      }
    }
    const exits = [...this.processes].map((child) => {
      child.signalGroup('SIGKILL');
      return child.exited;
    });
    await this.closeServer();
    await this.servers.removeSocketDirectory();
    await Promise.all(exits);
    this.processes.clear();
    this.tasks.clear();
    this.taskCounts.clear();
    this.frameworks.clear();
    this.started = false;
  }
}

function reply(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body) res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(body);
}

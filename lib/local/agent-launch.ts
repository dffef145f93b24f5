/**
 * The launch side of a LocalAgent kept out of agent.ts: starting a command task's or an
 * executor's process after fetching its URIs into the sandbox, remembering containers for the
 * agent's `/state` (live command executors, ended executors), and telling the user, through the
 * diagnostics sink, when one dies.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CommandInfo, ExecutorInfo, TaskInfo } from '../codec/messages';
import { type LogOption, reportExit, sinkOf } from './diagnostics';
import { type CompletedExecutor, ExecutorHistory } from './executor-history';
import { Fetcher } from './fetcher/fetch';
import { describeWaitStatus, type ProcessExit, type SandboxedProcess, startInSandbox } from './task-process';

export type { LogOption } from './diagnostics';

/** Bounds of the agent's fetcher. */
export interface FetchLimits {
  /** Bound on one download, ms. Default 120000. */
  timeoutMs?: number;
  /** Largest download accepted, bytes. Default 1 GiB. */
  maxBytes?: number;
}

/** Options of {@link AgentLaunchSupport}. */
export interface LaunchSupportOptions {
  agentId: string;
  workDir: string;
  log?: LogOption;
  fetch?: FetchLimits;
}

/** A command task's container while it runs. */
export interface CommandContainer {
  readonly frameworkId: string;
  readonly executorId: string;
  readonly taskId: string;
  readonly containerId: string;
  readonly sandbox: string;
}

/** What the agent knows of a custom executor when it ends. */
interface EndedExecutor {
  readonly frameworkId: string;
  readonly id: string;
  readonly info: ExecutorInfo;
  readonly containerId: string;
  readonly sandbox: string;
  readonly launched: ReadonlySet<string>;
}

function key(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

/** Fetching, container bookkeeping and diagnostics of one agent. */
export class AgentLaunchSupport {
  /** Ended executors, for `/state`. */
  readonly history = new ExecutorHistory();
  private readonly commands = new Map<string, CommandContainer>();
  private readonly fetcher: Fetcher;
  private readonly sink: ((line: string) => void) | undefined;

  constructor(private readonly options: LaunchSupportOptions) {
    this.fetcher = new Fetcher({ cacheDir: join(options.workDir, 'fetch-cache'), ...options.fetch });
    this.sink = sinkOf(options.log);
  }

  /**
   * Starts `command` in `sandbox`, fetching its URIs there first (their progress goes to the
   * sandbox's stderr). A failed fetch ends the returned process with a `launchFailure` worded as
   * Mesos words a failed container launch; a signal during the fetch aborts it.
   */
  start(
    command: CommandInfo,
    spec: { sandbox: string; env: Record<string, string>; containerId: string },
    onSpawn: (child: SandboxedProcess) => void,
  ): SandboxedProcess {
    const uris = command.uris ?? [];
    if (uris.length === 0) return startInSandbox(command, { sandbox: spec.sandbox, env: spec.env, onSpawn });
    const note = (line: string) => {
      try {
        appendFileSync(join(spec.sandbox, 'stderr'), `${line}\n`);
      } catch {
        // The sandbox went away (the agent is stopping): nothing to tell.
      }
    };
    return startInSandbox(command, {
      sandbox: spec.sandbox,
      env: spec.env,
      onSpawn,
      prepare: (signal) => this.fetcher.fetchAll(uris, spec.sandbox, signal, note),
      describe: (err) =>
        `Failed to launch container: Failed to fetch all URIs for container '${spec.containerId}': ${err.message}`,
    });
  }

  /** A command task's container started (listed as a running executor in `/state`). */
  commandStarted(container: CommandContainer): void {
    this.commands.set(key(container.frameworkId, container.taskId), container);
  }

  /** Running command executors of a framework. */
  commandsOf(frameworkId: string): CommandContainer[] {
    return [...this.commands.values()].filter((container) => container.frameworkId === frameworkId);
  }

  /**
   * A command task's process ended: its container joins the history, and when the task failed
   * (`failure` is its status message) the user is told where to look.
   */
  commandEnded(
    task: { frameworkId: string; task: TaskInfo },
    exit: ProcessExit,
    frameworkName: string | undefined,
    failure: string | undefined,
  ): void {
    const taskId = task.task.task_id.value;
    const container = this.commands.get(key(task.frameworkId, taskId));
    if (!container) return;
    this.commands.delete(key(task.frameworkId, taskId));
    this.history.add(
      {
        frameworkId: task.frameworkId,
        id: container.executorId,
        name: `Command Executor (Task: ${taskId})`,
        source: taskId,
        containerId: container.containerId,
        directory: container.sandbox,
        status: exit.launchFailure ?? describeWaitStatus(exit),
        taskIds: [taskId],
      },
      frameworkName,
    );
    if (failure === undefined) return;
    reportExit(this.sink, {
      agentId: this.options.agentId,
      subject: `task '${taskId}' of framework ${task.frameworkId} failed:`,
      outcome: failure,
      sandbox: container.sandbox,
    });
  }

  /** A custom executor ended: it joins the history, and an abnormal end is reported to the user. */
  executorEnded(
    record: EndedExecutor,
    exit: ProcessExit,
    frameworkName: string | undefined,
    abnormal: string | undefined,
  ): void {
    const entry: CompletedExecutor = {
      frameworkId: record.frameworkId,
      id: record.id,
      name: record.info.name ?? '',
      source: record.info.source ?? '',
      containerId: record.containerId,
      directory: record.sandbox,
      status: exit.launchFailure ?? describeWaitStatus(exit),
      taskIds: [...record.launched],
    };
    this.history.add(entry, frameworkName);
    if (abnormal === undefined) return;
    reportExit(this.sink, {
      agentId: this.options.agentId,
      subject: `executor '${record.id}' of framework ${record.frameworkId}`,
      outcome: abnormal,
      sandbox: record.sandbox,
    });
  }
}

/** The update for a task whose executor's container never started (Mesos: a failed container launch). */
export function launchFailedUpdate(
  exit: ProcessExit,
): { state: 'TASK_FAILED'; reason: 'REASON_CONTAINER_LAUNCH_FAILED'; message: string } | undefined {
  if (!exit.error) return undefined;
  const message = exit.launchFailure ?? `Failed to launch container: ${exit.error.message}`;
  return { state: 'TASK_FAILED', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message };
}

/** How an executor's end reads when it was not the agent's doing (or was a timeout), else undefined. */
export function abnormalEnd(cause: string | undefined, wasTerminating: boolean, exit: ProcessExit): string | undefined {
  if (cause === 'registration-timeout') return `did not subscribe in time and was killed (${describeWaitStatus(exit)})`;
  if (cause === 'reregistration-timeout') return 'did not re-subscribe after the agent restarted and was killed';
  if (wasTerminating || (exit.code === 0 && !exit.error)) return undefined;
  return exit.launchFailure ?? describeWaitStatus(exit);
}

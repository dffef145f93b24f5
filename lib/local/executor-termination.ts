/**
 * What a LocalAgent reports for the tasks of a custom executor that is gone, and which executor
 * processes it runs (for `cluster.faults` and tests). Kept apart from agent.ts to keep it small.
 */
import type { TaskState, TaskStatus } from '../codec/messages';
import { formatDuration } from './executor-api';
import { describeWaitStatus, type ProcessExit, type SandboxedProcess } from './task-process';

/** Why an executor is being torn down; decides the state of its remaining tasks. */
export type TerminationCause = 'shutdown' | 'registration-timeout' | 'reregistration-timeout' | 'agent-restart';

/** The update an agent sends for a live task whose executor ended. */
export interface ExecutorGoneUpdate {
  state: TaskState;
  reason: TaskStatus.Reason;
  message: string;
}

/** How the task and its executor ended, as the agent knows it. */
export interface ExecutorGoneContext {
  /** A KILL for the task had been sent to the executor. */
  killRequested: boolean;
  /** Why the agent tore the executor down, if it did. */
  cause: TerminationCause | undefined;
  /** The agent had asked the executor to shut down (SHUTDOWN sent or container being destroyed). */
  wasTerminating: boolean;
  /** The framework has the PARTITION_AWARE capability. */
  partitionAware: boolean;
  /** How the executor process ended. */
  exit: ProcessExit;
  /** The agent's executor registration timeout, in ms (for the message). */
  registrationTimeoutMs: number;
}

/** Mesos's choice of state, reason and message for a task left behind by a terminated executor. */
export function executorGoneUpdate(context: ExecutorGoneContext): ExecutorGoneUpdate {
  const lost: TaskState = context.partitionAware ? 'TASK_GONE' : 'TASK_LOST';
  if (context.killRequested)
    return { state: 'TASK_KILLED', reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor terminated' };
  if (context.cause === 'registration-timeout') {
    return {
      state: 'TASK_FAILED',
      reason: 'REASON_EXECUTOR_REGISTRATION_TIMEOUT',
      message: `Executor did not register within ${formatDuration(context.registrationTimeoutMs)}`,
    };
  }
  if (context.cause === 'reregistration-timeout') {
    return {
      state: lost,
      reason: 'REASON_EXECUTOR_REREGISTRATION_TIMEOUT',
      message: 'Executor did not re-register within the timeout',
    };
  }
  if (context.wasTerminating)
    return { state: lost, reason: 'REASON_EXECUTOR_TERMINATED', message: 'Executor terminated' };
  return {
    state: 'TASK_FAILED',
    reason: 'REASON_EXECUTOR_TERMINATED',
    message: `Executor ${describeWaitStatus(context.exit)}`,
  };
}

/** A running custom executor's process, as `LocalAgent.executorProcesses()` lists it. */
export interface ExecutorProcess {
  /** The agent running it. */
  readonly agentId: string;
  /** The framework it belongs to. */
  readonly frameworkId: string;
  /** Its ExecutorInfo's executor_id. */
  readonly executorId: string;
  /** Pid of the executor's process; it leads its own process group. */
  readonly pid: number;
  /** The executor's sandbox (its working directory). */
  readonly directory: string;
  /** Sends a signal to the executor's process group; false when it is already gone. */
  signal(signal: NodeJS.Signals): boolean;
}

/** Describes an executor's process: one entry while it runs, none once it is gone (or never started). */
export function liveExecutor(
  agentId: string,
  frameworkId: string,
  executor: { id: string; sandbox: string; process?: SandboxedProcess },
): ExecutorProcess[] {
  const child = executor.process;
  if (child?.pid === undefined || child.hasExited) return [];
  const { id: executorId, sandbox: directory } = executor;
  return [{ agentId, frameworkId, executorId, pid: child.pid, directory, signal: (sig) => child.signalGroup(sig) }];
}

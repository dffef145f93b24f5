/**
 * The public shapes of the executor side: the `Executor` callbacks a user writes, the
 * `ExecutorDriver` they are handed, and the driver's options.
 */
import type {
  AgentInfo,
  ExecutorInfo,
  FrameworkInfo,
  TaskGroupInfo,
  TaskID,
  TaskInfo,
  TaskStatus,
} from '../codec/messages';
import type { Status } from './status';

/** A value or a promise of it: callbacks may be sync or async (see {@link Executor} for which promises are awaited). */
export type MaybePromise<T> = T | Promise<T>;

/**
 * What an executor callback receives: libmesos's `ExecutorDriver`. Methods return the driver's
 * `Status` after the call; when the driver is not running they do nothing and return it unchanged.
 */
export interface ExecutorDriver {
  /** Starts the driver (NOT_STARTED -> RUNNING) and begins subscribing to the agent. */
  start(): Status;
  /** Stops the driver (RUNNING or ABORTED -> STOPPED); in-flight updates are still delivered. */
  stop(): Status;
  /** Aborts the driver (RUNNING -> ABORTED): no more callbacks, no more calls. */
  abort(): Status;
  /** Resolves with the final status once the driver is STOPPED or ABORTED, keeping the process alive meanwhile. */
  join(): Promise<Status>;
  /** `start()` then `join()`. */
  run(): Promise<Status>;
  /**
   * Sends a status update reliably: the driver sets a fresh uuid, the timestamp, the source, the
   * executor and agent ids, and keeps the update until the agent acknowledges it. The update is
   * written to the agent connection before this returns when that connection is open (it is
   * opened before subscribing and kept while calls flow), so blocking the event loop right after
   * does not hold it back; updates reach the agent in the order they were sent.
   * @throws MesosMisuseError for TASK_STAGING, a status without task_id/state, or (its subclass
   * MesosEncodeError) a malformed field.
   */
  sendStatusUpdate(status: TaskStatus): Status;
  /** Sends a best-effort message to the scheduler. Strings are sent as UTF-8. */
  sendFrameworkMessage(data: Uint8Array | string): Status;
}

/**
 * The callbacks of a custom executor (libmesos's `Executor`). All are optional. They are invoked
 * one at a time in event order; the promise of `registered`, `reregistered`, `disconnected`,
 * `shutdown` and `error` is awaited before the next callback, but not that of `launchTask`,
 * `launchTaskGroup`, `killTask` and `frameworkMessage`: those start work and return (libmesos runs
 * each task on a thread of its own), so tasks run concurrently and a kill, a message or a shutdown
 * is delivered while launches are pending. A callback that throws, or whose promise rejects,
 * aborts the driver and is reported through `error`.
 */
export interface Executor {
  /** First successful subscription with the agent. */
  registered?(
    driver: ExecutorDriver,
    executorInfo: ExecutorInfo,
    frameworkInfo: FrameworkInfo,
    agentInfo: AgentInfo,
  ): MaybePromise<void>;
  /** A later subscription, after the agent restarted (checkpointing frameworks only). */
  reregistered?(driver: ExecutorDriver, agentInfo: AgentInfo): MaybePromise<void>;
  /** The connection to the agent was lost; the driver is trying to reconnect (checkpointing only). */
  disconnected?(driver: ExecutorDriver): MaybePromise<void>;
  /**
   * A task to run: start it and reply with a status update, normally TASK_RUNNING. A returned
   * promise (e.g. the task's whole life, ending with its terminal update) is not awaited before
   * the next event; after `shutdown` the driver waits for it, within the grace period, then stops.
   */
  launchTask?(driver: ExecutorDriver, task: TaskInfo): MaybePromise<void>;
  /** A group of tasks to run together (LAUNCH_GROUP). */
  launchTaskGroup?(driver: ExecutorDriver, taskGroup: TaskGroupInfo): MaybePromise<void>;
  /** Kill a task; the executor must send the terminal update (TASK_KILLED or TASK_FAILED) itself. */
  killTask?(driver: ExecutorDriver, taskId: TaskID): MaybePromise<void>;
  /** A message from the scheduler (best effort). */
  frameworkMessage?(driver: ExecutorDriver, data: Buffer): MaybePromise<void>;
  /**
   * Kill every task and send their terminal updates: the agent asked (SHUTDOWN), the agent is gone
   * without checkpointing, or recovery timed out. Delivered at once, even while launches are
   * pending. When it returns (its promise settles), the driver waits for the pending launchTask,
   * launchTaskGroup, killTask and frameworkMessage promises, at most the shutdown grace period,
   * then stops.
   */
  shutdown?(driver: ExecutorDriver): MaybePromise<void>;
  /** A fatal error; the driver is already aborted when this is called. */
  error?(driver: ExecutorDriver, message: string): MaybePromise<void>;
}

/** Options of {@link MesosExecutorDriver}. */
export interface ExecutorDriverOptions {
  /**
   * The agent-provided environment to read instead of `process.env` (like libmesos's map
   * constructor). When reading `process.env`, MESOS_EXECUTOR_AUTHENTICATION_TOKEN is removed from it.
   */
  environment?: Readonly<Record<string, string | undefined>>;
  /** Interval of the HEARTBEAT call to the agent, in ms; 0 disables it. @default 1800000 (30 min, as libmesos) */
  heartbeatIntervalMs?: number;
  /**
   * End the process when the shutdown grace period expires after a shutdown began (the agent's
   * SHUTDOWN, agent loss without checkpointing, recovery timeout), as Mesos executors do. Tests
   * and embedded executors set false. @default true
   */
  exitOnShutdown?: boolean;
  /**
   * How the process is ended when `exitOnShutdown` applies. @default kill the process group with
   * SIGKILL (the executor's tasks with it) when this process leads one, otherwise `process.exit(1)`.
   */
  terminateProcess?: () => void;
  /** Source of randomness in [0, 1) for reconnection delays. @default Math.random */
  random?: () => number;
  /** Per-request timeout of non-subscribe calls (UPDATE, MESSAGE, HEARTBEAT), in ms. @default 30000 */
  callTimeoutMs?: number;
}

/**
 * Real processes for the simulated agent: command tasks and custom executors run in their own
 * process group (so a kill reaches their children), in a sandbox directory, with stdout and
 * stderr going straight to files there (a file never blocks the child the way a full pipe can).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import type { CommandInfo } from '../codec/messages';
import { createLogger } from '../common/logger';

const log = createLogger('local:process');

/** How a process ended. */
export interface ProcessExit {
  /** The raw `waitpid` status word: exit code << 8, or the signal number when killed by one. */
  readonly waitStatus: number;
  /** The exit code, or null when a signal ended the process. */
  readonly code: number | null;
  /** The signal that ended the process, if any. */
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (e.g. the executable does not exist). */
  readonly error?: Error;
  /** Set when the container never started (its URIs could not be fetched): Mesos's message for it. */
  readonly launchFailure?: string;
}

/** A started process, owned by the agent. */
export interface SandboxedProcess {
  /** The process id (also its process group id); undefined when spawning failed. */
  readonly pid: number | undefined;
  /** Settles once, when the process is gone. */
  readonly exited: Promise<ProcessExit>;
  /** True once the process has exited. */
  readonly hasExited: boolean;
  /** Sends `signal` to the whole process group; false when there was nothing to signal. */
  signalGroup(signal: NodeJS.Signals): boolean;
}

/** Options of {@link spawnInSandbox}. */
export interface SpawnOptions {
  /** Working directory; created if missing. stdout and stderr files are written here. */
  sandbox: string;
  /** The complete environment of the child (nothing is inherited implicitly). */
  env: Record<string, string>;
}

/** Options of {@link startInSandbox}. */
export interface StartOptions extends SpawnOptions {
  /**
   * Work to finish before the process starts (fetching its URIs); a rejection is a failed
   * container launch, reported as `launchFailure` with `describe(err)`. Omitted: start at once.
   */
  prepare?: (signal: AbortSignal) => Promise<void>;
  /** How a failed `prepare` reads in the task status (Mesos's "Failed to launch container: ..."). */
  describe?: (err: Error) => string;
  /** Called once the process runs (synchronously when there is nothing to prepare). */
  onSpawn?: (child: SandboxedProcess) => void;
}

function signalExit(signal: NodeJS.Signals): ProcessExit {
  return { waitStatus: waitStatusOf(null, signal), code: null, signal };
}

/**
 * Starts `command` in its sandbox once `prepare` is done. Until then the returned handle stands
 * for the process: a signal aborts the preparation (the handle then exits with that signal), so
 * a kill or a teardown during a fetch needs nothing special from the agent.
 */
export function startInSandbox(command: CommandInfo, options: StartOptions): SandboxedProcess {
  const { prepare, onSpawn } = options;
  if (!prepare) {
    const child = spawnInSandbox(command, options);
    if (child.pid !== undefined) onSpawn?.(child);
    return child;
  }
  const controller = new AbortController();
  let child: SandboxedProcess | undefined;
  let killedWith: NodeJS.Signals | undefined;
  let exitedFlag = false;
  const run = async (): Promise<ProcessExit> => {
    try {
      mkdirSync(options.sandbox, { recursive: true });
      await prepare(controller.signal);
    } catch (err) {
      if (killedWith) return signalExit(killedWith);
      const error = err as Error;
      const launchFailure = options.describe ? options.describe(error) : error.message;
      return { waitStatus: waitStatusOf(1, null), code: 1, signal: null, error, launchFailure };
    }
    if (killedWith) return signalExit(killedWith);
    try {
      child = spawnInSandbox(command, options);
    } catch (err) {
      return { waitStatus: waitStatusOf(127, null), code: 127, signal: null, error: err as Error };
    }
    if (child.pid !== undefined) onSpawn?.(child);
    return child.exited;
  };
  const exited = run().then((exit) => {
    exitedFlag = true;
    return exit;
  });
  return {
    get pid() {
      return child?.pid;
    },
    exited,
    get hasExited() {
      return exitedFlag;
    },
    signalGroup(signal: NodeJS.Signals): boolean {
      if (child) return child.signalGroup(signal);
      if (exitedFlag) return false;
      killedWith ??= signal;
      controller.abort();
      return true;
    },
  };
}

/** The `waitpid`-style status word for an exit code or a terminating signal. */
export function waitStatusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (signal) return osConstants.signals[signal] ?? 0;
  return ((code ?? 0) & 0xff) << 8;
}

/** Mesos's wording for a wait status: "exited with status 3" / "terminated with signal SIGTERM". */
export function describeWaitStatus(exit: ProcessExit): string {
  if (exit.error) return `failed to start: ${exit.error.message}`;
  if (exit.signal) return `terminated with signal ${exit.signal}`;
  return `exited with status ${exit.code ?? 0}`;
}

/** Environment variables of a CommandInfo (only plain VALUE variables; secrets are not supported here). */
export function commandEnvironment(command: CommandInfo | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const variable of command?.environment?.variables ?? []) {
    if (variable.type === 'SECRET') continue;
    env[variable.name] = variable.value ?? '';
  }
  return env;
}

/**
 * Starts `command` as Mesos's containerizer would: `sh -c value` when `shell` (the default),
 * otherwise `value` as the executable with `arguments` as its argv (argv[0] included).
 */
export function spawnInSandbox(command: CommandInfo, options: SpawnOptions): SandboxedProcess {
  mkdirSync(options.sandbox, { recursive: true });
  const shell = command.shell !== false;
  const value = command.value ?? '';
  const file = shell ? '/bin/sh' : value;
  const args = shell ? ['-c', value] : (command.arguments ?? []).slice(1);
  const argv0 = shell ? 'sh' : (command.arguments?.[0] ?? value);

  const stdout = openSync(join(options.sandbox, 'stdout'), 'a');
  const stderr = openSync(join(options.sandbox, 'stderr'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      argv0,
      cwd: options.sandbox,
      env: options.env,
      detached: true, // its own session and process group: a kill of -pid reaches every child
      stdio: ['ignore', stdout, stderr],
    });
  } catch (err) {
    closeSync(stdout);
    closeSync(stderr);
    const exit: ProcessExit = { waitStatus: waitStatusOf(127, null), code: 127, signal: null, error: err as Error };
    return { pid: undefined, exited: Promise.resolve(exit), hasExited: true, signalGroup: () => false };
  }
  // The child holds its own copies of the descriptors now.
  closeSync(stdout);
  closeSync(stderr);

  let exitedFlag = false;
  const exited = new Promise<ProcessExit>((resolve) => {
    const finish = (exit: ProcessExit) => {
      if (exitedFlag) return;
      exitedFlag = true;
      resolve(exit);
    };
    child.once('error', (error) => {
      // 'error' without a pid means the spawn failed; with a pid, 'exit' still follows.
      if (child.pid === undefined) finish({ waitStatus: waitStatusOf(127, null), code: 127, signal: null, error });
    });
    child.once('exit', (code, signal) => finish({ waitStatus: waitStatusOf(code, signal), code, signal }));
  });
  log('spawned pid %s in %s', child.pid, options.sandbox);

  return {
    get pid() {
      return child.pid;
    },
    exited,
    get hasExited() {
      return exitedFlag;
    },
    signalGroup(signal: NodeJS.Signals): boolean {
      const pid = child.pid;
      if (pid === undefined) return false;
      try {
        process.kill(-pid, signal);
        return true;
      } catch {
        // The group may be gone already (ESRCH); fall back to the leader if it still exists.
        if (exitedFlag) return false;
        try {
          return child.kill(signal);
        } catch {
          return false;
        }
      }
    },
  };
}

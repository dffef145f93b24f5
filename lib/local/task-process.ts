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

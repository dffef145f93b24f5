/**
 * Nested containers of an agent's operator API (LAUNCH_NESTED_CONTAINER_SESSION and what waits,
 * attaches to or kills them): a real process in its parent's sandbox, in its own process group,
 * whose stdout and stderr are read as they come (the pipes are always drained, so a chatty
 * process never blocks on a full pipe) and handed at once to every attached output stream.
 * A session's container lives as long as its connection, as in Mesos.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToBuffer } from '../../codec/bytes';
import type { agent, Bytes, CommandInfo } from '../../codec/messages';
import { createLogger } from '../../common/logger';
import { commandEnvironment, waitStatusOf } from '../task-process';

const log = createLogger('local:operator:nested');

/** Every live nested container of every agent in this process: killed if the process exits first. */
const everyLive = new Set<NestedContainer>();
let exitHook = false;

function track(container: NestedContainer): void {
  everyLive.add(container);
  if (exitHook) return;
  exitHook = true;
  process.once('exit', () => {
    for (const live of everyLive) live.kill('SIGKILL');
  });
}

/** How many ended nested containers are remembered for WAIT. */
const MAX_ENDED = 100;

/** Receives the output of a container as ProcessIO records. */
export type OutputListener = (io: agent.ProcessIO) => void;

/** One nested container. */
export interface NestedContainer {
  readonly containerId: string;
  readonly parentId: string;
  /** The raw wait status once ended. */
  exitStatus: number | undefined;
  /** Settles with the wait status when the process and its output are done. */
  readonly ended: Promise<number>;
  readonly listeners: Set<OutputListener>;
  kill(signal: NodeJS.Signals | number): void;
  /** Claims the input (one attachment at a time); false when it is taken or there is none. */
  takeInput(): boolean;
  releaseInput(): void;
  /** Writes to stdin; empty data closes it (EOF). */
  writeInput(data: Bytes | undefined): void;
}

/** The nested containers of one agent. */
export class NestedContainers {
  private readonly live = new Map<string, NestedContainer>();
  private readonly finished = new Map<string, NestedContainer>();

  /** A live or recently ended nested container. */
  get(containerId: string): NestedContainer | undefined {
    return this.live.get(containerId) ?? this.finished.get(containerId);
  }

  /** True while `containerId` names a live nested container. */
  isRunning(containerId: string): boolean {
    return this.live.has(containerId);
  }

  /**
   * Writes the output of a container launched without a session (LAUNCH_NESTED_CONTAINER) to
   * `stdout` and `stderr` in `sandbox`, as Mesos does (`<parent sandbox>/containers/<id>/`).
   */
  writeOutputToSandbox(container: NestedContainer, sandbox: string): void {
    mkdirSync(sandbox, { recursive: true });
    const files = {
      STDOUT: createWriteStream(join(sandbox, 'stdout')),
      STDERR: createWriteStream(join(sandbox, 'stderr')),
    };
    for (const file of Object.values(files)) file.on('error', (err) => log('nested output: %s', err.message));
    container.listeners.add((io) => {
      const type = io.data?.type;
      if ((type === 'STDOUT' || type === 'STDERR') && io.data?.data) files[type].write(io.data.data);
    });
    void container.ended.then(() => {
      files.STDOUT.end();
      files.STDERR.end();
    });
  }

  /** Live nested containers (for GET_CONTAINERS). */
  list(): NestedContainer[] {
    return [...this.live.values()];
  }

  /** Starts `command` in `sandbox` (the parent's); `env` is the base environment. */
  launch(
    containerId: string,
    parentId: string,
    command: CommandInfo,
    sandbox: string,
    env: Record<string, string>,
    interactive = false,
  ): NestedContainer {
    const shell = command.shell !== false;
    const value = command.value ?? '';
    const child: ChildProcess = spawn(
      shell ? '/bin/sh' : value,
      shell ? ['-c', value] : (command.arguments ?? []).slice(1),
      {
        cwd: sandbox,
        env: { ...env, ...commandEnvironment(command), MESOS_SANDBOX: sandbox },
        detached: true,
        stdio: [interactive ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      },
    );
    child.stdin?.on('error', (err) => log('nested container %s stdin: %s', containerId, err.message));
    let inputTaken = false;
    const listeners = new Set<OutputListener>();
    const forward = (type: agent.ProcessIO.Data.Type) => (chunk: Buffer) => {
      const io: agent.ProcessIO = { type: 'DATA', data: { type, data: chunk } };
      for (const listener of listeners) listener(io);
    };
    child.stdout?.on('data', forward('STDOUT'));
    child.stderr?.on('data', forward('STDERR'));
    let resolveEnded: (status: number) => void = () => undefined;
    const ended = new Promise<number>((resolve) => {
      resolveEnded = resolve;
    });
    const container: NestedContainer = {
      containerId,
      parentId,
      exitStatus: undefined,
      ended,
      listeners,
      kill: (signal) => {
        if (container.exitStatus !== undefined || child.pid === undefined) return;
        try {
          process.kill(-child.pid, signal);
        } catch {
          child.kill(signal as NodeJS.Signals);
        }
      },
      takeInput: () => {
        if (inputTaken || !child.stdin || child.stdin.writableEnded) return false;
        inputTaken = true;
        return true;
      },
      releaseInput: () => {
        inputTaken = false;
      },
      writeInput: (data) => {
        const stdin = child.stdin;
        if (!stdin || stdin.writableEnded || stdin.destroyed) return;
        const bytes = data === undefined ? Buffer.alloc(0) : bytesToBuffer(data);
        if (bytes.length === 0) stdin.end();
        else stdin.write(bytes);
      },
    };
    const finish = (status: number) => {
      if (container.exitStatus !== undefined) return;
      container.exitStatus = status;
      this.live.delete(containerId);
      everyLive.delete(container);
      this.finished.set(containerId, container);
      for (const id of this.finished.keys()) {
        if (this.finished.size <= MAX_ENDED) break;
        this.finished.delete(id);
      }
      log('nested container %s ended (%d)', containerId, status);
      resolveEnded(status);
    };
    // 'close' comes after the exit and the end of both pipes: every byte has been forwarded.
    child.once('close', (code, signal) => finish(waitStatusOf(code, signal)));
    child.once('error', (err) => {
      forward('STDERR')(Buffer.from(`Failed to launch nested container: ${err.message}\n`));
      finish(waitStatusOf(127, null));
    });
    this.live.set(containerId, container);
    track(container);
    return container;
  }
}

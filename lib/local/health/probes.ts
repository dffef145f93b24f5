/**
 * One run of a task check, as Mesos's built-in executors perform it: a COMMAND runs in the task's
 * sandbox with the task's environment (its own process group, killed at the timeout); an HTTP check
 * sends `GET scheme://127.0.0.1:port/path` (certificates not verified, as `curl -k`); a TCP check
 * opens a connection to `127.0.0.1:port`. The result says what happened; judging it (healthy or
 * not, which check status) is the caller's business.
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { CommandInfo } from '../../codec/messages';
import { commandEnvironment } from '../task-process';

/** What a probe runs against: the task's sandbox and environment. */
export interface ProbeTarget {
  readonly sandbox: string;
  readonly env: Record<string, string>;
}

/** A probe to run. */
export type Probe =
  | { kind: 'COMMAND'; command: CommandInfo }
  | { kind: 'HTTP'; port: number; path?: string; scheme?: string; ipv6?: boolean }
  | { kind: 'TCP'; port: number; ipv6?: boolean };

/** How a probe ended: `timedOut`, or the command's exit code, the HTTP status, whether TCP connected. */
export interface ProbeResult {
  readonly timedOut?: boolean;
  readonly exitCode?: number;
  readonly statusCode?: number;
  readonly connected?: boolean;
  /** Why the probe could not produce a result (spawn error, refused connection...). */
  readonly error?: string;
}

/** Runs one probe; never rejects. */
export function runProbe(probe: Probe, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  if (probe.kind === 'COMMAND') return runCommand(probe.command, target, timeoutMs);
  if (probe.kind === 'HTTP') return runHttp(probe, timeoutMs);
  return runTcp(probe, timeoutMs);
}

function withTimeout(timeoutMs: number, start: (done: (r: ProbeResult) => void) => () => void): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: ProbeResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const abort = start(done);
    const timer = setTimeout(() => {
      abort();
      done({ timedOut: true });
    }, timeoutMs);
    timer.unref();
  });
}

function runCommand(command: CommandInfo, target: ProbeTarget, timeoutMs: number): Promise<ProbeResult> {
  const shell = command.shell !== false;
  const value = command.value ?? '';
  return withTimeout(timeoutMs, (done) => {
    let pid: number | undefined;
    try {
      const child = spawn(shell ? '/bin/sh' : value, shell ? ['-c', value] : (command.arguments ?? []).slice(1), {
        cwd: target.sandbox,
        env: { ...target.env, ...commandEnvironment(command) },
        detached: true,
        stdio: 'ignore',
      });
      pid = child.pid;
      child.once('error', (err) => done({ error: err.message }));
      child.once('exit', (code, signal) => done(code === null ? { error: `killed by ${signal}` } : { exitCode: code }));
      child.unref();
    } catch (err) {
      done({ error: (err as Error).message });
    }
    return () => {
      if (pid === undefined) return;
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
  });
}

function runHttp(probe: Extract<Probe, { kind: 'HTTP' }>, timeoutMs: number): Promise<ProbeResult> {
  const https = probe.scheme === 'https';
  const host = probe.ipv6 ? '[::1]' : '127.0.0.1';
  const url = `${https ? 'https' : 'http'}://${host}:${probe.port}${probe.path ?? '/'}`;
  return withTimeout(timeoutMs, (done) => {
    const req = (https ? httpsRequest : httpRequest)(url, { method: 'GET', rejectUnauthorized: false, agent: false });
    req.once('response', (res) => {
      res.resume();
      done({ statusCode: res.statusCode ?? 0 });
    });
    req.once('error', (err) => done({ error: err.message }));
    req.end();
    return () => req.destroy();
  });
}

function runTcp(probe: Extract<Probe, { kind: 'TCP' }>, timeoutMs: number): Promise<ProbeResult> {
  return withTimeout(timeoutMs, (done) => {
    const socket = connect({ host: probe.ipv6 ? '::1' : '127.0.0.1', port: probe.port });
    socket.once('connect', () => {
      socket.destroy();
      done({ connected: true });
    });
    socket.once('error', (err) => done({ connected: false, error: err.message }));
    return () => socket.destroy();
  });
}

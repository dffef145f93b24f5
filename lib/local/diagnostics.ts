/**
 * What LocalCluster tells its user, without any DEBUG setting, when something it runs dies: the
 * executor's or task's exit, its sandbox, and the last lines of the sandbox's `stderr`. Written
 * to a sink (default: process.stderr) that the user may replace or turn off.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

/** Receives one line; `false` turns the messages off. */
export type LogOption = ((line: string) => void) | false;

/** Lines of stderr shown. */
export const STDERR_TAIL_LINES = 10;
const TAIL_BYTES = 16 * 1024;
const MAX_LINE = 300;

/** The default sink: one line to the process's stderr. */
export function stderrSink(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The sink an option denotes (undefined when logging is off). */
export function sinkOf(option: LogOption | undefined): ((line: string) => void) | undefined {
  if (option === false) return undefined;
  return option ?? stderrSink;
}

/** The last `count` lines of a file (bounded read); [] when it is missing or empty. */
export function tailLines(file: string, count = STDERR_TAIL_LINES): string[] {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const length = Math.min(size, TAIL_BYTES);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const lines = buffer.toString('utf8').split('\n');
    if (length < size) lines.shift(); // a partial first line
    while (lines.length > 0 && lines[lines.length - 1]?.trim() === '') lines.pop();
    return lines
      .slice(-count)
      .map((line) => (line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}...` : line).replace(/\r$/, ''));
  } catch {
    return [];
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** One event worth telling the user about. */
export interface ExitReport {
  /** Who reports: the agent id. */
  agentId: string;
  /** What ended, e.g. `executor 'x' of framework F` or `task 't' of framework F`. */
  subject: string;
  /** How it ended, e.g. `exited with status 1` or Mesos's launch failure message. */
  outcome: string;
  /** Its sandbox (its `stderr` is shown). */
  sandbox: string;
}

/** Writes a report: the outcome, the sandbox, and the tail of the sandbox's stderr. */
export function reportExit(sink: ((line: string) => void) | undefined, report: ExitReport): void {
  if (!sink) return;
  const tail = tailLines(join(report.sandbox, 'stderr'));
  const lines = [
    `[LocalCluster] agent ${report.agentId}: ${report.subject} ${report.outcome}`,
    `[LocalCluster]   sandbox: ${report.sandbox}`,
    tail.length > 0
      ? `[LocalCluster]   last ${tail.length} line(s) of its stderr:`
      : '[LocalCluster]   its stderr is empty',
    ...tail.map((line) => `[LocalCluster]   | ${line}`),
  ];
  try {
    for (const line of lines) sink(line);
  } catch {
    // A failing sink must not break the agent.
  }
}

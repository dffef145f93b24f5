/**
 * An agent's files as Mesos's files process serves them: the sandboxes, by their real path (the
 * `directory` of `/state`) or by the virtual path `/frameworks/<framework>/executors/<executor>/
 * runs/<container or latest>/...`. Every path is resolved (symlinks included) and refused unless
 * it stays inside the agent's sandbox root, so nothing else on the machine can be read.
 */
import type { Stats } from 'node:fs';
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

/** Mesos caps one read at 16 memory pages. */
export const MAX_READ_BYTES = 16 * 4096;

/** A failed file operation: the HTTP status Mesos gives, and what was wrong. */
export class FilesError extends Error {
  constructor(
    readonly status: 400 | 404 | 500,
    message: string,
  ) {
    super(message);
  }
}

/** One entry of a listing, as `/files/browse` writes it (mtime in seconds, mode as `ls -l` does). */
export interface FileEntry {
  path: string;
  nlink: number;
  size: number;
  mtime: number;
  mode: number;
  uid: string;
  gid: string;
}

/** Finds the container id behind `runs/latest` of an executor. */
export type LatestRun = (frameworkId: string, executorId: string) => string | undefined;

const VIRTUAL = /^\/frameworks\/([^/]+)\/executors\/([^/]+)\/runs\/([^/]+)(\/.*)?$/;

/** The files of one agent. */
export class SandboxFiles {
  /** `<workDir>/slaves/<agentId>`: the frameworks' sandboxes are under it. */
  private readonly root: string;
  private readonly latest: LatestRun;

  constructor(root: string, latest: LatestRun) {
    this.root = resolve(root);
    this.latest = latest;
  }

  /** The real path of `path` inside the sandboxes; a FilesError (404) otherwise. */
  async resolve(path: string): Promise<string> {
    if (!path) throw new FilesError(400, "Expecting 'path=value' in query");
    let candidate: string;
    const virtual = VIRTUAL.exec(path.replace(/\/+$/, ''));
    if (virtual) {
      const [, frameworkId = '', executorId = '', run = '', rest = ''] = virtual;
      const containerId = run === 'latest' ? this.latest(frameworkId, executorId) : run;
      if (!containerId) throw new FilesError(404, `No such file or directory: '${path}'`);
      candidate = join(this.root, 'frameworks', frameworkId, 'executors', executorId, 'runs', containerId, rest);
    } else candidate = resolve(path);
    const base = join(this.root, 'frameworks');
    let real: string;
    let realBase: string;
    try {
      real = await realpath(candidate);
      realBase = await realpath(base);
    } catch {
      throw new FilesError(404, `No such file or directory: '${path}'`);
    }
    if (real !== realBase && !real.startsWith(realBase + sep)) {
      throw new FilesError(404, `No such file or directory: '${path}' (only sandboxes are served)`);
    }
    return real;
  }

  /** The entries of a directory (or the file itself), named under the path asked for. */
  async list(path: string): Promise<FileEntry[]> {
    const real = await this.resolve(path);
    const info = await stat(real);
    const shown = path.replace(/\/+$/, '');
    if (!info.isDirectory()) return [entry(shown, info)];
    const names = (await readdir(real)).sort();
    const entries: FileEntry[] = [];
    for (const name of names) {
      try {
        entries.push(entry(`${shown}/${name}`, await stat(join(real, name))));
      } catch {
        // Gone between readdir and stat.
      }
    }
    return entries;
  }

  /** Reads up to `length` bytes (capped) at `offset`; returns the file size too. */
  async read(path: string, offset: number, length: number | undefined): Promise<{ size: number; data: Buffer }> {
    const real = await this.resolve(path);
    const info = await stat(real);
    if (info.isDirectory()) throw new FilesError(400, 'Cannot read a directory');
    const size = info.size;
    if (offset < 0 || offset >= size) return { size, data: Buffer.alloc(0) };
    const wanted = Math.min(length ?? MAX_READ_BYTES, MAX_READ_BYTES, size - offset);
    const handle = await open(real, 'r');
    try {
      const data = Buffer.alloc(wanted);
      const { bytesRead } = await handle.read(data, 0, wanted, offset);
      return { size, data: data.subarray(0, bytesRead) };
    } finally {
      await handle.close();
    }
  }

  /** The real path of a regular file to download. */
  async file(path: string): Promise<{ real: string; size: number }> {
    const real = await this.resolve(path);
    const info = await stat(real);
    if (info.isDirectory()) throw new FilesError(400, 'Cannot download a directory');
    return { real, size: info.size };
  }
}

function entry(path: string, info: Stats): FileEntry {
  return {
    path,
    nlink: info.nlink,
    size: info.size,
    mtime: Math.floor(info.mtimeMs / 1000),
    mode: info.mode,
    uid: String(info.uid),
    gid: String(info.gid),
  };
}

/** A mode as `ls -l` prints it (`drwxr-xr-x`), as `/files/browse` shows it. */
export function modeString(mode: number): string {
  const type = (mode & 0o170000) === 0o040000 ? 'd' : (mode & 0o170000) === 0o120000 ? 'l' : '-';
  const bits = 'rwxrwxrwx';
  let text = type;
  for (let i = 0; i < 9; i++) text += mode & (1 << (8 - i)) ? bits[i] : '-';
  return text;
}

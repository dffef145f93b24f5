/**
 * The agent's v0 files endpoints that the Mesos web UI and CLI read: `/files/browse?path=`,
 * `/files/read?path=&offset=&length=` (`{data, offset}`; `offset=-1` answers the size) and
 * `/files/download?path=`, with Mesos's 400/404 answers.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { basename } from 'node:path';
import { respond, respondJson } from './http';
import { FilesError, modeString, type SandboxFiles } from './sandbox-files';

const PATHS = new Map([
  ['/files/browse', 'browse'],
  ['/files/browse.json', 'browse'],
  ['/files/read', 'read'],
  ['/files/read.json', 'read'],
  ['/files/download', 'download'],
  ['/files/download.json', 'download'],
]);

/** True for the paths {@link serveFiles} answers. */
export function isFilesPath(path: string): boolean {
  return PATHS.has(path);
}

/** Parses an integer query parameter the way Mesos's `numify` does; undefined when absent. */
function integer(url: URL, name: string): number | undefined | Error {
  const text = url.searchParams.get(name);
  if (text === null) return undefined;
  if (!/^-?\d+$/.test(text.trim())) return new Error(`Failed to parse ${name}: Failed to convert '${text}' to number`);
  return Number(text);
}

/** Serves one `/files/*` request. */
export async function serveFiles(files: SandboxFiles, req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return respond(res, 405, `Expecting 'GET', received '${req.method}'`, { Allow: 'GET' });
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const path = url.searchParams.get('path') ?? '';
  if (path === '') return respond(res, 400, "Expecting 'path=value' in query.\n");
  try {
    switch (PATHS.get(url.pathname)) {
      case 'browse': {
        const entries = await files.list(path);
        return respondJson(
          res,
          entries.map((entry) => ({ ...entry, mode: modeString(entry.mode) })),
        );
      }
      case 'read': {
        const offset = integer(url, 'offset');
        const length = integer(url, 'length');
        if (offset instanceof Error) return respond(res, 400, offset.message);
        if (length instanceof Error) return respond(res, 400, length.message);
        if (offset === undefined || offset < 0) {
          const { size } = await files.read(path, -1, 0);
          return respondJson(res, { data: '', offset: size });
        }
        const { data } = await files.read(path, offset, length !== undefined && length >= 0 ? length : undefined);
        return respondJson(res, { data: data.toString('utf8'), offset });
      }
      default: {
        const { real, size } = await files.file(path);
        res.statusCode = 200;
        res.setHeader('Content-Type', 'application/octet-stream');
        res.setHeader('Content-Length', String(size));
        res.setHeader('Content-Disposition', `attachment; filename=${basename(real)}`);
        if (req.method === 'HEAD') return void res.end();
        createReadStream(real)
          .on('error', () => res.destroy())
          .pipe(res);
      }
    }
  } catch (err) {
    if (err instanceof FilesError) return respond(res, err.status, err.message);
    throw err;
  }
}

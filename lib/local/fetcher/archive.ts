/**
 * Extraction of fetched archives into the sandbox, by the names Mesos's fetcher recognises:
 * tarballs (plain, gzip, bzip2, xz) through `tar`, `.zip` through `unzip`, and a bare `.gz` file
 * decompressed next to itself. Anything else is not an archive and stays as fetched.
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { FetchError } from './fetch-error';

/** How an archive is extracted. */
export type ArchiveKind = 'tar' | 'zip' | 'gzip';

const TAR_SUFFIXES = ['.tar', '.tgz', '.tar.gz', '.tbz2', '.tar.bz2', '.txz', '.tar.xz'];

/** The kind of archive a file name denotes, or undefined when it is not one. */
export function archiveKindOf(name: string): ArchiveKind | undefined {
  const lower = name.toLowerCase();
  if (TAR_SUFFIXES.some((suffix) => lower.endsWith(suffix))) return 'tar';
  if (lower.endsWith('.zip')) return 'zip';
  if (lower.endsWith('.gz')) return 'gzip';
  return undefined;
}

/** The last useful line of a tool's error output, bounded. */
function toolError(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const text = lines.slice(-2).join('; ');
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

function run(program: string, args: string[], signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(program, args, { signal, maxBuffer: 1024 * 1024 }, (err, _stdout, stderr) => {
      if (!err) {
        resolve();
        return;
      }
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') reject(new FetchError(`the '${program}' program is not installed`));
      else if (signal.aborted) reject(new FetchError('Fetch aborted'));
      else reject(new FetchError(`'${program}' failed: ${toolError(String(stderr)) || err.message}`));
    });
  });
}

/** Extracts `file` (an archive of `kind`) into `directory`. */
export async function extractArchive(
  file: string,
  kind: ArchiveKind,
  directory: string,
  signal: AbortSignal,
): Promise<void> {
  try {
    if (kind === 'tar') {
      // GNU tar detects the compression itself, strips leading '/' and refuses '..' members.
      await run('tar', ['-x', '--no-same-owner', '-f', file, '-C', directory], signal);
    } else if (kind === 'zip') {
      await run('unzip', ['-o', '-qq', file, '-d', directory], signal);
    } else {
      const target = join(directory, basename(file).slice(0, -'.gz'.length));
      await pipeline(createReadStream(file), createGunzip(), createWriteStream(target), { signal });
    }
  } catch (err) {
    const cause = err instanceof FetchError ? err.message : (err as Error).message;
    throw new FetchError(`Failed to extract archive '${basename(file)}': ${cause}`, { cause: err });
  }
}

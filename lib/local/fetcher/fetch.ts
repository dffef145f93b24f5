/**
 * The agent's fetcher: brings a CommandInfo's URIs into a sandbox before its executor or command
 * task starts, with Mesos's semantics (see docs/fetcher.md of Mesos): each URI is copied or
 * downloaded to its `output_file` or its base name, then made executable (`executable`, which
 * skips extraction) or, unless `extract` is false, extracted into the sandbox when its name is an
 * archive's. `cache` fetches through a per-agent cache directory (one download per URI value).
 */
import { chmod, copyFile, mkdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { CommandInfo } from '../../codec/messages';
import { archiveKindOf, extractArchive } from './archive';
import { type DownloadLimits, download } from './download';
import { FetchError } from './fetch-error';
import { outputPathOf, redactUri, sourceOf } from './uri';

/** Options of {@link Fetcher}. */
export interface FetcherOptions {
  /** Where `cache: true` URIs are kept (created on first use). */
  cacheDir: string;
  /** Bound on one download, ms. Default 120000. */
  timeoutMs?: number;
  /** Largest download accepted, bytes. Default 1 GiB. */
  maxBytes?: number;
  /** Redirects followed. Default 5. */
  maxRedirects?: number;
}

/** Receives one line of progress (written to the sandbox's stderr, as Mesos's fetcher does). */
export type FetchNote = (line: string) => void;

function fsCause(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return (err as Error).message;
}

/** One agent's fetcher. */
export class Fetcher {
  private readonly limits: DownloadLimits;
  private readonly cacheDir: string;
  private readonly cache = new Map<string, Promise<string>>();
  private cacheCounter = 0;

  constructor(options: FetcherOptions) {
    this.cacheDir = options.cacheDir;
    this.limits = {
      timeoutMs: options.timeoutMs ?? 120_000,
      maxBytes: options.maxBytes ?? 1024 * 1024 * 1024,
      maxRedirects: options.maxRedirects ?? 5,
    };
  }

  /** Fetches every URI, in order, into `sandbox`; the first failure ends it with a {@link FetchError}. */
  async fetchAll(
    uris: readonly CommandInfo.URI[],
    sandbox: string,
    signal: AbortSignal,
    note: FetchNote,
  ): Promise<void> {
    for (const uri of uris) {
      const shown = redactUri(uri.value);
      try {
        if (signal.aborted) throw new FetchError('Fetch aborted');
        await this.fetchOne(uri, sandbox, signal, note);
      } catch (err) {
        const cause = err instanceof FetchError ? err.message : fsCause(err);
        note(`Failed to fetch '${shown}': ${cause}`);
        throw new FetchError(`Failed to fetch '${shown}': ${cause}`, { cause: err });
      }
    }
  }

  private async fetchOne(uri: CommandInfo.URI, sandbox: string, signal: AbortSignal, note: FetchNote): Promise<void> {
    const shown = redactUri(uri.value);
    const destination = join(sandbox, outputPathOf(uri));
    await mkdir(dirname(destination), { recursive: true });
    note(`Fetching URI '${shown}'`);
    if (uri.cache === true) await this.throughCache(uri.value, destination, signal, note);
    else await this.retrieve(uri.value, destination, signal);
    if (uri.executable === true) {
      await chmod(destination, 0o755);
      note(`Fetched '${shown}' to '${destination}' (executable)`);
      return;
    }
    const kind = uri.extract === false ? undefined : archiveKindOf(destination);
    if (kind) {
      await extractArchive(destination, kind, sandbox, signal);
      note(`Extracted '${destination}' into '${sandbox}'`);
      return;
    }
    note(`Fetched '${shown}' to '${destination}'`);
  }

  /** Copies a local file or downloads a URL to `destination`. */
  private async retrieve(value: string, destination: string, signal: AbortSignal): Promise<void> {
    const source = sourceOf(value);
    if (source.kind === 'net') {
      await download(source.url, destination, this.limits, signal);
      return;
    }
    try {
      await copyFile(source.path, destination);
    } catch (err) {
      throw new FetchError(`Failed to copy '${source.path}': ${fsCause(err)}`, { cause: err });
    }
  }

  /** Fetches through the cache; a cache failure falls back to fetching directly (as Mesos does). */
  private async throughCache(value: string, destination: string, signal: AbortSignal, note: FetchNote): Promise<void> {
    let cached: string;
    try {
      cached = await this.cached(value, signal);
    } catch (err) {
      note(`Fetching directly, as the cache could not fetch it: ${(err as Error).message}`);
      await this.retrieve(value, destination, signal);
      return;
    }
    await copyFile(cached, destination);
  }

  private cached(value: string, signal: AbortSignal): Promise<string> {
    const existing = this.cache.get(value);
    if (existing) return existing;
    const file = join(this.cacheDir, `c${++this.cacheCounter}-${basename(outputPathOf({ value }))}`);
    const entry = (async () => {
      await mkdir(this.cacheDir, { recursive: true });
      await this.retrieve(value, file, signal);
      return file;
    })();
    this.cache.set(value, entry);
    entry.catch(() => {
      if (this.cache.get(value) === entry) this.cache.delete(value);
    });
    return entry;
  }
}

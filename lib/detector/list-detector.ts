/**
 * Leader detection among a fixed list of masters, without ZooKeeper: every master answers
 * `GET /master/redirect` with 307 and `Location: //leader:port` (the leader redirects to itself),
 * or 503 when it knows no leader.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { anySignal, delay } from '../common/abort';
import { MesosAbortError, MesosProtocolError, MesosTimeoutError, MesosTransportError } from '../common/errors';
import { createLogger } from '../common/logger';
import { formatHost } from './master-info';
import type { MasterEndpoint } from './master-string';
import type { DetectorOptions, MasterDetector, MasterLocation } from './types';

const log = createLogger('detector:list');

/** Default time limit of one probe, in ms. */
export const DEFAULT_PROBE_TIMEOUT_MS = 5000;
/** Default pause between probe rounds while a caller waits for a change, in ms. */
export const DEFAULT_POLL_INTERVAL_MS = 3000;

/** What one master said about the leader. */
export type ProbeResult =
  | { readonly kind: 'redirect'; readonly host: string; readonly port: number }
  | { readonly kind: 'no-leader' }
  | { readonly kind: 'failed'; readonly error: Error };

/** Finds the leader among a list of masters by probing `/master/redirect` on each, in parallel. */
export class ListDetector implements MasterDetector {
  private readonly closing = new AbortController();
  private readonly probeTimeoutMs: number;
  private readonly pollIntervalMs: number;

  constructor(
    /** The masters probed for the leader. */
    readonly masters: readonly MasterEndpoint[],
    private readonly options: DetectorOptions = {},
  ) {
    this.probeTimeoutMs = options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    this.pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  }

  async detect(
    previous: MasterLocation | null,
    options: { signal?: AbortSignal } = {},
  ): Promise<MasterLocation | null> {
    if (this.closing.signal.aborted) throw new MesosAbortError('The master detector was closed');
    const signal = anySignal([options.signal, this.closing.signal]);
    const previousUrl = previous?.url ?? null;
    for (;;) {
      const leader = await this.findLeader(signal);
      if ((leader?.url ?? null) !== previousUrl) return leader;
      await delay(this.pollIntervalMs, signal);
    }
  }

  /** Probes every master once (in parallel) and returns the leader they agree on, or null. */
  async findLeader(signal?: AbortSignal): Promise<MasterLocation | null> {
    const results = await Promise.all(this.masters.map((master) => this.probe(master, signal)));
    if (signal?.aborted) throw new MesosAbortError('Master detection was aborted', { cause: signal.reason });
    const leader = chooseLeader(this.masters, results);
    log('probed %d masters: leader %s', this.masters.length, leader?.url ?? 'none');
    return leader;
  }

  private async probe(master: MasterEndpoint, signal?: AbortSignal): Promise<ProbeResult> {
    try {
      return await probeRedirect(master, {
        timeoutMs: this.probeTimeoutMs,
        ...(signal ? { signal } : {}),
        ...(this.options.tls ? { tls: this.options.tls } : {}),
        ...(this.options.credential ? { credential: this.options.credential } : {}),
      });
    } catch (err) {
      log('probe of %s failed: %s', master.url, (err as Error).message);
      return { kind: 'failed', error: err as Error };
    }
  }

  async close(): Promise<void> {
    this.closing.abort(new MesosAbortError('The master detector was closed'));
  }
}

/**
 * Picks the leader from the probe answers: a master that redirects to itself is the leader;
 * otherwise the location most masters name. The result keeps the list entry's URL (scheme and
 * prefix) when the leader is one of the listed masters.
 */
export function chooseLeader(
  masters: readonly MasterEndpoint[],
  results: readonly ProbeResult[],
): MasterLocation | null {
  const votes = new Map<
    string,
    { host: string; port: number; count: number; self: boolean; scheme: 'http' | 'https' }
  >();
  results.forEach((result, index) => {
    if (result.kind !== 'redirect') return;
    const master = masters[index] as MasterEndpoint;
    const key = `${result.host}:${result.port}`;
    const vote = votes.get(key) ?? {
      host: result.host,
      port: result.port,
      count: 0,
      self: false,
      scheme: master.scheme,
    };
    vote.count += 1;
    if (master.host === result.host && master.port === result.port) vote.self = true;
    votes.set(key, vote);
  });
  let best: { host: string; port: number; count: number; self: boolean; scheme: 'http' | 'https' } | undefined;
  for (const vote of votes.values()) {
    if (!best || Number(vote.self) > Number(best.self) || (vote.self === best.self && vote.count > best.count))
      best = vote;
  }
  if (!best) return null;
  const listed = masters.find((master) => master.host === best.host && master.port === best.port);
  return { url: listed ? listed.url : `${best.scheme}://${formatHost(best.host)}:${best.port}` };
}

/** Options of {@link probeRedirect}. */
export interface ProbeOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  tls?: DetectorOptions['tls'];
  credential?: DetectorOptions['credential'];
}

/**
 * Asks one master where the leader is (`GET <base>/master/redirect`, redirects not followed).
 * Resolves with the redirect target or no-leader (503); rejects with a typed error otherwise.
 */
export function probeRedirect(master: MasterEndpoint, options: ProbeOptions): Promise<ProbeResult> {
  const target = `${master.url}/master/redirect`;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = anySignal([options.signal, timeout]);
  const headers: Record<string, string> = { Accept: '*/*' };
  if (options.credential) {
    const token = Buffer.from(`${options.credential.principal}:${options.credential.secret ?? ''}`).toString('base64');
    headers.Authorization = `Basic ${token}`;
  }
  return new Promise<ProbeResult>((resolve, reject) => {
    const requestOptions: https.RequestOptions = {
      method: 'GET',
      headers,
      signal,
      agent: false,
      ...(options.tls ?? {}),
    };
    const request = (master.scheme === 'https' ? https : http).request(target, requestOptions, (response) => {
      const status = response.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        // Keep only the start of a body: it is used for error messages only.
        if (size < 4096) chunks.push(chunk);
        size += chunk.length;
      });
      response.on('error', () => {});
      response.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').slice(0, 4096).trim();
        if (status === 307 || status === 302 || status === 301 || status === 308) {
          const location = response.headers.location;
          const parsed = location ? parseLocation(location, master) : undefined;
          if (parsed) resolve({ kind: 'redirect', ...parsed });
          else
            reject(
              new MesosProtocolError(status, body, `Master ${master.url} answered ${status} without a usable Location`),
            );
        } else if (status === 503) {
          resolve({ kind: 'no-leader' });
        } else {
          reject(new MesosProtocolError(status, body, `Master ${master.url} answered ${status} to /master/redirect`));
        }
      });
    });
    request.on('error', (err: NodeJS.ErrnoException) => {
      if (options.signal?.aborted)
        reject(new MesosAbortError('Master detection was aborted', { cause: options.signal.reason }));
      else if (timeout.aborted)
        reject(new MesosTimeoutError(`Probe of ${master.url} timed out after ${options.timeoutMs} ms`, { cause: err }));
      else
        reject(
          new MesosTransportError(`Probe of ${master.url} failed: ${err.code ?? err.message}`, {
            cause: err,
            ...(err.code ? { code: err.code } : {}),
          }),
        );
    });
    request.end();
  });
}

/** Turns a Location header (`//host:port`, absolute, or relative) into the leader's host and port. */
export function parseLocation(location: string, master: MasterEndpoint): { host: string; port: number } | undefined {
  let url: URL;
  try {
    url = new URL(location, master.url);
  } catch {
    return undefined;
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === '') return undefined;
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host, port };
}

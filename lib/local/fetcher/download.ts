/**
 * Downloads one http(s) URL into a file, bounded in time and size, following redirects to
 * other http(s) URLs. Credentials in the URL are sent as HTTP Basic authentication to the URL's
 * own origin only, and never appear in an error.
 */
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { type ClientRequest, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { FetchError } from './fetch-error';
import { redactUri } from './uri';

/** Bounds of a download. */
export interface DownloadLimits {
  /** Whole download (every redirect included), in ms. */
  readonly timeoutMs: number;
  /** Largest body accepted, in bytes. */
  readonly maxBytes: number;
  /** Redirects followed before giving up. */
  readonly maxRedirects: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function basicAuth(url: URL): string | undefined {
  if (url.username === '' && url.password === '') return undefined;
  const user = decodeURIComponent(url.username);
  const password = decodeURIComponent(url.password);
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

function withoutCredentials(url: URL): URL {
  const copy = new URL(url.href);
  copy.username = '';
  copy.password = '';
  return copy;
}

/** Sends a GET and resolves with the response head (the body is not read yet). */
function get(url: URL, authorization: string | undefined, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers: Record<string, string> = { 'User-Agent': 'mesos-local-fetcher', Accept: '*/*' };
    if (authorization) headers.Authorization = authorization;
    let req: ClientRequest;
    try {
      req = send(withoutCredentials(url), { method: 'GET', headers, signal });
    } catch (err) {
      reject(err);
      return;
    }
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

function writeBody(response: IncomingMessage, destination: string, limits: DownloadLimits): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(destination);
    let size = 0;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      response.destroy();
      out.destroy();
      reject(err);
    };
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes)
        fail(new FetchError(`The resource is larger than the limit of ${limits.maxBytes} bytes`));
    });
    response.once('error', (err) => fail(err));
    response.once('aborted', () => fail(new FetchError('The connection closed before the whole body arrived')));
    out.once('error', (err) => fail(err));
    out.once('finish', () => {
      if (!failed) resolve();
    });
    response.pipe(out);
  });
}

/** Downloads `url` to `destination`; throws {@link FetchError} with a readable cause. */
export async function download(
  url: URL,
  destination: string,
  limits: DownloadLimits,
  signal: AbortSignal,
): Promise<void> {
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const combined = AbortSignal.any([signal, timeout]);
  const origin = url.origin;
  const authorization = basicAuth(url);
  let current = url;
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await get(current, current.origin === origin ? authorization : undefined, combined);
      const status = response.statusCode ?? 0;
      if (REDIRECTS.has(status)) {
        response.resume();
        const location = response.headers.location;
        if (!location) throw new FetchError(`Redirect (HTTP ${status}) without a Location header`);
        if (redirects >= limits.maxRedirects) throw new FetchError(`More than ${limits.maxRedirects} redirects`);
        const next = new URL(location, current);
        if (next.protocol !== 'http:' && next.protocol !== 'https:')
          throw new FetchError(`Redirect to an unsupported URL '${redactUri(next.href)}'`);
        current = next;
        continue;
      }
      if (status !== 200) {
        response.resume();
        throw new FetchError(`Error downloading resource, received HTTP return code ${status}`);
      }
      const length = Number(response.headers['content-length']);
      if (Number.isFinite(length) && length > limits.maxBytes) {
        response.destroy();
        throw new FetchError(`The resource is larger than the limit of ${limits.maxBytes} bytes (${length} bytes)`);
      }
      await writeBody(response, destination, limits);
      return;
    }
  } catch (err) {
    await unlink(destination).catch(() => undefined);
    if (err instanceof FetchError) throw err;
    if (timeout.aborted) throw new FetchError(`Timed out after ${limits.timeoutMs} ms`);
    if (signal.aborted) throw new FetchError('Fetch aborted');
    throw new FetchError(`Error downloading resource: ${(err as Error).message}`, { cause: err });
  }
}

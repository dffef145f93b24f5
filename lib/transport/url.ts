/** Master/agent base URLs: parsing what users give, and turning a 307 Location into a leader URL. */
import { MesosConfigError } from '../common/errors';

/** Path of the scheduler API under a master's base URL. */
export const SCHEDULER_API_PATH = '/api/v1/scheduler';
/** Path of the executor API under an agent's base URL. */
export const EXECUTOR_API_PATH = '/api/v1/executor';

/**
 * Normalises a master or agent address into a base URL: `host:port` becomes `http://host:port`;
 * `http(s)://host:port/prefix` is kept, without a trailing slash, query or fragment.
 * Throws `MesosConfigError` for anything else (other schemes, no host, a bad port, user info).
 */
export function parseEndpointUrl(master: string): string {
  if (typeof master !== 'string' || master.trim() === '') {
    throw new MesosConfigError(
      'Expected a master/agent address like "host:5050" or "http://host:5050", got an empty value',
    );
  }
  const input = master.trim();
  const hasScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(input);
  let url: URL;
  try {
    url = new URL(hasScheme ? input : `http://${input}`);
  } catch {
    // An address with user info may hold a secret: never echo it.
    const shown = input.includes('@') ? '(address withheld: it contains user info)' : JSON.stringify(input);
    throw new MesosConfigError(`Invalid master/agent address ${shown}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new MesosConfigError(
      `Unsupported scheme "${url.protocol.slice(0, -1)}" in a master/agent address: use http:// or https:// (zk:// is for master detection)`,
    );
  }
  if (url.username || url.password) {
    // Never echo the address back: it holds a secret.
    throw new MesosConfigError('A master/agent address must not contain user info; pass a `credential` option instead');
  }
  if (!url.hostname) throw new MesosConfigError(`No host in master/agent address ${JSON.stringify(input)}`);
  if (!hasScheme && !/^(\[[^\]]+\]|[^:/]+):\d+(\/.*)?$/.test(input)) {
    throw new MesosConfigError(`Expected "host:port" (or a URL with a scheme), got ${JSON.stringify(input)}`);
  }
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

/**
 * Turns a 307's Location into the leader's base URL. Mesos writes it without a scheme
 * (`//host:port/api/v1/scheduler`), so the scheme of `requestUrl` is used, and the API path
 * (`apiPath`, and anything after it) is removed. Returns undefined for an unusable Location.
 */
export function leaderFromLocation(
  location: string,
  requestUrl: string,
  apiPath = SCHEDULER_API_PATH,
): string | undefined {
  const raw = location.trim();
  if (raw === '') return undefined;
  let request: URL;
  try {
    request = new URL(requestUrl);
  } catch {
    return undefined;
  }
  // `host:port` (as the docs wrongly show it) has neither scheme nor `//`.
  const withSlashes =
    /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(raw) || raw.startsWith('//') || raw.startsWith('/') ? raw : `//${raw}`;
  let target: URL;
  try {
    target = new URL(withSlashes, request);
  } catch {
    return undefined;
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') return undefined;
  if (target.username || target.password) return undefined;
  let path = target.pathname;
  const at = path.indexOf(apiPath);
  if (at >= 0) path = path.slice(0, at);
  path = path.replace(/\/+$/, '');
  return `${target.protocol}//${target.host}${path}`;
}

/**
 * Parsing of the master strings libmesos accepts (§4.3): `host:port`, `master@host:port`,
 * `http(s)://host:port[/prefix]`, comma-separated lists of those, `file:///path` and
 * `zk://[user:password@]host:port,.../path`. Every malformed string is a MesosConfigError.
 */
import { readFileSync } from 'node:fs';
import { MesosConfigError } from '../common/errors';
import { formatHost } from './master-info';

/** One fixed master endpoint. */
export interface MasterEndpoint {
  /** Base URL: `scheme://host:port[/prefix]`, no trailing slash. */
  readonly url: string;
  /** `'https'` for an `https://` URL, else the default scheme (`'http'` unless the caller chose otherwise). */
  readonly scheme: 'http' | 'https';
  /** Host name or IP literal (IPv6 without brackets), lower-cased. */
  readonly host: string;
  /** TCP port: as written, or 80/443 for an `http(s)://` URL without one. */
  readonly port: number;
}

/** A parsed `zk://` URL. */
export interface ZooKeeperUrl {
  /** `host:port,host:port` as node-zookeeper-client takes it. */
  readonly servers: string;
  /** The group znode path, e.g. `/mesos` (never `/`, no trailing slash). */
  readonly path: string;
  /** `user:password` for digest authentication, when the URL has credentials. */
  readonly credentials?: string;
  /** The URL with the password replaced by `***`: safe to log and to put in errors. */
  readonly redacted: string;
}

/** What a master string asks for. */
export type MasterSpec =
  | {
      /** One fixed master (standalone detection). */
      readonly kind: 'static';
      /** The master. */
      readonly master: MasterEndpoint;
    }
  | {
      /** A comma-separated list of masters; the leader is found by asking them. */
      readonly kind: 'list';
      /** The masters, in the order written (at least two). */
      readonly masters: readonly MasterEndpoint[];
    }
  | {
      /** A `zk://` URL: the leader is read from the ZooKeeper master group. */
      readonly kind: 'zk';
      /** The parsed ZooKeeper URL. */
      readonly zk: ZooKeeperUrl;
    };

/** Parses a master string; `file://` strings are read (synchronously, once) and their content parsed. */
export function parseMasterString(master: string, options: { scheme?: 'http' | 'https' } = {}): MasterSpec {
  if (typeof master !== 'string') throw new MesosConfigError('The master must be a string');
  const text = master.trim();
  if (text === '') throw new MesosConfigError('The master string is empty');
  if (/^file:\/\//i.test(text)) {
    const content = readMasterFile(text);
    if (/^file:\/\//i.test(content)) {
      throw new MesosConfigError(`The master file ${text.slice(7)} names another file; expected a master string`);
    }
    return parseMasterString(content, options);
  }
  if (/^zk:\/\//i.test(text)) return { kind: 'zk', zk: parseZooKeeperUrl(text) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !/^https?:\/\//i.test(text)) {
    throw new MesosConfigError(
      `Unsupported master URL scheme in ${JSON.stringify(redactUrl(text))}: expected http, https, zk or file`,
    );
  }
  const entries = text.split(',').map((entry) => entry.trim());
  if (entries.some((entry) => entry === '')) {
    throw new MesosConfigError(`The master list ${JSON.stringify(text)} has an empty entry`);
  }
  const masters = entries.map((entry) => parseMasterEndpoint(entry, options.scheme ?? 'http'));
  if (masters.length === 1) return { kind: 'static', master: masters[0] as MasterEndpoint };
  return { kind: 'list', masters };
}

function readMasterFile(fileUrl: string): string {
  const path = fileUrl.slice('file://'.length);
  if (!path.startsWith('/'))
    throw new MesosConfigError(`Expected an absolute path in ${JSON.stringify(fileUrl)} (file:///path)`);
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (err) {
    throw new MesosConfigError(
      `Cannot read the master file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const trimmed = content.trim();
  if (trimmed === '') throw new MesosConfigError(`The master file ${path} is empty`);
  return trimmed;
}

function parsePort(text: string, where: string): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(port >= 1 && port <= 65535))
    throw new MesosConfigError(`Invalid port ${JSON.stringify(text)} in ${JSON.stringify(where)}`);
  return port;
}

/** Parses one `host:port`, `master@host:port` or `http(s)://host:port[/prefix]` entry. */
export function parseMasterEndpoint(entry: string, defaultScheme: 'http' | 'https' = 'http'): MasterEndpoint {
  if (/^https?:\/\//i.test(entry)) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      throw new MesosConfigError(`Malformed master URL ${JSON.stringify(redactUrl(entry))}`);
    }
    if (url.username || url.password) {
      throw new MesosConfigError(
        `Credentials in the master URL ${JSON.stringify(redactUrl(entry))} are not supported: pass them as the credential option`,
      );
    }
    if (url.search || url.hash)
      throw new MesosConfigError(`The master URL ${JSON.stringify(entry)} must not have a query or fragment`);
    const scheme = url.protocol === 'https:' ? 'https' : 'http';
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (host === '') throw new MesosConfigError(`The master URL ${JSON.stringify(entry)} has no host`);
    const port = url.port ? Number(url.port) : scheme === 'https' ? 443 : 80;
    const prefix = url.pathname.replace(/\/+$/, '');
    return { url: `${scheme}://${formatHost(host)}:${port}${prefix}`, scheme, host, port };
  }
  const match = /^(?:([^@\s/]+)@)?(\[[0-9a-fA-F:.]+\]|[^:@\s/[\]]+):([^:@\s/]*)$/.exec(entry);
  if (!match) {
    throw new MesosConfigError(
      `Malformed master ${JSON.stringify(entry)}: expected host:port, master@host:port, http(s)://host:port, file:// or zk://`,
    );
  }
  const host = (match[2] as string).replace(/^\[|\]$/g, '').toLowerCase();
  const port = parsePort(match[3] as string, entry);
  return { url: `${defaultScheme}://${formatHost(host)}:${port}`, scheme: defaultScheme, host, port };
}

/** Parses `zk://[user:password@]host:port,.../path` as Mesos's zookeeper::URL does. */
export function parseZooKeeperUrl(text: string): ZooKeeperUrl {
  const rest = text.slice('zk://'.length);
  const slash = rest.indexOf('/');
  const authority = slash === -1 ? rest : rest.slice(0, slash);
  const rawPath = slash === -1 ? '' : rest.slice(slash);
  const at = authority.lastIndexOf('@');
  const userinfo = at === -1 ? undefined : authority.slice(0, at);
  const serverList = at === -1 ? authority : authority.slice(at + 1);
  const redacted = redactUrl(text);
  let credentials: string | undefined;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    if (colon <= 0)
      throw new MesosConfigError(`Credentials in ${JSON.stringify(redacted)} must be of the form 'user:password'`);
    credentials = userinfo;
  }
  if (serverList === '') throw new MesosConfigError(`No ZooKeeper servers in ${JSON.stringify(redacted)}`);
  const servers = serverList.split(',').map((server) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+)(?::(\d*))?$/.exec(server.trim());
    if (!m)
      throw new MesosConfigError(
        `Malformed ZooKeeper server ${JSON.stringify(server)} in ${JSON.stringify(redacted)}: expected host:port`,
      );
    const port = m[2] === undefined ? 2181 : parsePort(m[2], server);
    return `${m[1]}:${port}`;
  });
  const path = rawPath.replace(/\/+$/, '');
  if (path === '')
    throw new MesosConfigError(`Expecting a (chroot) path in ${JSON.stringify(redacted)}, e.g. zk://host:2181/mesos`);
  if (/\/\/|\/\.\.?(\/|$)|\s/.test(path) || path.includes('\u0000')) {
    throw new MesosConfigError(`Invalid ZooKeeper path ${JSON.stringify(path)} in ${JSON.stringify(redacted)}`);
  }
  return { servers: servers.join(','), path, ...(credentials !== undefined ? { credentials } : {}), redacted };
}

/** Replaces the password of any `scheme://user:password@` URL in `text` with `***`. */
export function redactUrl(text: string): string {
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/]*)@/i, (_all, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon === -1 ? `${scheme}${userinfo}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

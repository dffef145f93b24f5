/**
 * MasterInfo as Mesos masters publish it in ZooKeeper: shape checks, the network-byte-order
 * `ip` decode, and the base URL a client connects to.
 */
import type { Address, MasterInfo } from '../codec/messages';
import { MesosDecodeError } from '../common/errors';

/**
 * Decodes `MasterInfo.ip` as Mesos writes it: the IPv4 address in network byte order read as a
 * little-endian uint32 (MESOS-1201), so the first octet is the lowest byte: 16777343 is 127.0.0.1.
 */
export function decodeMasterIp(ip: number): string {
  if (!Number.isInteger(ip) || ip < 0 || ip > 0xffffffff) {
    throw new MesosDecodeError(`MasterInfo.ip must be a uint32, got ${String(ip)}`);
  }
  return [ip & 0xff, (ip >>> 8) & 0xff, (ip >>> 16) & 0xff, (ip >>> 24) & 0xff].join('.');
}

/** The inverse of {@link decodeMasterIp}: a dotted IPv4 address to Mesos's network-byte-order uint32. */
export function encodeMasterIp(dotted: string): number {
  const octets = dotted.split('.').map((part) => (/^\d{1,3}$/.test(part) ? Number(part) : Number.NaN));
  if (octets.length !== 4 || octets.some((o) => !(o >= 0 && o <= 255))) {
    throw new MesosDecodeError(`Not a dotted IPv4 address: ${JSON.stringify(dotted)}`);
  }
  const [a, b, c, d] = octets as [number, number, number, number];
  return (a | (b << 8) | (c << 16) | (d << 24)) >>> 0;
}

/** The host and port a client connects to for this master: address.hostname, address.ip, hostname, then the decoded ip. */
export function masterHostPort(info: MasterInfo): { host: string; port: number } {
  const address = info.address;
  const host =
    nonEmpty(address?.hostname) ?? nonEmpty(address?.ip) ?? nonEmpty(info.hostname) ?? decodeMasterIp(info.ip);
  const port = address?.port ?? info.port;
  return { host, port };
}

/** The base URL (`scheme://host:port`) of the master described by `info`. */
export function masterUrl(info: MasterInfo, scheme: 'http' | 'https'): string {
  const { host, port } = masterHostPort(info);
  return `${scheme}://${formatHost(host)}:${port}`;
}

/** Puts an IPv6 literal in brackets so it can be used in a URL authority. */
export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value !== '' ? value : undefined;
}

function isUint(value: unknown, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= max;
}

/**
 * Checks that a parsed JSON value has MasterInfo's shape (required id, ip, port; typed optional fields)
 * and returns it as a MasterInfo. `where` names the source (the znode) in the error.
 */
export function validateMasterInfo(value: unknown, where: string): MasterInfo {
  const fail = (problem: string): never => {
    throw new MesosDecodeError(`Invalid MasterInfo in ${where}: ${problem}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('not a JSON object');
  const obj = value as Record<string, unknown>;
  if (typeof obj.id !== 'string') fail('"id" must be a string');
  if (!isUint(obj.ip, 0xffffffff)) fail('"ip" must be a uint32');
  const port = obj.port === undefined ? 5050 : obj.port;
  if (!isUint(port, 0xffffffff)) fail('"port" must be a uint32');
  for (const key of ['pid', 'hostname', 'version'] as const) {
    if (obj[key] !== undefined && typeof obj[key] !== 'string') fail(`"${key}" must be a string`);
  }
  let address: Address | undefined;
  if (obj.address !== undefined) {
    const a = obj.address as Record<string, unknown>;
    if (typeof a !== 'object' || a === null || Array.isArray(a)) fail('"address" must be an object');
    if (a.hostname !== undefined && typeof a.hostname !== 'string') fail('"address.hostname" must be a string');
    if (a.ip !== undefined && typeof a.ip !== 'string') fail('"address.ip" must be a string');
    if (!isUint(a.port, 65535)) fail('"address.port" must be a port number');
    address = a as unknown as Address;
  }
  if (obj.capabilities !== undefined && !Array.isArray(obj.capabilities)) fail('"capabilities" must be an array');
  const info = { ...obj, port } as unknown as MasterInfo;
  if (address) info.address = address;
  const { host, port: connectPort } = masterHostPort(info);
  if (!(connectPort > 0 && connectPort <= 65535)) fail(`port ${connectPort} is not a TCP port`);
  if (host === '0.0.0.0') fail('no usable address (ip is 0 and no hostname)');
  return info;
}

/** Parses the JSON content of a `json.info_*` znode into a validated MasterInfo. */
export function parseMasterInfoJson(data: Uint8Array, where: string): MasterInfo {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (err) {
    throw new MesosDecodeError(`Invalid MasterInfo in ${where}: not JSON (${(err as Error).message})`, { cause: err });
  }
  return validateMasterInfo(parsed, where);
}

/**
 * Parses a libprocess UPID (`master@10.0.0.1:5050`) as bare-sequence znodes hold it, into a
 * MasterInfo with the address filled in.
 */
export function parseMasterUpid(text: string, where: string): MasterInfo {
  const match = /^([^@\s]+)@(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : 0;
  if (!match || !(port > 0 && port <= 65535)) {
    throw new MesosDecodeError(`Invalid master PID in ${where}: expected "master@host:port"`);
  }
  const host = (match[2] as string).replace(/^\[|\]$/g, '');
  const isIpv4 = /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
  let ip = 0;
  if (isIpv4) ip = encodeMasterIp(host);
  return {
    id: '',
    ip,
    port,
    pid: text.trim(),
    address: isIpv4 ? { ip: host, port } : { hostname: host, port },
  };
}

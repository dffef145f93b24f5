/** The factory that picks a master detector implementation from a master string. */
import { MesosConfigError } from '../common/errors';
import { ListDetector } from './list-detector';
import { parseMasterString } from './master-string';
import { StaticDetector } from './static-detector';
import type { DetectorOptions, MasterDetector } from './types';
import { ZooKeeperDetector } from './zk-detector';

export type { DetectorOptions, DetectorTlsOptions, MasterDetector, MasterLocation } from './types';
export { DEFAULT_ZK_SESSION_TIMEOUT_MS } from './types';

/**
 * Creates the detector a master string asks for: static (`host:port`, `master@host:port`,
 * `http(s)://host:port[/prefix]`), a list of those, `file:///path`, or `zk://`. Throws
 * MesosConfigError naming the problem when the string is malformed.
 */
export function createDetector(master: string, options: DetectorOptions = {}): MasterDetector {
  validateOptions(options);
  const spec = parseMasterString(master, options.scheme ? { scheme: options.scheme } : {});
  switch (spec.kind) {
    case 'static':
      return new StaticDetector(spec.master.url);
    case 'list':
      return new ListDetector(spec.masters, options);
    case 'zk':
      return new ZooKeeperDetector(spec.zk, options);
  }
}

function validateOptions(options: DetectorOptions): void {
  if (options.scheme !== undefined && options.scheme !== 'http' && options.scheme !== 'https') {
    throw new MesosConfigError(
      `Invalid detector option scheme ${JSON.stringify(options.scheme)}: expected 'http' or 'https'`,
    );
  }
  for (const key of ['probeTimeoutMs', 'pollIntervalMs', 'zkSessionTimeoutMs'] as const) {
    const value = options[key];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
      throw new MesosConfigError(`Invalid detector option ${key}: ${String(value)} (expected a positive number of ms)`);
    }
  }
}

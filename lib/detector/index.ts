/** Master detection: static masters, lists of masters, file:// and zk:// (ZooKeeper). */

export type { DetectorOptions, DetectorTlsOptions, MasterDetector, MasterLocation } from './detector';
export { createDetector, DEFAULT_ZK_SESSION_TIMEOUT_MS } from './detector';
export { MesosZooKeeperError } from './errors';
export type { ProbeOptions, ProbeResult } from './list-detector';
export {
  chooseLeader,
  DEFAULT_POLL_INTERVAL_MS,
  DEFAULT_PROBE_TIMEOUT_MS,
  ListDetector,
  probeRedirect,
} from './list-detector';
export {
  decodeMasterIp,
  encodeMasterIp,
  masterHostPort,
  masterUrl,
  parseMasterInfoJson,
  validateMasterInfo,
} from './master-info';
export type { MasterEndpoint, MasterSpec, ZooKeeperUrl } from './master-string';
export { parseMasterEndpoint, parseMasterString, parseZooKeeperUrl, redactUrl } from './master-string';
export { StaticDetector } from './static-detector';
export { ZooKeeperDetector } from './zk-detector';
export type { GroupMember } from './zk-members';
export { leadingMember, MASTER_INFO_JSON_LABEL, parseMember } from './zk-members';

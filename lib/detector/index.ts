/** Master detection: static masters, lists of masters, file:// and zk:// (ZooKeeper). */
export { createDetector, DEFAULT_ZK_SESSION_TIMEOUT_MS } from './detector';
export type { DetectorOptions, DetectorTlsOptions, MasterDetector, MasterLocation } from './detector';
export { MesosZooKeeperError } from './errors';
export { ListDetector, chooseLeader, probeRedirect, DEFAULT_POLL_INTERVAL_MS, DEFAULT_PROBE_TIMEOUT_MS } from './list-detector';
export type { ProbeResult, ProbeOptions } from './list-detector';
export { StaticDetector } from './static-detector';
export { ZooKeeperDetector } from './zk-detector';
export { decodeMasterIp, encodeMasterIp, masterHostPort, masterUrl, parseMasterInfoJson, validateMasterInfo } from './master-info';
export { parseMasterString, parseMasterEndpoint, parseZooKeeperUrl, redactUrl } from './master-string';
export type { MasterEndpoint, MasterSpec, ZooKeeperUrl } from './master-string';
export { leadingMember, parseMember, MASTER_INFO_JSON_LABEL } from './zk-members';
export type { GroupMember } from './zk-members';

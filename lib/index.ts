/**
 * mesos-driver: libmesos-shaped scheduler and executor drivers for Apache Mesos over the v1 HTTP API.
 * The simulator (LocalCluster) is a separate entry, mesos-driver/local (lib/local-entry.ts): this one
 * loads no lib/local module.
 * @packageDocumentation
 */

import { setEmbeddedClusterLauncher } from './driver/local-master';

export { bytesToBuffer } from './codec/bytes';
export type { MessageCodec, WireFormat } from './codec/codec';
export { decodeJsonValue, getCodec, MEDIA_TYPES, MesosEncodeError, TYPE_NAMES } from './codec/codec';
export { compareInt64, int64Of, int64ToBigInt } from './codec/int64';
export type * from './codec/messages';
export type { RecordIOOptions } from './codec/recordio';
export { DEFAULT_MAX_RECORD_BYTES, encodeRecord, RecordIODecoder, readRecords } from './codec/recordio';
export {
  isTaskState,
  isTerminalTaskState,
  TERMINAL_TASK_STATES,
  taskStateFromNumber,
  taskStateNumber,
} from './codec/task-states';
export type { BackoffOptions, BackoffStrategy } from './common/backoff';
export { ExponentialBackoff } from './common/backoff';
export * from './common/errors';
export type {
  DetectorOptions,
  DetectorTlsOptions,
  MasterDetector,
  MasterEndpoint,
  MasterLocation,
  MasterSpec,
  ZooKeeperUrl,
} from './detector/index';
export {
  createDetector,
  DEFAULT_ZK_SESSION_TIMEOUT_MS,
  decodeMasterIp,
  ListDetector,
  MesosZooKeeperError,
  parseMasterString,
  redactUrl,
  StaticDetector,
  ZooKeeperDetector,
} from './detector/index';
export { DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS, MesosExecutorDriver } from './driver/executor-driver';
export type { ExecutorEnvironment } from './driver/executor-env';
export { DEFAULT_SHUTDOWN_GRACE_PERIOD_MS, parseDuration, parseExecutorEnvironment } from './driver/executor-env';
export type { Executor, ExecutorDriver, ExecutorDriverOptions, MaybePromise } from './driver/executor-types';
export type {
  CallbackResult,
  ConnectionState,
  DetectedMaster,
  HeartbeatOptions,
  LeaderDetector,
  OfferIds,
  Scheduler,
  SchedulerDriver,
  SchedulerDriverEvents,
  SchedulerDriverOptions,
  SchedulerErrorCode,
} from './driver/index';
export {
  MesosLeaderChangedError,
  MesosNotSubscribedError,
  MesosSchedulerDriver,
  MesosSchedulerError,
  SCHEDULER_DRIVER_DEFAULTS,
} from './driver/index';

export { MesosLocalClusterError } from './driver/local-master';
export type { NodeExecutorInfoOptions, NodeExecutorOptions, TypeScriptLoader } from './driver/node-executor';
export { findNodePath, nodeExecutorCommand, nodeExecutorInfo } from './driver/node-executor';
export { Status } from './driver/status';
export * from './operator/index';
export type {
  AcknowledgementSink,
  AcknowledgementType,
  ExecutorClientOptions,
  ExecutorRequestOptions,
  ExecutorSubscription,
  HttpClientOptions,
  SchedulerCallOptions,
  SchedulerClientOptions,
  SchedulerSubscription,
  SubscribeOptions,
  TlsOptions,
} from './transport/index';
// `Credential` is exported above as the mesos.v1 message; the transport uses that same type.
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_ACKNOWLEDGEMENTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  EXECUTOR_API_PATH,
  ExecutorClient,
  leaderFromLocation,
  parseEndpointUrl,
  SCHEDULER_API_PATH,
  SchedulerClient,
} from './transport/index';

// The master string "local" starts a LocalCluster, loaded only then (this entry imports no lib/local module).
setEmbeddedClusterLauncher((config) => import('./local-launcher.js').then((m) => m.launchEmbeddedCluster(config)));

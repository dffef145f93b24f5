/**
 * mesos-driver: libmesos-shaped scheduler and executor drivers for Apache Mesos over the v1 HTTP API.
 * @packageDocumentation
 */
export * from './common/errors';
export { ExponentialBackoff } from './common/backoff';
export type { BackoffOptions, BackoffStrategy } from './common/backoff';
export type * from './codec/messages';
export { getCodec, decodeJsonValue, MEDIA_TYPES, TYPE_NAMES, MesosEncodeError } from './codec/codec';
export type { MessageCodec, WireFormat } from './codec/codec';
export { Status } from './driver/status';
export { MesosExecutorDriver, DEFAULT_EXECUTOR_HEARTBEAT_INTERVAL_MS } from './driver/executor-driver';
export type { Executor, ExecutorDriver, ExecutorDriverOptions, MaybePromise } from './driver/executor-types';
export { parseExecutorEnvironment, parseDuration, DEFAULT_SHUTDOWN_GRACE_PERIOD_MS } from './driver/executor-env';
export type { ExecutorEnvironment } from './driver/executor-env';
export {
  MesosSchedulerDriver,
  MesosSchedulerError,
  MesosNotSubscribedError,
  MesosLeaderChangedError,
  SCHEDULER_DRIVER_DEFAULTS,
} from './driver/index';
export type {
  Scheduler,
  SchedulerDriver,
  SchedulerDriverOptions,
  SchedulerDriverEvents,
  SchedulerErrorCode,
  ConnectionState,
  HeartbeatOptions,
  LeaderDetector,
  DetectedMaster,
  CallbackResult,
  OfferIds,
} from './driver/index';
export { RecordIODecoder, encodeRecord, readRecords, DEFAULT_MAX_RECORD_BYTES } from './codec/recordio';
export type { RecordIOOptions } from './codec/recordio';
// `Credential` is exported above as the mesos.v1 message; the transport uses that same type.
export {
  SchedulerClient,
  ExecutorClient,
  parseEndpointUrl,
  leaderFromLocation,
  SCHEDULER_API_PATH,
  EXECUTOR_API_PATH,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  DEFAULT_MAX_CONCURRENT_ACKNOWLEDGEMENTS,
} from './transport/index';
export type {
  SchedulerSubscription,
  SubscribeOptions,
  SchedulerCallOptions,
  SchedulerClientOptions,
  ExecutorClientOptions,
  ExecutorSubscription,
  ExecutorRequestOptions,
  HttpClientOptions,
  TlsOptions,
} from './transport/index';
export {
  parseResources,
  parseAttributes,
  addResources,
  subtractResources,
  containsResources,
  isEmptyResources,
  formatResources,
  scalar as scalarResource,
} from './local/resources';
export {
  createDetector,
  MesosZooKeeperError,
  ListDetector,
  StaticDetector,
  ZooKeeperDetector,
  decodeMasterIp,
  parseMasterString,
  redactUrl,
  DEFAULT_ZK_SESSION_TIMEOUT_MS,
} from './detector/index';
export type { MasterDetector, MasterLocation, DetectorOptions, DetectorTlsOptions, MasterSpec, ZooKeeperUrl, MasterEndpoint } from './detector/index';
export * from './local/index';
export type { LocalAgentOptions, AgentEvents, AgentTaskState } from './local/agent';
export type { LocalMasterEvents } from './local/master';
export { isTerminalTaskState, TERMINAL_TASK_STATES } from './codec/task-states';

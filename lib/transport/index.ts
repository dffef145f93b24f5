/** Low-level HTTP clients of the Mesos v1 scheduler and executor APIs. */

export type { AcknowledgementSink } from './acknowledgement-sink';

export type { ExecutorClientOptions, ExecutorRequestOptions, ExecutorSubscription } from './executor-client';
export { ExecutorClient } from './executor-client';
export type { Credential, HttpClientOptions, TlsOptions } from './options';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './options';
export type {
  AcknowledgementType,
  SchedulerCallOptions,
  SchedulerClientOptions,
  SchedulerSubscription,
  SubscribeOptions,
} from './scheduler-client';
export {
  DEFAULT_MAX_CONCURRENT_ACKNOWLEDGEMENTS,
  DEFAULT_PIPELINED_ACKNOWLEDGEMENTS,
  ORDERED_PIPELINE_DEPTH,
  SchedulerClient,
} from './scheduler-client';
export { EXECUTOR_API_PATH, leaderFromLocation, parseEndpointUrl, SCHEDULER_API_PATH } from './url';

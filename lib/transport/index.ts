/** Low-level HTTP clients of the Mesos v1 scheduler and executor APIs. */
export { SchedulerClient } from './scheduler-client';
export type { SchedulerSubscription, SubscribeOptions, SchedulerCallOptions } from './scheduler-client';
export { ExecutorClient } from './executor-client';
export type { ExecutorClientOptions, ExecutorSubscription, ExecutorRequestOptions } from './executor-client';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_REQUEST_TIMEOUT_MS } from './options';
export type { Credential, HttpClientOptions, TlsOptions } from './options';
export { EXECUTOR_API_PATH, SCHEDULER_API_PATH, leaderFromLocation, parseEndpointUrl } from './url';

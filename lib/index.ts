/**
 * mesos-driver: libmesos-shaped scheduler and executor drivers for Apache Mesos over the v1 HTTP API.
 * @packageDocumentation
 */
export * from './common/errors';
export { ExponentialBackoff } from './common/backoff';
export type { BackoffOptions, BackoffStrategy } from './common/backoff';
export type * from './codec/messages';

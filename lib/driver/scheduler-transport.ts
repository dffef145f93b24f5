/** The transport a scheduler driver subscribes with: its options from the driver's, through the user's factory if any. */
import type { Credential } from '../codec/messages';
import { SchedulerClient } from '../transport/scheduler-client';
import {
  SCHEDULER_DRIVER_DEFAULTS,
  type SchedulerDriverOptions,
  type SchedulerTransport,
  type SchedulerTransportOptions,
} from './scheduler-options';

/** A transport to the master at `url`, for a driver with these options and credential. */
export function createSchedulerTransport(
  url: string,
  driverOptions: SchedulerDriverOptions,
  credential: Credential | undefined,
): SchedulerTransport {
  const options: SchedulerTransportOptions = {
    contentType: driverOptions.contentType ?? SCHEDULER_DRIVER_DEFAULTS.contentType,
  };
  if (credential) {
    options.credential =
      credential.secret === undefined
        ? { principal: credential.principal }
        : { principal: credential.principal, secret: credential.secret };
  }
  if (driverOptions.tls) options.tls = driverOptions.tls;
  if (driverOptions.headers) options.headers = driverOptions.headers;
  if (driverOptions.requestTimeoutMs !== undefined) options.requestTimeoutMs = driverOptions.requestTimeoutMs;
  if (driverOptions.maxConcurrentAcknowledgements !== undefined) {
    options.maxConcurrentAcknowledgements = driverOptions.maxConcurrentAcknowledgements;
  }
  if (driverOptions.pipelineAcknowledgements !== undefined) {
    options.pipelineAcknowledgements = driverOptions.pipelineAcknowledgements;
  }
  const factory =
    driverOptions.transportFactory ?? ((u: string, o: SchedulerTransportOptions) => new SchedulerClient(u, o));
  return factory(url, options);
}

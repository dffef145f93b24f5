/** The lifecycle events MesosSchedulerDriver emits for observability (callbacks stay the API). */
import type { FrameworkID, MasterInfo, scheduler } from '../codec/messages';
import type { ConnectionState } from './scheduler-state';
import type { Status } from './status';

/** Event map of the scheduler driver's typed emitter. */
export interface SchedulerDriverEvents {
  /** A connection-state transition. */
  state: [change: { from: ConnectionState; to: ConnectionState }];
  /** A driver-status transition. */
  status: [change: { from: Status; to: Status }];
  /** SUBSCRIBED received. */
  subscribed: [info: { frameworkId: FrameworkID; streamId: string; master: string; masterInfo?: MasterInfo; reregistered: boolean }];
  /** A subscription was lost, with why. */
  disconnected: [info: { cause: Error }];
  /** A subscription attempt (detection or SUBSCRIBE) failed; the driver retries after `delayMs`. */
  subscribeFailed: [info: { error: Error; master?: string; attempt: number; delayMs: number }];
  /** A HEARTBEAT event. */
  heartbeat: [];
  /** The master refused a call, or it could not be sent. The driver keeps running. */
  callFailed: [info: { type: scheduler.Call.Type; error: Error }];
  /** A call was dropped because the driver was not subscribed. */
  callDropped: [info: { type: scheduler.Call.Type; reason: string }];
  /** A fatal error (the driver aborts): master ERROR, throwing callback, misuse. */
  error: [error: Error];
  /** The master said "Framework has been removed": subscribe afresh without the id. */
  frameworkRemoved: [info: { frameworkId?: FrameworkID; message: string }];
  /** The driver aborted; `reason` is set when an error caused it. */
  abort: [info: { reason?: Error }];
  /** The driver stopped. */
  stop: [info: { failover: boolean }];
}

/** The lifecycle events MesosSchedulerDriver emits for observability (callbacks stay the API). */
import type { FrameworkID, MasterInfo, scheduler } from '../codec/messages';
import type { ConnectionState } from './scheduler-state';
import type { Status } from './status';

/** Event map of the scheduler driver's typed emitter. */
export interface SchedulerDriverEvents {
  /** A connection-state transition. */
  state: [
    change: {
      /** The state before the transition. */
      from: ConnectionState;
      /** The state after the transition. */
      to: ConnectionState;
    },
  ];
  /** A driver-status transition. */
  status: [
    change: {
      /** The status before the transition. */
      from: Status;
      /** The status after the transition. */
      to: Status;
    },
  ];
  /** SUBSCRIBED received. */
  subscribed: [
    info: {
      /** The framework id, as assigned (first subscription) or confirmed by the master. */
      frameworkId: FrameworkID;
      /** The `Mesos-Stream-Id` of the new subscription. */
      streamId: string;
      /** Base URL of the master subscribed to, e.g. `http://10.0.0.1:5050`. */
      master: string;
      /** The master's MasterInfo: from SUBSCRIBED, else from the detector, else derived from the URL. */
      masterInfo?: MasterInfo;
      /** True for every subscription after the driver's first one (libmesos's `reregistered` callback). */
      reregistered: boolean;
    },
  ];
  /** A subscription was lost, with why. */
  disconnected: [
    info: {
      /** Why the subscription was lost (stream ended, missed heartbeats, leader change, ...). */
      cause: Error;
    },
  ];
  /** A subscription attempt (detection or SUBSCRIBE) failed; the driver retries after `delayMs`. */
  subscribeFailed: [
    info: {
      /** Why the attempt failed. */
      error: Error;
      /** Base URL of the master tried; absent when no leading master was detected. */
      master?: string;
      /** Number of consecutive failed attempts, from 1 (reset by a subscription that was lost). */
      attempt: number;
      /** Wait before the next attempt, in ms. */
      delayMs: number;
    },
  ];
  /** A HEARTBEAT event. */
  heartbeat: [];
  /** The master refused a call, or it could not be sent. The driver keeps running. */
  callFailed: [
    info: {
      /** The type of the call that failed. */
      type: scheduler.Call.Type;
      /** Why it failed: the master's refusal or the transport error. */
      error: Error;
    },
  ];
  /** A call was dropped because the driver was not subscribed. */
  callDropped: [
    info: {
      /** The type of the call that was dropped. */
      type: scheduler.Call.Type;
      /** Why it was dropped, as logged. */
      reason: string;
    },
  ];
  /** A fatal error (the driver aborts): master ERROR, throwing callback, misuse. */
  error: [error: Error];
  /** The master said "Framework has been removed": subscribe afresh without the id. */
  frameworkRemoved: [
    info: {
      /** The id of the removed framework, when the driver had one. */
      frameworkId?: FrameworkID;
      /** The master's error message. */
      message: string;
    },
  ];
  /** The driver aborted; `reason` is set when an error caused it. */
  abort: [
    info: {
      /** The error that caused the abort; absent when `abort()` was called. */
      reason?: Error;
    },
  ];
  /** The driver stopped. */
  stop: [
    info: {
      /** The `failover` argument of `stop()`: when true the framework is kept (no TEARDOWN). */
      failover: boolean;
    },
  ];
}

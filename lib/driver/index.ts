/** The scheduler driver (and, in executor*.ts, the executor driver). */
export { Status } from './status';
export { MesosSchedulerDriver } from './scheduler-driver';
export type { Scheduler, SchedulerDriver, CallbackResult, OfferIds } from './scheduler-types';
export type {
  SchedulerDriverOptions,
  HeartbeatOptions,
  LeaderDetector,
  DetectedMaster,
  SchedulerTransport,
  SchedulerTransportOptions,
  SchedulerSubscription as SchedulerDriverSubscription,
} from './scheduler-options';
export { SCHEDULER_DRIVER_DEFAULTS } from './scheduler-options';
export type { SchedulerDriverEvents } from './scheduler-events';
export { MesosSchedulerError, MesosNotSubscribedError, MesosLeaderChangedError } from './scheduler-errors';
export type { SchedulerErrorCode } from './scheduler-errors';
export { CONNECTION_TRANSITIONS, STATUS_TRANSITIONS, MesosIllegalTransitionError } from './scheduler-state';
export type { ConnectionState } from './scheduler-state';

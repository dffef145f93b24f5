/** The scheduler driver (and, in executor*.ts, the executor driver). */

export { MesosSchedulerDriver } from './scheduler-driver';
export type { SchedulerErrorCode } from './scheduler-errors';
export { MesosLeaderChangedError, MesosNotSubscribedError, MesosSchedulerError } from './scheduler-errors';
export type { SchedulerDriverEvents } from './scheduler-events';
export type {
  DetectedMaster,
  HeartbeatOptions,
  LeaderDetector,
  SchedulerDriverOptions,
  SchedulerSubscription as SchedulerDriverSubscription,
  SchedulerTransport,
  SchedulerTransportOptions,
} from './scheduler-options';
export { SCHEDULER_DRIVER_DEFAULTS } from './scheduler-options';
export type { ConnectionState } from './scheduler-state';
export { CONNECTION_TRANSITIONS, MesosIllegalTransitionError, STATUS_TRANSITIONS } from './scheduler-state';
export type { CallbackResult, OfferIds, Scheduler, SchedulerDriver } from './scheduler-types';
export { Status } from './status';

/** Status values returned by the scheduler and executor drivers, as libmesos's `Status` enum (mesos.proto). */
export enum Status {
  DRIVER_NOT_STARTED = 1,
  DRIVER_RUNNING = 2,
  DRIVER_ABORTED = 3,
  DRIVER_STOPPED = 4,
}

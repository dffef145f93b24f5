/** Status values returned by the scheduler and executor drivers, as libmesos's `Status` enum (mesos.proto). */
export enum Status {
  /** Constructed; `start()` (or `run()`) not called yet. */
  DRIVER_NOT_STARTED = 1,
  /** Started, and neither stopped nor aborted (connected or not). */
  DRIVER_RUNNING = 2,
  /** Aborted, by `abort()` or by a fatal error. */
  DRIVER_ABORTED = 3,
  /** Ended by `stop()`. */
  DRIVER_STOPPED = 4,
}

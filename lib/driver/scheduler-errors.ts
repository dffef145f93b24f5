/** Errors particular to the scheduler driver (subclasses of the library's error tree). */
import { MesosError, type MesosErrorOptions, MesosMisuseError } from '../common/errors';

/** Why a scheduler driver was aborted or reported a fatal error. */
export type SchedulerErrorCode =
  /** The master said "Framework has been removed": this framework id can never subscribe again. */
  | 'frameworkRemoved'
  /** Another scheduler subscribed with the same framework id ("Framework failed over"). */
  | 'frameworkFailedOver'
  /** Any other ERROR event from the master. */
  | 'masterError'
  /** The master refused the credentials (401). */
  | 'authenticationFailed'
  /** A callback (or a function given to `enqueue`) threw or rejected. */
  | 'callbackFailed'
  /** The driver was misused in a way libmesos treats as fatal (e.g. `updateFramework` too early). */
  | 'misuse'
  /** The master string or detector could not be set up. */
  | 'detectorFailed';

/** A fatal scheduler-driver error; `code` tells the cases apart (e.g. `frameworkRemoved`). */
export class MesosSchedulerError extends MesosError {
  /** Which kind of fatal error this is. */
  readonly code: SchedulerErrorCode;
  constructor(code: SchedulerErrorCode, message: string, options: MesosErrorOptions = {}) {
    super(message, { retryable: false, ...options });
    this.code = code;
  }
}

/** A call was made while the driver was not subscribed and `callsWhileDisconnected` is `'reject'`. */
export class MesosNotSubscribedError extends MesosMisuseError {
  constructor(message: string, options: MesosErrorOptions = {}) {
    super(message, { retryable: true, ...options });
  }
}

/** The detector reported a different leading master while the driver was subscribed. */
export class MesosLeaderChangedError extends MesosError {
  constructor(message: string, options: MesosErrorOptions = {}) {
    super(message, { retryable: true, ...options });
  }
}

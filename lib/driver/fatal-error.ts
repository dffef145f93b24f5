/**
 * Fatal errors that are seen. libmesos aborts the driver, then calls the `error` callback; here the
 * driver's join() also waits for that callback (and the Promise it returns), so a port ending with
 * `exit(await driver.run() === Status.DRIVER_STOPPED ? 0 : 1)` has seen the message before it exits.
 * A fatal error that nobody handles (no `error` callback, no 'error' listener) is written to stderr,
 * once per driver, unless the `reportUnhandledErrors` option is false.
 */
import type { Logger } from '../common/logger';

/** Where unhandled fatal errors go; a parameter for tests. */
export type ErrorWriter = (text: string) => void;

const toStderr: ErrorWriter = (text) => {
  process.stderr.write(text);
};

export class FatalErrorReporter {
  private written = false;

  /**
   * @param driverName - names the driver in the stderr line ('MesosSchedulerDriver').
   * @param writeUnhandled - the `reportUnhandledErrors` option.
   */
  constructor(
    private readonly driverName: string,
    private readonly writeUnhandled: boolean,
    private readonly log: Logger,
    private readonly write: ErrorWriter = toStderr,
  ) {}

  /**
   * Calls `callback` (the `error` callback, undefined when there is none) and resolves once it has
   * returned or its Promise has settled; never rejects (a failing callback is logged). With no
   * callback and `handledElsewhere` false, writes the message to stderr, the first time only.
   */
  async report(message: string, callback: (() => unknown) | undefined, handledElsewhere: boolean): Promise<void> {
    if (callback === undefined) {
      this.writeOnce(
        `aborted by a fatal error (no error callback to report it): ${message}`,
        "an `error` callback or an 'error' listener handles it",
        handledElsewhere,
      );
      return;
    }
    try {
      await callback();
    } catch (error) {
      this.log('the error callback threw: %s', error instanceof Error ? (error.stack ?? error.message) : String(error));
    }
  }

  /**
   * A callback that threw aborts the driver without calling `error` (libmesos would have crashed
   * the process): the failure is written to stderr unless an 'error' listener handles it, so a
   * port that exits on run()'s status never ends in silence.
   */
  reportCallbackFailure(message: string, handledElsewhere: boolean): void {
    this.writeOnce(`aborted because ${message}`, "an 'error' listener handles it", handledElsewhere);
  }

  private writeOnce(what: string, handledBy: string, handledElsewhere: boolean): void {
    if (handledElsewhere || !this.writeUnhandled || this.written) return;
    this.written = true;
    this.write(
      `${this.driverName}: ${what}\n` + `  (${handledBy}; option reportUnhandledErrors: false silences this line)\n`,
    );
  }
}

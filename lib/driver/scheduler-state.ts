/**
 * The scheduler driver's two state machines, as explicit transition tables: the libmesos
 * `Status` of the driver, and the state of its connection to the leading master.
 */
import { MesosMisuseError } from '../common/errors';
import { Status } from './status';

/**
 * Where the driver's connection to the master stands.
 * - `idle`: not started yet.
 * - `detecting`: asking the detector who leads.
 * - `subscribing`: SUBSCRIBE is in flight, or its stream is open but SUBSCRIBED has not come yet.
 * - `subscribed`: SUBSCRIBED received; calls go to the master ("connected" in libmesos terms).
 * - `disconnected`: a subscription was just lost (the `disconnected` callback is due).
 * - `waiting`: backing off before the next attempt.
 * - `closed`: stopped or aborted; terminal.
 */
export type ConnectionState =
  | 'idle'
  | 'detecting'
  | 'subscribing'
  | 'subscribed'
  | 'disconnected'
  | 'waiting'
  | 'closed';

/** Allowed connection-state transitions; anything else is a bug in the driver. */
export const CONNECTION_TRANSITIONS: Readonly<Record<ConnectionState, readonly ConnectionState[]>> = Object.freeze({
  idle: ['detecting', 'closed'],
  detecting: ['subscribing', 'waiting', 'closed'],
  subscribing: ['subscribed', 'waiting', 'closed'],
  subscribed: ['disconnected', 'closed'],
  disconnected: ['waiting', 'detecting', 'closed'],
  waiting: ['detecting', 'closed'],
  closed: [],
});

/** Allowed driver-status transitions (libmesos: start, abort, stop, and stop after abort). */
export const STATUS_TRANSITIONS: Readonly<Record<Status, readonly Status[]>> = Object.freeze({
  [Status.DRIVER_NOT_STARTED]: [Status.DRIVER_RUNNING, Status.DRIVER_ABORTED],
  [Status.DRIVER_RUNNING]: [Status.DRIVER_ABORTED, Status.DRIVER_STOPPED],
  [Status.DRIVER_ABORTED]: [Status.DRIVER_STOPPED],
  [Status.DRIVER_STOPPED]: [],
});

/** Thrown when the driver tries a transition its table forbids (always a driver bug). */
export class MesosIllegalTransitionError extends MesosMisuseError {}

/** A small state holder that checks each transition against a table and reports it. */
export class StateMachine<S extends string | number> {
  private current: S;

  constructor(
    initial: S,
    private readonly table: Readonly<Record<S, readonly S[]>>,
    private readonly onTransition: (from: S, to: S) => void,
    private readonly describe: (state: S) => string = String,
  ) {
    this.current = initial;
  }

  /** The current state. */
  get state(): S {
    return this.current;
  }

  /** True when `to` is reachable from the current state in one step. */
  canTransition(to: S): boolean {
    return this.table[this.current].includes(to);
  }

  /** Moves to `to`; throws MesosIllegalTransitionError if the table does not allow it. */
  transition(to: S): void {
    const from = this.current;
    if (from === to) return;
    if (!this.table[from].includes(to)) {
      throw new MesosIllegalTransitionError(`Illegal transition ${this.describe(from)} -> ${this.describe(to)}`);
    }
    this.current = to;
    this.onTransition(from, to);
  }
}

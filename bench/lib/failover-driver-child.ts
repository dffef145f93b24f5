/**
 * The driver side of the failover benchmark, in its own process: a MesosSchedulerDriver whose
 * lifecycle callbacks (registered, reregistered, disconnected, heartbeat, error) and observability
 * events (connection-state transitions, the `disconnected` event with its cause, `subscribed`,
 * `subscribeFailed`) are reported to the parent as JSON lines with wall-clock times, so the parent
 * can break a failover down into phases. Only public API is used; the driver runs unchanged.
 * Stops when stdin closes.
 */
import { childArgument, epochMs, tellParent, untilParentCloses } from './bench-child';
import { MesosSchedulerDriver } from './library-under-test';

/** What the parent passes. */
export interface FailoverDriverArgument {
  master: string;
  /** Report heartbeats too (the heartbeat-loss part needs them). */
  heartbeats: boolean;
  /** Upper bound of the random delay before reconnecting after a loss, ms (the driver's default, 500, when unset). */
  reconnectDelayMaxMs?: number;
}

/** One line this child writes. */
export interface LifecycleLine {
  /**
   * Callbacks: `registered`, `reregistered`, `disconnected` (the callback, as delivered),
   * `heartbeat`, `error`. Driver events: `state` (connection transition `from` -> `to`), `lost`
   * (the `disconnected` event, with the cause's class in `cause`), `subscribed` (SUBSCRIBED
   * handled), `subscribeFailed` (an attempt failed; the driver retries after `delayMs`).
   */
  event:
    | 'registered'
    | 'reregistered'
    | 'disconnected'
    | 'heartbeat'
    | 'error'
    | 'state'
    | 'lost'
    | 'subscribed'
    | 'subscribeFailed';
  at: number;
  master?: string;
  message?: string;
  from?: string;
  to?: string;
  cause?: string;
  delayMs?: number;
}

function tell(line: LifecycleLine): void {
  tellParent(line);
}

const arg = childArgument<FailoverDriverArgument>();
const driver = new MesosSchedulerDriver(
  {
    registered(_d, _id, masterInfo) {
      tell({ event: 'registered', at: epochMs(), master: `${masterInfo.hostname}:${masterInfo.port}` });
    },
    reregistered(_d, masterInfo) {
      tell({ event: 'reregistered', at: epochMs(), master: `${masterInfo.hostname}:${masterInfo.port}` });
    },
    disconnected() {
      tell({ event: 'disconnected', at: epochMs() });
    },
    heartbeat() {
      if (arg.heartbeats) tell({ event: 'heartbeat', at: epochMs() });
    },
    error(_d, message) {
      tell({ event: 'error', at: epochMs(), message });
    },
  },
  // failover_timeout > 0 so the framework survives its disconnections, as a production framework would.
  { user: 'bench', name: 'failover', failover_timeout: 3600 },
  arg.master,
  true,
  undefined,
  arg.reconnectDelayMaxMs !== undefined ? { reconnectDelayMaxMs: arg.reconnectDelayMaxMs } : {},
);
// The driver's typed events are emitted synchronously at the transition, before any callback is
// queued, so their times are when the driver itself acted.
driver.on('state', ({ from, to }) => tell({ event: 'state', at: epochMs(), from, to }));
driver.on('disconnected', ({ cause }) =>
  tell({ event: 'lost', at: epochMs(), cause: cause.name || cause.constructor.name, message: cause.message }),
);
driver.on('subscribed', ({ master }) => tell({ event: 'subscribed', at: epochMs(), master }));
driver.on('subscribeFailed', ({ error, delayMs, master }) =>
  tell({
    event: 'subscribeFailed',
    at: epochMs(),
    delayMs,
    message: error.message,
    cause: error.name || error.constructor.name,
    ...(master ? { master } : {}),
  }),
);
driver.start();

void untilParentCloses().then(() => {
  driver.stop(true);
  setTimeout(() => process.exit(0), 300).unref();
});

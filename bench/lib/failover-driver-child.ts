/**
 * The driver side of the failover benchmark, in its own process: a MesosSchedulerDriver whose
 * lifecycle callbacks (registered, reregistered, disconnected, heartbeat, error) are reported to
 * the parent as JSON lines with wall-clock times. Stops when stdin closes.
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
  event: 'registered' | 'reregistered' | 'disconnected' | 'heartbeat' | 'error';
  at: number;
  master?: string;
  message?: string;
}

const arg = childArgument<FailoverDriverArgument>();
const driver = new MesosSchedulerDriver(
  {
    registered(_d, _id, masterInfo) {
      tellParent({ event: 'registered', at: epochMs(), master: `${masterInfo.hostname}:${masterInfo.port}` });
    },
    reregistered(_d, masterInfo) {
      tellParent({ event: 'reregistered', at: epochMs(), master: `${masterInfo.hostname}:${masterInfo.port}` });
    },
    disconnected() {
      tellParent({ event: 'disconnected', at: epochMs() });
    },
    heartbeat() {
      if (arg.heartbeats) tellParent({ event: 'heartbeat', at: epochMs() });
    },
    error(_d, message) {
      tellParent({ event: 'error', at: epochMs(), message });
    },
  },
  // failover_timeout > 0 so the framework survives its disconnections, as a production framework would.
  { user: 'bench', name: 'failover', failover_timeout: 3600 },
  arg.master,
  true,
  undefined,
  arg.reconnectDelayMaxMs !== undefined ? { reconnectDelayMaxMs: arg.reconnectDelayMaxMs } : {},
);
driver.start();

void untilParentCloses().then(() => {
  driver.stop(true);
  setTimeout(() => process.exit(0), 300).unref();
});

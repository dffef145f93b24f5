/**
 * Runs a LocalCluster in its own process for benchmarks, so the driver's process measures only
 * itself. Argument: LocalClusterOptions as JSON. Prints `{"masterUrl", "masterString"}` once
 * started; accepts `{"fault": "killLeader" | "stopHeartbeats" | "resumeHeartbeats", "id"}` commands
 * (answered with `{"id", "done", "at"}`, `at` in wall-clock ms); when stdin closes it reports
 * `{"cpuSeconds", "loopDelayP99Ms", "loopDelayMaxMs"}` (CPU time the cluster process used, and
 * how long its event loop was blocked: what a request such as an ACK waits before it is handled)
 * and stops.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { LocalCluster, type LocalClusterOptions } from '../../lib/local';
import { childArgument, epochMs, tellParent, untilParentCloses } from './bench-child';

async function main(): Promise<void> {
  const cluster = await LocalCluster.start(childArgument<LocalClusterOptions>());
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  tellParent({ masterUrl: cluster.masterUrl, masterString: cluster.masterString });
  await untilParentCloses((command) => {
    const id = command.id;
    const answer = (extra: Record<string, unknown> = {}) => tellParent({ id, done: true, at: epochMs(), ...extra });
    switch (command.fault) {
      case 'killLeader': {
        const before = cluster.leader?.url;
        const at = epochMs();
        void cluster.faults.killLeader().then(
          () => tellParent({ id, done: true, at, killed: before }),
          (err: unknown) => tellParent({ id, done: false, error: String(err) }),
        );
        break;
      }
      case 'stopHeartbeats':
        cluster.faults.stopHeartbeats();
        answer();
        break;
      case 'resumeHeartbeats':
        cluster.faults.resumeHeartbeats();
        answer();
        break;
      default:
        tellParent({ id, done: false, error: `unknown command ${JSON.stringify(command)}` });
    }
  });
  const cpu = process.cpuUsage();
  loopDelay.disable();
  const ms = (nanoseconds: number) => Math.round(nanoseconds / 1e4) / 100;
  tellParent({
    cpuSeconds: Math.round(((cpu.user + cpu.system) / 1e6) * 100) / 100,
    loopDelayP99Ms: ms(loopDelay.percentile(99)),
    loopDelayMaxMs: ms(loopDelay.max),
  });
  await cluster.stop();
  process.exit(0);
}

void main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

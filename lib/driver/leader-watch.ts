/**
 * The subscribed driver's watch on the detector: resolves when the leading master really changed
 * for the connection the driver holds.
 *
 * The watch starts from what the detector reported (not from a 307's target: a detector still
 * seeing the old leader would otherwise report a "change" at once and loop through the redirect).
 * A detector that later reports the very master the driver followed a redirect to is catching up,
 * not announcing a new leader: the watch then continues from that master instead of ending.
 */
import { delay } from '../common/abort';
import type { Logger } from '../common/logger';
import type { DetectedMaster, LeaderDetector } from './scheduler-options';

/** Pause before watching the leader again after the detector failed, in ms. */
export const LEADER_WATCH_RETRY_MS = 1000;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Resolves with the new leader (null: none) once the detector reports a leader other than
 * `subscribedUrl`. Detector failures are logged and the watch resumes after LEADER_WATCH_RETRY_MS
 * (a malformed znode must not end the watch for good). Never settles once `signal` aborts.
 */
export async function watchForLeaderChange(
  detector: LeaderDetector,
  detected: DetectedMaster,
  subscribedUrl: string,
  signal: AbortSignal,
  log: Logger,
): Promise<DetectedMaster | null> {
  let from = detected;
  for (;;) {
    let next: DetectedMaster | null;
    try {
      next = await detector.detect(from, { signal });
    } catch (error) {
      if (signal.aborted) return new Promise<never>(() => undefined);
      log('leader watch failed: %s; watching again in %d ms', messageOf(error), LEADER_WATCH_RETRY_MS);
      try {
        await delay(LEADER_WATCH_RETRY_MS, signal);
      } catch {
        return new Promise<never>(() => undefined);
      }
      continue;
    }
    if (signal.aborted) return new Promise<never>(() => undefined);
    if (next === null || next.url !== subscribedUrl) return next;
    log('the detector now reports %s, the master this driver is subscribed to; still watching', next.url);
    from = next;
  }
}

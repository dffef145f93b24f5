/** The standalone detector: one fixed master that never changes. */
import { MesosAbortError } from '../common/errors';
import { LeaderState } from './leader-state';
import type { MasterDetector, MasterLocation } from './types';

/** Detects one fixed master: detect(null) resolves at once; detect(same) waits until aborted or closed. */
export class StaticDetector implements MasterDetector {
  private readonly state = new LeaderState();

  constructor(
    /** Base URL of the master, reported as the leader. */
    readonly url: string,
  ) {
    this.state.set({ url });
  }

  detect(previous: MasterLocation | null, options: { signal?: AbortSignal } = {}): Promise<MasterLocation | null> {
    return this.state.detect(previous, options.signal);
  }

  async close(): Promise<void> {
    this.state.close(new MesosAbortError('The master detector was closed'));
  }
}

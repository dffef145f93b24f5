/** Errors specific to master detection. */
import { MesosError, type MesosErrorOptions } from '../common/errors';

/** A ZooKeeper operation failed; `code` is ZooKeeper's error name (NO_AUTH, NO_NODE, CONNECTION_LOSS, ...). */
export class MesosZooKeeperError extends MesosError {
  /** ZooKeeper's error name, e.g. `NO_AUTH`. */
  readonly code: string;
  /** The znode the failed operation was about. */
  readonly path: string;
  constructor(message: string, code: string, path: string, options: MesosErrorOptions = {}) {
    super(message, options);
    this.code = code;
    this.path = path;
  }
}

/**
 * Logging through `debug`, under the `mesos-driver:*` namespaces.
 * Enable with `DEBUG=mesos-driver:*`. Never pass credentials or headers to a logger.
 */
import createDebug from 'debug';

/** A logger for one component. */
export interface Logger {
  (formatter: string, ...args: unknown[]): void;
  /** True when this namespace is enabled (lets callers skip costly formatting). */
  readonly enabled: boolean;
  /** A child logger: `mesos-driver:driver` -> `mesos-driver:driver:<name>`. */
  extend(name: string): Logger;
}

/** The root namespace of every logger in the library. */
export const ROOT_NAMESPACE = 'mesos-driver';

/** A logger for `mesos-driver:<component>` (or for a full namespace given by the user). */
export function createLogger(component: string): Logger {
  const namespace = component.startsWith(`${ROOT_NAMESPACE}`) ? component : `${ROOT_NAMESPACE}:${component}`;
  return createDebug(namespace) as unknown as Logger;
}

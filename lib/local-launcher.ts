/**
 * Starts the LocalCluster behind the master string `local` (see lib/driver/local-master.ts). Loaded
 * by the main entry only when a driver is given `local`, so that `mesos-driver` alone loads no
 * lib/local module.
 */
import { MesosConfigError } from './common/errors';
import type { EmbeddedCluster, EmbeddedClusterConfig } from './driver/local-master';
import { LocalCluster } from './local/cluster';
import { parseAttributes, parseResources } from './local/resources';

function check(variable: string, value: string | undefined, parse: (text: string) => unknown): void {
  if (value === undefined) return;
  try {
    parse(value);
  } catch (error) {
    throw new MesosConfigError(`${variable} is malformed: ${(error as Error).message}`, { cause: error });
  }
}

/** Checks the Mesos-syntax values (naming the variable when one is malformed), then starts the cluster. */
export async function launchEmbeddedCluster(config: EmbeddedClusterConfig): Promise<EmbeddedCluster> {
  check('MESOS_RESOURCES', config.resources, parseResources);
  check('MESOS_ATTRIBUTES', config.attributes, parseAttributes);
  return LocalCluster.start(config);
}

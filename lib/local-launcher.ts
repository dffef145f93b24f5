/**
 * Starts the LocalCluster behind the master string `local` (see lib/driver/local-master.ts). Loaded
 * by the main entry only when a driver is given `local`, so that `mesos-driver` alone loads no
 * lib/local module.
 */
import { MesosConfigError } from './common/errors';
import type { EmbeddedCluster, EmbeddedClusterConfig } from './driver/local-master';
import { readCredentialsFile } from './local/cli-options';
import { LocalCluster } from './local/cluster';
import { parseAttributes, parseResources } from './local/resources';

function check<T>(variable: string, value: string | undefined, parse: (text: string) => T, what = ' is malformed') {
  if (value === undefined) return undefined;
  try {
    return parse(value);
  } catch (error) {
    // The parsers name the file and line at fault, never a secret.
    throw new MesosConfigError(`${variable}${what}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Checks the Mesos-syntax values (naming the variable when one is malformed), reads the
 * MESOS_CREDENTIALS file with mesos-local's reader, then starts the cluster.
 */
export async function launchEmbeddedCluster(config: EmbeddedClusterConfig): Promise<EmbeddedCluster> {
  check('MESOS_RESOURCES', config.resources, parseResources);
  check('MESOS_ATTRIBUTES', config.attributes, parseAttributes);
  const { credentialsFile, ...options } = config;
  const credentials = check('MESOS_CREDENTIALS', credentialsFile, readCredentialsFile, '');
  return LocalCluster.start(credentials === undefined ? options : { ...options, credentials });
}

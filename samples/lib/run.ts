/**
 * What every sample shares besides flags: its hooks and outcome types, the master it talks to
 * (an embedded LocalCluster unless `--master` names one), the credential, and the CLI wrapper.
 */
import type { Credential, TaskState, TaskStatus } from '../../lib';
import { TERMINAL_TASK_STATES } from '../../lib';
import { LocalCluster, type LocalClusterOptions } from '../../lib/local-entry';
import { type FlagValues, readSecret, stringFlag } from './flags';

/** Ways for a caller (a test, the demo) to watch and steer a sample run in-process. */
export interface SampleHooks {
  /** Where progress lines go (default `console.log`). */
  log?: (line: string) => void;
  /** Called with the ids of tasks just launched. */
  onLaunch?: (taskIds: string[]) => void;
  /** Called with every status update the scheduler receives. */
  onStatus?: (status: TaskStatus) => void;
  /** Aborting it asks the sample to stop (as SIGTERM does for the CLI). */
  signal?: AbortSignal;
  /** Environment to read `MESOS_EXAMPLE_*` (and the samples' other variables) from; default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Options of the embedded LocalCluster started when no `--master` is given. */
  clusterOptions?: LocalClusterOptions;
}

/** What a sample run ended with. */
export interface SampleOutcome {
  /** The process exit code the CLI uses: 0 on success. */
  exitCode: number;
  /** The driver status `run()` returned (its name, e.g. `DRIVER_STOPPED`). */
  driverStatus: string;
  /** The framework id, once registered. */
  frameworkId?: string;
  /** Tasks launched. */
  launched: number;
  /** Tasks that reached TASK_FINISHED. */
  finished: number;
  /** Tasks that reached any terminal state. */
  terminated: number;
  /** The last state of every task, by task id. */
  taskStates: Record<string, TaskState>;
  /** The master string the sample used (a LocalCluster's when none was given). */
  master: string;
  /** Why the run failed, when it did. */
  error?: string;
}

/** States after which a task is gone (`protobuf_utils::isTerminalState`). */
export const TERMINAL_STATES = TERMINAL_TASK_STATES;

/** The credential from `--authenticate`, `--principal` and `--secret`, or undefined without `--authenticate`. */
export function credentialFrom(values: FlagValues): Credential | undefined {
  if (values.authenticate !== true) return undefined;
  const principal = stringFlag(values, 'principal') ?? 'test';
  const secret = readSecret(stringFlag(values, 'secret'));
  return secret === undefined ? { principal } : { principal, secret };
}

/**
 * Runs `body` against `--master`, or against an embedded LocalCluster (started here, stopped when
 * `body` settles) when `--master` is unset or `local`. The cluster honours `--role` and, with
 * `--authenticate`, requires the credential, as Mesos's `master=local` set-up does.
 */
export async function withMaster<T>(
  values: FlagValues,
  hooks: SampleHooks,
  body: (master: string, cluster: LocalCluster | undefined) => Promise<T>,
): Promise<T> {
  const master = stringFlag(values, 'master');
  if (master !== undefined && master !== 'local') return body(master, undefined);
  const credential = credentialFrom(values);
  const role = stringFlag(values, 'role') ?? '*';
  const cluster = await LocalCluster.start({
    agents: 1,
    heartbeatIntervalSeconds: 5,
    ...(role !== '*' ? { roles: [role] } : {}),
    ...(credential ? { credentials: [credential] } : {}),
    ...hooks.clusterOptions,
  });
  (hooks.log ?? console.log)(`Started an embedded LocalCluster: master ${cluster.masterString}`);
  try {
    return await body(cluster.masterString, cluster);
  } finally {
    await cluster.stop();
  }
}

/**
 * The CLI entry of a sample: runs `main` with the process arguments, turns SIGINT/SIGTERM into
 * the hooks' abort signal, and sets the exit code from the outcome.
 */
export function runCli(main: (argv: string[], hooks: SampleHooks) => Promise<SampleOutcome | 'help'>): void {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    console.log(`Received ${signal}, stopping`);
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  main(process.argv.slice(2), { signal: controller.signal }).then(
    (outcome) => {
      process.exitCode = outcome === 'help' ? 0 : outcome.exitCode;
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
      process.exitCode = 2;
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    },
  );
}

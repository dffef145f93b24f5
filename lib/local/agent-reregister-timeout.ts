/**
 * A newly elected master's wait for the agents its registry admits, as Mesos's
 * (`Master::recover`, `Master::recoveredSlavesTimeout`, `Master::markUnreachable`): the master
 * knows those agents from the registry but not their tasks, which it learns only as each agent
 * reregisters. When `--agent_reregister_timeout` has passed since the election, every agent of the
 * registry that has not reregistered meanwhile (and was not removed, marked gone or unreachable
 * since) is marked unreachable in the registry with the reason "did not reregister within
 * <timeout> after master failover", and each connected framework gets FAILURE with its agent id
 * (Mesos's LostSlaveMessage). Until then an explicit reconciliation of a task the master does not
 * know on such an agent (or on no agent given) gets no answer, as Mesos drops it. At the timeout
 * no task update is sent, since the master does not know the tasks:
 * an explicit reconciliation then answers TASK_UNREACHABLE with the time (TASK_LOST without
 * PARTITION_AWARE), and an agent that comes back later is readmitted as any unreachable one.
 * When those agents are more than `--recovery_agent_removal_limit` of the registry's, the master
 * marks none and exits ("Post-recovery agent removal limit exceeded! ...").
 */
import { createLogger } from '../common/logger';
import { formatDuration } from './executor-api';
import { DEFAULT_AGENT_REREGISTER_TIMEOUT_MS, type MasterFlagSettings } from './master-flag-options';
import type { FrameworkRecord } from './master-frameworks';
import type { Registry } from './registry';

const log = createLogger('local:master');

/** What the wait needs of the leading master. */
export interface RecoveringMaster {
  /** The agents registered with it. */
  readonly agents: ReadonlyMap<string, unknown>;
  readonly frameworks: ReadonlyMap<string, FrameworkRecord>;
}

/** What the wait does, and how the master exits when the removal limit is exceeded. */
export interface ReregisterTimeoutOptions {
  flags?: Pick<MasterFlagSettings, 'agentReregisterTimeoutMs' | 'recoveryAgentRemovalLimit'>;
  /** The master process exits (EXIT_FAILURE in Mesos) with `message`. */
  exit?: (message: string) => void;
}

/** The wait of a newly elected master for the agents of its registry. */
export interface AgentRecovery {
  /**
   * True while the master still waits for `agentId` (or, without one, for any agent): Mesos then
   * drops an explicit reconciliation of a task it does not know on that agent, without answer.
   */
  awaits(agentId: string | undefined): boolean;
  /** Ends the wait (the master lost its leadership). */
  cancel(): void;
}

/** Starts the wait of a master elected just now, before any agent reregistered with it. */
export function awaitRecoveredAgents(
  master: RecoveringMaster,
  registry: Registry,
  options: ReregisterTimeoutOptions,
): AgentRecovery {
  const recovered = [...registry.admittedAgents()];
  let waiting = recovered.length > 0;
  const missing = () => recovered.filter((id) => !master.agents.has(id) && registry.isAdmitted(id));
  const timeoutMs = options.flags?.agentReregisterTimeoutMs ?? DEFAULT_AGENT_REREGISTER_TIMEOUT_MS;
  const timer = waiting ? setTimeout(() => timedOut(), timeoutMs) : undefined;
  timer?.unref();
  const timedOut = () => {
    waiting = false;
    const limit = options.flags?.recoveryAgentRemovalLimit ?? 1;
    const absent = missing();
    const timeout = formatDuration(timeoutMs);
    const share = absent.length / recovered.length;
    if (share > limit) {
      options.exit?.(
        `Post-recovery agent removal limit exceeded! After ${timeout} there were ${absent.length} ` +
          `(${percent(share)}%) agents recovered from the registry that did not reregister: \n` +
          `[ ${absent.join(', ')} ]\n  The configured removal limit is ${percent(limit)}%. ` +
          'Please investigate or increase this limit to proceed further',
      );
      return;
    }
    for (const agentId of absent) {
      log('Marking agent %s unreachable: did not reregister within %s after master failover', agentId, timeout);
      registry.remove(agentId, 'unreachable', Date.now());
      const failure = { agent_id: { value: agentId } };
      for (const framework of master.frameworks.values())
        if (framework.stream && !framework.stream.closed) framework.stream.send({ type: 'FAILURE', failure });
    }
  };
  return {
    awaits: (agentId) => waiting && (agentId === undefined ? missing().length > 0 : missing().includes(agentId)),
    cancel: () => {
      waiting = false;
      clearTimeout(timer);
    },
  };
}

/** A share as C++ streams print a double percentage (six significant digits). */
function percent(share: number): string {
  return String(Number((share * 100).toPrecision(6)));
}

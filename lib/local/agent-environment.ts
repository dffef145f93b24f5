/**
 * The environment an agent gives the processes it starts: a few inherited variables (PATH, HOME,
 * locale, Node's), the cluster's `executorEnvironment`, the executor API's endpoint variables, and
 * for executors the MESOS_* set a Mesos agent exports (ids, sandbox, agent endpoint, checkpointing,
 * grace period, recovery timeouts).
 */
import type { ExecutorInfo } from '../codec/messages';
import { formatDuration } from './executor-api';
import { commandEnvironment } from './task-process';

/** Variables of the agent's own environment that reach the processes it starts. */
const PASSED_THROUGH = /^(PATH|HOME|TMPDIR|TMP|TEMP|LANG|LC_[A-Z]+|TZ|NODE_.*|NVM_.*|DEBUG)$/;

/** A DurationInfo in ms (negative taken as 0); undefined when absent. */
export function durationMs(duration: { nanoseconds: number | bigint } | undefined): number | undefined {
  return duration === undefined ? undefined : Math.max(0, Number(duration.nanoseconds) / 1e6);
}

/** What every process started by the agent gets, before its command's own variables. */
export function baseEnvironment(
  configured: Record<string, string>,
  endpoints: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && PASSED_THROUGH.test(name)) env[name] = value;
  return { ...env, ...configured, ...endpoints };
}

/** The agent's side of an executor's environment. */
export interface ExecutorEnvironmentAgent {
  agentId: string;
  port: number;
  /** Grace period when the ExecutorInfo sets none, in ms. */
  defaultGraceMs: number;
  recoveryTimeoutMs: number;
  executorReregistrationTimeoutMs: number;
}

/** The environment of a custom executor, as a Mesos agent exports it. */
export function executorEnvironment(
  base: Record<string, string>,
  framework: { id: string; checkpoint: boolean },
  executor: { id: string; sandbox: string; info: ExecutorInfo },
  agent: ExecutorEnvironmentAgent,
): Record<string, string> {
  const graceMs = durationMs(executor.info.shutdown_grace_period) ?? agent.defaultGraceMs;
  const env: Record<string, string> = {
    ...base,
    ...commandEnvironment(executor.info.command),
    MESOS_FRAMEWORK_ID: framework.id,
    MESOS_EXECUTOR_ID: executor.id,
    MESOS_DIRECTORY: executor.sandbox,
    MESOS_SANDBOX: executor.sandbox,
    MESOS_SLAVE_ID: agent.agentId,
    MESOS_SLAVE_PID: `slave(1)@127.0.0.1:${agent.port}`,
    MESOS_AGENT_ENDPOINT: `127.0.0.1:${agent.port}`,
    MESOS_CHECKPOINT: framework.checkpoint ? '1' : '0',
    MESOS_HTTP_COMMAND_EXECUTOR: '0',
    MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD: formatDuration(graceMs),
    LIBPROCESS_PORT: '0',
  };
  if (framework.checkpoint) {
    env.MESOS_RECOVERY_TIMEOUT = formatDuration(agent.recoveryTimeoutMs);
    env.MESOS_SUBSCRIPTION_BACKOFF_MAX = formatDuration(agent.executorReregistrationTimeoutMs);
  }
  return env;
}

/** LocalCluster: an embedded, simulated Mesos cluster for tests, demos and local development. */

export { LocalAgent } from './agent';
export type { FetchLimits } from './agent-launch';
export type { AgentSpec, LocalClusterOptions } from './cluster';
export { DEFAULT_AGENT_RESOURCES, LocalCluster } from './cluster';
export type { LogOption } from './diagnostics';
export type { ExecutorProcess } from './executor-termination';
export type {
  DropSubscriptionOptions,
  FailNextCallsOptions,
  KillExecutorOptions,
  LocalExecutorProcess,
} from './faults';
export { ClusterFaults, type RestartAgentOptions } from './faults';
export { LOCAL_MESOS_VERSION, LocalMaster } from './master';
export type { PartitionOptions } from './partition';

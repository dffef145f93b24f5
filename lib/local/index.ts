/** LocalCluster: an embedded, simulated Mesos cluster for tests, demos and local development. */
export { LocalCluster, DEFAULT_AGENT_RESOURCES } from './cluster';
export type { AgentSpec, LocalClusterOptions } from './cluster';
export { LocalMaster, LOCAL_MESOS_VERSION } from './master';
export { ClusterFaults } from './faults';
export type { DropSubscriptionOptions, FailNextCallsOptions } from './faults';
export { LocalAgent } from './agent';

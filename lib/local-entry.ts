/**
 * mesos-driver/local: LocalCluster, the embedded simulated Mesos cluster (masters, agents, task
 * processes, fault injection) for tests, demos and local development, with its resource helpers.
 * A separate entry so that a production framework importing 'mesos-driver' loads none of it.
 * @packageDocumentation
 */

export type { AgentEvents, AgentTaskState, LocalAgentOptions } from './local/agent';
export type { ExecutorEndpoints, ExecutorRequestCounts } from './local/agent-servers';
export * from './local/index';
export type { LocalMasterEvents } from './local/master';
export type { HttpAuthentication, HttpAuthenticationOptions } from './local/operator/http-auth';
export {
  addResources,
  containsResources,
  formatResources,
  isEmptyResources,
  parseAttributes,
  parseResources,
  ResourceTotals,
  scalar as scalarResource,
  subtractResources,
} from './local/resources';
export type { StatusPageOptions } from './local/status-page/routes';

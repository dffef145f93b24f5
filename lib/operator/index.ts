/** Clients of the Mesos v1 operator API: masters (with the event stream and a state mirror) and agents. */

export type { FollowFileOptions, ProcessIOStream } from './agent-operator';
export { MesosAgentOperator, processIoHeartbeat, stdinData, stdinEof } from './agent-operator';
export type { AgentIdLike, OperatorCall, OperatorCallOptions, OperatorClientOptions } from './client';
export { DEFAULT_OPERATOR_MAX_REDIRECTS, DEFAULT_OPERATOR_RETRY_TIMEOUT_MS, OperatorClient } from './client';
export { OPERATOR_API_PATH } from './endpoint';
export type { OperatorEventHandler, OperatorEventStreamOptions } from './event-stream';
export { OperatorEventStream } from './event-stream';
export type { DrainAgentOptions, MasterOperatorOptions, SubscribeEventsOptions } from './master-operator';
export { MesosMasterOperator } from './master-operator';
export type { MirrorChange } from './mirror';
export { OperatorStateMirror } from './mirror';

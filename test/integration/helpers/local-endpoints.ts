/**
 * The paths a LocalCluster serves, for the server-side fuzzers (./../fuzz-local-endpoints.test.ts
 * over sockets, ./../fuzz-local-handlers.test.ts in-process): every route of the master (scheduler,
 * operator, state, redirect, health, version, files, status page and its control routes) and of
 * the agent (executor, operator, state, files), plus a few that match nothing.
 */
export const MASTER_PATHS: readonly string[] = [
  '/api/v1/scheduler',
  '/master/api/v1/scheduler',
  '/api/v1',
  '/master/api/v1',
  '/master/state',
  '/state',
  '/state.json',
  '/master/redirect',
  '/redirect',
  '/health',
  '/master/health',
  '/version',
  '/files/browse?path=/',
  '/files/read?path=/&offset=0',
  '/files/download?path=/',
  '/files/debug',
  '/',
  '/status/',
  '/status/app.js',
  '/status/app.css',
  '/status/cluster',
  '/local/state',
  '/local/faults/failover',
  '/nowhere',
  '/%zz',
];

export const AGENT_PATHS: readonly string[] = [
  '/api/v1/executor',
  '/slave(1)/api/v1/executor',
  '/api/v1',
  '/slave(1)/api/v1',
  '/state',
  '/slave(1)/state',
  '/files/browse?path=/',
  '/files/read?path=/&offset=0&length=10',
  '/files/download?path=/',
  '/nowhere',
];

/** Map keys of the simulator's records: ids joined with NUL, which no id contains. */

/** A task of a framework. */
export function taskKey(frameworkId: string, taskId: string): string {
  return `${frameworkId}\u0000${taskId}`;
}

/** An offer operation of a framework. */
export function operationKey(frameworkId: string, operationId: string): string {
  return `${frameworkId}\u0000${operationId}`;
}

/** An executor of a framework on an agent. */
export function executorKeyOf(frameworkId: string, agentId: string, executorId: string): string {
  return `${frameworkId}\u0000${agentId}\u0000${executorId}`;
}

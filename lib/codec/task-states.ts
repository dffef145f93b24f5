/** Facts about task states that every layer (and every framework) needs. */
import type { TaskState } from './messages';

/**
 * The states Mesos's `protobuf::isTerminalState` calls terminal: the task is gone and holds no
 * resources. TASK_LOST is among them even though a partitioned agent may bring such a task back.
 */
export const TERMINAL_TASK_STATES: ReadonlySet<TaskState> = new Set<TaskState>([
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
  'TASK_ERROR',
  'TASK_DROPPED',
  'TASK_GONE',
  'TASK_GONE_BY_OPERATOR',
]);

/** True when `state` is terminal (see {@link TERMINAL_TASK_STATES}). */
export function isTerminalTaskState(state: TaskState | string): boolean {
  return TERMINAL_TASK_STATES.has(state as TaskState);
}

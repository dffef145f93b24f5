/** Facts about task states that every layer (and every framework) needs. */
import type { TaskState } from './messages';
import { loadSchemaRoot } from './schema';

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

let taskStateNames: ReadonlySet<string> | undefined;

/** True when `value` names a `mesos.v1.TaskState` value; the names come from the schema in proto/, so they never drift. */
export function isTaskState(value: unknown): value is TaskState {
  taskStateNames ??= new Set(Object.keys(loadSchemaRoot().lookupEnum('mesos.v1.TaskState').values));
  return typeof value === 'string' && taskStateNames.has(value);
}

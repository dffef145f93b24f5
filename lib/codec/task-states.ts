/** Facts about task states that every layer (and every framework) needs. */
import { MesosMisuseError } from '../common/errors';
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

let taskStateNumbers: ReadonlyMap<string, number> | undefined;

function numbers(): ReadonlyMap<string, number> {
  taskStateNumbers ??= new Map(Object.entries(loadSchemaRoot().lookupEnum('mesos.v1.TaskState').values));
  return taskStateNumbers;
}

/**
 * The number `mesos.proto` gives `state`, the value libmesos's `TaskState` holds (`TASK_STARTING`
 * is 0, `TASK_RUNNING` 1, `TASK_FINISHED` 2, `TASK_STAGING` 6 …), for ports that stored or logged
 * numbers. The numbers follow the order the states were added to Mesos, not a task's life: to
 * ask "has it ended?", use {@link isTerminalTaskState}, not `>=`.
 */
export function taskStateNumber(state: TaskState): number {
  const value = numbers().get(state);
  if (value === undefined) throw new MesosMisuseError(`taskStateNumber: '${String(state)}' is not a TaskState`);
  return value;
}

/** The name of a `mesos.proto` TaskState number (Python's `mesos_pb2.TaskState.Name(n)`); `undefined` for an unknown number. */
export function taskStateFromNumber(value: number): TaskState | undefined {
  for (const [name, number] of numbers()) if (number === value) return name as TaskState;
  return undefined;
}

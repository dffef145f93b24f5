import { expect } from 'chai';
import { loadSchemaRoot } from '../../lib/codec/schema';
import { isTaskState, isTerminalTaskState, TERMINAL_TASK_STATES } from '../../lib/codec/task-states';

describe('terminal task states', () => {
  it('are exactly the states Mesos calls terminal, all of them real TaskState names', () => {
    const names = Object.keys(loadSchemaRoot().lookupEnum('mesos.v1.TaskState').values);
    for (const state of TERMINAL_TASK_STATES) expect(names).to.include(state);
    const terminal = names.filter((n) => isTerminalTaskState(n)).sort();
    expect(terminal).to.deep.equal([
      'TASK_DROPPED',
      'TASK_ERROR',
      'TASK_FAILED',
      'TASK_FINISHED',
      'TASK_GONE',
      'TASK_GONE_BY_OPERATOR',
      'TASK_KILLED',
      'TASK_LOST',
    ]);
    for (const live of [
      'TASK_STAGING',
      'TASK_STARTING',
      'TASK_RUNNING',
      'TASK_KILLING',
      'TASK_UNREACHABLE',
      'TASK_UNKNOWN',
    ]) {
      expect(isTerminalTaskState(live), live).to.equal(false);
    }
  });
});

describe('isTaskState', () => {
  it('accepts every TaskState name of the schema and nothing else', () => {
    const names = Object.keys(loadSchemaRoot().lookupEnum('mesos.v1.TaskState').values);
    expect(names).to.include('TASK_GONE_BY_OPERATOR');
    for (const name of names) expect(isTaskState(name), name).to.equal(true);
    for (const other of ['TASK_BOGUS', 'task_running', '', 1, undefined, null, {}]) {
      expect(isTaskState(other), String(other)).to.equal(false);
    }
  });
});

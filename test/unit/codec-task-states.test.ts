import { expect } from 'chai';
import type { TaskState } from '../../lib/codec/messages';
import { loadSchemaRoot } from '../../lib/codec/schema';
import {
  isTaskState,
  isTerminalTaskState,
  TERMINAL_TASK_STATES,
  taskStateFromNumber,
  taskStateNumber,
} from '../../lib/codec/task-states';
import { MesosMisuseError } from '../../lib/common/errors';

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

describe('taskStateNumber / taskStateFromNumber', () => {
  it("give mesos.proto's numbers both ways, for every state", () => {
    expect(taskStateNumber('TASK_STARTING')).to.equal(0);
    expect(taskStateNumber('TASK_RUNNING')).to.equal(1);
    expect(taskStateNumber('TASK_FINISHED')).to.equal(2);
    expect(taskStateNumber('TASK_STAGING')).to.equal(6);
    expect(taskStateNumber('TASK_UNKNOWN')).to.equal(13);
    const names = Object.keys(loadSchemaRoot().lookupEnum('mesos.v1.TaskState').values);
    for (const name of names) expect(taskStateFromNumber(taskStateNumber(name as TaskState)), name).to.equal(name);
    expect(taskStateFromNumber(99)).to.equal(undefined);
    expect(taskStateFromNumber(-1)).to.equal(undefined);
  });

  it('refuses a name that is not a state, naming it', () => {
    expect(() => taskStateNumber('TASK_BOGUS' as TaskState)).to.throw(MesosMisuseError, "'TASK_BOGUS'");
  });

  it('show why libmesos-style numeric comparisons mislead: TASK_STAGING is above TASK_FINISHED', () => {
    expect(taskStateNumber('TASK_STAGING')).to.be.greaterThan(taskStateNumber('TASK_FINISHED'));
    expect(isTerminalTaskState('TASK_STAGING')).to.equal(false);
  });
});

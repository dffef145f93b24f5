/**
 * LocalCluster master's task book (lib/local/unacknowledged-tasks.ts), without sockets: an ACK
 * completes a terminal task only with its terminal update's uuid and agent, a re-sent update is the
 * one to acknowledge, where a removed agent's tasks are filed (Mesos's rule), what explicit
 * reconciliation answers for an agent that left, the per-framework bound on unreachable tasks, and
 * a partitioned agent's refusal to register.
 */
import { expect } from 'chai';
import type { TaskState, TaskStatus } from '../../lib/codec/messages';
import {
  clearPartitioned,
  markPartitioned,
  placeAfterRemoval,
  TaskBook,
  type TaskRecord,
  taskKey,
} from '../../lib/local/unacknowledged-tasks';

function record(id: string, state: TaskState, uuid?: number): TaskRecord {
  const lastStatus: TaskStatus = {
    task_id: { value: id },
    state,
    ...(uuid !== undefined ? { uuid: Uint8Array.of(uuid) } : {}),
  };
  return {
    frameworkId: 'f1',
    agentId: 'a1',
    task: { name: id, task_id: { value: id }, agent_id: { value: 'a1' } },
    state,
    executorId: undefined,
    resources: [],
    lastStatus,
  };
}

describe('LocalCluster master task book', () => {
  it('completes a terminal task on the ACK of its terminal update only (uuid and agent), the re-sent one included', () => {
    const book = new TaskBook();
    const key = taskKey('f1', 't1');
    book.put(key, record('t1', 'TASK_FINISHED', 1), 'unacknowledged');
    expect(book.acknowledge(key, 'a1', Uint8Array.of(2))).to.equal(false);
    expect(book.acknowledge(key, 'a2', Uint8Array.of(1))).to.equal(false);
    expect(book.unacknowledgedTasks('f1').map((t) => t.task.task_id.value)).to.deep.equal(['t1']);
    expect(book.resent(key, { task_id: { value: 't1' }, state: 'TASK_FINISHED', uuid: Uint8Array.of(3) })).to.equal(
      true,
    );
    expect(book.resent(taskKey('f1', 'other'), { task_id: { value: 'other' }, state: 'TASK_FINISHED' })).to.equal(
      false,
    );
    expect(book.acknowledge(key, 'a1', Uint8Array.of(3))).to.equal(true);
    expect(book.unacknowledgedTasks()).to.deep.equal([]);
    expect(book.completed.map((t) => t.state)).to.deep.equal(['TASK_FINISHED']);
    expect(book.acknowledge(key, 'a1', Uint8Array.of(3))).to.equal(false);
  });

  it("files a removed agent's tasks as Mesos: completed when removed, or gone for PARTITION_AWARE; else unreachable", () => {
    expect(placeAfterRemoval('removed', true)).to.equal('completed');
    expect(placeAfterRemoval('removed', false)).to.equal('completed');
    expect(placeAfterRemoval('unreachable', true)).to.equal('unreachable');
    expect(placeAfterRemoval('unreachable', false)).to.equal('unreachable');
    expect(placeAfterRemoval('operator', true)).to.equal('completed');
    expect(placeAfterRemoval('operator', false)).to.equal('unreachable');
  });

  it('reconciles an unknown task of an unreachable agent (with its time) or a gone one, until it registers again', () => {
    const book = new TaskBook();
    const item = { task_id: { value: 't9' }, agent_id: { value: 'a1' } };
    expect(book.unknownTaskOnAgentThatLeft(item, true)).to.equal(undefined);
    book.agentRemoved('a1', 'unreachable', 1_700_000_000_123);
    expect(book.unknownTaskOnAgentThatLeft(item, true)).to.deep.include({
      state: 'TASK_UNREACHABLE',
      message: 'Reconciliation: Task is unreachable',
      unreachable_time: { nanoseconds: 1_700_000_000_123_000_000n },
    });
    expect(book.unknownTaskOnAgentThatLeft(item, false)?.state).to.equal('TASK_LOST');
    expect(book.unknownTaskOnAgentThatLeft({ task_id: { value: 't9' } }, true)).to.equal(undefined);
    book.agentRegistered('a1');
    expect(book.unknownTaskOnAgentThatLeft(item, true)).to.equal(undefined);
    book.agentRemoved('a1', 'operator', 0);
    const gone = book.unknownTaskOnAgentThatLeft(item, true);
    expect(gone).to.include({ state: 'TASK_GONE_BY_OPERATOR', message: 'Reconciliation: Task is gone' });
    expect(gone?.unreachable_time).to.equal(undefined);
  });

  it('keeps 1000 unreachable tasks per framework, forgets those of an agent that registers again', () => {
    const book = new TaskBook();
    for (let i = 0; i < 1001; i++) book.put(taskKey('f1', `t${i}`), record(`t${i}`, 'TASK_UNREACHABLE'), 'unreachable');
    book.put(
      taskKey('f2', 'x'),
      { ...record('x', 'TASK_UNREACHABLE'), frameworkId: 'f2', agentId: 'a2' },
      'unreachable',
    );
    expect(book.unreachableTasks('f1')).to.have.length(1000);
    expect(book.isUnreachable('f1', taskKey('f1', 't0'))).to.equal(false);
    expect(book.isUnreachable('f1', taskKey('f1', 't1000'))).to.equal(true);
    book.agentRegistered('a1');
    expect(book.unreachableTasks().map((t) => t.task.task_id.value)).to.deep.equal(['x']);
  });

  it('refuses to register a partitioned agent, which it knows unreachable since the partition began', () => {
    const book = new TaskBook();
    const agent = { id: 'a1' };
    markPartitioned(agent, 1_000);
    expect(book.refusesRegistration(agent)).to.equal(true);
    expect(
      book.unknownTaskOnAgentThatLeft({ task_id: { value: 't' }, agent_id: { value: 'a1' } }, true),
    ).to.deep.include({ unreachable_time: { nanoseconds: 1_000_000_000n } });
    clearPartitioned(agent);
    expect(book.refusesRegistration(agent)).to.equal(false);
  });
});

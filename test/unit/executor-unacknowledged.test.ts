import { expect } from 'chai';
import fc from 'fast-check';
import type { executor } from '../../lib/codec/messages';
import { UnacknowledgedLedger } from '../../lib/driver/executor-unacknowledged';

function update(taskId: string, byte: number): executor.Call.Update {
  return { status: { task_id: { value: taskId }, state: 'TASK_RUNNING', uuid: Buffer.alloc(16, byte) } };
}

describe('UnacknowledgedLedger', () => {
  it('keeps tasks and updates in order until acknowledged', () => {
    const ledger = new UnacknowledgedLedger();
    ledger.addTask({ name: 'a', task_id: { value: 'a' }, agent_id: { value: 's' } });
    ledger.addTask({ name: 'b', task_id: { value: 'b' }, agent_id: { value: 's' } });
    ledger.addUpdate(update('a', 1));
    ledger.addUpdate(update('a', 2));
    ledger.addUpdate(update('b', 3));
    // Acknowledged by uuid, whatever buffer it arrives in.
    expect(ledger.acknowledge(new Uint8Array(16).fill(2))).to.equal(true);
    expect(ledger.tasks.map((t) => t.task_id.value)).to.deep.equal(['b']);
    expect(ledger.updates.map((u) => u.status.uuid?.[0])).to.deep.equal([1, 3]);
    expect(ledger.acknowledge(Buffer.alloc(16, 2))).to.equal(false);
    expect(ledger.toSubscribe()).to.deep.equal({
      unacknowledged_tasks: ledger.tasks,
      unacknowledged_updates: ledger.updates,
    });
  });

  it('refuses to track an update without a uuid', () => {
    expect(() =>
      new UnacknowledgedLedger().addUpdate({ status: { task_id: { value: 'a' }, state: 'TASK_RUNNING' } }),
    ).to.throw(TypeError);
  });

  it('after any acknowledgements, holds exactly the unacknowledged updates', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { maxLength: 20 }),
        fc.array(fc.boolean(), { maxLength: 20 }),
        (bytes, acks) => {
          const ledger = new UnacknowledgedLedger();
          for (const b of bytes) ledger.addUpdate(update(`t${b}`, b));
          const kept = bytes.filter((b, i) => !(acks[i] && ledger.acknowledge(Buffer.alloc(16, b))));
          expect(ledger.updates.map((u) => u.status.uuid?.[0])).to.deep.equal(kept);
        },
      ),
    );
  });
});

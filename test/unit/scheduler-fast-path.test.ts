import { expect } from 'chai';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { scheduler, TaskStatus } from '../../lib/codec/messages';
import { CallbackQueue } from '../../lib/driver/callback-queue';
import { AcknowledgeEncoder, ackCall, needsAcknowledgement } from '../../lib/driver/scheduler-fast-path';

const STRINGS = ['a', 'agent-"quoted"\\slash', 'tâche-ünïcode-\u2028-\u{1F600}', 'x'.repeat(200), '\u0001\n\t'];

function status(agent: string, task: string, uuid: Uint8Array): TaskStatus {
  return { task_id: { value: task }, state: 'TASK_RUNNING', agent_id: { value: agent }, uuid };
}

describe('scheduler fast path', () => {
  for (const format of ['json', 'protobuf'] as const) {
    it(`encodes ACKNOWLEDGE (${format}) into the codec's very bytes, for any ids and uuid`, () => {
      const codec = getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, format);
      const encoder = new AcknowledgeEncoder(format);
      const uuids = [new Uint8Array(16).fill(0xfe), new Uint8Array([1]), new Uint8Array(300).fill(7)];
      for (const fw of ['fw-1', 'fw-"2"', 'y'.repeat(130)]) {
        for (const agent of STRINGS) {
          for (const [i, uuid] of uuids.entries()) {
            const task = STRINGS[(i + agent.length) % STRINGS.length] as string;
            const update = status(agent, task, uuid);
            const fast = encoder.encode({ value: fw }, update);
            expect(fast, `${fw} ${agent}`).to.not.equal(undefined);
            const generic = codec.encode({ ...ackCall(update), framework_id: { value: fw } });
            expect(fast?.encoded.equals(generic), `${fw} ${agent} ${task}`).to.equal(true);
            expect(codec.decode(fast?.encoded as Buffer)).to.deep.equal(
              codec.decode(codec.encode(fast?.body as scheduler.Call)),
            );
          }
        }
      }
    });

    it(`leaves unusual shapes to the generic path (${format})`, () => {
      const encoder = new AcknowledgeEncoder(format);
      const uuid = new Uint8Array(16);
      expect(encoder.encode(undefined, status('a', 't', uuid))).to.equal(undefined);
      expect(encoder.encode({ value: 'f' }, { ...status('a', 't', uuid), uuid: 'text' })).to.equal(undefined);
      const extra = { value: 'a', extra: 1 } as unknown as { value: string };
      expect(encoder.encode({ value: 'f' }, { ...status('a', 't', uuid), agent_id: extra })).to.equal(undefined);
      const numeric = { value: 3 } as unknown as { value: string };
      expect(encoder.encode({ value: 'f' }, { ...status('a', 't', uuid), task_id: numeric })).to.equal(undefined);
    });
  }

  it('acknowledges only updates with a uuid and an agent id (as libmesos)', () => {
    expect(needsAcknowledgement(status('a', 't', new Uint8Array(1)))).to.equal(true);
    expect(needsAcknowledgement(status('a', 't', new Uint8Array(0)))).to.equal(false);
    expect(needsAcknowledgement({ task_id: { value: 't' }, state: 'TASK_RUNNING', uuid: new Uint8Array(1) })).to.equal(
      false,
    );
  });
});

describe('CallbackQueue', () => {
  it('runs closures and method calls in order, one at a time, awaiting returned promises', async () => {
    const seen: string[] = [];
    const failures: unknown[] = [];
    const queue = new CallbackQueue((e) => failures.push(e));
    const host = {
      tag: 'h',
      record(this: { tag: string }, a: string, b: number) {
        seen.push(`${this.tag}${a}${b}`);
      },
    };
    queue.push(() => seen.push('1'));
    queue.pushCall(host.record, host, 'x', 2);
    queue.push(async () => {
      await new Promise((r) => setTimeout(r, 5));
      seen.push('3');
    });
    queue.push(() => Promise.reject(new Error('boom')));
    queue.push(() => {
      throw new Error('sync');
    });
    queue.pushCall(host.record, host, 'y', 6);
    expect(queue.pending).to.equal(6);
    await queue.idle();
    expect(seen).to.deep.equal(['1', 'hx2', '3', 'hy6']);
    expect(failures.map((e) => (e as Error).message)).to.deep.equal(['boom', 'sync']);
    expect(queue.pending).to.equal(0);
  });

  it('keeps order across its periodic compaction and wakes a low-water waiter', async () => {
    const queue = new CallbackQueue(() => undefined);
    const seen: number[] = [];
    const record = (n: number) => seen.push(n);
    for (let i = 0; i < 5000; i++) queue.pushCall(record, undefined, i, undefined);
    let woke = -1;
    void queue.whenPendingAtMost(100).then(() => {
      woke = queue.pending;
    });
    await queue.idle();
    expect(seen).to.have.length(5000);
    expect(seen.every((n, i) => n === i)).to.equal(true);
    expect(woke).to.be.at.most(100);
  });
});

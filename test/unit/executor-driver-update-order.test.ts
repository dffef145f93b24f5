/**
 * A failed UPDATE call while subscribed (timeout, reset connection) counts as a lost connection,
 * as libmesos treats a broken call connection: the driver subscribes again at once, so the failed
 * update goes out (in SUBSCRIBE) before any later update of its task, and does not wait for a
 * stream loss that may never come. Found by test/integration/executor-driver-chaos.test.ts.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import type { executor } from '../../lib/codec/messages';
import { MesosTimeoutError } from '../../lib/common/errors';
import { MesosExecutorDriver } from '../../lib/driver/executor-driver';
import { Status } from '../../lib/driver/status';
import { ENV, FakeConnection, SUBSCRIBED } from './helpers/executor-fakes';

/** Fails the first UPDATE call, as a call that timed out on a silent agent. */
class FailingFirstUpdate extends FakeConnection {
  private failed = false;
  override async call(call: executor.Call): Promise<void> {
    await super.call(call);
    if (call.type === 'UPDATE' && !this.failed) {
      this.failed = true;
      throw new MesosTimeoutError('call UPDATE timed out after 400 ms', { retryable: true });
    }
  }
}

describe('MesosExecutorDriver: order of a task’s updates after a failed UPDATE call (unit)', () => {
  afterEach(() => sinon.restore());

  it('re-subscribes with the failed update first; later updates are not sent as calls ahead of it', async () => {
    const clock = sinon.useFakeTimers();
    const connection = new FailingFirstUpdate();
    const driver = new MesosExecutorDriver(
      {},
      { environment: ENV, random: () => 0, terminateProcess: () => undefined, createConnection: () => connection },
    );
    driver.start();
    await clock.tickAsync(0);
    connection.stream.push(SUBSCRIBED);
    await clock.tickAsync(0);
    const send = (message: string) =>
      driver.sendStatusUpdate({ task_id: { value: 't1' }, state: 'TASK_RUNNING', message });
    send('first');
    await clock.tickAsync(0);
    send('second');
    await clock.tickAsync(0);
    const updateCalls = () => connection.calls.filter((c) => c.type === 'UPDATE').map((c) => c.update?.status.message);
    // Not sent ahead of 'first': it waits for the new subscription.
    expect(updateCalls()).to.deep.equal(['first']);
    expect(connection.subscribeCalls).to.have.length(2);
    expect(connection.subscribeCalls[1]?.subscribe?.unacknowledged_updates?.map((u) => u.status.message)).to.deep.equal(
      ['first'],
    );
    connection.stream.push(SUBSCRIBED);
    await clock.tickAsync(0);
    expect(updateCalls()).to.deep.equal(['first', 'second']);
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
    driver.stop();
    clock.restore();
  });
});

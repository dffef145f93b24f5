import { expect } from 'chai';
import sinon from 'sinon';
import { delay, throwIfAborted } from '../../lib/common/abort';
import { MesosAbortError } from '../../lib/common/errors';

describe('abort helpers', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => {
    clock = sinon.useFakeTimers();
  });
  afterEach(() => clock.restore());

  it('delay resolves after the time passes', async () => {
    let done = false;
    const p = delay(1000).then(() => {
      done = true;
    });
    await clock.tickAsync(999);
    expect(done).to.equal(false);
    await clock.tickAsync(1);
    await p;
    expect(done).to.equal(true);
  });

  it('delay rejects with MesosAbortError when aborted, and clears its timer', async () => {
    const ac = new AbortController();
    const p = delay(1000, ac.signal);
    ac.abort();
    await p.then(
      () => expect.fail('should reject'),
      (e) => expect(e).to.be.instanceOf(MesosAbortError),
    );
    expect(clock.countTimers()).to.equal(0);
  });

  it('throwIfAborted throws only for an aborted signal', () => {
    const ac = new AbortController();
    expect(() => throwIfAborted(ac.signal)).not.to.throw();
    ac.abort();
    expect(() => throwIfAborted(ac.signal, 'subscribe')).to.throw(MesosAbortError, /subscribe/);
  });
});

import { expect } from 'chai';
import { MesosAbortError } from '../../lib/common/errors';
import { chooseLeader, createDetector, type ProbeResult } from '../../lib/detector';
import { parseMasterEndpoint } from '../../lib/detector/master-string';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('detector: static detector and leader choice', () => {
  it('resolves detect(null) at once and waits on detect(same) until aborted', async () => {
    const detector = createDetector('127.0.0.1:5050');
    const leader = await detector.detect(null);
    expect(leader).to.deep.equal({ url: 'http://127.0.0.1:5050' });
    const controller = new AbortController();
    const waiting = detector.detect(leader, { signal: controller.signal });
    let settled = false;
    waiting.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    await new Promise((r) => setImmediate(r));
    expect(settled).to.equal(false);
    controller.abort();
    expect(await rejection(waiting)).to.be.instanceOf(MesosAbortError);
    // A different previous master is a change.
    expect(await detector.detect({ url: 'http://10.0.0.1:5050' })).to.deep.equal({ url: 'http://127.0.0.1:5050' });
    await detector.close();
  });

  it('rejects pending and later calls with MesosAbortError after close()', async () => {
    const detector = createDetector('https://127.0.0.1:5050/prefix');
    const current = await detector.detect(null);
    expect(current?.url).to.equal('https://127.0.0.1:5050/prefix');
    const waiting = detector.detect(current);
    await detector.close();
    expect(await rejection(waiting)).to.be.instanceOf(MesosAbortError);
    expect(await rejection(detector.detect(null))).to.be.instanceOf(MesosAbortError);
  });

  describe('chooseLeader', () => {
    const masters = ['127.0.0.1:5050', 'http://127.0.0.1:5051/p', 'https://127.0.0.1:5052'].map((m) =>
      parseMasterEndpoint(m),
    );
    const to = (port: number): ProbeResult => ({ kind: 'redirect', host: '127.0.0.1', port });
    const failed: ProbeResult = { kind: 'failed', error: new Error('ECONNREFUSED') };

    it('keeps the listed entry (scheme and prefix) when the leader is one of them', () => {
      expect(chooseLeader(masters, [to(5051), to(5051), failed])).to.deep.equal({ url: 'http://127.0.0.1:5051/p' });
      expect(chooseLeader(masters, [failed, failed, to(5052)])).to.deep.equal({ url: 'https://127.0.0.1:5052' });
    });
    it('prefers a master that redirects to itself over a majority', () => {
      expect(chooseLeader(masters, [to(5052), to(5050), to(5052)])).to.deep.equal({ url: 'https://127.0.0.1:5052' });
      const other: ProbeResult = { kind: 'redirect', host: 'other.local', port: 5050 };
      // Nobody names itself: the location most masters name wins.
      expect(chooseLeader(masters, [other, to(5050), other])?.url).to.equal('http://other.local:5050');
    });
    it('uses the scheme of the answering entry for an unlisted leader', () => {
      const result = chooseLeader(masters, [failed, failed, { kind: 'redirect', host: 'other.local', port: 5050 }]);
      expect(result).to.deep.equal({ url: 'https://other.local:5050' });
    });
    it('returns null when nobody names a leader', () => {
      expect(chooseLeader(masters, [{ kind: 'no-leader' }, failed, { kind: 'no-leader' }])).to.equal(null);
    });
  });
});

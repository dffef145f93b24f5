/**
 * The operator session's leader handling and retries, with scripted attempts (no sockets): 307s
 * followed with the current scheme and a hop limit, 503 and refused connections retried up to the
 * deadline through the locator, every other failure thrown at once, leader changes reported.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import {
  MesosAbortError,
  MesosNoLeaderError,
  MesosProtocolError,
  MesosRedirectError,
  MesosTimeoutError,
  MesosTransportError,
} from '../../lib/common/errors';
import { createLogger } from '../../lib/common/logger';
import type { MasterDetector, MasterLocation } from '../../lib/detector/detector';
import { isRetriedFailure, OperatorSession, type SessionOptions } from '../../lib/operator/session';

function options(overrides: Partial<SessionOptions> = {}): SessionOptions {
  return {
    http: { contentType: 'json' },
    followRedirects: true,
    maxRedirects: 5,
    retryTimeoutMs: 2000,
    backoff: () => ({ next: () => 1, reset: () => {} }),
    log: createLogger('test:operator-session'),
    ...overrides,
  };
}

describe('OperatorSession', () => {
  const sessions: OperatorSession[] = [];
  function session(locate: (signal: AbortSignal) => Promise<string>, opts = options(), detector?: MasterDetector) {
    const s = new OperatorSession(locate, opts, detector);
    sessions.push(s);
    return s;
  }
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
  });

  it('follows 307s with the scheme it used (not the Location one) and remembers the leader', async () => {
    const s = session(async () => 'https://m1:5050');
    const seen: string[] = [];
    const result = await s.run('GET_HEALTH', async (url) => {
      seen.push(url);
      if (url === 'https://m1:5050') throw new MesosRedirectError('http://m2:5050/api/v1', 'http://m2:5050');
      return 'ok';
    });
    expect(result).to.equal('ok');
    expect(seen).to.deep.equal(['https://m1:5050', 'https://m2:5050']);
    expect(s.leader).to.equal('https://m2:5050');
    await s.run('GET_HEALTH', async (url) => seen.push(url));
    expect(seen[2]).to.equal('https://m2:5050');
  });

  it('stops after maxRedirects hops with a retryable 307 protocol error', async () => {
    const s = session(async () => 'http://m1:5050', options({ maxRedirects: 2 }));
    let attempts = 0;
    const error = await s
      .run('GET_STATE', async () => {
        attempts++;
        throw new MesosRedirectError('//m9:5050/api/v1', 'http://m9:5050');
      })
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MesosProtocolError);
    expect((error as MesosProtocolError).status).to.equal(307);
    expect((error as MesosProtocolError).retryable).to.equal(true);
    expect(attempts).to.equal(3);
  });

  it('does not follow redirects when told not to (agents)', async () => {
    const s = session(async () => 'http://agent:5051', options({ followRedirects: false }));
    const redirect = new MesosRedirectError('//x:1/api/v1', 'http://x:1');
    expect(await s.run('GET_HEALTH', () => Promise.reject(redirect)).catch((e: unknown) => e)).to.equal(redirect);
  });

  it('retries 503 and refused connections, asking the locator again each time', async () => {
    let located = 0;
    const s = session(async () => `http://m${++located}:5050`);
    const failures = [
      new MesosNoLeaderError('No leader elected'),
      new MesosTransportError('connect ECONNREFUSED', { code: 'ECONNREFUSED' }),
    ];
    const seen: string[] = [];
    const result = await s.run('GET_AGENTS', async (url) => {
      seen.push(url);
      const failure = failures.shift();
      if (failure) throw failure;
      return 'agents';
    });
    expect(result).to.equal('agents');
    expect(seen).to.deep.equal(['http://m1:5050', 'http://m2:5050', 'http://m3:5050']);
  });

  it('never retries 4xx, timeouts or other failures', async () => {
    for (const failure of [
      new MesosProtocolError(400, 'bad', 'bad'),
      new MesosProtocolError(404, 'gone', 'gone'),
      new MesosTimeoutError('took too long'),
      new MesosTransportError('socket hang up', { code: 'EPIPE' }),
    ]) {
      const s = session(async () => 'http://m1:5050');
      let attempts = 0;
      const error = await s
        .run('X', () => {
          attempts++;
          return Promise.reject(failure);
        })
        .catch((e: unknown) => e);
      expect(error).to.equal(failure);
      expect(attempts).to.equal(1);
      expect(isRetriedFailure(failure)).to.equal(false);
    }
  });

  it('gives the last 503 once the next wait would pass the deadline (fake clock)', async () => {
    const clock = sinon.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const s = session(
        async () => 'http://m1:5050',
        options({ retryTimeoutMs: 100, backoff: () => ({ next: () => 30, reset: () => {} }) }),
      );
      let attempts = 0;
      const pending = s
        .run('GET_FLAGS', async () => {
          attempts++;
          throw new MesosNoLeaderError(`No leader elected (${attempts})`);
        })
        .catch((e: unknown) => e);
      await clock.tickAsync(200);
      const error = await pending;
      expect(error).to.be.instanceOf(MesosNoLeaderError);
      // Tried at 0, 30, 60 and 90 ms; a wait until 120 would pass the 100 ms deadline.
      expect(attempts).to.equal(4);
      expect((error as Error).message).to.include('(4)');
    } finally {
      clock.restore();
    }
  });

  it('names the missing leader when the locator finds none before the deadline', async () => {
    const s = session(
      (signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new MesosAbortError()))),
      options({ retryTimeoutMs: 30 }),
    );
    const error = await s.run('GET_STATE', async () => 'never').catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MesosTimeoutError);
    expect((error as Error).message).to.match(/no leading master was found within 30 ms/);
  });

  it('close() aborts a call waiting for a leader', async () => {
    const s = session(
      (signal) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(new MesosAbortError()))),
    );
    const pending = s.run('GET_STATE', async () => 'never').catch((e: unknown) => e);
    await s.close();
    expect(await pending).to.be.instanceOf(MesosAbortError);
  });

  it('reports a leader change from the detector, ignoring a spell without leader', async () => {
    const reports: Array<MasterLocation | null> = [null, { url: 'http://m1:5050' }, { url: 'http://m2:5050' }];
    const asked: Array<string | null> = [];
    const detector: MasterDetector = {
      detect: async (previous) => {
        asked.push(previous?.url ?? null);
        return reports.shift() ?? null;
      },
      close: async () => {},
    };
    const s = session(async () => 'http://m1:5050', options(), detector);
    await s.run('GET_HEALTH', async () => 'ok');
    expect(await s.leaderChange(new AbortController().signal)).to.equal('http://m2:5050');
    expect(asked).to.deep.equal(['http://m1:5050', null, 'http://m1:5050']);
  });
});

import { expect } from 'chai';
import {
  isRetryable,
  MesosAbortError,
  MesosAuthenticationError,
  MesosConfigError,
  MesosDecodeError,
  MesosError,
  MesosMisuseError,
  MesosNoLeaderError,
  MesosProtocolError,
  MesosRecordIOError,
  MesosRedirectError,
  MesosStreamEndedError,
  MesosTimeoutError,
  MesosTransportError,
} from '../../lib/common/errors';

describe('error tree', () => {
  it('roots every error at MesosError and names each class', () => {
    const errors = [
      new MesosMisuseError('m'),
      new MesosConfigError('c'),
      new MesosDecodeError('d'),
      new MesosRecordIOError('r'),
      new MesosTransportError('t'),
      new MesosStreamEndedError('s'),
      new MesosTimeoutError('t'),
      new MesosAbortError(),
      new MesosProtocolError(400, 'bad'),
      new MesosRedirectError('//h:1/api', 'http://h:1'),
      new MesosNoLeaderError('No leader elected'),
      new MesosAuthenticationError(''),
    ];
    for (const e of errors) {
      expect(e).to.be.instanceOf(MesosError);
      expect(e).to.be.instanceOf(Error);
      expect(e.name).to.equal(e.constructor.name);
    }
  });

  it('marks what is worth retrying', () => {
    expect(isRetryable(new MesosTransportError('reset'))).to.equal(true);
    expect(isRetryable(new MesosStreamEndedError('eof'))).to.equal(true);
    expect(isRetryable(new MesosTimeoutError('slow'))).to.equal(true);
    expect(isRetryable(new MesosNoLeaderError(''))).to.equal(true);
    expect(isRetryable(new MesosRedirectError('//h:1', 'http://h:1'))).to.equal(true);
    expect(isRetryable(new MesosProtocolError(500, 'oops'))).to.equal(true);
    expect(isRetryable(new MesosProtocolError(400, 'bad'))).to.equal(false);
    expect(isRetryable(new MesosProtocolError(501, 'no'))).to.equal(false);
    expect(isRetryable(new MesosAuthenticationError(''))).to.equal(false);
    expect(isRetryable(new MesosMisuseError('no'))).to.equal(false);
    expect(isRetryable(new MesosAbortError())).to.equal(false);
    expect(isRetryable(new Error('plain'))).to.equal(false);
  });

  it('carries the status, the master message and the cause', () => {
    const cause = new Error('inner');
    const e = new MesosProtocolError(403, 'Framework is not subscribed', undefined, { cause });
    expect(e.status).to.equal(403);
    expect(e.body).to.equal('Framework is not subscribed');
    expect(e.message).to.contain('Framework is not subscribed');
    expect(e.cause).to.equal(cause);
    const r = new MesosRedirectError('//m2:5050/api/v1/scheduler', 'http://m2:5050');
    expect(r.status).to.equal(307);
    expect(r.leader).to.equal('http://m2:5050');
  });
});

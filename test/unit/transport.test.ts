import { inspect } from 'node:util';
import { AxiosError, AxiosHeaders } from 'axios';
import { expect } from 'chai';
import {
  MesosAbortError,
  MesosAuthenticationError,
  MesosConfigError,
  MesosNoLeaderError,
  MesosProtocolError,
  MesosRedirectError,
  MesosTimeoutError,
  MesosTransportError,
} from '../../lib/common/errors';
import { CallQueue } from '../../lib/transport/call-queue';
import { bodyText, errorFromFailure, errorFromStatus, sanitizeCause } from '../../lib/transport/errors';
import { basicAuthorization, resolveHttpOptions } from '../../lib/transport/options';
import { EXECUTOR_API_PATH, leaderFromLocation, parseEndpointUrl } from '../../lib/transport/url';

const CONTEXT = { url: 'http://10.0.0.1:5050/api/v1/scheduler', apiPath: '/api/v1/scheduler', what: 'call REVIVE' };

describe('transport: parseEndpointUrl', () => {
  const good: Array<[string, string]> = [
    ['host:5050', 'http://host:5050'],
    ['10.0.0.1:5050', 'http://10.0.0.1:5050'],
    ['[::1]:5050', 'http://[::1]:5050'],
    ['http://host:5050', 'http://host:5050'],
    ['http://host:5050/', 'http://host:5050'],
    ['https://host:5050/prefix/', 'https://host:5050/prefix'],
    ['HTTP://Host:5050/a/b', 'http://host:5050/a/b'],
    ['http://host', 'http://host'],
    ['  host:5050  ', 'http://host:5050'],
    ['http://host:5050/p?x=1#f', 'http://host:5050/p'],
  ];
  for (const [input, expected] of good) {
    it(`turns ${JSON.stringify(input)} into ${expected}`, () => {
      expect(parseEndpointUrl(input)).to.equal(expected);
    });
  }

  const bad = [
    '',
    '   ',
    'host',
    'zk://zk1:2181/mesos',
    'ftp://host:21',
    'host:port',
    'http://',
    'host:99999',
    'file:///etc/masters',
  ];
  for (const input of bad) {
    it(`rejects ${JSON.stringify(input)} with MesosConfigError`, () => {
      expect(() => parseEndpointUrl(input)).to.throw(MesosConfigError);
    });
  }

  it('rejects user info without echoing the secret', () => {
    for (const input of ['http://user:hunter2@host:5050', 'user:hunter2@host:5050']) {
      let error: unknown;
      try {
        parseEndpointUrl(input);
      } catch (err) {
        error = err;
      }
      expect(error).to.be.instanceOf(MesosConfigError);
      expect(String(error)).to.not.contain('hunter2');
    }
  });

  it('rejects a non-string', () => {
    expect(() => parseEndpointUrl(undefined as unknown as string)).to.throw(MesosConfigError);
  });
});

describe('transport: leaderFromLocation', () => {
  it('uses the request scheme for a protocol-relative Location and drops the API path', () => {
    expect(leaderFromLocation('//master2:5050/api/v1/scheduler', 'https://master1:5050/api/v1/scheduler')).to.equal(
      'https://master2:5050',
    );
  });

  it('keeps a path prefix before the API path', () => {
    expect(leaderFromLocation('//m2:5050/master/api/v1/scheduler', 'http://m1:5050/master/api/v1/scheduler')).to.equal(
      'http://m2:5050/master',
    );
  });

  it('accepts host:port as the docs show it', () => {
    expect(leaderFromLocation('masterhost2:5050', 'http://m1:5050/api/v1/scheduler')).to.equal(
      'http://masterhost2:5050',
    );
  });

  it('keeps an explicit scheme', () => {
    expect(leaderFromLocation('https://m2:5050/api/v1/scheduler?x', 'http://m1:5050/api/v1/scheduler')).to.equal(
      'https://m2:5050',
    );
  });

  it('handles the executor API path', () => {
    expect(
      leaderFromLocation('//a2:5051/api/v1/executor', 'http://a1:5051/api/v1/executor', EXECUTOR_API_PATH),
    ).to.equal('http://a2:5051');
  });

  it('returns undefined for unusable values', () => {
    expect(leaderFromLocation('', 'http://m1:5050/api/v1/scheduler')).to.equal(undefined);
    expect(leaderFromLocation('ftp://m2/x', 'http://m1:5050/api/v1/scheduler')).to.equal(undefined);
    expect(leaderFromLocation('//u:p@m2:5050/api/v1/scheduler', 'http://m1:5050/api/v1/scheduler')).to.equal(undefined);
  });
});

describe('transport: errorFromStatus', () => {
  it('maps 307 to MesosRedirectError with a leader URL', () => {
    const error = errorFromStatus(307, '', '//m2:5050/api/v1/scheduler', CONTEXT);
    expect(error).to.be.instanceOf(MesosRedirectError);
    expect((error as MesosRedirectError).leader).to.equal('http://m2:5050');
    expect(error.retryable).to.equal(true);
  });

  it('maps 503, 401 and others', () => {
    expect(errorFromStatus(503, 'No leader elected', undefined, CONTEXT)).to.be.instanceOf(MesosNoLeaderError);
    expect(errorFromStatus(401, '', undefined, CONTEXT)).to.be.instanceOf(MesosAuthenticationError);
    const bad = errorFromStatus(400, 'Failed to validate scheduler::Call: x', undefined, CONTEXT);
    expect(bad).to.be.instanceOf(MesosProtocolError);
    expect(bad.retryable).to.equal(false);
    expect(bad.message).to.equal('call REVIVE failed with HTTP 400: Failed to validate scheduler::Call: x');
    expect(errorFromStatus(504, '', undefined, CONTEXT).retryable).to.equal(true);
    expect(errorFromStatus(501, '', undefined, CONTEXT).retryable).to.equal(false);
  });

  it('bounds and trims body text', () => {
    expect(bodyText(Buffer.from('  hi \n'))).to.equal('hi');
    expect(bodyText('x'.repeat(10_000))).to.have.length(4097);
    expect(bodyText(undefined)).to.equal('');
  });
});

describe('transport: errorFromFailure', () => {
  const secretHeader = `Basic ${Buffer.from('principal:topsecret').toString('base64')}`;

  function axiosError(code: string): AxiosError {
    const config = { headers: new AxiosHeaders({ Authorization: secretHeader }), url: CONTEXT.url };
    const system = Object.assign(new Error(`connect ${code} 10.0.0.1:5050`), {
      code,
      syscall: 'connect',
      address: '10.0.0.1',
      port: 5050,
    });
    return AxiosError.from(system, code, config as never, { headers: { authorization: secretHeader } });
  }

  it('maps a network error to MesosTransportError with its code and a sanitized cause', () => {
    const error = errorFromFailure(axiosError('ECONNREFUSED'), undefined, CONTEXT);
    expect(error).to.be.instanceOf(MesosTransportError);
    expect((error as MesosTransportError).code).to.equal('ECONNREFUSED');
    expect(error.retryable).to.equal(true);
    expect(error.cause).to.not.be.instanceOf(AxiosError);
    expect((error.cause as { port?: number }).port).to.equal(5050);
    for (const text of [String(error), JSON.stringify(error), inspect(error, { depth: 10 }), error.stack ?? '']) {
      expect(text).to.not.contain('topsecret');
      expect(text).to.not.contain(secretHeader.slice(6));
    }
  });

  it('marks certificate failures as not retryable', () => {
    const error = errorFromFailure(axiosError('DEPTH_ZERO_SELF_SIGNED_CERT'), undefined, CONTEXT);
    expect(error).to.be.instanceOf(MesosTransportError);
    expect(error.retryable).to.equal(false);
  });

  it('maps cancellations by their reason', () => {
    const canceled = new AxiosError('canceled', 'ERR_CANCELED');
    expect(errorFromFailure(canceled, 'timeout', CONTEXT, 250)).to.be.instanceOf(MesosTimeoutError);
    expect(errorFromFailure(canceled, 'timeout', CONTEXT, 250).message).to.contain('250 ms');
    expect(errorFromFailure(canceled, 'aborted', CONTEXT)).to.be.instanceOf(MesosAbortError);
    expect(errorFromFailure(canceled, 'closed', CONTEXT).message).to.contain('closed');
  });

  it('sanitizes arbitrary values', () => {
    expect(sanitizeCause('boom').message).to.equal('boom');
    expect(sanitizeCause(undefined).code).to.equal(undefined);
  });
});

describe('transport: options', () => {
  it('applies defaults', () => {
    const options = resolveHttpOptions();
    expect(options.contentType).to.equal('protobuf');
    expect(options.maxConcurrentCalls).to.equal(1);
    expect(options.requestTimeoutMs).to.equal(30_000);
    expect(options.connectTimeoutMs).to.equal(10_000);
  });

  const bad: Array<[string, object]> = [
    ['contentType', { contentType: 'xml' }],
    ['requestTimeoutMs', { requestTimeoutMs: 0 }],
    ['connectTimeoutMs', { connectTimeoutMs: -1 }],
    ['maxRecordBytes', { maxRecordBytes: 1.5 }],
    ['maxConcurrentCalls', { maxConcurrentCalls: 0 }],
    ['credential.principal', { credential: { principal: '' } }],
    ['":"', { credential: { principal: 'a:b' } }],
    ['Authorization', { headers: { Authorization: 'x' } }],
    ['mesos-stream-id', { headers: { 'mesos-stream-id': 'x' } }],
  ];
  for (const [name, options] of bad) {
    it(`rejects a bad ${name} naming it`, () => {
      expect(() => resolveHttpOptions(options as never)).to.throw(MesosConfigError, name);
    });
  }

  it('builds the Basic header', () => {
    expect(basicAuthorization({ principal: 'p', secret: 's' })).to.equal(
      `Basic ${Buffer.from('p:s').toString('base64')}`,
    );
    expect(basicAuthorization({ principal: 'p' })).to.equal(`Basic ${Buffer.from('p:').toString('base64')}`);
  });
});

describe('transport: CallQueue', () => {
  it('runs tasks one at a time in order with a limit of 1', async () => {
    const queue = new CallQueue(1);
    const log: string[] = [];
    const task = (name: string, ms: number) => async () => {
      log.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, ms));
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([queue.run(task('a', 15)), queue.run(task('b', 1)), queue.run(task('c', 5))]);
    expect(results).to.deep.equal(['a', 'b', 'c']);
    expect(log).to.deep.equal(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('keeps going after a task fails', async () => {
    const queue = new CallQueue(1);
    const failed = queue.run(async () => {
      throw new Error('x');
    });
    const next = queue.run(async () => 'ok');
    expect(await failed.catch((e: Error) => e.message)).to.equal('x');
    expect(await next).to.equal('ok');
  });

  it('drops a waiting task whose signal aborts, without starting it', async () => {
    const queue = new CallQueue(1);
    let release: () => void = () => {};
    const first = queue.run(() => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    let started = false;
    const second = queue.run(async () => {
      started = true;
    }, controller.signal);
    controller.abort();
    expect(await second.catch((e: unknown) => e)).to.be.instanceOf(MesosAbortError);
    expect(queue.pending).to.equal(0);
    release();
    await first;
    expect(started).to.equal(false);
    expect(await queue.run(async () => 'after')).to.equal('after');
  });

  it('rejects every waiting task on rejectAll', async () => {
    const queue = new CallQueue(1);
    let release: () => void = () => {};
    const first = queue.run(() => new Promise<void>((r) => (release = r)));
    const waiting = queue.run(async () => 'never');
    queue.rejectAll(new MesosAbortError('closed'));
    expect(await waiting.catch((e: unknown) => e)).to.be.instanceOf(MesosAbortError);
    release();
    await first;
  });
});

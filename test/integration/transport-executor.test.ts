import { expect } from 'chai';
import { getCodec, TYPE_NAMES, type WireFormat } from '../../lib/codec/codec';
import type { executor } from '../../lib/codec/messages';
import {
  MesosAbortError,
  MesosConfigError,
  MesosError,
  MesosMisuseError,
  MesosNoLeaderError,
  MesosProtocolError,
  MesosStreamEndedError,
  MesosTransportError,
} from '../../lib/common/errors';
import { ExecutorClient, SchedulerClient } from '../../lib/transport';
import { FakeHttpMaster, type FakeStream, openStream, reply } from './helpers/http-master';
import { makeSelfSignedCert, type SelfSignedCert } from './helpers/http-tls';

const MEDIA: Record<WireFormat, string> = { json: 'application/json', protobuf: 'application/x-protobuf' };
const IDS = { executor_id: { value: 'exec-1' }, framework_id: { value: 'fw-1' } };
const SUBSCRIBE: executor.Call = { ...IDS, type: 'SUBSCRIBE', subscribe: {} };
const MESSAGE: executor.Call = { ...IDS, type: 'MESSAGE', message: { data: Buffer.from('hello') } };

async function rejection(promise: Promise<unknown>): Promise<MesosError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(MesosError);
    return err as MesosError;
  }
  throw new Error('expected a rejection');
}

describe('ExecutorClient (loopback HTTP)', function () {
  this.timeout(10_000);
  let agent: FakeHttpMaster;
  let client: ExecutorClient | undefined;

  beforeEach(async () => {
    agent = await FakeHttpMaster.start();
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await agent.close();
  });

  function serveStream(format: WireFormat): Promise<FakeStream> {
    return new Promise((resolve) => {
      agent.handle((req, res) => {
        const call = getCodec<executor.Call>(TYPE_NAMES.ExecutorCall, format).decode(req.body);
        if (call.type === 'SUBSCRIBE') resolve(openStream(res, MEDIA[format], undefined));
        else res.writeHead(202).end();
      });
    });
  }

  for (const format of ['json', 'protobuf'] as const) {
    it(`subscribes, reads ${format} events and sends calls without a stream id`, async () => {
      client = new ExecutorClient(agent.url.replace('http://', ''), {
        contentType: format,
        authToken: 'jwt.token.value',
      });
      expect(client.url).to.equal(`${agent.url}/api/v1/executor`);
      const streamReady = serveStream(format);
      const subscription = await client.subscribe(SUBSCRIBE);
      const stream = await streamReady;
      const codec = getCodec<executor.Event>(TYPE_NAMES.ExecutorEvent, format);
      const events: executor.Event[] = [
        { type: 'HEARTBEAT' },
        { type: 'MESSAGE', message: { data: Buffer.from('from scheduler') } },
      ];
      await stream.send(
        events.map((e) => codec.encode(e)),
        3,
      );
      await client.call(MESSAGE);
      const read: executor.Event[] = [];
      for await (const event of subscription.events) {
        read.push(event);
        if (read.length === 2) subscription.close();
      }
      expect(read[0]?.type).to.equal('HEARTBEAT');
      expect(Buffer.from(read[1]?.message?.data ?? []).toString()).to.equal('from scheduler');
      for (const request of agent.requests) {
        expect(request.path).to.equal('/api/v1/executor');
        expect(request.headers['content-type']).to.equal(MEDIA[format]);
        expect(request.headers.accept).to.equal(MEDIA[format]);
        expect(request.headers.authorization).to.equal('Bearer jwt.token.value');
        expect(request.headers['mesos-stream-id']).to.equal(undefined);
      }
      expect(agent.requests).to.have.length(2);
    });
  }

  it('throws MesosStreamEndedError when the agent closes the stream', async () => {
    client = new ExecutorClient(agent.url, { contentType: 'json' });
    const streamReady = serveStream('json');
    const subscription = await client.subscribe(SUBSCRIBE);
    (await streamReady).end();
    let error: unknown;
    try {
      for await (const _ of subscription.events) {
        // no events expected
      }
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(MesosStreamEndedError);
  });

  it('marks 404 and 503 answers to SUBSCRIBE retryable, 400 not', async () => {
    client = new ExecutorClient(agent.url, { contentType: 'json' });
    agent.handle((_req, res) => reply(res, 404, 'Not found'));
    const notFound = await rejection(client.subscribe(SUBSCRIBE));
    expect(notFound).to.be.instanceOf(MesosProtocolError);
    expect(notFound.retryable).to.equal(true);
    agent.handle((_req, res) => reply(res, 503, 'Agent has not finished recovery'));
    const recovering = await rejection(client.subscribe(SUBSCRIBE));
    expect(recovering).to.be.instanceOf(MesosNoLeaderError);
    expect(recovering.retryable).to.equal(true);
    agent.handle((_req, res) => reply(res, 400, 'Executor cannot be found'));
    const missing = await rejection(client.call(MESSAGE));
    expect(missing.retryable).to.equal(false);
    expect((missing as MesosProtocolError).body).to.equal('Executor cannot be found');
  });

  it('refuses authToken together with a credential, and an empty token', () => {
    expect(() => new ExecutorClient(agent.url, { authToken: 't', credential: { principal: 'p' } })).to.throw(
      MesosConfigError,
    );
    expect(() => new ExecutorClient(agent.url, { authToken: '' })).to.throw(MesosConfigError);
  });

  it('refuses SUBSCRIBE through call()', async () => {
    client = new ExecutorClient(agent.url);
    expect(await rejection(client.call(SUBSCRIBE))).to.be.instanceOf(MesosMisuseError);
  });

  it('aborts a call through its signal', async () => {
    client = new ExecutorClient(agent.url);
    agent.handle(() => {});
    const controller = new AbortController();
    const promise = client.call(MESSAGE, { signal: controller.signal });
    await agent.waitForRequests(1);
    controller.abort();
    expect(await rejection(promise)).to.be.instanceOf(MesosAbortError);
  });
});

describe('HTTP clients over TLS (loopback)', function () {
  this.timeout(15_000);
  let cert: SelfSignedCert;
  let master: FakeHttpMaster;
  let client: SchedulerClient | undefined;

  before(() => {
    cert = makeSelfSignedCert();
  });

  beforeEach(async () => {
    master = await FakeHttpMaster.start(cert);
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await master.close();
  });

  const REVIVE = { type: 'REVIVE' as const, framework_id: { value: 'fw-1' } };

  it('refuses a self-signed certificate by default, as a non-retryable transport error', async () => {
    client = new SchedulerClient(master.url);
    const error = await rejection(client.call(REVIVE));
    expect(error).to.be.instanceOf(MesosTransportError);
    expect((error as MesosTransportError).code).to.equal('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(error.retryable).to.equal(false);
    expect(master.requests).to.have.length(0);
  });

  it('trusts the certificate given as ca, for calls and the stream', async () => {
    client = new SchedulerClient(master.url, { contentType: 'json', tls: { ca: cert.cert } });
    const streamReady = new Promise<FakeStream>((resolve) => {
      master.handle((req, res) => {
        if (req.headers['mesos-stream-id'] === undefined) resolve(openStream(res, MEDIA.json, 'tls-stream'));
        else res.writeHead(202).end();
      });
    });
    const subscription = await client.subscribe({
      type: 'SUBSCRIBE',
      subscribe: { framework_info: { user: 'u', name: 'n' } },
    });
    const stream = await streamReady;
    await client.call(REVIVE);
    await stream.send([Buffer.from('{"type":"HEARTBEAT"}')]);
    const iterator = subscription.events[Symbol.asyncIterator]();
    expect((await iterator.next()).value).to.deep.equal({ type: 'HEARTBEAT' });
    expect(master.requests.map((r) => r.headers['mesos-stream-id'])).to.deep.equal([undefined, 'tls-stream']);
    subscription.close();
  });

  it('checks the host name against the certificate', async () => {
    client = new SchedulerClient(master.url, { tls: { ca: cert.cert, servername: 'other.example' } });
    const error = await rejection(client.call(REVIVE));
    expect(error).to.be.instanceOf(MesosTransportError);
    expect(error.retryable).to.equal(false);
  });

  it('connects without verification only when asked to', async () => {
    client = new SchedulerClient(master.url, { tls: { rejectUnauthorized: false } });
    expect(await client.call(REVIVE)).to.equal(undefined);
  });
});

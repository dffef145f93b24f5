import { expect } from 'chai';
import { getCodec, TYPE_NAMES, type WireFormat } from '../../lib/codec/codec';
import type { scheduler } from '../../lib/codec/messages';
import {
  MesosAbortError,
  MesosAuthenticationError,
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
import { SchedulerClient } from '../../lib/transport';
import { FakeHttpMaster, type FakeStream, openStream, reply } from './helpers/http-master';

const MEDIA: Record<WireFormat, string> = { json: 'application/json', protobuf: 'application/x-protobuf' };

const SUBSCRIBE: scheduler.Call = {
  type: 'SUBSCRIBE',
  subscribe: { framework_info: { user: 'root', name: 'transport-test' } },
};
const FRAMEWORK_ID = { value: 'fw-1' };
const SUBSCRIBED: scheduler.Event = {
  type: 'SUBSCRIBED',
  subscribed: { framework_id: FRAMEWORK_ID, heartbeat_interval_seconds: 15 },
};
const HEARTBEAT: scheduler.Event = { type: 'HEARTBEAT' };
const OFFERS: scheduler.Event = {
  type: 'OFFERS',
  offers: {
    offers: [
      {
        id: { value: 'offer-1' },
        framework_id: FRAMEWORK_ID,
        agent_id: { value: 'agent-1' },
        hostname: 'host-ünïcødé',
        resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 2 } }],
      },
    ],
  },
};
const REVIVE: scheduler.Call = { type: 'REVIVE', framework_id: FRAMEWORK_ID };

function encodeEvent(event: scheduler.Event, format: WireFormat): Buffer {
  return getCodec<scheduler.Event>(TYPE_NAMES.SchedulerEvent, format).encode(event);
}

/** What the client should yield for `event`: the codec's own round trip (defaults filled in). */
function roundTrip(event: scheduler.Event, format: WireFormat): scheduler.Event {
  return getCodec<scheduler.Event>(TYPE_NAMES.SchedulerEvent, format).decode(encodeEvent(event, format));
}

async function rejection(promise: Promise<unknown>): Promise<MesosError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(MesosError);
    return err as MesosError;
  }
  throw new Error('expected a rejection');
}

/** Reads events until the iteration throws; returns what was read and the error. */
async function drain<E>(events: AsyncIterable<E>): Promise<{ read: E[]; error: unknown }> {
  const read: E[] = [];
  try {
    for await (const event of events) read.push(event);
  } catch (error) {
    return { read, error };
  }
  return { read, error: undefined };
}

describe('SchedulerClient (loopback HTTP)', function () {
  this.timeout(10_000);
  let master: FakeHttpMaster;
  let client: SchedulerClient | undefined;

  beforeEach(async () => {
    master = await FakeHttpMaster.start();
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await master.close();
  });

  /** Scripts SUBSCRIBE to open a stream; resolves the stream once the client subscribed. */
  function serveStream(format: WireFormat, streamId: string | undefined = 'stream-1'): Promise<FakeStream> {
    return new Promise((resolve) => {
      master.handle((req, res) => {
        if (req.headers['mesos-stream-id'] === undefined && streamId !== 'skip') {
          resolve(openStream(res, MEDIA[format], streamId));
        } else {
          res.writeHead(202).end();
        }
      });
    });
  }

  for (const format of ['json', 'protobuf'] as const) {
    it(`subscribes and decodes ${format} events written in small chunks`, async () => {
      client = new SchedulerClient(master.url, { contentType: format });
      const streamReady = serveStream(format);
      const subscription = await client.subscribe(SUBSCRIBE);
      const stream = await streamReady;
      expect(subscription.streamId).to.equal('stream-1');
      expect(subscription.format).to.equal(format);
      expect(client.streamId).to.equal('stream-1');

      const [request] = master.requests;
      expect(request?.path).to.equal('/api/v1/scheduler');
      expect(request?.method).to.equal('POST');
      expect(request?.headers['content-type']).to.equal(MEDIA[format]);
      expect(request?.headers.accept).to.equal(MEDIA[format]);
      expect(request?.headers['mesos-stream-id']).to.equal(undefined);
      const sent = getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, format).decode(request?.body ?? Buffer.alloc(0));
      expect(sent.type).to.equal('SUBSCRIBE');
      expect(sent.subscribe?.framework_info.name).to.equal('transport-test');

      const events = [SUBSCRIBED, HEARTBEAT, OFFERS];
      await stream.send(
        events.map((e) => encodeEvent(e, format)),
        5,
      );
      const read: scheduler.Event[] = [];
      for await (const event of subscription.events) {
        read.push(event);
        if (read.length === events.length) subscription.close();
      }
      expect(read).to.deep.equal(events.map((e) => roundTrip(e, format)));
      expect(read[2]?.offers?.offers?.[0]?.hostname).to.equal('host-ünïcødé');
      await stream.gone;
    });
  }

  it('sends the stream id on later calls, and lets a call override it', async () => {
    client = new SchedulerClient(master.url, { contentType: 'json' });
    const streamReady = serveStream('json', 'abc-123');
    const subscription = await client.subscribe(SUBSCRIBE);
    await streamReady;
    expect(await client.call(REVIVE)).to.equal(undefined);
    await client.call(REVIVE, { streamId: 'other' });
    expect(master.requests.map((r) => r.headers['mesos-stream-id'])).to.deep.equal([undefined, 'abc-123', 'other']);
    // Calls travel on a different connection from the stream.
    expect(master.requests[1]?.connection).to.not.equal(master.requests[0]?.connection);
    subscription.close();
  });

  it('with pipelineCalls off, sends calls one at a time, in order, over one kept-alive connection', async () => {
    client = new SchedulerClient(master.url, { contentType: 'json', pipelineCalls: false });
    let inFlight = 0;
    let maxInFlight = 0;
    master.handle(async (_req, res) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      // Early calls answer slowest: a client sending in parallel would see them overtaken.
      await new Promise((r) => setTimeout(r, 5 + 20 * Math.random()));
      inFlight--;
      res.writeHead(202).end();
    });
    const calls = Array.from({ length: 12 }, (_, i) =>
      client!.call({
        type: 'MESSAGE',
        framework_id: FRAMEWORK_ID,
        message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: Buffer.from(String(i)) },
      }),
    );
    await Promise.all(calls);
    const order = master.requests.map((r) => JSON.parse(r.body.toString()).message.data);
    expect(order).to.deep.equal(calls.map((_, i) => Buffer.from(String(i)).toString('base64')));
    expect(maxInFlight).to.equal(1);
    expect(new Set(master.requests.map((r) => r.connection)).size).to.equal(1);
  });

  it('allows concurrent calls when maxConcurrentCalls is raised', async () => {
    client = new SchedulerClient(master.url, { contentType: 'json', maxConcurrentCalls: 4 });
    let inFlight = 0;
    let maxInFlight = 0;
    master.handle(async (_req, res) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      res.writeHead(202).end();
    });
    await Promise.all(Array.from({ length: 8 }, () => client!.call(REVIVE)));
    expect(maxInFlight).to.equal(4);
  });

  describe('acknowledgement lane', () => {
    function ack(i: number): scheduler.Call {
      return {
        type: 'ACKNOWLEDGE',
        framework_id: FRAMEWORK_ID,
        acknowledge: { agent_id: { value: 'a' }, task_id: { value: `task-${i}` }, uuid: Buffer.from([i]) },
      };
    }
    function operationAck(i: number): scheduler.Call {
      return {
        type: 'ACKNOWLEDGE_OPERATION_STATUS',
        framework_id: FRAMEWORK_ID,
        acknowledge_operation_status: {
          agent_id: { value: 'a' },
          uuid: Buffer.from([i]),
          operation_id: { value: `op-${i}` },
        },
      };
    }
    function message(i: number): scheduler.Call {
      return {
        type: 'MESSAGE',
        framework_id: FRAMEWORK_ID,
        message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: Buffer.from(String(i)) },
      };
    }
    const nameOf = (body: Buffer): string => {
      const call = JSON.parse(body.toString()) as {
        type: string;
        message?: { data: string };
        acknowledge?: { task_id: { value: string } };
        acknowledge_operation_status?: { operation_id: { value: string } };
      };
      if (call.message) return `m${Buffer.from(call.message.data, 'base64').toString()}`;
      if (call.acknowledge) return `a${call.acknowledge.task_id.value.slice(5)}`;
      return `o${call.acknowledge_operation_status?.operation_id.value.slice(3)}`;
    };

    it('overlaps acknowledgements while other calls keep their order, one at a time (pipelineCalls off)', async () => {
      client = new SchedulerClient(master.url, { contentType: 'json', pipelineCalls: false });
      const inFlight = { ordered: 0, acks: 0 };
      const peak = { ordered: 0, acks: 0 };
      let acksBesideOrdered = 0;
      master.handle(async (req, res) => {
        const lane = nameOf(req.body).startsWith('m') ? 'ordered' : 'acks';
        inFlight[lane]++;
        peak[lane] = Math.max(peak[lane], inFlight[lane]);
        if (lane === 'acks' && inFlight.ordered > 0) acksBesideOrdered++;
        // Early calls answer slowest: anything sent in parallel gets overtaken.
        await new Promise((r) => setTimeout(r, 5 + 25 * Math.random()));
        inFlight[lane]--;
        res.writeHead(202).end();
      });
      const calls: Array<Promise<unknown>> = [];
      for (let i = 0; i < 12; i++) {
        calls.push(client.call(message(i)));
        calls.push(client.call(i % 3 === 0 ? operationAck(i) : ack(i)));
      }
      await Promise.all(calls);
      const names = master.requests.map((r) => nameOf(r.body));
      // Every call arrived exactly once.
      expect([...names].sort()).to.deep.equal(
        Array.from({ length: 12 }, (_, i) => [`m${i}`, i % 3 === 0 ? `o${i}` : `a${i}`])
          .flat()
          .sort(),
      );
      // Non-acknowledgement calls in the order they were made, never two at once, on one connection.
      expect(names.filter((n) => n.startsWith('m'))).to.deep.equal(Array.from({ length: 12 }, (_, i) => `m${i}`));
      expect(peak.ordered).to.equal(1);
      const orderedConnections = new Set(
        master.requests.filter((r) => nameOf(r.body).startsWith('m')).map((r) => r.connection),
      );
      expect(orderedConnections.size).to.equal(1);
      // Acknowledgements overlap each other and the ordered lane, on connections of their own.
      expect(peak.acks).to.be.greaterThan(1);
      expect(acksBesideOrdered).to.be.greaterThan(0);
      const ackConnections = new Set(
        master.requests.filter((r) => !nameOf(r.body).startsWith('m')).map((r) => r.connection),
      );
      for (const connection of ackConnections) expect(orderedConnections.has(connection)).to.equal(false);
    });

    it('bounds acknowledgements in flight by maxConcurrentAcknowledgements and loses none', async () => {
      client = new SchedulerClient(master.url, { contentType: 'json', maxConcurrentAcknowledgements: 3 });
      let inFlight = 0;
      let peak = 0;
      master.handle(async (_req, res) => {
        peak = Math.max(peak, ++inFlight);
        await new Promise((r) => setTimeout(r, 2 + 8 * Math.random()));
        inFlight--;
        res.writeHead(202).end();
      });
      await Promise.all(Array.from({ length: 40 }, (_, i) => client!.call(ack(i))));
      expect(peak).to.equal(3);
      const names = master.requests.map((r) => nameOf(r.body));
      expect(new Set(names).size).to.equal(40);
      expect(names).to.have.length(40);
    });

    it('rejects a bad maxConcurrentAcknowledgements naming it', () => {
      expect(() => new SchedulerClient(master.url, { maxConcurrentAcknowledgements: 0 })).to.throw(
        MesosError,
        /maxConcurrentAcknowledgements/,
      );
    });

    it('close() aborts calls in flight and queued on both lanes', async () => {
      client = new SchedulerClient(master.url, { maxConcurrentAcknowledgements: 1 });
      master.handle(() => {});
      const pending = [
        rejection(client.call(REVIVE)),
        rejection(client.call(REVIVE)),
        rejection(client.call(ack(1))),
        rejection(client.call(ack(2))),
      ];
      await master.waitForRequests(2);
      client.close();
      for (const error of await Promise.all(pending)) expect(error).to.be.instanceOf(MesosAbortError);
      expect(master.requests).to.have.length(2);
    });
  });

  it('decodes a 200 Response body of a synchronous call', async () => {
    client = new SchedulerClient(master.url, { contentType: 'protobuf' });
    const response: scheduler.Response = { type: 'RECONCILE_OPERATIONS', reconcile_operations: {} };
    master.handle((_req, res) => {
      res.writeHead(200, { 'Content-Type': MEDIA.protobuf });
      res.end(getCodec<scheduler.Response>(TYPE_NAMES.SchedulerResponse, 'protobuf').encode(response));
    });
    const answer = await client.call({
      type: 'RECONCILE_OPERATIONS',
      framework_id: FRAMEWORK_ID,
      reconcile_operations: {},
    });
    expect(answer?.type).to.equal('RECONCILE_OPERATIONS');
    master.handle((_req, res) => {
      res.writeHead(200).end();
    });
    expect(await client.call(REVIVE)).to.equal(undefined);
  });

  describe('status codes', () => {
    const cases: Array<[number, new (...a: never[]) => MesosError, boolean]> = [
      [400, MesosProtocolError, false],
      [401, MesosAuthenticationError, false],
      [403, MesosProtocolError, false],
      [404, MesosProtocolError, false],
      [405, MesosProtocolError, false],
      [406, MesosProtocolError, false],
      [409, MesosProtocolError, false],
      [415, MesosProtocolError, false],
      [501, MesosProtocolError, false],
      [500, MesosProtocolError, true],
      [502, MesosProtocolError, true],
      [503, MesosNoLeaderError, true],
    ];
    for (const [status, type, retryable] of cases) {
      for (const operation of ['call', 'subscribe'] as const) {
        it(`maps ${status} on ${operation} to ${type.name} (retryable: ${retryable}) with the body`, async () => {
          client = new SchedulerClient(master.url, { contentType: 'json' });
          master.handle((_req, res) => reply(res, status, `  message for ${status}\n`));
          const promise = operation === 'call' ? client.call(REVIVE) : client.subscribe(SUBSCRIBE);
          const error = await rejection(promise);
          expect(error).to.be.instanceOf(type);
          expect(error.retryable).to.equal(retryable);
          expect((error as MesosProtocolError).status).to.equal(status);
          expect((error as MesosProtocolError).body).to.equal(`message for ${status}`);
          expect(error.message).to.contain(`message for ${status}`);
        });
      }
    }

    it('maps 307 to MesosRedirectError with the leader as a base URL', async () => {
      client = new SchedulerClient(`${master.url}/prefix`, { contentType: 'json' });
      master.handle((_req, res) => reply(res, 307, '', { Location: '//leader.example:5050/prefix/api/v1/scheduler' }));
      for (const promise of [client.call(REVIVE), client.subscribe(SUBSCRIBE)]) {
        const error = await rejection(promise);
        expect(error).to.be.instanceOf(MesosRedirectError);
        expect((error as MesosRedirectError).leader).to.equal('http://leader.example:5050/prefix');
        expect((error as MesosRedirectError).location).to.equal('//leader.example:5050/prefix/api/v1/scheduler');
        expect(error.retryable).to.equal(true);
      }
      expect(master.requests[0]?.path).to.equal('/prefix/api/v1/scheduler');
    });

    it('maps 307 without a Location to a retryable MesosProtocolError', async () => {
      client = new SchedulerClient(master.url);
      master.handle((_req, res) => reply(res, 307));
      const error = await rejection(client.call(REVIVE));
      expect(error).to.be.instanceOf(MesosProtocolError).and.not.instanceOf(MesosRedirectError);
      expect(error.retryable).to.equal(true);
    });

    it('rejects a 200 SUBSCRIBE answer without a stream id', async () => {
      client = new SchedulerClient(master.url, { contentType: 'json' });
      master.handle((_req, res) => {
        openStream(res, MEDIA.json, undefined);
      });
      const error = await rejection(client.subscribe(SUBSCRIBE));
      expect(error).to.be.instanceOf(MesosProtocolError);
      expect(error.message).to.contain('Mesos-Stream-Id');
    });

    it('rejects a 200 SUBSCRIBE answer with another content type', async () => {
      client = new SchedulerClient(master.url, { contentType: 'json' });
      master.handle((_req, res) => {
        openStream(res, 'text/html', 's');
      });
      const error = await rejection(client.subscribe(SUBSCRIBE));
      expect(error.message).to.contain('text/html');
    });

    it('decodes the stream in the format the master answered with', async () => {
      client = new SchedulerClient(master.url, { contentType: 'protobuf' });
      const streamReady = serveStream('json');
      const subscription = await client.subscribe(SUBSCRIBE);
      expect(subscription.format).to.equal('json');
      const stream = await streamReady;
      await stream.send([encodeEvent(HEARTBEAT, 'json')]);
      const iterator = subscription.events[Symbol.asyncIterator]();
      expect((await iterator.next()).value).to.deep.equal({ type: 'HEARTBEAT' });
      subscription.close();
    });
  });

  describe('stream failures', () => {
    async function subscribed(format: WireFormat = 'json', maxRecordBytes?: number) {
      client = new SchedulerClient(master.url, { contentType: format, ...(maxRecordBytes ? { maxRecordBytes } : {}) });
      const streamReady = serveStream(format);
      const subscription = await client.subscribe(SUBSCRIBE);
      return { subscription, stream: await streamReady };
    }

    it('throws MesosStreamEndedError when the master ends the stream', async () => {
      const { subscription, stream } = await subscribed();
      await stream.send([encodeEvent(SUBSCRIBED, 'json')]);
      stream.end();
      const { read, error } = await drain(subscription.events);
      expect(read).to.have.length(1);
      expect(error).to.be.instanceOf(MesosStreamEndedError);
      expect((error as MesosError).retryable).to.equal(true);
    });

    it('throws MesosStreamEndedError when the stream is cut in the middle of a record', async () => {
      const { subscription, stream } = await subscribed('protobuf');
      const framed = encodeEvent(OFFERS, 'protobuf');
      await stream.send([encodeEvent(HEARTBEAT, 'protobuf')]);
      await stream.raw(`${framed.length}\n`);
      await stream.raw(framed.subarray(0, 10));
      stream.end();
      const { read, error } = await drain(subscription.events);
      expect(read).to.deep.equal([{ type: 'HEARTBEAT' }]);
      expect(error).to.be.instanceOf(MesosStreamEndedError);
      expect((error as Error).message).to.contain('middle of a record');
    });

    it('throws MesosStreamEndedError with the code when the connection is reset', async () => {
      const { subscription, stream } = await subscribed();
      await stream.raw('100\n{"type":');
      setTimeout(() => stream.destroy(), 20);
      const { error } = await drain(subscription.events);
      expect(error).to.be.instanceOf(MesosStreamEndedError);
      expect((error as MesosError).retryable).to.equal(true);
    });

    it('throws MesosRecordIOError on malformed framing, after the good records', async () => {
      const { subscription, stream } = await subscribed();
      await stream.send([encodeEvent(HEARTBEAT, 'json')]);
      await stream.raw('12\r\n{"type":"X"}');
      const { read, error } = await drain(subscription.events);
      expect(read).to.have.length(1);
      expect(error).to.be.instanceOf(MesosRecordIOError);
      await stream.gone; // the client dropped the connection
    });

    it('throws MesosDecodeError on an undecodable record', async () => {
      const { subscription, stream } = await subscribed();
      await stream.send([Buffer.from('{"type": ')]);
      const { error } = await drain(subscription.events);
      expect(error).to.be.instanceOf(MesosDecodeError).and.not.instanceOf(MesosRecordIOError);
      await stream.gone;
    });

    it('throws MesosRecordIOError for a record above maxRecordBytes', async () => {
      const { subscription, stream } = await subscribed('json', 64);
      await stream.send([encodeEvent(HEARTBEAT, 'json'), Buffer.alloc(65, 0x20)]);
      const { read, error } = await drain(subscription.events);
      expect(read).to.have.length(1);
      expect(error).to.be.instanceOf(MesosRecordIOError);
      expect((error as Error).message).to.contain('maximum of 64 bytes');
    });

    it('allows only one consumer of the events', async () => {
      const { subscription } = await subscribed();
      subscription.events[Symbol.asyncIterator]();
      expect(() => subscription.events[Symbol.asyncIterator]()).to.throw(MesosMisuseError);
      subscription.close();
    });

    it('closes the stream when the consumer leaves the loop', async () => {
      const { subscription, stream } = await subscribed();
      await stream.send([encodeEvent(HEARTBEAT, 'json'), encodeEvent(HEARTBEAT, 'json')]);
      for await (const _event of subscription.events) break;
      await stream.gone;
    });
  });

  describe('cancellation and timeouts', () => {
    it('aborts a subscribe that waits for its answer', async () => {
      client = new SchedulerClient(master.url);
      master.handle(() => {}); // never answers
      const controller = new AbortController();
      const promise = client.subscribe(SUBSCRIBE, { signal: controller.signal });
      await master.waitForRequests(1);
      const reason = new Error('shutting down');
      controller.abort(reason);
      const error = await rejection(promise);
      expect(error).to.be.instanceOf(MesosAbortError);
      expect(error.retryable).to.equal(false);
      expect(error.cause).to.equal(reason);
    });

    it('rejects at once with an already aborted signal', async () => {
      client = new SchedulerClient(master.url);
      const error = await rejection(client.call(REVIVE, { signal: AbortSignal.abort() }));
      expect(error).to.be.instanceOf(MesosAbortError);
      expect(master.requests).to.have.length(0);
    });

    it('ends the event iteration normally when the signal aborts during streaming', async () => {
      client = new SchedulerClient(master.url, { contentType: 'json' });
      const streamReady = serveStream('json');
      const controller = new AbortController();
      const subscription = await client.subscribe(SUBSCRIBE, { signal: controller.signal });
      const stream = await streamReady;
      await stream.send([encodeEvent(HEARTBEAT, 'json')]);
      const read: scheduler.Event[] = [];
      for await (const event of subscription.events) {
        read.push(event);
        controller.abort();
      }
      expect(read).to.have.length(1);
      await stream.gone;
    });

    it('ends the event iteration normally when the client is closed', async () => {
      client = new SchedulerClient(master.url, { contentType: 'json' });
      const streamReady = serveStream('json');
      const subscription = await client.subscribe(SUBSCRIBE);
      const stream = await streamReady;
      const reading = drain(subscription.events);
      setTimeout(() => client?.close(), 20);
      expect((await reading).error).to.equal(undefined);
      await stream.gone;
      const error = await rejection(client.call(REVIVE));
      expect(error).to.be.instanceOf(MesosMisuseError);
    });

    it('aborts calls in flight and queued calls on close()', async () => {
      client = new SchedulerClient(master.url);
      master.handle(() => {});
      const first = rejection(client.call(REVIVE));
      const second = rejection(client.call(REVIVE));
      await master.waitForRequests(1);
      client.close();
      expect(await first).to.be.instanceOf(MesosAbortError);
      expect(await second).to.be.instanceOf(MesosAbortError);
      expect(master.requests).to.have.length(1);
    });

    it('aborts a call still waiting behind another one (pipelineCalls off)', async () => {
      client = new SchedulerClient(master.url, { pipelineCalls: false });
      let release: () => void = () => {};
      master.handle((_req, res) => {
        release = () => res.writeHead(202).end();
      });
      const first = client.call(REVIVE);
      const controller = new AbortController();
      const second = rejection(client.call(REVIVE, { signal: controller.signal }));
      await master.waitForRequests(1);
      controller.abort();
      expect(await second).to.be.instanceOf(MesosAbortError);
      release();
      await first;
      expect(master.requests).to.have.length(1);
    });

    it('times a call out after requestTimeoutMs', async () => {
      client = new SchedulerClient(master.url, { requestTimeoutMs: 100 });
      master.handle(() => {});
      const started = Date.now();
      const error = await rejection(client.call(REVIVE));
      expect(error).to.be.instanceOf(MesosTimeoutError);
      expect(error.retryable).to.equal(true);
      expect(Date.now() - started).to.be.within(90, 2000);
    });

    it('times a subscribe out when no answer comes within connectTimeoutMs, but not a quiet stream', async () => {
      client = new SchedulerClient(master.url, { connectTimeoutMs: 100, contentType: 'json' });
      master.handle(() => {});
      expect(await rejection(client.subscribe(SUBSCRIBE))).to.be.instanceOf(MesosTimeoutError);
      const streamReady = serveStream('json');
      const subscription = await client.subscribe(SUBSCRIBE);
      const stream = await streamReady;
      await new Promise((r) => setTimeout(r, 250)); // longer than connectTimeoutMs
      await stream.send([encodeEvent(HEARTBEAT, 'json')]);
      const iterator = subscription.events[Symbol.asyncIterator]();
      expect((await iterator.next()).value).to.deep.equal({ type: 'HEARTBEAT' });
      subscription.close();
    });

    it('maps a refused connection to a retryable MesosTransportError with its code', async () => {
      const url = master.url;
      await master.close();
      master = await FakeHttpMaster.start();
      client = new SchedulerClient(url);
      const error = await rejection(client.call(REVIVE));
      expect(error).to.be.instanceOf(MesosTransportError);
      expect((error as MesosTransportError).code).to.equal('ECONNREFUSED');
      expect(error.retryable).to.equal(true);
    });
  });

  describe('headers', () => {
    it('sends HTTP Basic from the credential and extra headers on every request', async () => {
      client = new SchedulerClient(master.url, {
        contentType: 'json',
        credential: { principal: 'fw-principal', secret: 's3cret' },
        headers: { 'X-Trace': 'yes' },
      });
      const streamReady = serveStream('json');
      const subscription = await client.subscribe(SUBSCRIBE);
      await streamReady;
      await client.call(REVIVE);
      const expected = `Basic ${Buffer.from('fw-principal:s3cret').toString('base64')}`;
      expect(master.requests.map((r) => r.headers.authorization)).to.deep.equal([expected, expected]);
      expect(master.requests.map((r) => r.headers['x-trace'])).to.deep.equal(['yes', 'yes']);
      subscription.close();
    });

    it('sends no Authorization without a credential', async () => {
      client = new SchedulerClient(master.url);
      await client.call(REVIVE);
      expect(master.requests[0]?.headers.authorization).to.equal(undefined);
    });
  });

  it('refuses SUBSCRIBE through call() and other calls through subscribe()', async () => {
    client = new SchedulerClient(master.url);
    expect(await rejection(client.call(SUBSCRIBE))).to.be.instanceOf(MesosMisuseError);
    expect(await rejection(client.subscribe(REVIVE))).to.be.instanceOf(MesosMisuseError);
    expect(master.requests).to.have.length(0);
  });
});

/**
 * SchedulerClient.acknowledge(): the promise-free acknowledgement entry point the driver uses for
 * implicit ACKNOWLEDGE calls, and the pipelined lane's one abort listener per signal behind it.
 */
import { getEventListeners } from 'node:events';
import type http from 'node:http';
import { expect } from 'chai';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { scheduler } from '../../lib/codec/messages';
import { MesosAbortError, type MesosError, MesosMisuseError, MesosProtocolError } from '../../lib/common/errors';
import { createLogger } from '../../lib/common/logger';
import { type AcknowledgementSink, SchedulerClient } from '../../lib/transport';
import { PipelinedLane } from '../../lib/transport/pipelined-lane';
import { FakeHttpMaster } from './helpers/http-master';

const codec = getCodec<scheduler.Call>(TYPE_NAMES.SchedulerCall, 'json');

function ackBytes(n: number): Buffer {
  return codec.encode({
    type: 'ACKNOWLEDGE',
    framework_id: { value: 'fw' },
    acknowledge: { agent_id: { value: 'a' }, task_id: { value: `task-${n}` }, uuid: Buffer.from([n]) },
  });
}

/** A sink recording what it is told, resolving `done` once `expected` outcomes arrived. */
class RecordingSink implements AcknowledgementSink {
  sentCount = 0;
  readonly errors: MesosError[] = [];
  private wake: (() => void) | undefined;
  constructor(private readonly expected: number) {}
  readonly done = new Promise<void>((resolve) => (this.wake = resolve));
  sent(): void {
    this.sentCount++;
    this.check();
  }
  failed(error: MesosError): void {
    this.errors.push(error);
    this.check();
  }
  private check(): void {
    if (this.sentCount + this.errors.length >= this.expected) this.wake?.();
  }
}

describe('transport: SchedulerClient.acknowledge() without a promise per call', function () {
  this.timeout(10_000);
  let master: FakeHttpMaster | undefined;
  let client: SchedulerClient | undefined;

  afterEach(async () => {
    client?.close();
    client = undefined;
    await master?.close();
    master = undefined;
  });

  for (const pipelineAcknowledgements of [true, false]) {
    it(`sends the bytes as given; one sink gets sent() per 2xx and the typed error of a 400 (pipelined: ${pipelineAcknowledgements})`, async () => {
      master = await FakeHttpMaster.start();
      master.handle((req, res) => {
        const task = JSON.parse(req.body.toString()).acknowledge.task_id.value;
        if (task === 'task-2') res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad ack');
        else res.writeHead(202).end();
      });
      client = new SchedulerClient(master.url, { contentType: 'json', pipelineAcknowledgements });
      const sink = new RecordingSink(5);
      const sent = Array.from({ length: 5 }, (_, i) => ackBytes(i));
      for (const bytes of sent) {
        expect(client.acknowledge('ACKNOWLEDGE', bytes, sink, { streamId: 's' })).to.equal(undefined);
      }
      await sink.done;
      expect(sink.sentCount).to.equal(4);
      expect(sink.errors).to.have.length(1);
      const error = sink.errors[0] as MesosProtocolError;
      expect(error).to.be.instanceOf(MesosProtocolError);
      expect(error.status).to.equal(400);
      expect(error.message).to.equal('call ACKNOWLEDGE failed with HTTP 400: Bad ack');
      expect(error.retryable).to.equal(false);
      const bodies = master.requests.map((r) => r.body.toString()).sort();
      expect(bodies).to.deep.equal(sent.map((b) => b.toString()).sort());
      expect(master.requests.map((r) => r.headers['mesos-stream-id'])).to.deep.equal(['s', 's', 's', 's', 's']);
    });
  }

  it('reports an already aborted signal to the sink a microtask later; throws once the client is closed', async () => {
    master = await FakeHttpMaster.start();
    client = new SchedulerClient(master.url, { contentType: 'json' });
    const sink = new RecordingSink(1);
    const controller = new AbortController();
    controller.abort();
    client.acknowledge('ACKNOWLEDGE', ackBytes(1), sink, { signal: controller.signal });
    expect(sink.errors).to.have.length(0);
    await sink.done;
    expect(sink.errors[0]).to.be.instanceOf(MesosAbortError);
    expect(() => (client as SchedulerClient).acknowledge('ACCEPT' as 'ACKNOWLEDGE', ackBytes(1), sink)).to.throw(
      MesosMisuseError,
      /ACKNOWLEDGE or ACKNOWLEDGE_OPERATION_STATUS, got ACCEPT/,
    );
    client.close();
    expect(() => (client as SchedulerClient).acknowledge('ACKNOWLEDGE', ackBytes(1), sink)).to.throw(
      MesosMisuseError,
      /is closed/,
    );
    expect(master.requests).to.have.length(0);
  });

  it('the lane keeps one abort listener per signal for all its requests, drops it once they settle, and an abort fails them all', async () => {
    master = await FakeHttpMaster.start();
    const held: http.ServerResponse[] = [];
    master.handle((_req, res) => {
      held.push(res);
    });
    const lane = new PipelinedLane({
      url: master.url,
      headers: { 'Content-Type': 'application/json' },
      tls: {},
      limit: 2,
      maxConnections: 1,
      timeoutMs: 5000,
      log: createLogger('test:acknowledge'),
    });
    try {
      const context = { url: master.url, apiPath: '/api/v1/scheduler', what: 'call ACKNOWLEDGE' };
      const kept = new AbortController();
      const answers = [0, 1].map((i) => lane.send(ackBytes(i), 's', context, kept.signal));
      expect(getEventListeners(kept.signal, 'abort')).to.have.length(1);
      await master.waitForRequests(2);
      for (const res of held.splice(0)) res.writeHead(202).end();
      await Promise.all(answers);
      expect(getEventListeners(kept.signal, 'abort')).to.have.length(0);

      const aborted = new AbortController();
      // Two written (limit 2), two queued behind them, one on another signal.
      const failing = [0, 1, 2, 3].map((i) => lane.send(ackBytes(i), 's', context, aborted.signal));
      const other = lane.send(ackBytes(9), 's', context);
      expect(getEventListeners(aborted.signal, 'abort')).to.have.length(1);
      await master.waitForRequests(4);
      aborted.abort();
      const results = await Promise.allSettled(failing);
      for (const result of results) {
        expect((result as PromiseRejectedResult).reason).to.be.instanceOf(MesosAbortError);
      }
      expect(getEventListeners(aborted.signal, 'abort')).to.have.length(0);
      // The written ones' answers are still read and dropped; the request on another signal is sent.
      for (const res of held.splice(0)) res.writeHead(202).end();
      await master.waitForRequests(5);
      for (const res of held.splice(0)) res.writeHead(202).end();
      expect((await other).status).to.equal(202);
    } finally {
      lane.close();
    }
  });
});

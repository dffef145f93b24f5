/**
 * The scheduler client's ordered lane, pipelined (the default): calls written back to back on one
 * connection in the order they were made, each settled only by its own answer.
 */
import { expect } from 'chai';
import type { scheduler } from '../../lib/codec/messages';
import { MesosConfigError, type MesosError, MesosProtocolError, MesosTransportError } from '../../lib/common/errors';
import { ORDERED_PIPELINE_DEPTH, SchedulerClient } from '../../lib/transport';
import { FakeHttpMaster, reply } from './helpers/http-master';

const FRAMEWORK_ID = { value: 'fw-1' };

function message(i: number): scheduler.Call {
  return {
    type: 'MESSAGE',
    framework_id: FRAMEWORK_ID,
    message: { agent_id: { value: 'a' }, executor_id: { value: 'e' }, data: Buffer.from(String(i)) },
  };
}

/** The index a MESSAGE call carries, read from a JSON body. */
function indexOf(body: Buffer): number {
  const call = JSON.parse(body.toString()) as { message: { data: string } };
  return Number(Buffer.from(call.message.data, 'base64').toString());
}

/** Settles to the value or the error, so a test can await a batch without unhandled rejections. */
function outcome(promise: Promise<unknown>): Promise<{ value?: unknown; error?: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

describe('SchedulerClient ordered lane, pipelined', function () {
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

  it('writes calls before earlier answers arrive, in call order, on one connection', async () => {
    client = new SchedulerClient(master.url, { contentType: 'json' });
    let inFlight = 0;
    let maxInFlight = 0;
    master.handle(async (_req, res) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      // Early calls answer slowest: any answer matched to the wrong call would show.
      await new Promise((r) => setTimeout(r, 5 + 20 * Math.random()));
      inFlight--;
      res.writeHead(202).end();
    });
    const calls = Array.from({ length: 12 }, (_, i) => client!.call(message(i)));
    await Promise.all(calls);
    expect(master.requests.map((r) => indexOf(r.body))).to.deep.equal(calls.map((_, i) => i));
    expect(new Set(master.requests.map((r) => r.connection)).size).to.equal(1);
    // Pipelined: the master had several of them at once, not one after another.
    expect(maxInFlight).to.be.greaterThan(1);
  });

  it('settles each call with its own answer, a failed call in the middle failing alone', async () => {
    client = new SchedulerClient(master.url, { contentType: 'json' });
    master.handle(async (req, res) => {
      const i = indexOf(req.body);
      // Answers leave in request order whatever the handlers' timing; every third call is refused.
      await new Promise((r) => setTimeout(r, 10 - i));
      if (i % 3 === 1) reply(res, 400, `refused call ${i}`);
      else res.writeHead(202).end();
    });
    const results = await Promise.all(Array.from({ length: 9 }, (_, i) => outcome(client!.call(message(i)))));
    results.forEach((result, i) => {
      if (i % 3 === 1) {
        expect(result.error, `call ${i}`).to.be.instanceOf(MesosProtocolError);
        expect((result.error as MesosProtocolError).status).to.equal(400);
        expect((result.error as MesosProtocolError).body).to.equal(`refused call ${i}`);
      } else {
        expect(result.error, `call ${i}`).to.equal(undefined);
        expect(result.value).to.equal(undefined);
      }
    });
    expect(master.requests.map((r) => indexOf(r.body))).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(master.connectionCount).to.equal(1);
  });

  it('fails the calls written on a connection that closes mid-pipeline (retryable); later calls go on a new one, in order', async () => {
    client = new SchedulerClient(master.url, { contentType: 'json' });
    master.handle(async (req, res) => {
      const i = indexOf(req.body);
      if (i < 2 || i >= 5) {
        res.writeHead(202).end();
        return;
      }
      // Calls 2..4 are read but never answered: the connection dies under them (call 2's answer
      // is next in line, so its response holds the socket once 0 and 1 are answered).
      await master.waitForRequests(5);
      if (i === 2) setTimeout(() => res.socket?.destroy(), 20);
    });
    const first = await Promise.all(Array.from({ length: 5 }, (_, i) => outcome(client!.call(message(i)))));
    expect(first[0]?.error).to.equal(undefined);
    expect(first[1]?.error).to.equal(undefined);
    for (const i of [2, 3, 4]) {
      const error = first[i]?.error;
      expect(error, `call ${i}`).to.be.instanceOf(MesosTransportError);
      expect((error as MesosError).retryable, `call ${i}`).to.equal(true);
    }
    const later = await Promise.all([5, 6, 7].map((i) => outcome(client!.call(message(i)))));
    for (const result of later) expect(result.error).to.equal(undefined);
    // Nothing was sent twice; the calls after the break arrived in order on a second connection.
    expect(master.requests.map((r) => indexOf(r.body))).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(master.requests.slice(5).map((r) => r.connection)).to.deep.equal([2, 2, 2]);
  });

  it(`keeps at most ${ORDERED_PIPELINE_DEPTH} calls unanswered; the rest wait their turn in order`, async () => {
    client = new SchedulerClient(master.url, { contentType: 'json' });
    const held: Array<() => void> = [];
    master.handle((_req, res) => {
      held.push(() => res.writeHead(202).end());
    });
    const total = ORDERED_PIPELINE_DEPTH + 6;
    const calls = Array.from({ length: total }, (_, i) => client!.call(message(i)));
    await master.waitForRequests(ORDERED_PIPELINE_DEPTH);
    await new Promise((r) => setTimeout(r, 50));
    expect(master.requests).to.have.length(ORDERED_PIPELINE_DEPTH);
    while (master.requests.length < total || held.length > 0) {
      held.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(calls);
    expect(master.requests.map((r) => indexOf(r.body))).to.deep.equal(calls.map((_, i) => i));
    expect(master.connectionCount).to.equal(1);
  });

  it('rejects a pipelineCalls that is not a boolean', () => {
    expect(() => new SchedulerClient(master.url, { pipelineCalls: 'yes' as unknown as boolean })).to.throw(
      MesosConfigError,
      /pipelineCalls/,
    );
  });

  it('does not pipeline the ordered calls when acknowledgements are not pipelined either', async () => {
    client = new SchedulerClient(master.url, { contentType: 'json', pipelineAcknowledgements: false });
    let inFlight = 0;
    let maxInFlight = 0;
    master.handle(async (_req, res) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
      res.writeHead(202).end();
    });
    await Promise.all(Array.from({ length: 6 }, (_, i) => client!.call(message(i))));
    expect(maxInFlight).to.equal(1);
    expect(master.requests.map((r) => indexOf(r.body))).to.deep.equal([0, 1, 2, 3, 4, 5]);
  });
});

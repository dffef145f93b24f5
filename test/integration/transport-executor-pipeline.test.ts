/**
 * ExecutorClient's calls (UPDATE, MESSAGE, HEARTBEAT): pipelined in call order on one connection,
 * and written to the socket before call() returns once that connection is open, so an executor
 * that blocks its event loop right after a status update does not hold the update back.
 */
import net from 'node:net';
import { expect } from 'chai';
import sinon from 'sinon';
import type { executor } from '../../lib/codec/messages';
import { MesosConfigError } from '../../lib/common/errors';
import { ExecutorClient } from '../../lib/transport';
import { FakeHttpMaster } from './helpers/http-master';

function update(i: number): executor.Call {
  return {
    type: 'MESSAGE',
    executor_id: { value: 'e' },
    framework_id: { value: 'f' },
    message: { data: Buffer.from(String(i)) },
  };
}

function indexOf(body: Buffer): number {
  const call = JSON.parse(body.toString()) as { message: { data: string } };
  return Number(Buffer.from(call.message.data, 'base64').toString());
}

describe('ExecutorClient calls, pipelined', function () {
  this.timeout(10_000);
  let agent: FakeHttpMaster;
  let client: ExecutorClient | undefined;

  beforeEach(async () => {
    agent = await FakeHttpMaster.start();
  });

  afterEach(async () => {
    sinon.restore();
    client?.close();
    client = undefined;
    await agent.close();
  });

  async function maxInFlightOf(options: { pipelineCalls?: boolean }): Promise<number> {
    client = new ExecutorClient(agent.url, { contentType: 'json', ...options });
    let inFlight = 0;
    let maxInFlight = 0;
    agent.handle(async (_req, res) => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((r) => setTimeout(r, 5 + 20 * Math.random()));
      inFlight--;
      res.writeHead(202).end();
    });
    const calls = Array.from({ length: 10 }, (_, i) => client!.call(update(i)));
    await Promise.all(calls);
    expect(agent.requests.map((r) => indexOf(r.body))).to.deep.equal(calls.map((_, i) => i));
    return maxInFlight;
  }

  it('writes calls in call order on one connection, before earlier answers arrive', async () => {
    expect(await maxInFlightOf({})).to.be.greaterThan(1);
    expect(new Set(agent.requests.map((r) => r.connection)).size).to.equal(1);
  });

  it('with pipelineCalls: false, sends one call at a time, still in order', async () => {
    expect(await maxInFlightOf({ pipelineCalls: false })).to.equal(1);
  });

  it('hands the bytes of a call to the open connection before call() returns', async () => {
    client = new ExecutorClient(agent.url, { contentType: 'json' });
    agent.handle((_req, res) => void res.writeHead(202).end());
    await client.call(update(0)); // opens the connection
    const write = sinon.spy(net.Socket.prototype, 'write');
    const second = client.call(update(1));
    const writtenBeforeReturn = write.callCount;
    write.restore();
    await second;
    expect(writtenBeforeReturn).to.be.greaterThan(0);
  });

  it('refuses a pipelineCalls that is not a boolean', () => {
    expect(() => new ExecutorClient(agent.url, { pipelineCalls: 'yes' as unknown as boolean })).to.throw(
      MesosConfigError,
      'pipelineCalls',
    );
  });
});

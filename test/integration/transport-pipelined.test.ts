import net from 'node:net';
import { inspect } from 'node:util';
import { expect } from 'chai';
import type { scheduler } from '../../lib/codec/messages';
import { MesosAbortError, MesosProtocolError, MesosTimeoutError, MesosTransportError } from '../../lib/common/errors';
import { createLogger } from '../../lib/common/logger';
import { SchedulerClient } from '../../lib/transport';
import type { RequestContext } from '../../lib/transport/errors';
import { PipelinedLane } from '../../lib/transport/pipelined-lane';
import { FakeHttpMaster } from './helpers/http-master';
import { makeSelfSignedCert } from './helpers/http-tls';

/** A request as the raw server read it off the socket. */
interface RawRequest {
  head: string;
  body: string;
}

/** A raw TCP server that hands each connection's parsed requests to the test, which writes raw answers. */
class RawServer {
  readonly sockets = new Set<net.Socket>();
  connections = 0;
  /** Bytes of requests received per socket 'data' event, to see batching. */
  readonly reads: number[] = [];
  private onRequests: (socket: net.Socket, requests: RawRequest[], all: RawRequest[]) => void = () => {};

  private constructor(private readonly server: net.Server) {}

  static async start(): Promise<RawServer> {
    const server = net.createServer();
    const raw = new RawServer(server);
    server.on('connection', (socket) => raw.accept(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return raw;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as net.AddressInfo).port}/api/v1/scheduler`;
  }

  /** Called with the requests completed by each read, and every request of the connection so far. */
  handle(handler: (socket: net.Socket, requests: RawRequest[], all: RawRequest[]) => void): void {
    this.onRequests = handler;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.connections++;
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    let pending = '';
    const all: RawRequest[] = [];
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      const completed: RawRequest[] = [];
      for (;;) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = pending.slice(0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (pending.length < end + 4 + length) break;
        completed.push({ head, body: pending.slice(end + 4, end + 4 + length) });
        pending = pending.slice(end + 4 + length);
      }
      this.reads.push(completed.length);
      all.push(...completed);
      if (completed.length > 0) this.onRequests(socket, completed, all);
    });
  }
}

function answer(status: number, body = '', extra = ''): string {
  return `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

function context(what: string, url: string): RequestContext {
  return { url, apiPath: '/api/v1/scheduler', what };
}

function makeLane(url: string, overrides: { limit?: number; maxConnections?: number; timeoutMs?: number } = {}) {
  return new PipelinedLane({
    url,
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    tls: {},
    limit: overrides.limit ?? 16,
    maxConnections: overrides.maxConnections ?? 1,
    timeoutMs: overrides.timeoutMs ?? 5000,
    log: createLogger('test:pipelined'),
  });
}

function ack(n: number): scheduler.Call {
  return {
    type: 'ACKNOWLEDGE',
    framework_id: { value: 'fw' },
    acknowledge: { agent_id: { value: 'a' }, task_id: { value: `task-${n}` }, uuid: Buffer.from([n]) },
  };
}

async function settle<T>(promises: Promise<T>[]): Promise<PromiseSettledResult<T>[]> {
  return Promise.allSettled(promises);
}

describe('transport: pipelined acknowledgement lane', function () {
  this.timeout(10_000);
  let server: RawServer;
  let lane: PipelinedLane | undefined;

  beforeEach(async () => {
    server = await RawServer.start();
  });
  afterEach(async () => {
    lane?.close();
    lane = undefined;
    await server.close();
  });

  it('writes a batch back to back on one connection and matches answers to requests in order', async () => {
    // Answers only once all eight are in: chunked bodies, in order, split across two writes.
    server.handle((socket, _requests, all) => {
      if (all.length < 8) return;
      const text = all
        .map((request) => {
          const body = `answer-to-${request.body}`;
          return `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;
        })
        .join('');
      socket.write(text.slice(0, 37));
      setTimeout(() => socket.write(text.slice(37)), 10);
    });
    lane = makeLane(server.url);
    const calls = Array.from({ length: 8 }, (_, i) =>
      lane?.send(Buffer.from(`req-${i}`), 'sid', context('call ACKNOWLEDGE', server.url)),
    );
    const answers = await Promise.all(calls);
    expect(answers.map((a) => a?.body.toString())).to.deep.equal(
      Array.from({ length: 8 }, (_, i) => `answer-to-req-${i}`),
    );
    expect(server.connections).to.equal(1);
    // All eight arrived in one read: one write for the batch.
    expect(server.reads[0]).to.equal(8);
  });

  it('while every connection awaits answers, holds new requests until an answer arrives, then writes them as one batch', async () => {
    let release: () => void = () => {};
    server.handle((socket, requests, all) => {
      if (all.length === 1) release = () => socket.write(answer(202));
      else socket.write(requests.map(() => answer(202)).join(''));
    });
    lane = makeLane(server.url);
    const first = lane.send(Buffer.from('first'), 'sid', context('call ACKNOWLEDGE', server.url));
    while (server.reads.length === 0) await new Promise((r) => setTimeout(r, 5));
    // Six requests made over six event-loop turns while the first answer is outstanding.
    const later: Array<Promise<unknown>> = [];
    for (let i = 0; i < 6; i++) {
      later.push(lane.send(Buffer.from(`later-${i}`), 'sid', context('call ACKNOWLEDGE', server.url)));
      await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 20));
    expect(server.reads).to.deep.equal([1]);
    release();
    await Promise.all([first, ...later]);
    // Written together once the answer came: one read of six requests.
    expect(server.reads).to.deep.equal([1, 6]);
  });

  it('sends the configured headers, the stream id, Host and Content-Length', async () => {
    let head = '';
    server.handle((socket, requests) => {
      head = (requests[0] as RawRequest).head;
      socket.write(answer(202));
    });
    lane = makeLane(server.url);
    await lane.send(Buffer.from('{}'), 'stream-7', context('call ACKNOWLEDGE', server.url));
    const port = new URL(server.url).port;
    expect(head.split('\r\n')).to.deep.equal([
      'POST /api/v1/scheduler HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Content-Type: application/json',
      'Accept: application/json',
      'Mesos-Stream-Id: stream-7',
      'Content-Length: 2',
    ]);
  });

  it('keeps at most `limit` requests outstanding per connection and sends the rest as answers come', async () => {
    let maxOutstanding = 0;
    let answered = 0;
    let received = 0;
    server.handle((socket, requests) => {
      received += requests.length;
      maxOutstanding = Math.max(maxOutstanding, received - answered);
      setTimeout(() => {
        answered += requests.length;
        socket.write(requests.map(() => answer(202)).join(''));
      }, 5);
    });
    lane = makeLane(server.url, { limit: 4 });
    const calls = Array.from({ length: 20 }, () => lane?.send(Buffer.from('x'), undefined, context('c', server.url)));
    const answers = await Promise.all(calls);
    expect(answers.every((a) => a?.status === 202)).to.equal(true);
    expect(received).to.equal(20);
    expect(maxOutstanding).to.equal(4);
    expect(server.connections).to.equal(1);
  });

  it('spreads requests over a few connections once the first is full', async () => {
    server.handle((socket, requests) => socket.write(requests.map(() => answer(202)).join('')));
    lane = makeLane(server.url, { limit: 8, maxConnections: 2 });
    const calls = Array.from({ length: 8 }, () => lane?.send(Buffer.from('x'), undefined, context('c', server.url)));
    await Promise.all(calls);
    expect(server.connections).to.equal(2);
  });

  it('never has more than `limit` requests outstanding over all connections', async () => {
    let received = 0;
    let answered = 0;
    let peak = 0;
    server.handle((socket, requests) => {
      received += requests.length;
      peak = Math.max(peak, received - answered);
      setTimeout(() => {
        answered += requests.length;
        socket.write(requests.map(() => answer(202)).join(''));
      }, 5);
    });
    lane = makeLane(server.url, { limit: 3, maxConnections: 2 });
    const calls = Array.from({ length: 30 }, () => lane?.send(Buffer.from('x'), undefined, context('c', server.url)));
    await Promise.all(calls);
    expect(received).to.equal(30);
    expect(peak).to.equal(3);
    expect(server.connections).to.equal(2);
  });

  it('fails the outstanding requests retryably when the server closes mid-batch, then reconnects', async () => {
    server.handle((socket, _requests, all) => {
      if (all.length < 4) return;
      // Answers two, then cuts the third answer short and closes.
      socket.end(`${answer(202)}${answer(202)}HTTP/1.1 202 X\r\nContent-Le`);
    });
    lane = makeLane(server.url);
    const calls = Array.from({ length: 4 }, (_, i) =>
      lane?.send(Buffer.from(`${i}`), undefined, context(`ack ${i}`, server.url)),
    );
    const results = await settle(calls as Promise<unknown>[]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    for (const result of results.slice(2)) {
      const error = (result as PromiseRejectedResult).reason;
      expect(error).to.be.instanceOf(MesosTransportError);
      expect(error.retryable).to.equal(true);
      expect(error.message).to.match(/^ack [23] to http:\/\/127\.0\.0\.1:\d+\/api\/v1\/scheduler failed/);
    }
    server.handle((socket, requests) => socket.write(requests.map(() => answer(202)).join('')));
    const again = await lane.send(Buffer.from('again'), undefined, context('c', server.url));
    expect(again.status).to.equal(202);
    expect(server.connections).to.equal(2);
  });

  it('fails what is still outstanding after a Connection: close answer, retryably', async () => {
    server.handle((socket, _requests, all) => {
      if (all.length < 3) return;
      socket.write(answer(202, '', 'Connection: close\r\n'));
    });
    lane = makeLane(server.url);
    const calls = Array.from({ length: 3 }, () => lane?.send(Buffer.from('x'), undefined, context('c', server.url)));
    const results = await settle(calls as Promise<unknown>[]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'rejected']);
    expect((results[1] as PromiseRejectedResult).reason).to.be.instanceOf(MesosTransportError);
    expect((results[1] as PromiseRejectedResult).reason.retryable).to.equal(true);
  });

  it('fails the connection on a malformed answer', async () => {
    server.handle((socket) => socket.write('HTTP/1.1 abc\r\n\r\n'));
    lane = makeLane(server.url);
    const error = await lane.send(Buffer.from('x'), undefined, context('c', server.url)).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(MesosTransportError);
    expect((error as MesosTransportError).retryable).to.equal(true);
    expect((error as MesosTransportError).code).to.equal('HPE_INVALID_RESPONSE');
    expect((error as MesosTransportError).message).to.match(/^c to .* failed: Malformed status line/);
  });

  it('an aborted queued request is never written; an aborted written one leaves the others in order', async () => {
    const bodies: string[] = [];
    let release: (() => void) | undefined;
    server.handle((socket, requests) => {
      for (const request of requests) bodies.push(request.body);
      release = () => socket.write(requests.map((r) => answer(200, `to-${r.body}`)).join(''));
      if (bodies.length > 2) release();
    });
    lane = makeLane(server.url, { limit: 2 });
    const queued = new AbortController();
    const written = new AbortController();
    const first = lane.send(Buffer.from('a'), undefined, context('a', server.url), written.signal);
    const second = lane.send(Buffer.from('b'), undefined, context('b', server.url));
    const third = lane.send(Buffer.from('c'), undefined, context('c', server.url), queued.signal);
    const fourth = lane.send(Buffer.from('d'), undefined, context('d', server.url));
    await new Promise((resolve) => setTimeout(resolve, 30));
    queued.abort();
    written.abort();
    release?.();
    const results = await settle<unknown>([first, second, third, fourth]);
    expect((results[0] as PromiseRejectedResult).reason).to.be.instanceOf(MesosAbortError);
    expect((results[0] as PromiseRejectedResult).reason.message).to.equal('a was aborted');
    expect((results[1] as PromiseFulfilledResult<{ body: Buffer }>).value.body.toString()).to.equal('to-b');
    expect((results[2] as PromiseRejectedResult).reason).to.be.instanceOf(MesosAbortError);
    expect((results[3] as PromiseFulfilledResult<{ body: Buffer }>).value.body.toString()).to.equal('to-d');
    expect(bodies).to.deep.equal(['a', 'b', 'd']);
  });

  it('times out a request with no answer and fails the ones behind it retryably', async () => {
    server.handle(() => {});
    lane = makeLane(server.url, { timeoutMs: 100 });
    const results = await settle<unknown>([
      lane.send(Buffer.from('x'), undefined, context('first', server.url)),
      lane.send(Buffer.from('y'), undefined, context('second', server.url)),
    ]);
    for (const result of results) {
      const error = (result as PromiseRejectedResult).reason;
      expect(error.retryable).to.equal(true);
      expect(error).to.satisfy((e: unknown) => e instanceof MesosTimeoutError || e instanceof MesosTransportError);
    }
    expect((results[0] as PromiseRejectedResult).reason).to.be.instanceOf(MesosTimeoutError);
  });

  it('close() fails queued and outstanding requests with MesosAbortError', async () => {
    server.handle(() => {});
    lane = makeLane(server.url, { limit: 1 });
    const first = lane.send(Buffer.from('x'), undefined, context('first', server.url));
    const second = lane.send(Buffer.from('y'), undefined, context('second', server.url));
    await new Promise((resolve) => setTimeout(resolve, 20));
    lane.close();
    const results = await settle<unknown>([first, second]);
    expect(results.map((r) => (r as PromiseRejectedResult).reason?.message)).to.deep.equal([
      'first was aborted: the client was closed',
      'second was aborted: the client was closed',
    ]);
  });
});

describe('transport: SchedulerClient acknowledgements over the pipelined lane', function () {
  this.timeout(15_000);
  let master: FakeHttpMaster | undefined;
  let client: SchedulerClient | undefined;

  afterEach(async () => {
    client?.close();
    client = undefined;
    await master?.close();
    master = undefined;
  });

  it('maps a 400 in the middle of a batch to that call only', async () => {
    master = await FakeHttpMaster.start();
    master.handle((req, res) => {
      const task = JSON.parse(req.body.toString()).acknowledge.task_id.value;
      if (task === 'task-2') res.writeHead(400, { 'Content-Type': 'text/plain' }).end('Bad ack');
      else res.writeHead(202).end();
    });
    client = new SchedulerClient(master.url, { contentType: 'json' });
    const results = await settle(
      Array.from({ length: 5 }, (_, i) => (client as SchedulerClient).call(ack(i), { streamId: 's' })),
    );
    expect(results.map((r) => r.status)).to.deep.equal([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const error = (results[2] as PromiseRejectedResult).reason;
    expect(error).to.be.instanceOf(MesosProtocolError);
    expect(error.status).to.equal(400);
    expect(error.message).to.equal('call ACKNOWLEDGE failed with HTTP 400: Bad ack');
    expect(error.retryable).to.equal(false);
    expect(master.requests.map((r) => r.headers['mesos-stream-id'])).to.deep.equal(['s', 's', 's', 's', 's']);
    // Five acknowledgements, a batch over at most two connections.
    expect(master.connectionCount).to.be.at.most(2);
  });

  it('pipelines acknowledgements over TLS, and refuses an untrusted certificate without retrying', async () => {
    const cert = makeSelfSignedCert();
    master = await FakeHttpMaster.start(cert);
    client = new SchedulerClient(master.url, { contentType: 'json', tls: { ca: cert.cert } });
    await Promise.all(Array.from({ length: 6 }, (_, i) => (client as SchedulerClient).call(ack(i), { streamId: 's' })));
    expect(master.requests).to.have.length(6);
    expect(master.requests.every((r) => r.method === 'POST' && r.path === '/api/v1/scheduler')).to.equal(true);
    client.close();
    client = new SchedulerClient(master.url, { contentType: 'json' });
    const error = await client.call(ack(1), { streamId: 's' }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).to.be.instanceOf(MesosTransportError);
    expect((error as MesosTransportError).retryable).to.equal(false);
    expect((error as MesosTransportError).code).to.equal('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('never puts the credential in errors of pipelined acknowledgements', async () => {
    master = await FakeHttpMaster.start();
    const credential = { principal: 'pipelined-principal', secret: 'pipelined-secret-4e1a' };
    const token = Buffer.from(`${credential.principal}:${credential.secret}`).toString('base64');
    client = new SchedulerClient(master.url, { contentType: 'json', credential, requestTimeoutMs: 100 });
    const errors: unknown[] = [];
    const collect = (promise: Promise<unknown>) => promise.catch((err: unknown) => errors.push(err));
    master.handle((_req, res) => {
      res.writeHead(401).end('who are you');
    });
    await collect(client.call(ack(1), { streamId: 's' }));
    master.handle((_req, res) => {
      res.socket?.destroy();
    });
    await collect(client.call(ack(2), { streamId: 's' }));
    master.handle(() => {});
    await collect(client.call(ack(3), { streamId: 's' }));
    expect(errors).to.have.length(3);
    expect(master.requests[0]?.headers.authorization).to.equal(`Basic ${token}`);
    for (const error of errors) {
      const text = [String(error), JSON.stringify(error), inspect(error, { depth: Infinity, showHidden: true })].join(
        '\n',
      );
      expect(text).not.to.include(credential.secret);
      expect(text).not.to.include(token);
    }
  });

  it('sends acknowledgements through http.request when pipelining is turned off', async () => {
    master = await FakeHttpMaster.start();
    client = new SchedulerClient(master.url, { contentType: 'json', pipelineAcknowledgements: false });
    await Promise.all(Array.from({ length: 3 }, (_, i) => (client as SchedulerClient).call(ack(i), { streamId: 's' })));
    expect(master.requests).to.have.length(3);
  });
});

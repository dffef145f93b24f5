/**
 * MesosAgentOperator's streaming and long-poll calls against a scripted stub: ATTACH_CONTAINER_OUTPUT
 * and LAUNCH_NESTED_CONTAINER_SESSION as ProcessIO records as they arrive (with the RecordIO
 * headers), ATTACH_CONTAINER_INPUT as a streaming RecordIO request, WAIT_CONTAINER without the
 * request time limit, READ_FILE and following a growing file.
 */
import type http from 'node:http';
import { expect } from 'chai';
import { getCodec, TYPE_NAMES, type WireFormat } from '../../lib/codec/codec';
import type { agent } from '../../lib/codec/messages';
import { RecordIODecoder } from '../../lib/codec/recordio';
import { MesosError, MesosTimeoutError } from '../../lib/common/errors';
import { MesosAgentOperator, stdinData, stdinEof } from '../../lib/operator';
import { FakeHttpMaster, type FakeStream, openStream, type RecordedRequest } from './helpers/http-master';
import { makeSelfSignedCert } from './helpers/http-tls';

const MEDIA: Record<WireFormat, string> = { json: 'application/json', protobuf: 'application/x-protobuf' };
const CONTAINER = { value: 'c1' };
const out = (format: WireFormat, text: string, type: agent.ProcessIO.Data.Type = 'STDOUT') =>
  getCodec<agent.ProcessIO>(TYPE_NAMES.ProcessIO, format).encode({
    type: 'DATA',
    data: { type, data: Buffer.from(text) },
  });

function answer(res: http.ServerResponse, message: agent.Response): void {
  const body = getCodec<agent.Response>(TYPE_NAMES.AgentResponse, 'json').encode(message);
  res.writeHead(200, { 'Content-Type': MEDIA.json, 'Content-Length': body.length });
  res.end(body);
}

describe('agent operator: streaming and long-poll calls', () => {
  let fake: FakeHttpMaster;
  const clients: MesosAgentOperator[] = [];
  const agentClient = (format: WireFormat = 'json', options = {}) => {
    const c = new MesosAgentOperator(fake.url, { contentType: format, ...options });
    clients.push(c);
    return c;
  };
  beforeEach(async () => {
    fake = await FakeHttpMaster.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await fake.close();
  });

  for (const format of ['json', 'protobuf'] as const) {
    it(`ATTACH_CONTAINER_OUTPUT yields ProcessIO records as they arrive (${format}), with the RecordIO headers`, async () => {
      let server: FakeStream | undefined;
      fake.handle((_req, res) => {
        res.setHeader('Message-Content-Type', MEDIA[format]);
        server = openStream(res, 'application/recordio', undefined);
      });
      const output = await agentClient(format).attachContainerOutput(CONTAINER);
      expect(output.format).to.equal(format);
      const [request] = fake.requests as [RecordedRequest];
      expect(request.headers.accept).to.equal('application/recordio');
      expect(request.headers['message-accept']).to.equal(MEDIA[format]);
      expect(request.headers['content-type']).to.equal(MEDIA[format]);
      const call = getCodec<agent.Call>(TYPE_NAMES.AgentCall, format).decode(request.body);
      expect(call).to.deep.equal({
        type: 'ATTACH_CONTAINER_OUTPUT',
        attach_container_output: { container_id: CONTAINER },
      });
      const iterator = output[Symbol.asyncIterator]();
      await server?.send([out(format, 'hello\n')], 3);
      // The first record is read before the second one is even written: nothing waits for the end.
      const first = await iterator.next();
      expect(Buffer.from(first.value?.data?.data as Uint8Array).toString()).to.equal('hello\n');
      await server?.send([out(format, 'oops\n', 'STDERR')]);
      const second = await iterator.next();
      expect(second.value?.data?.type).to.equal('STDERR');
      server?.end();
      expect((await iterator.next()).done).to.equal(true);
    });
  }

  it('streams over TLS with the client TLS settings and credentials', async () => {
    const cert = makeSelfSignedCert();
    const tlsFake = await FakeHttpMaster.start(cert);
    try {
      tlsFake.handle((_req, res) => {
        res.setHeader('Message-Content-Type', MEDIA.json);
        const server = openStream(res, 'application/recordio', undefined);
        void server.send([out('json', 'secure')]).then(() => server.end());
      });
      const client = new MesosAgentOperator(tlsFake.url, {
        contentType: 'json',
        tls: { ca: cert.cert },
        credential: { principal: 'ops', secret: 'pw' },
      });
      clients.push(client);
      const records: string[] = [];
      for await (const record of await client.attachContainerOutput(CONTAINER)) {
        records.push(Buffer.from(record.data?.data as Uint8Array).toString());
      }
      expect(records).to.deep.equal(['secure']);
      expect(tlsFake.requests[0]?.headers.authorization).to.equal(`Basic ${Buffer.from('ops:pw').toString('base64')}`);
      await client.close();
    } finally {
      await tlsFake.close();
    }
  });

  it('LAUNCH_NESTED_CONTAINER_SESSION streams the output; close() drops the connection', async () => {
    let server: FakeStream | undefined;
    fake.handle((_req, res) => {
      res.setHeader('Message-Content-Type', MEDIA.json);
      server = openStream(res, 'application/recordio', undefined);
    });
    const session = await agentClient().launchNestedContainerSession({
      container_id: { value: 'debug', parent: CONTAINER },
      command: { value: 'tail -f stdout' },
    });
    const received: string[] = [];
    const reading = (async () => {
      for await (const record of session) received.push(Buffer.from(record.data?.data as Uint8Array).toString());
    })();
    await server?.send([out('json', 'a'), out('json', 'b')]);
    while (received.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    session.close();
    await reading;
    await server?.gone;
    expect(received).to.deep.equal(['a', 'b']);
  });

  it('a stream cut inside a record is an error, not a quiet end', async () => {
    fake.handle((_req, res) => {
      res.setHeader('Message-Content-Type', MEDIA.json);
      const server = openStream(res, 'application/recordio', undefined);
      void server.raw('50\n{"type":"DA').then(() => server.end());
    });
    const output = await agentClient().attachContainerOutput(CONTAINER);
    const failure = await (async () => {
      try {
        for await (const _record of output) {
          // nothing complete arrives
        }
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(failure).to.be.instanceOf(MesosError);
  });

  it('ATTACH_CONTAINER_INPUT streams the input as RecordIO records, CONTAINER_ID first', async () => {
    fake.handle((_req, res) => {
      res.writeHead(200).end();
    });
    async function* input() {
      yield stdinData('ls\n');
      await new Promise((resolve) => setTimeout(resolve, 10));
      yield stdinEof();
    }
    await agentClient('protobuf').attachContainerInput(CONTAINER, input());
    const [request] = fake.requests as [RecordedRequest];
    expect(request.headers['content-type']).to.equal('application/recordio');
    expect(request.headers['message-content-type']).to.equal(MEDIA.protobuf);
    expect(request.headers['transfer-encoding']).to.equal('chunked');
    const codec = getCodec<agent.Call>(TYPE_NAMES.AgentCall, 'protobuf');
    const calls = new RecordIODecoder().write(request.body).map((record) => codec.decode(record));
    expect(calls.map((c) => c.attach_container_input?.type)).to.deep.equal([
      'CONTAINER_ID',
      'PROCESS_IO',
      'PROCESS_IO',
    ]);
    expect(calls[0]?.attach_container_input?.container_id).to.deep.equal(CONTAINER);
    expect(Buffer.from(calls[1]?.attach_container_input?.process_io?.data?.data as Uint8Array).toString()).to.equal(
      'ls\n',
    );
    expect(calls[2]?.attach_container_input?.process_io?.data?.data).to.have.length(0);
  });

  it('WAIT_CONTAINER is a long poll: the request time limit does not apply to it', async () => {
    fake.handle((req, res) => {
      const type = getCodec<agent.Call>(TYPE_NAMES.AgentCall, 'json').decode(req.body).type;
      setTimeout(() => {
        if (type === 'WAIT_CONTAINER') answer(res, { type: 'WAIT_CONTAINER', wait_container: { exit_status: 0 } });
        else answer(res, { type: 'GET_HEALTH', get_health: { healthy: true } });
      }, 150);
    });
    const client = agentClient('json', { requestTimeoutMs: 50 });
    expect(await client.waitContainer(CONTAINER)).to.deep.equal({ exit_status: 0 });
    expect(await client.getHealth().catch((e: unknown) => e)).to.be.instanceOf(MesosTimeoutError);
  });

  it('followFile() yields a growing file chunk by chunk from an offset', async () => {
    let content = 'line 1\n';
    fake.handle((req, res) => {
      const call = getCodec<agent.Call>(TYPE_NAMES.AgentCall, 'json').decode(req.body);
      const { path } = call.read_file as agent.Call.ReadFile;
      const offset = Number(call.read_file?.offset);
      const length = call.read_file?.length === undefined ? undefined : Number(call.read_file.length);
      expect(path).to.equal('/frameworks/fw/executors/t1/runs/latest/stdout');
      const data = Buffer.from(content).subarray(offset, length === undefined ? undefined : offset + length);
      answer(res, { type: 'READ_FILE', read_file: { size: content.length, data } });
    });
    const controller = new AbortController();
    const chunks: string[] = [];
    const path = '/frameworks/fw/executors/t1/runs/latest/stdout';
    for await (const chunk of agentClient().followFile(path, { pollIntervalMs: 10, signal: controller.signal })) {
      chunks.push(chunk.toString());
      if (chunks.length === 1) content += 'line 2\n';
      if (chunks.length === 2) controller.abort();
    }
    expect(chunks).to.deep.equal(['line 1\n', 'line 2\n']);
    const read = await agentClient().readFile(path, 5, 2);
    expect(read.size).to.equal(14);
    expect(Buffer.from(read.data).toString()).to.equal('1\n');
  });
});

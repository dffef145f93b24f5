/**
 * LocalCluster's bounded body reader over real sockets: an oversized body gets its 413 (not a
 * connection reset), a body far past the limit ends the connection, and a client that goes away
 * mid-body rejects the read instead of leaving it pending.
 */

import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { readBody } from '../../lib/local/operator/http';

const LIMIT = 64 * 1024;

describe('LocalCluster request bodies (readBody)', () => {
  let server: Server;
  let port: number;
  const outcomes: string[] = [];

  before(async () => {
    server = createServer((req, res) => {
      readBody(req, LIMIT).then(
        (body) => {
          outcomes.push(body === undefined ? 'too large' : `read ${body.length}`);
          res.statusCode = body === undefined ? 413 : 200;
          res.end(body === undefined ? 'too large' : 'ok');
        },
        (err: Error) => {
          outcomes.push(`rejected: ${err.message}`);
          res.destroy();
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    outcomes.length = 0;
  });

  function post(bytes: number, abortAfterMs?: number): Promise<number | string> {
    return new Promise((resolve) => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      if (abortAfterMs !== undefined) {
        req.write(Buffer.alloc(1024));
        setTimeout(() => req.destroy(), abortAfterMs);
        return;
      }
      req.end(Buffer.alloc(bytes));
    });
  }

  it('reads a body within the limit', async () => {
    expect(await post(LIMIT)).to.equal(200);
    expect(outcomes).to.deep.equal([`read ${LIMIT}`]);
  });

  it('answers a body just past the limit: the 413 reaches the client', async () => {
    expect(await post(LIMIT + 1)).to.equal(413);
    expect(await post(2 * LIMIT)).to.equal(413);
    expect(outcomes).to.deep.equal(['too large', 'too large']);
  });

  it('cuts the connection of a body far past the limit, without reading it all', async () => {
    const result = await post(64 * LIMIT);
    // Either the 413 won the race to the client or the connection was cut; never a 200.
    expect([413, 'ECONNRESET', 'EPIPE']).to.include(result);
    expect(outcomes).to.deep.equal(['too large']);
  });

  it('rejects the read of a client that goes away mid-body', async () => {
    await post(0, 50);
    for (let i = 0; i < 50 && outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(outcomes).to.have.length(1);
    expect(outcomes[0]).to.match(/^rejected: /);
  });
});

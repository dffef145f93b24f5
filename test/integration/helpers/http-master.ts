/**
 * A small scriptable fake Mesos master/agent on 127.0.0.1 for transport tests: it records every
 * request and answers as the test tells it, including RecordIO streams written in small chunks.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { encodeRecord } from '../../../lib/codec/recordio';

/** A request as the fake server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** Which TCP connection carried it (1, 2, ... in accept order). */
  connection: number;
}

/** Answers one request. */
export type RequestHandler = (request: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

/** TLS material for an https fake. */
export interface FakeTlsOptions {
  key: string;
  cert: string;
}

/** The fake master: start it, script it with `handle()`, read `requests`, `close()` it. */
export class FakeHttpMaster {
  readonly requests: RecordedRequest[] = [];
  private handler: RequestHandler = (_req, res) => {
    res.writeHead(202).end();
  };
  private readonly sockets = new Set<Socket>();
  private connections = 0;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  /** Starts a fake on a free loopback port (https when `tls` is given). */
  static async start(tls?: FakeTlsOptions): Promise<FakeHttpMaster> {
    const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }) : http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const fake = new FakeHttpMaster(server, `${tls ? 'https' : 'http'}://127.0.0.1:${port}`);
    server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
      const id = ++fake.connections;
      (socket as Socket & { fakeId?: number }).fakeId = id;
      fake.sockets.add(socket);
      socket.on('close', () => fake.sockets.delete(socket));
    });
    server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => fake.onRequest(req, res));
    return fake;
  }

  /** Number of TCP connections accepted so far. */
  get connectionCount(): number {
    return this.connections;
  }

  /** Sets how the following requests are answered. */
  handle(handler: RequestHandler): void {
    this.handler = handler;
  }

  /** Resolves once `count` requests were received in total. */
  waitForRequests(count: number): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** Stops listening and destroys every open connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(parts),
        connection: (req.socket as Socket & { fakeId?: number }).fakeId ?? 0,
      };
      this.requests.push(recorded);
      for (const waiter of this.waiters.filter((w) => this.requests.length >= w.count)) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      Promise.resolve(this.handler(recorded, res)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(599);
        res.end(String(err));
      });
    });
  }
}

/** Answers with a status and a plain-text body. */
export function reply(res: http.ServerResponse, status: number, body = '', headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}

/** Control of an open fake event stream. */
export interface FakeStream {
  /** Writes records (framed as RecordIO), cut into chunks of `chunkSize` bytes. */
  send(records: Buffer[], chunkSize?: number): Promise<void>;
  /** Writes raw bytes. */
  raw(bytes: Buffer | string): Promise<void>;
  /** Ends the body cleanly (EOF). */
  end(): void;
  /** Resets the connection. */
  destroy(): void;
  /** Resolves when the client has gone away. */
  readonly gone: Promise<void>;
}

/** Starts a 200 RecordIO stream like the master's SUBSCRIBE answer. */
export function openStream(res: http.ServerResponse, contentType: string, streamId: string | undefined): FakeStream {
  const headers: Record<string, string> = { 'Content-Type': contentType };
  if (streamId !== undefined) headers['Mesos-Stream-Id'] = streamId;
  res.writeHead(200, headers);
  res.flushHeaders();
  const gone = new Promise<void>((resolve) => res.on('close', () => resolve()));
  const write = (bytes: Buffer) =>
    new Promise<void>((resolve) => {
      if (res.destroyed) return resolve();
      res.write(bytes, () => resolve());
    });
  return {
    async send(records, chunkSize = 7) {
      const bytes = Buffer.concat(records.map((r) => encodeRecord(r)));
      for (let i = 0; i < bytes.length; i += chunkSize) await write(bytes.subarray(i, i + chunkSize));
    },
    raw: (bytes) => write(Buffer.from(bytes)),
    end: () => res.end(),
    destroy: () => res.socket?.destroy(),
    gone,
  };
}

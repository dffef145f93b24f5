/**
 * A loopback HTTP file server for the fetcher tests: routes with a body, a status, a redirect,
 * a delay, or no answer at all; it records requests and the connections closed by the client.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a path answers. */
export interface Route {
  body?: string | Buffer;
  status?: number;
  /** Redirects (302) to this location. */
  location?: string;
  /** Answers after this many ms. */
  delayMs?: number;
  /** Never answers (until the client goes away or the server stops). */
  hang?: boolean;
  /** Answers once this settles. */
  gate?: Promise<unknown>;
}

export class FileServer {
  readonly routes = new Map<string, Route>();
  /** Paths requested, in order, with the Authorization header seen (if any). */
  readonly requests: { path: string; authorization?: string; at: number }[] = [];
  /** Responses sent, by path, with when they were sent. */
  readonly answered: { path: string; at: number }[] = [];
  /** Requests whose client closed the connection before the answer. */
  readonly abandoned: string[] = [];
  private server: Server | undefined;
  private port = 0;

  /** The server's base URL, `http://127.0.0.1:PORT`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = req.url ?? '/';
    this.requests.push({
      path,
      at: Date.now(),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    const route = this.routes.get(path.split('?')[0] ?? '/');
    res.on('close', () => {
      if (!res.writableFinished) this.abandoned.push(path);
    });
    if (route?.hang) return;
    const answer = () => {
      if (res.destroyed) return;
      this.answered.push({ path, at: Date.now() });
      if (!route) {
        res.statusCode = 404;
        res.end('not found');
      } else if (route.location) {
        res.statusCode = 302;
        res.setHeader('Location', route.location);
        res.end();
      } else {
        res.statusCode = route.status ?? 200;
        res.end(route.body ?? '');
      }
    };
    if (route?.gate) void route.gate.then(answer);
    else if (route?.delayMs) setTimeout(answer, route.delayMs);
    else answer();
  }
}

/**
 * The control endpoint of mesos-local: a small HTTP server of its own on 127.0.0.1 (so its URL
 * stays the same across master failovers) through which programs in any language inject faults
 * into a LocalCluster. Every request passes lib/local/control/guard.ts first; routes are in
 * lib/local/control/actions.ts. Answers are JSON; refusals are `{ "error": "..." }` with a 4xx.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { MesosConfigError } from '../../common/errors';
import { createLogger } from '../../common/logger';
import { ACTIONS, type ControlledCluster, ControlRequestError, clusterState } from './actions';
import { checkContentType, checkRequest, MIN_TOKEN_LENGTH, newControlToken } from './guard';

const log = createLogger('local:control');

/** Largest request body accepted. */
const MAX_BODY_BYTES = 64 * 1024;

/** Options of {@link LocalControlServer.start}. */
export interface LocalControlServerOptions {
  /** Port on 127.0.0.1; default a free one. */
  port?: number;
  /** The secret every request must carry; default a new random one. At least 16 characters. */
  token?: string;
}

/** The fault-injection endpoint of one LocalCluster. Start with {@link LocalControlServer.start}. */
export class LocalControlServer {
  /** The token requests must carry (`Authorization: Bearer <token>`). */
  readonly token: string;
  private readonly cluster: ControlledCluster;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  private constructor(cluster: ControlledCluster, token: string) {
    this.cluster = cluster;
    this.token = token;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        log('control request failed: %O', err);
        answer(res, 500, { error: 'Internal error' });
      });
    });
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  /** Starts serving `cluster` on 127.0.0.1. */
  static async start(cluster: ControlledCluster, options: LocalControlServerOptions = {}): Promise<LocalControlServer> {
    const token = options.token ?? newControlToken();
    if (token.length < MIN_TOKEN_LENGTH || /\s/.test(token))
      throw new MesosConfigError(`The control token must be at least ${MIN_TOKEN_LENGTH} characters without spaces`);
    const control = new LocalControlServer(cluster, token);
    await new Promise<void>((resolve, reject) => {
      control.server.once('error', reject);
      control.server.listen(options.port ?? 0, '127.0.0.1', () => {
        control.server.off('error', reject);
        resolve();
      });
    });
    log('control endpoint at %s', control.url);
    return control;
  }

  /** `http://127.0.0.1:PORT/local`, the root of the routes. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/local`;
  }

  /** Stops serving (open connections are closed). */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    return handleControlRequest(this.cluster, this.token, req, res);
  }
}

/**
 * Answers one control request for `cluster`: the checks of ./guard.ts (Host, Origin, `token`),
 * then `GET /local/state` or a POST action. Also mounted by the status page on every master.
 */
export async function handleControlRequest(
  cluster: ControlledCluster,
  token: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const refusal = checkRequest(req.headers, token);
  if (refusal) {
    req.resume();
    answer(res, refusal.status, { error: refusal.error }, refusal.headers);
    return;
  }
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (path === '/local/state') {
    if (req.method !== 'GET') answer(res, 405, { error: `${path} expects GET` }, { Allow: 'GET' });
    else answer(res, 200, clusterState(cluster));
    req.resume();
    return;
  }
  const action = Object.hasOwn(ACTIONS, path) ? ACTIONS[path] : undefined;
  if (!action) {
    req.resume();
    answer(res, 404, { error: `No such control route: ${path} (see mesos-local --help)` });
    return;
  }
  if (req.method !== 'POST') {
    req.resume();
    answer(res, 405, { error: `${path} expects POST` }, { Allow: 'POST' });
    return;
  }
  let body: Record<string, unknown>;
  try {
    body = await readJsonBody(req);
    const result = await action(cluster, body);
    answer(res, 200, { ok: true, ...result });
  } catch (err) {
    const status =
      err instanceof ControlRequestError
        ? err.status
        : err instanceof MesosConfigError || err instanceof RangeError
          ? 400
          : 500;
    if (status === 500) log('control action %s failed: %O', path, err);
    answer(res, status, { error: (err as Error).message });
  }
}

/** Reads and parses a POST body: JSON object (empty means `{}`), JSON content type, bounded size. */
function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        reject(new ControlRequestError(413, `Request body exceeds ${MAX_BODY_BYTES} bytes`));
        return;
      }
      const refusal = checkContentType(req.headers['content-type'], size);
      if (refusal) {
        reject(new ControlRequestError(refusal.status, refusal.error));
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        resolve({});
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        reject(new ControlRequestError(400, `Body is not valid JSON: ${(err as Error).message}`));
        return;
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        reject(new ControlRequestError(400, 'Body must be a JSON object'));
        return;
      }
      resolve(parsed as Record<string, unknown>);
    });
  });
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return;
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(JSON.stringify(body));
}

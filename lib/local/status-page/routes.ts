/**
 * The status page of a LocalCluster, mounted on every master (tried before the master's own
 * routes, after the loopback Host check every LocalCluster server makes first):
 *
 * - `GET /`: the page (a non-leading master sends the browser to the leader with a 307). The HTML
 *   carries the simulator-control token in a `<meta>`: only a same-origin page can read it, and the
 *   Host check keeps DNS-rebound origins out. Assets are strings in ./page-html.ts and ./page-script.ts (no build step).
 * - `GET /status/app.js`, `/status/app.css`: the page's script and style.
 * - `GET /status/cluster`: what the operator API does not say (the masters, the cluster's start,
 *   each framework's suppressed roles and outstanding offers), small enough to refresh.
 * - `GET /status/agents/<agent id>/files/{browse,read,download}?…`: the agent's own file endpoints,
 *   relayed so the page stays same-origin (its answers are never rendered as HTML).
 * - `/local/…`: the control endpoint's routes (lib/local/control), with this cluster's token.
 *
 * With `authenticateHttpReadonly|Readwrite` the master checks credentials before these routes
 * (lib/local/operator/http-auth.ts), as Mesos treats its web UI: the page and its assets are served
 * to anyone; its data calls answer 401 with a Basic challenge until the browser has credentials.
 */
import { get, type IncomingMessage, type ServerResponse } from 'node:http';
import { createLogger } from '../../common/logger';
import type { ControlledCluster } from '../control/actions';
import { newControlToken } from '../control/guard';
import { handleControlRequest } from '../control/server';
import { LOCAL_MESOS_VERSION, type LocalMaster } from '../master';
import { PAGE_CSS, pageHtml } from './page-html';
import { PAGE_JS } from './page-script';

const log = createLogger('local:status-page');

/** How long a relayed file request may take before it is answered 504. */
const RELAY_TIMEOUT_MS = 10_000;
const FILE_ROUTE = /^\/status\/agents\/([^/]+)\/files\/(browse|read|download)$/;

/** Options of the status page (LocalClusterOptions.statusPage). */
export interface StatusPageOptions {
  /** Serve the simulator controls (fail over, lose an agent, …) on the page and `/local/…`; default true. */
  controls?: boolean;
}

/** A master route hook: true when it answered the request. */
export type MasterRoutes = (master: LocalMaster, req: IncomingMessage, res: ServerResponse) => boolean;

/** The status page's routes for `cluster`, with a fresh control token. */
export function statusPageRoutes(
  cluster: Omit<ControlledCluster, 'masters'> & { readonly masters: readonly LocalMaster[] },
  options: StatusPageOptions = {},
): MasterRoutes {
  const token = newControlToken();
  const controls = options.controls !== false;
  const startedAt = Date.now();
  return (master, req, res) => {
    try {
      return route(master, req, res);
    } catch (err) {
      // Bad input (a malformed URL or escape) must never take the master down.
      log('status page request %s failed: %O', req.url, err);
      req.resume();
      if (!res.headersSent) send(res, 400, 'text/plain; charset=utf-8', `Bad request: ${(err as Error).message}`);
      return true;
    }
  };

  function route(master: LocalMaster, req: IncomingMessage, res: ServerResponse): boolean {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (controls && path.startsWith('/local/')) {
      handleControlRequest(cluster, token, req, res).catch((err: unknown) => {
        log('control request failed: %O', err);
        if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error');
      });
      return true;
    }
    const file = FILE_ROUTE.exec(path);
    if (path !== '/' && !path.startsWith('/status/')) return false;
    req.resume();
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET');
      send(res, 405, 'text/plain; charset=utf-8', `Expecting 'GET', received '${req.method}'`);
    } else if (path === '/') {
      const leader = master.leader;
      if (!master.isLeader && leader) {
        res.setHeader('Location', `//${leader.address?.ip ?? '127.0.0.1'}:${leader.port}/${url.search}`);
        send(res, 307, 'text/plain; charset=utf-8', '');
      } else send(res, 200, 'text/html; charset=utf-8', pageHtml(controls ? token : ''), PAGE_HEADERS);
    } else if (path === '/status/app.js') send(res, 200, 'text/javascript; charset=utf-8', PAGE_JS);
    else if (path === '/status/app.css') send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
    else if (path === '/status/cluster') send(res, 200, 'application/json', JSON.stringify(overview(master)));
    else if (file) relay(cluster, decodeURIComponent(file[1] as string), file[2] as string, url.search, req, res);
    else send(res, 404, 'text/plain; charset=utf-8', `No such status page route: ${path}`);
    return true;

    function overview(self: LocalMaster): Record<string, unknown> {
      const core = self.core;
      const offers = core?.outstandingOffers() ?? [];
      return {
        version: LOCAL_MESOS_VERSION,
        startedAt,
        electedAt: core?.startedAt ?? null,
        controls,
        masters: cluster.masters.map((m) => ({
          url: m.url,
          alive: m.isAlive,
          leading: m.isAlive && m.isLeader,
        })),
        frameworks: [...(core?.frameworks.values() ?? [])].map((framework) => ({
          id: framework.id,
          suppressedRoles: [...framework.suppressedRoles],
          offers: offers.filter((offer) => offer.framework_id.value === framework.id).length,
        })),
      };
    }
  }
}

/** Security headers of the page: its own script and style only, same-origin requests only, no framing. */
const PAGE_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
};

/**
 * Relays one file request to the agent's endpoint; answers are JSON or a download, never HTML.
 * The page's credentials go along: the agent checks them as the master did (one credentials list).
 */
function relay(
  cluster: ControlledCluster,
  agentId: string,
  op: string,
  search: string,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const agent = cluster.agents.find((candidate) => candidate.id === agentId);
  if (!agent) {
    send(res, 404, 'application/json', JSON.stringify({ error: `No live agent ${agentId}` }));
    return;
  }
  const authorization = req.headers.authorization;
  const headers = authorization === undefined ? {} : { Authorization: authorization };
  const upstream = get(`${agent.url}/files/${op}${search}`, { timeout: RELAY_TIMEOUT_MS, headers }, (answer) => {
    res.statusCode = answer.statusCode ?? 502;
    const download = op === 'download' && res.statusCode === 200;
    res.setHeader('Content-Type', download ? 'application/octet-stream' : 'application/json');
    if (download) res.setHeader('Content-Disposition', answer.headers['content-disposition'] ?? 'attachment');
    if (answer.headers['content-length']) res.setHeader('Content-Length', answer.headers['content-length']);
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'no-store');
    answer.pipe(res);
  });
  upstream.on('timeout', () => upstream.destroy(new Error(`agent ${agentId} did not answer in time`)));
  upstream.on('error', (err) => {
    if (res.headersSent) res.destroy();
    else send(res, 502, 'application/json', JSON.stringify({ error: `Agent ${agentId}: ${err.message}` }));
  });
  res.on('close', () => upstream.destroy());
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (body !== '') res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.end(body);
}

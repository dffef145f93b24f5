/**
 * The HTTP endpoints of a LocalAgent besides the executor API, in one route hook: `/state`, the
 * files endpoints the web UI and CLI read (`/files/browse|read|download`), and the operator API
 * (`/api/v1`, `/slave(1)/api/v1` and, by longest prefix, `/api/v1/<anything>` but the executor API).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { CommandInfo, ContainerID } from '../../codec/messages';
import { createLogger } from '../../common/logger';
import { agentStateJson } from '../agent-state-json';
import { AgentOperatorApi } from './agent-api';
import { type AgentRoutesView, latestRun } from './agent-views';
import { isFilesPath, serveFiles } from './files-endpoints';
import { respond, respondJson } from './http';
import { type HttpAuthentication, HttpAuthenticator, type RealmKind } from './http-auth';
import { type NestedContainer, NestedContainers } from './nested-containers';
import { SandboxFiles } from './sandbox-files';

export type { HttpAuthentication } from './http-auth';

const log = createLogger('local:agent:routes');
const STATE_PATHS = new Set(['/state', '/state.json', '/slave(1)/state', '/slave(1)/state.json']);
const EXECUTOR_PATHS = new Set(['/api/v1/executor', '/slave(1)/api/v1/executor']);
/** Variables of the agent's environment a nested container gets. */
const PASSED_THROUGH = /^(PATH|HOME|TMPDIR|TMP|TEMP|LANG|LC_[A-Z]+|TZ)$/;

/** True for the agent's operator API paths. */
export function isAgentOperatorPath(path: string): boolean {
  if (EXECUTOR_PATHS.has(path)) return false;
  return (
    path === '/api/v1' ||
    path === '/slave(1)/api/v1' ||
    path.startsWith('/api/v1/') ||
    path.startsWith('/slave(1)/api/v1/')
  );
}

/** The route hook of one agent. */
export class AgentRoutes {
  private readonly view: () => AgentRoutesView;
  private readonly nested = new NestedContainers();
  private orphanWatch: NodeJS.Timeout | undefined;
  private readonly api: AgentOperatorApi;
  private readonly auth: HttpAuthenticator;
  private sandboxFiles: SandboxFiles | undefined;

  /** `httpAuth`: the agent's `--authenticate_http_readonly|readwrite` settings, when on. */
  constructor(live: () => AgentRoutesView, httpAuth?: HttpAuthentication) {
    // The agent hands out iterators: one view is read several times, so it is copied first.
    const view = () => {
      const current = live();
      return { ...current, frameworks: [...current.frameworks], tasks: [...current.tasks] };
    };
    this.view = view;
    this.auth = new HttpAuthenticator('agent', () => httpAuth);
    const startedAt = Date.now();
    this.api = new AgentOperatorApi(view, this.nested, {
      files: () => this.files(),
      startedAt,
      loggingLevel: { level: 0 },
      flags: () => {
        const current = view();
        return [
          { name: 'authenticate_http_readonly', value: String(httpAuth?.readonly === true) },
          { name: 'authenticate_http_readwrite', value: String(httpAuth?.readwrite === true) },
          { name: 'hostname', value: current.hostname },
          { name: 'port', value: String(current.port) },
          { name: 'work_dir', value: current.workDir },
          { name: 'version', value: 'false' },
        ];
      },
      launchNested: (current, containerId, command, interactive) =>
        this.launchNested(current, containerId, command, interactive),
      isTopLevelContainer: (current, id) => this.sandboxOf(current, id) !== undefined,
      sandboxOfNested: (current, container) =>
        join(this.sandboxOf(current, container.parentId) ?? '', 'containers', container.containerId),
    });
  }

  /** Answers `req` when `path` is one of these routes; false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    // Mesos's realms: /state and /files/* readonly, the operator API readwrite.
    const realm: RealmKind | undefined =
      STATE_PATHS.has(path) || isFilesPath(path) ? 'readonly' : isAgentOperatorPath(path) ? 'readwrite' : undefined;
    if (!this.auth.admit(req, res, realm)) return true;
    if (STATE_PATHS.has(path)) {
      req.resume();
      if (req.method !== 'GET' && req.method !== 'HEAD') respond(res, 405, 'Expecting GET', { Allow: 'GET' });
      else respondJson(res, agentStateJson(this.view()));
      return true;
    }
    let work: Promise<void>;
    if (isFilesPath(path)) work = serveFiles(this.files(), req, res);
    else if (isAgentOperatorPath(path)) work = this.api.serve(req, res);
    else return false;
    work.catch((err: unknown) => {
      log('request %s failed: %O', path, err);
      if (!res.headersSent) respond(res, 500, 'Internal error');
      else res.destroy();
    });
    return true;
  }

  private files(): SandboxFiles {
    this.sandboxFiles ??= new SandboxFiles(join(this.view().workDir, 'slaves', this.view().id), (framework, executor) =>
      latestRun(this.view(), framework, executor),
    );
    return this.sandboxFiles;
  }

  /** The sandbox of a live executor's or command task's container. */
  private sandboxOf(view: AgentRoutesView, containerId: string): string | undefined {
    for (const framework of view.frameworks) {
      for (const executor of framework.executors.values())
        if (executor.containerId === containerId) return executor.sandbox;
      const command = view.launcher.commandsOf(framework.id).find((c) => c.containerId === containerId);
      if (command) return command.sandbox;
    }
    const parent = this.nested.get(containerId);
    return parent && parent.exitStatus === undefined ? this.sandboxOf(view, parent.parentId) : undefined;
  }

  private launchNested(
    view: AgentRoutesView,
    containerId: ContainerID,
    command: CommandInfo | undefined,
    interactive: boolean,
  ): NestedContainer | { status: number; body: string } {
    const parentId = containerId.parent?.value ?? '';
    const sandbox = this.sandboxOf(view, parentId);
    if (!sandbox) return { status: 404, body: `Parent container ${parentId} cannot be found` };
    if (this.nested.isRunning(containerId.value)) {
      return { status: 409, body: `Container ${containerId.value} already exists` };
    }
    if (!command?.value) return { status: 400, body: "Expecting 'command.value' to be present" };
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] => PASSED_THROUGH.test(entry[0]) && entry[1] !== undefined,
      ),
    );
    const container = this.nested.launch(containerId.value, parentId, command, sandbox, env, interactive);
    this.watchOrphans();
    return container;
  }

  /** As in Mesos, a nested container dies with its parent: checked every second while any runs. */
  private watchOrphans(): void {
    if (this.orphanWatch) return;
    this.orphanWatch = setInterval(() => {
      const live = this.nested.list();
      if (live.length === 0) {
        clearInterval(this.orphanWatch);
        this.orphanWatch = undefined;
        return;
      }
      const view = this.view();
      for (const container of live) if (!this.sandboxOf(view, container.parentId)) container.kill('SIGKILL');
    }, 1000);
    this.orphanWatch.unref();
  }
}

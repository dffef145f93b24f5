/**
 * The agent's non-streaming operator calls: Mesos's validation, then one answer per call from
 * the agent's view, its sandbox files and its nested containers. Calls for features LocalCluster's
 * agents do not have (standalone containers, resource providers, image pruning, attaching input)
 * answer as a Mesos agent without the feature does.
 */
import type { agent, CommandInfo, ContainerID } from '../../codec/messages';
import { timeInfo } from '../time-info';
import {
  type AgentRoutesView,
  agentContainers,
  agentExecutors,
  agentFrameworks,
  agentMetrics,
  agentState,
  agentTasks,
} from './agent-views';
import { empty, fail, type OperatorResult, ok, subMessageField } from './call-result';
import type { NestedContainer, NestedContainers } from './nested-containers';
import { FilesError, type SandboxFiles } from './sandbox-files';
import { LOCAL_MESOS_VERSION } from './version';

type Result = OperatorResult<agent.Response>;

const NEEDS_SUB_MESSAGE = new Set<agent.Call.Type>([
  'GET_METRICS',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'LAUNCH_NESTED_CONTAINER',
  'WAIT_NESTED_CONTAINER',
  'KILL_NESTED_CONTAINER',
  'REMOVE_NESTED_CONTAINER',
  'LAUNCH_NESTED_CONTAINER_SESSION',
  'ATTACH_CONTAINER_INPUT',
  'ATTACH_CONTAINER_OUTPUT',
  'LAUNCH_CONTAINER',
  'WAIT_CONTAINER',
  'KILL_CONTAINER',
  'REMOVE_CONTAINER',
  'ADD_RESOURCE_PROVIDER_CONFIG',
  'UPDATE_RESOURCE_PROVIDER_CONFIG',
  'REMOVE_RESOURCE_PROVIDER_CONFIG',
  'MARK_RESOURCE_PROVIDER_GONE',
]);

const NESTED = new Set<agent.Call.Type>([
  'LAUNCH_NESTED_CONTAINER',
  'WAIT_NESTED_CONTAINER',
  'KILL_NESTED_CONTAINER',
  'REMOVE_NESTED_CONTAINER',
  'LAUNCH_NESTED_CONTAINER_SESSION',
]);

/** Mesos's `validation::agent::call::validate`: the message, or undefined when valid. */
export function validateAgentCall(call: agent.Call): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  const field = subMessageField(call.type);
  const sub = (call as Record<string, unknown>)[field] as { container_id?: ContainerID } | undefined;
  if (NEEDS_SUB_MESSAGE.has(call.type) && sub === undefined) return `Expecting '${field}' to be present`;
  if (NESTED.has(call.type) && !sub?.container_id?.parent) return "Expecting 'container_id.parent' to be present";
  return undefined;
}

/** What the agent's calls read and do. */
export interface AgentCallContext {
  view: AgentRoutesView;
  nested: NestedContainers;
  files(): SandboxFiles;
  startedAt: number;
  flags(): { name: string; value: string }[];
  loggingLevel: { level: number };
  /** Starts a nested container under a task's or executor's container; an error answer otherwise. */
  launchNested(
    view: AgentRoutesView,
    containerId: ContainerID,
    command: CommandInfo | undefined,
    interactive: boolean,
  ): NestedContainer | { status: number; body: string };
  /** The sandbox of a nested container: `containers/<id>` in its parent's sandbox. */
  sandboxOfNested(view: AgentRoutesView, container: NestedContainer): string;
  /** True when `containerId` is a live executor's or command task's container. */
  isTopLevelContainer(view: AgentRoutesView, containerId: string): boolean;
}

async function files(work: () => Promise<Result>): Promise<Result> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof FilesError) return fail(err.status, err.message);
    return fail(500, (err as Error).message);
  }
}

/** Answers one non-streaming agent call. */
export async function answerAgentCall(call: agent.Call, context: AgentCallContext): Promise<Result> {
  const { view, nested } = context;
  switch (call.type) {
    case 'GET_HEALTH':
      return ok({ type: 'GET_HEALTH', get_health: { healthy: true } });
    case 'GET_FLAGS':
      return ok({ type: 'GET_FLAGS', get_flags: { flags: context.flags() } });
    case 'GET_VERSION':
      return ok({
        type: 'GET_VERSION',
        get_version: { version_info: { version: LOCAL_MESOS_VERSION, build_user: 'mesos-driver LocalCluster' } },
      });
    case 'GET_METRICS':
      return ok({ type: 'GET_METRICS', get_metrics: { metrics: agentMetrics(view, context.startedAt) } });
    case 'GET_LOGGING_LEVEL':
      return ok({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level: context.loggingLevel.level } });
    case 'SET_LOGGING_LEVEL':
      context.loggingLevel.level = call.set_logging_level?.level ?? 0;
      return empty();
    case 'LIST_FILES':
      return files(async () => {
        const entries = await context.files().list(call.list_files?.path ?? '');
        const file_infos = entries.map((entry) => ({ ...entry, mtime: timeInfo(entry.mtime * 1000) }));
        return ok({ type: 'LIST_FILES', list_files: { file_infos } });
      });
    case 'READ_FILE':
      return files(async () => {
        const read = call.read_file as agent.Call.ReadFile;
        const { size, data } = await context
          .files()
          .read(read.path, Number(read.offset), read.length === undefined ? undefined : Number(read.length));
        return ok({ type: 'READ_FILE', read_file: { size, data } });
      });
    case 'GET_STATE':
      return ok({ type: 'GET_STATE', get_state: agentState(view) });
    case 'GET_CONTAINERS':
      return ok({
        type: 'GET_CONTAINERS',
        get_containers: agentContainers(view, nested.list(), call.get_containers?.show_nested ?? false),
      });
    case 'GET_FRAMEWORKS':
      return ok({ type: 'GET_FRAMEWORKS', get_frameworks: agentFrameworks(view) });
    case 'GET_EXECUTORS':
      return ok({ type: 'GET_EXECUTORS', get_executors: agentExecutors(view) });
    case 'GET_TASKS':
      return ok({ type: 'GET_TASKS', get_tasks: agentTasks(view) });
    case 'GET_OPERATIONS':
      return ok({ type: 'GET_OPERATIONS', get_operations: { operations: [] } });
    case 'GET_AGENT':
      return ok({
        type: 'GET_AGENT',
        get_agent: {
          agent_info: { id: { value: view.id }, hostname: view.hostname, port: view.port, resources: view.resources },
        },
      });
    case 'GET_RESOURCE_PROVIDERS':
      return ok({ type: 'GET_RESOURCE_PROVIDERS', get_resource_providers: { resource_providers: [] } });
    case 'LAUNCH_NESTED_CONTAINER':
    case 'LAUNCH_CONTAINER': {
      const launch = call.launch_nested_container ?? call.launch_container;
      if (!launch?.container_id.parent) {
        return fail(400, 'LocalCluster agents launch no standalone containers (no --launcher with standalone support)');
      }
      // Mesos answers 202 when the id is already in use.
      if (nested.isRunning(launch.container_id.value)) return empty(202);
      const started = context.launchNested(view, launch.container_id, launch.command, false);
      if ('status' in started) return fail(started.status, started.body);
      nested.writeOutputToSandbox(started, context.sandboxOfNested(view, started));
      return empty();
    }
    case 'WAIT_NESTED_CONTAINER':
    case 'WAIT_CONTAINER': {
      const id = (call.wait_nested_container ?? call.wait_container)?.container_id.value ?? '';
      const container = nested.get(id);
      if (!container) return fail(404, `Container ${id} cannot be found`);
      const exit_status = await container.ended;
      return call.type === 'WAIT_CONTAINER'
        ? ok({ type: 'WAIT_CONTAINER', wait_container: { exit_status } })
        : ok({ type: 'WAIT_NESTED_CONTAINER', wait_nested_container: { exit_status } });
    }
    case 'KILL_NESTED_CONTAINER':
    case 'KILL_CONTAINER': {
      const kill = call.kill_nested_container ?? call.kill_container;
      const container = nested.get(kill?.container_id.value ?? '');
      if (!container) return fail(404, `Container ${kill?.container_id.value} cannot be found`);
      container.kill(kill?.signal ?? 'SIGKILL');
      return empty();
    }
    case 'REMOVE_NESTED_CONTAINER':
    case 'REMOVE_CONTAINER': {
      const id = (call.remove_nested_container ?? call.remove_container)?.container_id.value ?? '';
      const container = nested.get(id);
      if (!container || container.exitStatus === undefined)
        return fail(500, `Container ${id} is still running or does not exist`);
      return empty();
    }
    case 'ATTACH_CONTAINER_INPUT':
      return fail(415, "Expecting 'Content-Type' of application/recordio for 'ATTACH_CONTAINER_INPUT'");
    case 'ADD_RESOURCE_PROVIDER_CONFIG':
    case 'UPDATE_RESOURCE_PROVIDER_CONFIG':
    case 'REMOVE_RESOURCE_PROVIDER_CONFIG':
    case 'MARK_RESOURCE_PROVIDER_GONE':
      return fail(
        500,
        'Missing required flag --resource_provider_config_dir (LocalCluster agents have no resource providers)',
      );
    case 'PRUNE_IMAGES':
      return empty();
    default:
      return fail(501, `Unsupported call type ${String(call.type)}`);
  }
}

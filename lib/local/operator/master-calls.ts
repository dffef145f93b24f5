/**
 * The master's operator calls, answered from the leading core and the master's operator
 * settings: Mesos's validation (required sub-messages), then one handler per call type with
 * Mesos's status codes (200 with a response, 200 empty for writes, 202 for the offer-operation
 * calls). What LocalCluster cannot do is answered as a Mesos master without the feature.
 */
import type { Flag, MasterInfo, master, Role, TaskState } from '../../codec/messages';
import type { MasterCore } from '../master-core';
import { frameworkRoles } from '../master-frameworks';
import type { Registry } from '../registry';
import { addResources } from '../resources';
import { empty, fail, type OperatorResult, ok, subMessageField } from './call-result';
import type { AgentAdministration } from './master-agent-calls';
import { masterMetrics } from './master-metrics';
import { getAgents, getExecutors, getFrameworks, getState, getTasks } from './master-views';
import type { OperatorSettings } from './settings';
import { LOCAL_MESOS_VERSION } from './version';

type Result = OperatorResult<master.Response>;

/** Calls whose sub-message Mesos requires. */
const NEEDS_SUB_MESSAGE = new Set<master.Call.Type>([
  'GET_METRICS',
  'SET_LOGGING_LEVEL',
  'LIST_FILES',
  'READ_FILE',
  'UPDATE_WEIGHTS',
  'RESERVE_RESOURCES',
  'UNRESERVE_RESOURCES',
  'CREATE_VOLUMES',
  'DESTROY_VOLUMES',
  'GROW_VOLUME',
  'SHRINK_VOLUME',
  'UPDATE_MAINTENANCE_SCHEDULE',
  'START_MAINTENANCE',
  'STOP_MAINTENANCE',
  'SET_QUOTA',
  'REMOVE_QUOTA',
  'UPDATE_QUOTA',
  'TEARDOWN',
  'MARK_AGENT_GONE',
  'DRAIN_AGENT',
  'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT',
]);

/** Mesos's `validation::master::call::validate`: the message, or undefined when valid. */
export function validateMasterCall(call: master.Call): string | undefined {
  if (call.type === undefined) return "Expecting 'type' to be present";
  const field = subMessageField(call.type);
  if (NEEDS_SUB_MESSAGE.has(call.type) && (call as Record<string, unknown>)[field] === undefined) {
    return `Expecting '${field}' to be present`;
  }
  return undefined;
}

/** What the calls read of their master. */
export interface MasterCallContext {
  core: MasterCore;
  self: MasterInfo;
  flags: Flag[];
  settings: OperatorSettings;
  agents: AgentAdministration;
  terminalCounts: ReadonlyMap<TaskState, number>;
  subscribers: number;
  /** The cluster's `--roles` whitelist, if any. */
  roles: readonly string[] | undefined;
  /** The cluster's registry, which the calls that change what it holds write through. */
  registry?: Registry;
}

/** The calls that change what the registry holds of the operator settings (Mesos's registrar operations). */
const REGISTRY_WRITES = new Set<master.Call.Type>([
  'UPDATE_WEIGHTS',
  'UPDATE_QUOTA',
  'UPDATE_MAINTENANCE_SCHEDULE',
  'START_MAINTENANCE',
  'STOP_MAINTENANCE',
  'DEACTIVATE_AGENT',
  'REACTIVATE_AGENT',
  'DRAIN_AGENT',
]);

/** Answers one non-SUBSCRIBE call; one that changed what the registry holds is written through it. */
export function answerMasterCall(call: master.Call, context: MasterCallContext): Result {
  const result = answer(call, context);
  if (result.status < 300 && call.type && REGISTRY_WRITES.has(call.type))
    context.registry?.storeSettings(context.settings);
  return result;
}

function answer(call: master.Call, context: MasterCallContext): Result {
  const { core, settings } = context;
  switch (call.type) {
    case 'GET_HEALTH':
      return ok({ type: 'GET_HEALTH', get_health: { healthy: true } });
    case 'GET_FLAGS':
      return ok({ type: 'GET_FLAGS', get_flags: { flags: context.flags } });
    case 'GET_VERSION':
      return ok({
        type: 'GET_VERSION',
        get_version: { version_info: { version: LOCAL_MESOS_VERSION, build_user: 'mesos-driver LocalCluster' } },
      });
    case 'GET_METRICS': {
      const metrics = masterMetrics({
        core,
        terminalCounts: context.terminalCounts,
        deactivatedAgents: [...settings.deactivated].filter((id) => core.agents.has(id)).length,
        subscribers: context.subscribers,
      });
      return ok({ type: 'GET_METRICS', get_metrics: { metrics } });
    }
    case 'GET_LOGGING_LEVEL':
      return ok({ type: 'GET_LOGGING_LEVEL', get_logging_level: { level: settings.loggingLevel } });
    case 'SET_LOGGING_LEVEL': {
      const set = call.set_logging_level as master.Call.SetLoggingLevel;
      settings.setLoggingLevel(set.level, Number(set.duration.nanoseconds) / 1e6);
      return empty();
    }
    case 'LIST_FILES':
    case 'READ_FILE': {
      const path = call.list_files?.path ?? call.read_file?.path ?? '';
      return fail(
        404,
        `No file or directory found at path '${path}' (LocalCluster's master runs without --log_dir, so it serves no files; agents serve sandboxes)`,
      );
    }
    case 'GET_STATE':
      return ok({ type: 'GET_STATE', get_state: getState(core, settings) });
    case 'GET_AGENTS':
      return ok({ type: 'GET_AGENTS', get_agents: getAgents(core, settings) });
    case 'GET_FRAMEWORKS':
      return ok({ type: 'GET_FRAMEWORKS', get_frameworks: getFrameworks(core) });
    case 'GET_EXECUTORS':
      return ok({ type: 'GET_EXECUTORS', get_executors: getExecutors(core) });
    case 'GET_TASKS':
      return ok({ type: 'GET_TASKS', get_tasks: getTasks(core) });
    case 'GET_OPERATIONS':
      return ok({ type: 'GET_OPERATIONS', get_operations: { operations: [] } });
    case 'GET_ROLES':
      return ok({ type: 'GET_ROLES', get_roles: { roles: roles(context) } });
    case 'GET_WEIGHTS':
      return ok({ type: 'GET_WEIGHTS', get_weights: { weight_infos: settings.weightInfos() } });
    case 'UPDATE_WEIGHTS': {
      const invalid = settings.updateWeights(call.update_weights?.weight_infos ?? []);
      return invalid ? fail(400, invalid) : empty();
    }
    case 'GET_MASTER':
      return ok({
        type: 'GET_MASTER',
        get_master: {
          master_info: context.self,
          start_time: core.startedAt / 1000,
          elected_time: core.startedAt / 1000,
        },
      });
    case 'RESERVE_RESOURCES': {
      const reserve = call.reserve_resources as master.Call.ReserveResources;
      return context.agents.convert(core, reserve.agent_id.value, {
        type: 'RESERVE',
        reserve: { resources: reserve.resources ?? [], ...(reserve.source ? { source: reserve.source } : {}) },
      });
    }
    case 'UNRESERVE_RESOURCES': {
      const unreserve = call.unreserve_resources as master.Call.UnreserveResources;
      return context.agents.convert(core, unreserve.agent_id.value, {
        type: 'UNRESERVE',
        unreserve: { resources: unreserve.resources ?? [] },
      });
    }
    case 'CREATE_VOLUMES': {
      const create = call.create_volumes as master.Call.CreateVolumes;
      return context.agents.convert(core, create.agent_id.value, {
        type: 'CREATE',
        create: { volumes: create.volumes ?? [] },
      });
    }
    case 'DESTROY_VOLUMES': {
      const destroy = call.destroy_volumes as master.Call.DestroyVolumes;
      return context.agents.convert(core, destroy.agent_id.value, {
        type: 'DESTROY',
        destroy: { volumes: destroy.volumes ?? [] },
      });
    }
    case 'GROW_VOLUME': {
      const { agent_id: agent, ...grow } = call.grow_volume as master.Call.GrowVolume;
      if (!agent) return fail(400, "Expecting 'agent_id' to be set");
      return context.agents.convert(core, agent.value, { type: 'GROW_VOLUME', grow_volume: grow });
    }
    case 'SHRINK_VOLUME': {
      const { agent_id: agent, ...shrink } = call.shrink_volume as master.Call.ShrinkVolume;
      if (!agent) return fail(400, "Expecting 'agent_id' to be set");
      return context.agents.convert(core, agent.value, { type: 'SHRINK_VOLUME', shrink_volume: shrink });
    }
    case 'GET_MAINTENANCE_STATUS':
      return ok({
        type: 'GET_MAINTENANCE_STATUS',
        get_maintenance_status: { status: settings.maintenance.status((id) => settings.inverseOffers.statusesOf(id)) },
      });
    case 'GET_MAINTENANCE_SCHEDULE':
      return ok({
        type: 'GET_MAINTENANCE_SCHEDULE',
        get_maintenance_schedule: { schedule: settings.maintenance.current },
      });
    case 'UPDATE_MAINTENANCE_SCHEDULE': {
      const invalid = settings.maintenance.update(call.update_maintenance_schedule?.schedule ?? {});
      if (invalid) return fail(400, invalid);
      settings.inverseOffers.send(core, settings.maintenance.draining());
      settings.inverseOffers.keepSending();
      return empty();
    }
    case 'START_MAINTENANCE': {
      const machines = call.start_maintenance?.machines ?? [];
      const invalid = settings.maintenance.start(machines);
      if (invalid) return fail(400, invalid);
      context.agents.machinesDown(core, machines); // rescinds the unanswered inverse offers of its agents
      settings.inverseOffers.forget(machines);
      return empty();
    }
    case 'STOP_MAINTENANCE': {
      const machines = call.stop_maintenance?.machines ?? [];
      const invalid = settings.maintenance.stop(machines);
      if (invalid) return fail(400, invalid);
      settings.inverseOffers.forget(machines);
      context.agents.machinesUp(core, machines);
      return empty();
    }
    case 'GET_QUOTA':
      return ok({ type: 'GET_QUOTA', get_quota: { status: { infos: [], configs: [...settings.quotas.values()] } } });
    case 'UPDATE_QUOTA': {
      const update = call.update_quota as master.Call.UpdateQuota;
      const total = [...core.agents.values()].flatMap((agent) => agent.total);
      const invalid = settings.updateQuota(update.quota_configs ?? [], update.force ?? false, total);
      return invalid ? fail(400, invalid) : empty();
    }
    case 'SET_QUOTA':
    case 'REMOVE_QUOTA':
      return fail(400, `${call.type} is deprecated and not supported by LocalCluster: use UPDATE_QUOTA`);
    case 'TEARDOWN': {
      const id = call.teardown?.framework_id.value ?? '';
      const framework = core.frameworks.get(id);
      if (!framework) return fail(400, 'No framework found with specified ID');
      core.removeFramework(framework, 'operator TEARDOWN');
      return empty();
    }
    case 'MARK_AGENT_GONE':
      return context.agents.markGone(core, call.mark_agent_gone?.agent_id.value ?? '');
    case 'DRAIN_AGENT':
      return context.agents.drain(core, call.drain_agent as master.Call.DrainAgent);
    case 'DEACTIVATE_AGENT':
      return context.agents.deactivate(core, call.deactivate_agent?.agent_id.value ?? '');
    case 'REACTIVATE_AGENT':
      return context.agents.reactivate(core, call.reactivate_agent?.agent_id.value ?? '');
    case 'UNKNOWN':
      return fail(501, '');
    default:
      return fail(501, `Unsupported call type ${String(call.type)}`);
  }
}

/** GET_ROLES: roles with frameworks, weights, quotas or whitelisted, with their weight and allocation. */
function roles(context: MasterCallContext): Role[] {
  const { core, settings } = context;
  const names = new Set<string>([...(context.roles ?? []), ...settings.weights.keys(), ...settings.quotas.keys()]);
  const frameworksOf = new Map<string, string[]>();
  for (const framework of core.frameworks.values()) {
    for (const role of frameworkRoles(framework.info)) {
      names.add(role);
      frameworksOf.set(role, [...(frameworksOf.get(role) ?? []), framework.id]);
    }
  }
  return [...names].sort().map((name) => {
    const frameworks = frameworksOf.get(name) ?? [];
    let resources = [] as NonNullable<Role['resources']>;
    for (const agentId of core.agents.keys()) {
      const used = core.usedByFramework(agentId);
      for (const id of frameworks) resources = addResources(resources, used.get(id) ?? []);
    }
    return {
      name,
      weight: settings.weights.get(name) ?? 1,
      frameworks: frameworks.map((value) => ({ value })),
      resources,
    };
  });
}

/**
 * The master calls that act on agents: DEACTIVATE/REACTIVATE_AGENT, DRAIN_AGENT (the agent leaves
 * the offers, its tasks are killed, DRAINING turns DRAINED once none is left, then optionally
 * gone), MARK_AGENT_GONE, START/STOP_MAINTENANCE (agents of machines brought down are removed, and
 * no agent registers on a DOWN machine; once it is up a new agent, with a new id, registers on it),
 * and RESERVE/UNRESERVE_RESOURCES and CREATE/DESTROY_VOLUMES applied to an agent's total resources.
 */
import type { DrainConfig, MachineID, master, Offer, Resource } from '../../codec/messages';
import { isTerminalTaskState } from '../../codec/task-states';
import { createLogger } from '../../common/logger';
import type { LocalAgent } from '../agent';
import { removalReport } from '../agent-removal';
import { startSuccessor } from '../agent-succession';
import type { MasterCore } from '../master-core';
import { hasCapability } from '../master-frameworks';
import type { Registry } from '../registry';
import { masterTaskStatus, taskKey } from '../unacknowledged-tasks';
import { empty, fail, type OperatorResult } from './call-result';
import { agentOnMachine } from './maintenance';
import { conversionOf } from './resource-conversions';
import type { OperatorSettings } from './settings';

type Result = OperatorResult<master.Response>;

const log = createLogger('local:operator:agents');

/** The agent side of a master's operator API. */
export class AgentAdministration {
  /** Agents removed because their machine went down, to re-register when it comes up. */
  private readonly down = new Map<string, LocalAgent>();

  constructor(
    private readonly settings: OperatorSettings,
    /** Called before an agent is removed quietly (marked gone: no AGENT_REMOVED event). */
    private readonly quietRemoval: (agentId: string) => void,
    /** The cluster's registry, which keeps drain states (a drain completing is written through). */
    private readonly registry?: Registry,
  ) {}

  deactivate(core: MasterCore, agentId: string): Result {
    if (!core.agents.has(agentId)) return fail(400, `Unknown agent ${agentId}`);
    this.settings.deactivated.add(agentId);
    core.rescindAgentOffers(agentId);
    return empty();
  }

  reactivate(core: MasterCore, agentId: string): Result {
    if (!core.agents.has(agentId)) return fail(400, `Unknown agent ${agentId}`);
    if (!this.settings.deactivated.has(agentId)) return fail(400, `Agent ${agentId} is not deactivated`);
    if (this.settings.drains.get(agentId)?.state === 'DRAINING') {
      return fail(400, `Agent ${agentId} is still DRAINING: it can be reactivated once DRAINED`);
    }
    this.settings.deactivated.delete(agentId);
    this.settings.drains.delete(agentId);
    core.scheduleAllocation();
    return empty();
  }

  drain(core: MasterCore, call: master.Call.DrainAgent): Result {
    const agentId = call.agent_id.value;
    const record = core.agents.get(agentId);
    if (!record) return fail(400, `Unknown agent ${agentId}`);
    const config: DrainConfig = { mark_gone: call.mark_gone ?? false };
    if (call.max_grace_period) {
      const { seconds = 0, nanos = 0 } = call.max_grace_period;
      config.max_grace_period = { nanoseconds: Number(seconds) * 1e9 + nanos };
    }
    this.settings.deactivated.add(agentId);
    this.settings.drains.set(agentId, { state: 'DRAINING', config });
    core.rescindAgentOffers(agentId);
    const grace = config.max_grace_period;
    for (const task of core.tasks.values()) {
      if (task.agentId !== agentId || isTerminalTaskState(task.state)) continue;
      const killPolicy = grace ? { grace_period: grace } : task.task.kill_policy;
      record.agent.kill(task.frameworkId, task.task.task_id.value, killPolicy);
    }
    this.checkDrains(core);
    return empty();
  }

  /** Turns DRAINING agents without tasks DRAINED (and marks them gone when asked); as Mesos, a terminal task counts until acknowledged. */
  checkDrains(core: MasterCore): void {
    for (const [agentId, info] of this.settings.drains) {
      if (info.state !== 'DRAINING') continue;
      const busy =
        [...core.tasks.values()].some((task) => task.agentId === agentId) ||
        core.book.unacknowledgedOn(agentId).length > 0;
      if (busy) continue;
      info.state = 'DRAINED';
      this.registry?.storeSettings(this.settings);
      if (info.config.mark_gone) this.markGone(core, agentId);
    }
  }

  /**
   * MARK_AGENT_GONE: the agent is told to shut down and removed (TASK_GONE_BY_OPERATOR / TASK_LOST;
   * agent-removal.ts); the registry keeps it gone, so an agent already gone (marked by any leader) is OK.
   * As in Mesos an unreachable agent may be marked gone too (see {@link markUnreachableGone}).
   */
  markGone(core: MasterCore, agentId: string): Result {
    if (core.book.isGone(agentId)) return empty();
    const record = core.agents.get(agentId);
    if (!record && core.book.isUnreachableAgent(agentId)) return markUnreachableGone(core, agentId);
    if (!record) return fail(404, `Agent '${agentId}' not found`);
    this.quietRemoval(agentId);
    this.settings.inverseOffers.rescindFor(core, agentId);
    core.removeAgent(agentId, 'operator');
    shutDown(record.agent);
    return empty();
  }

  /**
   * START_MAINTENANCE's effect on agents: those on the machines are told to shut down (they kill
   * what they run) and removed as Mesos removes an agent (TASK_LOST to every framework,
   * REASON_AGENT_REMOVED; agent-removal.ts) until the machines are up.
   */
  machinesDown(core: MasterCore, machines: MachineID[]): void {
    for (const [agentId, record] of [...core.agents]) {
      if (!machines.some((machine) => agentOnMachine(record.info.hostname, machine))) continue;
      this.down.set(agentId, record.agent);
      this.settings.inverseOffers.rescindFor(core, agentId);
      core.removeAgent(agentId, 'maintenance');
      shutDown(record.agent);
    }
  }

  /**
   * Mesos's check of a (re)registering agent: refused while its machine is DOWN, and told to shut
   * down (it kills what it runs); it comes back, under a new id, when the machine is up.
   */
  refuses(agent: LocalAgent): boolean {
    if (!this.settings.maintenance.isDown(agent.info.hostname)) return false;
    log('refusing agent %s at %s: its machine is DOWN', agent.id, agent.url);
    this.down.set(agent.id, agent);
    shutDown(agent);
    return true;
  }

  /** STOP_MAINTENANCE's effect: on each machine a new agent (a new id: Mesos refuses a removed one's) registers. */
  machinesUp(core: MasterCore, machines: MachineID[]): void {
    for (const [agentId, agent] of [...this.down]) {
      if (!machines.some((machine) => agentOnMachine(agent.info.hostname, machine))) continue;
      this.down.delete(agentId);
      if (!startSuccessor(agent)) core.addAgent(agent);
    }
  }

  /** RESERVE/UNRESERVE_RESOURCES, CREATE/DESTROY_VOLUMES: 202 once applied to the agent's resources. */
  convert(core: MasterCore, agentId: string, operation: Offer.Operation): Result {
    if (!core.agents.has(agentId)) return fail(400, 'No agent found with specified ID');
    const { consumed, converted, problem } = conversionOf(operation);
    const invalid = problem ?? validateConversion(operation, consumed, converted);
    if (invalid) return fail(400, `Invalid ${operation.type} Operation: ${invalid}`);
    if (!core.convertAgentResources(agentId, consumed, converted)) {
      return fail(
        409,
        `Invalid ${operation.type} Operation: the agent's available resources do not contain ${JSON.stringify(consumed)}`,
      );
    }
    return empty(202);
  }
}

function validateConversion(
  operation: Offer.Operation,
  consumed: Resource[],
  converted: Resource[],
): string | undefined {
  if (converted.length === 0) return 'no resources given';
  switch (operation.type) {
    case 'RESERVE':
      for (const resource of converted) {
        if (!resource.reservations?.length && !resource.reservation)
          return `resource '${resource.name}' is not reserved`;
      }
      return undefined;
    case 'UNRESERVE':
      for (const resource of consumed) {
        if (!resource.reservations?.length && !resource.reservation)
          return `resource '${resource.name}' is not reserved`;
      }
      return undefined;
    case 'CREATE':
      for (const resource of converted) {
        if (!resource.disk?.persistence) return `resource '${resource.name}' is not a persistent volume`;
      }
      return undefined;
    case 'GROW_VOLUME':
    case 'SHRINK_VOLUME':
      return undefined; // checked by the conversion
    default:
      for (const resource of consumed) {
        if (!resource.disk?.persistence) return `resource '${resource.name}' is not a persistent volume`;
      }
      return undefined;
  }
}

/**
 * MARK_AGENT_GONE of an unreachable agent (Mesos's `Master::markGone` of an agent not registered):
 * the registry moves it to the gone agents, and the unreachable tasks this master holds of it end as
 * a gone agent's do (TASK_GONE_BY_OPERATOR to PARTITION_AWARE frameworks, TASK_LOST to the others),
 * completed; a master elected since the agent became unreachable holds none of its tasks.
 */
function markUnreachableGone(core: MasterCore, agentId: string): Result {
  core.book.agentRemoved(agentId, 'operator', Date.now());
  const report = removalReport('operator', agentId);
  for (const task of core.book.unreachableTasks().filter((held) => held.agentId === agentId)) {
    const framework = core.frameworks.get(task.frameworkId);
    if (!framework) continue;
    const status = masterTaskStatus(task, ...report(hasCapability(framework.info, 'PARTITION_AWARE')));
    core.finishTask(taskKey(task.frameworkId, task.task.task_id.value), task, status);
    if (framework.stream && !framework.stream.closed) framework.stream.send({ type: 'UPDATE', update: { status } });
  }
  return empty();
}

/** An agent told to shut down kills everything it runs. */
function shutDown(agent: LocalAgent): void {
  for (const frameworkId of new Set(agent.state().map((row) => row.framework.id?.value ?? ''))) {
    if (frameworkId) agent.shutdownFramework(frameworkId);
  }
}

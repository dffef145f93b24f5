/**
 * What the mesos-local control endpoint can do: one action per route, each checking its JSON
 * body (unknown or mistyped fields are refused by name) and then acting on the LocalCluster.
 */
import { constants } from 'node:os';
import type { scheduler } from '../../codec/messages';
import { MesosConfigError } from '../../common/errors';
import type { ClusterFaults } from '../faults';

/**
 * What the control actions use of a LocalCluster (which satisfies it), named here so that the
 * cluster can mount these routes on its own masters (the status page) without an import cycle.
 */
export interface ControlledCluster {
  readonly masters: readonly { readonly url: string; readonly isAlive: boolean }[];
  readonly leader: { readonly url: string } | undefined;
  readonly masterString: string;
  readonly agents: readonly { readonly id: string; readonly url: string }[];
  readonly faults: ClusterFaults;
  failover(): Promise<{ readonly url: string }>;
  addAgent(spec: { resources?: string; attributes?: string; hostname?: string }): Promise<{ id: string; url: string }>;
}

/** Bad input or a target that does not exist: answered with `status` and `{ error: message }`. */
export class ControlRequestError extends MesosConfigError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

type Body = Record<string, unknown>;
type Kind = 'string' | 'number' | 'boolean' | 'agent';

/** Reads the body's fields of the given kinds; refuses unknown fields, wrong types and missing required ones. */
function fields(body: Body, spec: Record<string, { kind: Kind; required?: boolean }>): Body {
  for (const name of Object.keys(body)) {
    if (!Object.hasOwn(spec, name)) {
      const allowed = Object.keys(spec);
      throw new ControlRequestError(
        400,
        `Unknown field '${name}'${allowed.length ? ` (allowed: ${allowed.join(', ')})` : ' (this action takes none)'}`,
      );
    }
  }
  for (const [name, { kind, required }] of Object.entries(spec)) {
    const value = body[name];
    if (value === undefined) {
      if (required) throw new ControlRequestError(400, `Missing field '${name}'`);
      continue;
    }
    const ok =
      kind === 'agent'
        ? (typeof value === 'number' && Number.isInteger(value) && value >= 0) || typeof value === 'string'
        : typeof value === kind;
    if (!ok) {
      const expected = kind === 'agent' ? 'an agent index (integer >= 0) or agent id (string)' : `a ${kind}`;
      throw new ControlRequestError(400, `Field '${name}' must be ${expected}, got ${JSON.stringify(value)}`);
    }
  }
  return body;
}

function agentOf(cluster: ControlledCluster, which: number | string): number | string {
  const found = typeof which === 'number' ? cluster.agents[which] : cluster.agents.find((agent) => agent.id === which);
  if (!found) throw new ControlRequestError(404, `No such agent: ${JSON.stringify(which)}`);
  return which;
}

/** A snapshot of the cluster for `GET /local/state`. */
export function clusterState(cluster: ControlledCluster): Body {
  const leader = cluster.leader;
  return {
    leader: leader?.url ?? null,
    masterString: leader ? cluster.masterString : null,
    masters: cluster.masters.map((master) => ({
      url: master.url,
      alive: master.isAlive,
      leading: master === leader,
    })),
    agents: cluster.agents.map((agent, index) => ({ index, id: agent.id, url: agent.url })),
    executors: cluster.faults.executors(),
  };
}

/** One control action: takes the checked body, answers a JSON object. */
type Action = (cluster: ControlledCluster, body: Body) => Promise<Body> | Body;

/** The POST routes, by path. */
export const ACTIONS: Record<string, Action> = {
  '/local/faults/failover': async (cluster, body) => {
    fields(body, {});
    const leader = await cluster.failover();
    return { leader: leader.url };
  },
  '/local/faults/kill-leader': async (cluster, body) => {
    fields(body, {});
    await cluster.faults.killLeader();
    return {};
  },
  '/local/faults/lose-agent': async (cluster, body) => {
    const { agent, mode } = fields(body, { agent: { kind: 'agent', required: true }, mode: { kind: 'string' } });
    if (mode !== undefined && mode !== 'removed' && mode !== 'unreachable')
      throw new ControlRequestError(
        400,
        `Field 'mode' must be 'removed' or 'unreachable', got ${JSON.stringify(mode)}`,
      );
    await cluster.faults.loseAgent(agentOf(cluster, agent as number | string), mode ?? 'removed');
    return {};
  },
  '/local/faults/restart-agent': async (cluster, body) => {
    const { agent, newId } = fields(body, { agent: { kind: 'agent', required: true }, newId: { kind: 'boolean' } });
    const which = agentOf(cluster, agent as number | string);
    const index = typeof which === 'number' ? which : cluster.agents.findIndex((a) => a.id === which);
    await cluster.faults.restartAgent(which, { newId: newId === true });
    const now = cluster.agents[index];
    return now ? { agent: { index, id: now.id, url: now.url } } : {};
  },
  '/local/faults/kill-executor': (cluster, body) => {
    const { executorId, frameworkId, agentId, signal } = fields(body, {
      executorId: { kind: 'string', required: true },
      frameworkId: { kind: 'string' },
      agentId: { kind: 'string' },
      signal: { kind: 'string' },
    });
    if (signal !== undefined && !Object.hasOwn(constants.signals, signal as string))
      throw new ControlRequestError(400, `Field 'signal' must name a signal such as SIGKILL, got '${signal}'`);
    const matching = cluster.faults
      .executors()
      .filter(
        (e) =>
          e.executorId === executorId &&
          (frameworkId === undefined || e.frameworkId === frameworkId) &&
          (agentId === undefined || e.agentId === agentId),
      );
    if (matching.length === 0) throw new ControlRequestError(404, `No running executor '${executorId}' matches`);
    const killed = cluster.faults.killExecutor(executorId as string, {
      ...(frameworkId !== undefined ? { frameworkId: frameworkId as string } : {}),
      ...(agentId !== undefined ? { agentId: agentId as string } : {}),
      ...(signal !== undefined ? { signal: signal as NodeJS.Signals } : {}),
    });
    return { killed };
  },
  '/local/faults/drop-subscription': (cluster, body) => {
    const { frameworkId, midRecord } = fields(body, {
      frameworkId: { kind: 'string' },
      midRecord: { kind: 'boolean' },
    });
    const dropped = cluster.faults.dropSubscription({
      ...(frameworkId !== undefined ? { frameworkId: frameworkId as string } : {}),
      midRecord: midRecord === true,
    });
    return { dropped };
  },
  '/local/faults/stop-heartbeats': (cluster, body) => {
    fields(body, {});
    cluster.faults.stopHeartbeats();
    return {};
  },
  '/local/faults/resume-heartbeats': (cluster, body) => {
    fields(body, {});
    cluster.faults.resumeHeartbeats();
    return {};
  },
  '/local/faults/fail-next-calls': (cluster, body) => {
    const { status, count, callType } = fields(body, {
      status: { kind: 'number', required: true },
      body: { kind: 'string' },
      count: { kind: 'number' },
      callType: { kind: 'string' },
    });
    if (callType !== undefined && !/^[A-Z_]+$/.test(callType as string))
      throw new ControlRequestError(400, `Field 'callType' must be a Call type such as ACCEPT, got '${callType}'`);
    cluster.faults.failNextCalls({
      status: status as number,
      ...(body.body !== undefined ? { body: body.body as string } : {}),
      ...(count !== undefined ? { count: count as number } : {}),
      ...(callType !== undefined ? { callType: callType as scheduler.Call.Type } : {}),
    });
    return {};
  },
  '/local/faults/latency': (cluster, body) => {
    const { ms } = fields(body, { ms: { kind: 'number', required: true } });
    cluster.faults.setLatency(ms as number);
    return {};
  },
  '/local/faults/reset': (cluster, body) => {
    fields(body, {});
    cluster.faults.reset();
    return {};
  },
  '/local/agents': async (cluster, body) => {
    const spec = fields(body, {
      resources: { kind: 'string' },
      attributes: { kind: 'string' },
      hostname: { kind: 'string' },
    }) as { resources?: string; attributes?: string; hostname?: string };
    const agent = await cluster.addAgent(spec);
    return { agent: { index: cluster.agents.indexOf(agent), id: agent.id, url: agent.url } };
  },
};

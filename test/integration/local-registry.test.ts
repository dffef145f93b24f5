/**
 * The cluster's registry (lib/local/registry.ts) across master failovers, as Mesos's registrar
 * keeps it: a newly elected master recovers the maintenance schedule and machine modes (an agent
 * on a DOWN machine stays refused), the weights and quota configurations, the agents' deactivation
 * and drain states (not offered, reported by GET_AGENTS), the unreachable agents
 * with their unreachable time (explicit reconciliation, /state's unreachable_slaves), and the gone
 * agents (refused, reconciled TASK_GONE_BY_OPERATOR); an unreachable agent that reregisters is
 * admitted again for every later leader, and one that does not may be marked gone, as in Mesos.
 */
import { expect } from 'chai';
import type { master, TaskStatus } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { launch, stopAcknowledging } from './local-launch-helpers';
import { Subscription, subscribeCall } from './local-master-helpers';
import { eventually } from './local-operator-helpers';
import { caller, masterState, nextUpdate, operatorCall, updatesOf } from './local-unacknowledged-helpers';

const AWARE = { capabilities: [{ type: 'PARTITION_AWARE' as const }], failover_timeout: 60 };

/** An operator call to the leader that must succeed; its response (JSON), if any. */
async function call(cluster: LocalCluster, body: unknown): Promise<master.Response> {
  const response = await operatorCall(cluster, body);
  expect(response.status, response.text).to.equal(200);
  return response.text ? (JSON.parse(response.text) as master.Response) : ({} as master.Response);
}

describe('LocalCluster registry: what a new leader recovers', function () {
  this.timeout(20_000);
  let cluster: LocalCluster | undefined;
  const open: Subscription[] = [];
  afterEach(async () => {
    stopAcknowledging();
    for (const subscription of open.splice(0)) subscription.close();
    await cluster?.stop();
    cluster = undefined;
  });

  /** Two masters and two agents, a PARTITION_AWARE framework's task 'web' running: `busy` runs it, `idle` not. */
  async function startWithTask() {
    const running = (cluster = await LocalCluster.start({ masters: 2, agents: 2, log: false }));
    const { subscription } = await launch(running, AWARE, 'web');
    open.push(subscription);
    const busy = running.agents.find((agent) => agent.state().length > 0)?.id as string;
    const idle = running.agents.find((agent) => agent.id !== busy)?.id as string;
    return { running, subscription, busy, idle };
  }

  /** Fails over to the other master; resolves with the new leader's index. */
  async function failover(running: LocalCluster): Promise<number> {
    const before = running.leader;
    const after = await running.failover();
    expect(after).to.not.equal(before);
    return running.masters.indexOf(after);
  }

  /**
   * Re-subscribes a framework with the current leader and reconciles its task `taskId` on
   * `agentId` explicitly; resolves with the answer, which must be in `state`.
   */
  async function reconcileAfterFailover(
    running: LocalCluster,
    framework: { info: object; frameworkId: string },
    task: { taskId: string; agentId: string },
    state: TaskStatus['state'],
  ): Promise<TaskStatus> {
    const again = await Subscription.open(running.masterUrl, subscribeCall(framework.info, framework.frameworkId));
    open.push(again);
    await again.waitForEvent('SUBSCRIBED');
    const tasks = [{ task_id: { value: task.taskId }, agent_id: { value: task.agentId } }];
    await caller(running, again)('RECONCILE', { reconcile: { tasks } });
    return (await nextUpdate(again, task.taskId, state)).status;
  }

  it('keeps the maintenance schedule and DOWN machines: the new leader refuses the DOWN agent until STOP_MAINTENANCE', async () => {
    const running = (cluster = await LocalCluster.start({
      masters: 2,
      agents: [{ hostname: 'm1.local' }, { hostname: 'm2.local' }],
      log: false,
    }));
    const down = running.agents[0]?.id as string;
    const start = { nanoseconds: Date.now() * 1e6 };
    const schedule = {
      windows: [
        { machine_ids: [{ hostname: 'm1.local' }], unavailability: { start } },
        { machine_ids: [{ hostname: 'm2.local' }], unavailability: { start } },
      ],
    };
    await call(running, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule } });
    await call(running, { type: 'START_MAINTENANCE', start_maintenance: { machines: [{ hostname: 'm1.local' }] } });
    expect((await masterState(running)).slaves.map((s) => s.id)).to.not.include(down);

    await failover(running);
    const recovered = await call(running, { type: 'GET_MAINTENANCE_SCHEDULE' });
    expect(recovered.get_maintenance_schedule?.schedule.windows?.map((w) => w.machine_ids)).to.deep.equal([
      [{ hostname: 'm1.local' }],
      [{ hostname: 'm2.local' }],
    ]);
    const status = (await call(running, { type: 'GET_MAINTENANCE_STATUS' })).get_maintenance_status?.status;
    expect(status?.down_machines).to.deep.equal([{ hostname: 'm1.local' }]);
    expect(status?.draining_machines?.map((m) => m.id)).to.deep.equal([{ hostname: 'm2.local' }]);
    expect(running.agents.map((agent) => agent.id)).to.include(down); // still running, refused by the new leader
    const slaves = (await masterState(running)).slaves as Array<{ id: string; hostname?: string }>;
    expect(slaves.map((s) => s.id)).to.not.include(down);
    expect(slaves.map((s) => s.hostname)).to.deep.equal(['m2.local']);

    await call(running, { type: 'STOP_MAINTENANCE', stop_maintenance: { machines: [{ hostname: 'm1.local' }] } });
    await eventually(async () => {
      const hosts = ((await masterState(running)).slaves as Array<{ hostname?: string }>).map((s) => s.hostname);
      return hosts.includes('m1.local') || undefined;
    });
    await failover(running); // back to the first master: it recovers the schedule without m1
    const after = await call(running, { type: 'GET_MAINTENANCE_STATUS' });
    expect(after.get_maintenance_status?.status.down_machines ?? []).to.deep.equal([]);
  });

  it('a new leader sends inverse offers for the machines the registry has DRAINING', async () => {
    const running = (cluster = await LocalCluster.start({ masters: 2, agents: 1, log: false }));
    const { subscription } = await launch(running, AWARE, 'web');
    open.push(subscription);
    const window = { machine_ids: [{ hostname: '127.0.0.1' }], unavailability: { start: { nanoseconds: 1e18 } } };
    const schedule = { windows: [window] };
    await call(running, { type: 'UPDATE_MAINTENANCE_SCHEDULE', update_maintenance_schedule: { schedule } });
    await subscription.waitForEvent('INVERSE_OFFERS');

    await failover(running);
    const again = await Subscription.open(running.masterUrl, subscribeCall(AWARE, subscription.frameworkId));
    open.push(again);
    const event = await again.waitForEvent('INVERSE_OFFERS');
    expect(event.inverse_offers?.inverse_offers?.[0]?.agent_id?.value).to.equal(running.agents[0]?.id);
  });

  it('keeps weights and quotas: each new leader answers the last ones stored, not those it had before', async () => {
    const running = (cluster = await LocalCluster.start({ masters: 2, agents: 1, log: false }));
    await call(running, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'a', weight: 2.5 }] } });
    const config = { role: 'a', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } };
    await call(running, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [config] } });

    await failover(running);
    const weights = await call(running, { type: 'GET_WEIGHTS' });
    expect(weights.get_weights?.weight_infos).to.deep.equal([{ role: 'a', weight: 2.5 }]);
    const quota = await call(running, { type: 'GET_QUOTA' });
    expect(quota.get_quota?.status.configs).to.deep.equal([config]);
    await call(running, { type: 'UPDATE_WEIGHTS', update_weights: { weight_infos: [{ role: 'a', weight: 3 }] } });
    await call(running, { type: 'UPDATE_QUOTA', update_quota: { quota_configs: [{ role: 'a' }] } }); // removes it

    expect(await failover(running)).to.equal(0); // the first master had 2.5 and the quota
    expect((await call(running, { type: 'GET_WEIGHTS' })).get_weights?.weight_infos).to.deep.equal([
      { role: 'a', weight: 3 },
    ]);
    expect((await call(running, { type: 'GET_QUOTA' })).get_quota?.status.configs ?? []).to.deep.equal([]);
    const roles = (await call(running, { type: 'GET_ROLES' })).get_roles?.roles ?? [];
    expect(roles.find((role) => role.name === 'a')?.weight).to.equal(3);
  });

  it('keeps agents deactivated and drained: the new leader reports them so and offers neither until REACTIVATE_AGENT', async () => {
    const { running, subscription, busy: drained, idle: deactivated } = await startWithTask();
    await call(running, { type: 'DEACTIVATE_AGENT', deactivate_agent: { agent_id: { value: deactivated } } });
    await call(running, { type: 'DRAIN_AGENT', drain_agent: { agent_id: { value: drained } } });
    await nextUpdate(subscription, 'web', 'TASK_KILLED'); // acknowledged: the drain completes after the call
    const agents = async () => (await call(running, { type: 'GET_AGENTS' })).get_agents?.agents ?? [];
    const drainState = async () =>
      (await agents()).find((agent) => agent.agent_info.id?.value === drained)?.drain_info?.state;
    await eventually(async () => (await drainState()) === 'DRAINED' || undefined);

    await failover(running);
    expect(await drainState()).to.equal('DRAINED');
    const flags = (await agents()).map((agent) => [agent.agent_info.id?.value, agent.deactivated]);
    expect(flags).to.have.deep.members([
      [drained, true],
      [deactivated, true],
    ]);
    const fresh = await Subscription.open(running.masterUrl, subscribeCall({ name: 'fresh' }));
    open.push(fresh);
    await fresh.waitForEvent('SUBSCRIBED');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fresh.events.filter((event) => event.type === 'OFFERS')).to.deep.equal([]);
    await call(running, { type: 'REACTIVATE_AGENT', reactivate_agent: { agent_id: { value: deactivated } } });
    const offer = (await fresh.waitForEvent('OFFERS')).offers?.offers?.[0];
    expect(offer?.agent_id.value).to.equal(deactivated);
  });

  it('keeps an agent lost as unreachable: RECONCILE answers TASK_UNREACHABLE (TASK_LOST without PARTITION_AWARE), unreachable_slaves counts it', async () => {
    const running = (cluster = await LocalCluster.start({ masters: 2, agents: 1, log: false }));
    const aware = await launch(running, AWARE, 'web');
    const legacy = await launch(running, { failover_timeout: 60 }, 'legacy');
    open.push(aware.subscription, legacy.subscription);
    const agentId = running.agents[0]?.id as string;
    const from = aware.subscription.events.length;
    await running.faults.loseAgent(0, 'unreachable');
    const lost = await nextUpdate(aware.subscription, 'web', 'TASK_UNREACHABLE', from);

    await failover(running);
    expect((await masterState(running)).unreachable_slaves).to.equal(1);
    const awareFramework = { info: AWARE, frameworkId: aware.subscription.frameworkId };
    const answer = await reconcileAfterFailover(
      running,
      awareFramework,
      { taskId: 'web', agentId },
      'TASK_UNREACHABLE',
    );
    expect(answer).to.include({ source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' });
    expect(answer.unreachable_time).to.deep.equal(lost.status.unreachable_time);
    const legacyFramework = { info: { failover_timeout: 60 }, frameworkId: legacy.subscription.frameworkId };
    const legacyAnswer = await reconcileAfterFailover(
      running,
      legacyFramework,
      { taskId: 'legacy', agentId },
      'TASK_LOST',
    );
    expect(legacyAnswer).to.include({ message: 'Reconciliation: Task is unreachable' });
  });

  it('readmits an unreachable agent that reregistered: a later leader no longer counts it unreachable', async () => {
    const running = (cluster = await LocalCluster.start({ masters: 2, agents: 1, log: false }));
    const { subscription } = await launch(running, AWARE, 'web');
    open.push(subscription);
    const agentId = running.agents[0]?.id as string;
    const healed = running.faults.partitionAgent(0, 600);
    await nextUpdate(subscription, 'web', 'TASK_UNREACHABLE');
    await failover(running);
    expect((await masterState(running)).unreachable_slaves).to.equal(1);
    await healed; // reregisters with the new leader, which writes it admitted
    await eventually(async () => ((await masterState(running)).unreachable_slaves === 0 ? true : undefined));

    await failover(running);
    const state = await masterState(running);
    expect(state.unreachable_slaves).to.equal(0);
    expect(state.slaves.map((s) => s.id)).to.deep.equal([agentId]);
    const framework = { info: AWARE, frameworkId: subscription.frameworkId };
    const found = await reconcileAfterFailover(running, framework, { taskId: 'web', agentId }, 'TASK_RUNNING');
    expect(found).to.include({ reason: 'REASON_RECONCILIATION' });
  });

  it('MARK_AGENT_GONE of an unreachable agent: its tasks end (TASK_GONE_BY_OPERATOR, TASK_LOST), and a new leader can mark one gone from the registry', async () => {
    const running = (cluster = await LocalCluster.start({ masters: 2, agents: 2, log: false }));
    const aware = await launch(running, AWARE, 'web');
    const legacy = await launch(running, { failover_timeout: 60 }, 'legacy');
    open.push(aware.subscription, legacy.subscription);
    const first = running.agents.find((agent) => agent.state().length > 0)?.id as string;
    const second = running.agents.find((agent) => agent.id !== first)?.id as string;
    await running.faults.loseAgent(first, 'unreachable');
    await nextUpdate(aware.subscription, 'web', 'TASK_UNREACHABLE');
    await call(running, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: first } } });
    const gone = (await nextUpdate(aware.subscription, 'web', 'TASK_GONE_BY_OPERATOR')).status;
    expect(gone).to.include({ reason: 'REASON_AGENT_REMOVED_BY_OPERATOR', message: 'Agent has been marked gone' });
    const markedGone = (status: TaskStatus) => status.message === 'Agent has been marked gone';
    const lost = (await nextUpdate(legacy.subscription, 'legacy', 'TASK_LOST', 0, markedGone)).status;
    expect(lost).to.include({ source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REMOVED' });
    const state = await masterState(running);
    expect(state.unreachable_slaves).to.equal(0);
    expect(state.frameworks.flatMap((f) => f.unreachable_tasks)).to.deep.equal([]);

    await running.faults.loseAgent(second, 'unreachable'); // no task on it
    await failover(running);
    const missing = await operatorCall(running, {
      type: 'MARK_AGENT_GONE',
      mark_agent_gone: { agent_id: { value: 'nope' } },
    });
    expect(missing.status).to.equal(404);
    await call(running, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: second } } });
    expect((await masterState(running)).unreachable_slaves).to.equal(0);
    const framework = { info: AWARE, frameworkId: aware.subscription.frameworkId };
    const answer = await reconcileAfterFailover(
      running,
      framework,
      { taskId: 'x', agentId: second },
      'TASK_GONE_BY_OPERATOR',
    );
    expect(answer).to.include({ message: 'Reconciliation: Task is gone' });
  });

  it('an agent marked gone while partitioned is refused when the partition heals, before any update is sent for it', async () => {
    const { running, subscription, busy: gone } = await startWithTask();
    const healed = running.faults.partitionAgent(gone, 800);
    const { index } = await nextUpdate(subscription, 'web', 'TASK_UNREACHABLE');
    await call(running, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: gone } } });
    await nextUpdate(subscription, 'web', 'TASK_GONE_BY_OPERATOR', index);
    await healed;
    await new Promise((resolve) => setTimeout(resolve, 300));
    // As Mesos's _reregisterSlave: a gone agent is refused before __reregisterSlave reports its tasks.
    const reregistered = updatesOf(subscription, 'web', index).filter((s) => s.reason === 'REASON_AGENT_REREGISTERED');
    expect(reregistered).to.deep.equal([]);
    expect((await masterState(running)).slaves.map((s) => s.id)).to.not.include(gone);
  });

  it('keeps a gone agent gone: the new leader refuses it, reconciles its task TASK_GONE_BY_OPERATOR, MARK_AGENT_GONE again is OK', async () => {
    const { running, subscription, busy: gone, idle: other } = await startWithTask();
    await call(running, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: gone } } });
    await nextUpdate(subscription, 'web', 'TASK_GONE_BY_OPERATOR');

    await failover(running);
    expect(running.agents.map((agent) => agent.id)).to.include(gone); // the process lives on, refused
    expect((await masterState(running)).slaves.map((s) => s.id)).to.deep.equal([other]);
    const framework = { info: AWARE, frameworkId: subscription.frameworkId };
    const task = { taskId: 'web', agentId: gone };
    const answer = await reconcileAfterFailover(running, framework, task, 'TASK_GONE_BY_OPERATOR');
    expect(answer).to.include({ reason: 'REASON_RECONCILIATION', message: 'Reconciliation: Task is gone' });
    await call(running, { type: 'MARK_AGENT_GONE', mark_agent_gone: { agent_id: { value: gone } } });

    await failover(running);
    expect((await masterState(running)).slaves.map((s) => s.id)).to.deep.equal([other]);
  });
});

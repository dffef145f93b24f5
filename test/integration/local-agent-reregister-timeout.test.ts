/**
 * A newly elected LocalCluster master waits `agentReregisterTimeoutMs` (Mesos
 * --agent_reregister_timeout) for the agents of the registry; one that does not come back is then
 * marked unreachable ("did not reregister within ... after master failover"): every connected
 * framework gets FAILURE with its id (no task update: the new master never learnt its tasks), and
 * an explicit reconciliation answers TASK_UNREACHABLE (TASK_LOST without PARTITION_AWARE). An
 * agent that reregistered is untouched; until the timeout a RECONCILE of the agent's tasks gets no
 * answer; above --recovery_agent_removal_limit the master exits.
 */
import { expect } from 'chai';
import type { scheduler } from '../../lib/codec/messages';
import { LocalCluster, type LocalClusterOptions } from '../../lib/local/cluster';
import { masterFlagSettings } from '../../lib/local/master-flag-options';
import { launch, stopAcknowledging } from './local-launch-helpers';
import { Subscription, subscribeCall } from './local-master-helpers';
import { eventually } from './local-operator-helpers';
import { caller, masterState, nextUpdate } from './local-unacknowledged-helpers';

const AWARE = { capabilities: [{ type: 'PARTITION_AWARE' as const }], failover_timeout: 60 };
const LEGACY = { failover_timeout: 60 };
const TIMEOUT_MS = 1000;

describe('LocalCluster agentReregisterTimeoutMs: agents that do not reregister with a new leader', function () {
  this.timeout(20_000);
  let cluster: LocalCluster | undefined;
  const open: Subscription[] = [];
  afterEach(async () => {
    stopAcknowledging();
    for (const subscription of open.splice(0)) subscription.close();
    await cluster?.stop();
    cluster = undefined;
  });

  /**
   * Two masters, two agents, task 'web' of a PARTITION_AWARE framework on `lost`; the leader dies
   * and, while no master leads, `lost` stops for good: the other master is elected without it.
   */
  async function loseAgentAcrossFailover(options: LocalClusterOptions) {
    const running = (cluster = await LocalCluster.start({ masters: 2, agents: 2, log: false, ...options }));
    const aware = await launch(running, AWARE, 'web');
    open.push(aware.subscription);
    const lost = running.agents.find((agent) => agent.state().length > 0)?.id as string;
    const kept = running.agents.find((agent) => agent.id !== lost)?.id as string;
    const old = running.leader;
    const killed = running.faults.killLeader(); // the leader is gone at once; the next is elected once it has exited
    expect(running.leader).to.equal(undefined);
    await running.faults.loseAgent(lost, 'removed'); // no master to tell
    await killed;
    const leader = await running.waitForLeader((candidate) => candidate !== old);
    return { running, aware, lost, kept, leader, electedAt: Date.now() };
  }

  /** Re-subscribes a framework with the current leader. */
  async function resubscribe(running: LocalCluster, info: object, frameworkId?: string): Promise<Subscription> {
    const subscription = await Subscription.open(running.masterUrl, subscribeCall(info, frameworkId));
    open.push(subscription);
    await subscription.waitForEvent('SUBSCRIBED');
    return subscription;
  }

  const failures = (subscription: Subscription) =>
    subscription.events.filter((e) => e.type === 'FAILURE').map((e) => e.failure as scheduler.Event.Failure);

  it('marks the agent unreachable once the timeout has passed: FAILURE to frameworks, RECONCILE answers TASK_UNREACHABLE / TASK_LOST; the agent that came back is untouched', async () => {
    const { running, aware, lost, kept, electedAt } = await loseAgentAcrossFailover({
      agentReregisterTimeoutMs: TIMEOUT_MS,
    });
    const again = await resubscribe(running, AWARE, aware.subscription.frameworkId);
    const legacy = await resubscribe(running, LEGACY);
    // Until the timeout the new leader neither counts the agent unreachable nor reports it lost.
    expect((await masterState(running)).unreachable_slaves).to.equal(0);
    expect(failures(again)).to.deep.equal([]);
    // Nor answers an explicit reconciliation of its task (Mesos drops it); one on the agent that came back is answered.
    const tasks = [
      { task_id: { value: 'web' }, agent_id: { value: lost } },
      { task_id: { value: 'probe' }, agent_id: { value: kept } },
    ];
    await caller(running, again)('RECONCILE', { reconcile: { tasks } });
    await nextUpdate(again, 'probe', 'TASK_GONE');
    expect(failures(again)).to.deep.equal([]); // still within the timeout
    expect(again.events.filter((e) => e.type === 'UPDATE').map((e) => e.update?.status.task_id.value)).to.deep.equal([
      'probe',
    ]);

    const failure = await again.waitForEvent('FAILURE');
    expect(Date.now() - electedAt).to.be.at.least(TIMEOUT_MS - 50);
    expect(failure.failure).to.deep.equal({ agent_id: { value: lost } });
    await eventually(() => failures(legacy).length > 0, 2000, 'FAILURE to the other framework');
    expect(failures(legacy)).to.deep.equal([{ agent_id: { value: lost } }]);
    // No task update: the new leader never learnt the lost agent's tasks.
    expect(again.events.filter((e) => e.type === 'UPDATE')).to.have.length(1);

    const state = await masterState(running);
    expect(state.unreachable_slaves).to.equal(1);
    expect(state.slaves.map((agent) => agent.id)).to.deep.equal([kept]);

    const reconcile = (subscription: Subscription, taskId: string) =>
      caller(running, subscription)('RECONCILE', {
        reconcile: { tasks: [{ task_id: { value: taskId }, agent_id: { value: lost } }] },
      });
    await reconcile(again, 'web');
    const unreachable = (await nextUpdate(again, 'web', 'TASK_UNREACHABLE')).status;
    expect(unreachable).to.include({ source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION' });
    expect(Number(unreachable.unreachable_time?.nanoseconds) / 1e6).to.be.at.least(electedAt + TIMEOUT_MS - 50);
    await reconcile(legacy, 'ghost');
    expect((await nextUpdate(legacy, 'ghost', 'TASK_LOST')).status).to.include({
      message: 'Reconciliation: Task is unreachable',
    });
  });

  it('marks nothing before the timeout (default: 10 minutes, as Mesos)', async () => {
    const { running, aware } = await loseAgentAcrossFailover({});
    const again = await resubscribe(running, AWARE, aware.subscription.frameworkId);
    expect(masterFlagSettings({}).agentReregisterTimeoutMs).to.equal(600_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(failures(again)).to.deep.equal([]);
    expect((await masterState(running)).unreachable_slaves).to.equal(0);
  });

  it('above recoveryAgentRemovalLimitPercent the new leader marks none and exits, as Mesos, saying why in the log', async () => {
    const lines: string[] = [];
    const { running, leader } = await loseAgentAcrossFailover({
      agentReregisterTimeoutMs: TIMEOUT_MS,
      recoveryAgentRemovalLimitPercent: 40, // one agent of two did not come back: 50%
      log: (line) => lines.push(line),
    });
    await eventually(() => !leader.isAlive, 5000, 'the leader to exit');
    expect(running.leader).to.equal(undefined);
    expect(
      lines.some((line) => line.includes(`master ${leader.url} exits: Post-recovery agent removal limit exceeded`)),
    ).to.equal(true);
  });
});

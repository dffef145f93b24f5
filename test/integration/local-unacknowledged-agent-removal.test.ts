/**
 * What Mesos's master does with the tasks of an agent it removes, a task awaiting the ACK of its
 * terminal update included (Master::__removeSlave, _removeSlave): every task gets the master's
 * update (a terminal one keeps its state, the update joins its statuses). Those of an unreachable
 * agent are filed under `unreachable_tasks` (in their own state: TASK_UNREACHABLE, or terminal) until
 * the agent reregisters, when PARTITION_AWARE frameworks hear each task's state again (the terminal
 * one too) and the agent re-sends the pending update; those of a removed agent are completed.
 * Explicit reconciliation of an unknown task of an unreachable agent answers TASK_UNREACHABLE with
 * the time it became so (TASK_LOST without PARTITION_AWARE), and its id may not be reused.
 */
import { expect } from 'chai';
import type { master, TaskStatus } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { parseResources } from '../../lib/local/resources';
import { MesosMasterOperator } from '../../lib/operator';
import { launch, stopAcknowledging } from './local-launch-helpers';
import type { Subscription } from './local-master-helpers';
import { eventually } from './local-operator-helpers';
import {
  acknowledgement,
  getTasks,
  idsAndStates,
  killedUnacknowledged as killedAndUnacknowledged,
  masterState,
  nextUpdate,
  updatesOf,
} from './local-unacknowledged-helpers';

const AWARE = { capabilities: [{ type: 'PARTITION_AWARE' as const }] };

describe('LocalCluster master: removing an agent with a task awaiting its acknowledgement', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  const open: Subscription[] = [];
  beforeEach(async () => {
    cluster = await LocalCluster.start({ agents: 1, statusUpdateRetryMs: 100 });
  });
  afterEach(async () => {
    stopAcknowledging();
    for (const subscription of open.splice(0)) subscription.close();
    await cluster.stop();
  });

  async function killedUnacknowledged(info: typeof AWARE | Record<string, never>) {
    const killed = await killedAndUnacknowledged(cluster, info);
    open.push(killed.subscription);
    return killed;
  }

  it('partition (PARTITION_AWARE): TASK_UNREACHABLE, filed unreachable as TASK_KILLED; on reregistration reported again, then completed by its ACK', async () => {
    const { subscription, call, killed } = await killedUnacknowledged(AWARE);
    const healed = cluster.faults.partitionAgent(0, 300);
    const unreachable = await nextUpdate(subscription, 'ended', 'TASK_UNREACHABLE', killed.index);
    expect(unreachable.status).to.include({ source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REMOVED' });
    expect(unreachable.status.uuid).to.equal(undefined);
    const tasks = await getTasks(cluster);
    expect(tasks.tasks ?? []).to.deep.equal([]);
    expect(idsAndStates(tasks.unreachable_tasks)).to.deep.equal(['ended:TASK_KILLED']);
    expect(tasks.unreachable_tasks?.[0]?.statuses?.map((s) => s.state).slice(-2)).to.deep.equal([
      'TASK_KILLED',
      'TASK_UNREACHABLE',
    ]);
    expect(tasks.completed_tasks ?? []).to.deep.equal([]);
    const state = await masterState(cluster);
    expect(idsAndStates(state.frameworks[0]?.unreachable_tasks)).to.deep.equal(['ended:TASK_KILLED']);
    expect(state.frameworks[0]?.tasks).to.deep.equal([]);
    await healed;
    // The master's report first, then the agent's pending update again.
    const reported = await nextUpdate(subscription, 'ended', 'TASK_KILLED', unreachable.index, (s) => !s.uuid);
    expect(reported.status).to.include({
      source: 'SOURCE_MASTER',
      reason: 'REASON_AGENT_REREGISTERED',
      message: 'Unreachable agent re-reregistered',
    });
    const resent = await nextUpdate(subscription, 'ended', 'TASK_KILLED', reported.index, (s) => !!s.uuid);
    expect(resent.status.uuid).to.deep.equal(killed.status.uuid);
    const back = await getTasks(cluster);
    expect(idsAndStates(back.tasks)).to.deep.equal(['ended:TASK_KILLED']);
    expect(back.unreachable_tasks ?? []).to.deep.equal([]);
    await call('ACKNOWLEDGE', acknowledgement(resent.status));
    const done = await getTasks(cluster);
    expect(done.tasks ?? []).to.deep.equal([]);
    expect(idsAndStates(done.completed_tasks)).to.deep.equal(['ended:TASK_KILLED']);
  });

  it('agent removed: TASK_LOST for it too (its state stays TASK_KILLED; TASK_UPDATED), filed among the completed tasks', async () => {
    const { subscription, killed } = await killedUnacknowledged({});
    const operator = new MesosMasterOperator(cluster.masterString);
    const events: master.Event[] = [];
    const stream = operator.subscribe({ event: (event) => void events.push(event) }, { mirror: true });
    try {
      await eventually(() => events.some((e) => e.type === 'SUBSCRIBED'), 5000, 'SUBSCRIBED');
      await cluster.faults.loseAgent(0, 'removed');
      const lost = await nextUpdate(subscription, 'ended', 'TASK_LOST', killed.index);
      expect(lost.status).to.include({ source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REMOVED' });
      const tasks = await getTasks(cluster);
      expect(tasks.tasks ?? []).to.deep.equal([]);
      expect(tasks.unreachable_tasks ?? []).to.deep.equal([]);
      expect(idsAndStates(tasks.completed_tasks)).to.deep.equal(['ended:TASK_KILLED']);
      const statuses = tasks.completed_tasks?.[0]?.statuses ?? [];
      expect(statuses.at(-1)).to.include({ state: 'TASK_LOST', source: 'SOURCE_MASTER' });
      // The operator stream reports the added status (the task's state unchanged), so its mirror agrees.
      const updated = await eventually(() => events.find((e) => e.task_updated?.status.state === 'TASK_LOST'));
      expect(updated.task_updated?.state).to.equal('TASK_KILLED');
      const mirrored = stream.mirror?.snapshot().get_tasks?.completed_tasks?.[0]?.statuses ?? [];
      expect(mirrored.map((s) => s.state)).to.deep.equal(statuses.map((s) => s.state));
    } finally {
      await stream.stop();
      await operator.close();
    }
  });

  it('a running task of an unreachable agent: unreachable_tasks, reconciled (and killed) TASK_UNREACHABLE with its time, id not reusable', async () => {
    await cluster.addAgent();
    const { subscription, call } = await launch(cluster, AWARE, 'web');
    open.push(subscription);
    const running = updatesOf(subscription, 'web').find((s) => s.state === 'TASK_RUNNING') as TaskStatus;
    const agentId = running.agent_id as { value: string };
    const from = subscription.events.length;
    const healed = cluster.faults.partitionAgent(agentId.value, 400);
    const unreachable = await nextUpdate(subscription, 'web', 'TASK_UNREACHABLE', from);
    const tasks = await getTasks(cluster);
    expect(idsAndStates(tasks.unreachable_tasks)).to.deep.equal(['web:TASK_UNREACHABLE']);
    expect(tasks.completed_tasks ?? []).to.deep.equal([]);
    let next = subscription.events.length;
    await call('RECONCILE', { reconcile: { tasks: [{ task_id: { value: 'web' }, agent_id: agentId }] } });
    const answer = await nextUpdate(subscription, 'web', 'TASK_UNREACHABLE', next);
    expect(answer.status).to.include({
      reason: 'REASON_RECONCILIATION',
      message: 'Reconciliation: Task is unreachable',
    });
    expect(answer.status.unreachable_time).to.deep.equal(unreachable.status.unreachable_time);
    // A KILL of the task is answered as its reconciliation (as Mesos).
    next = subscription.events.length;
    await call('KILL', { kill: { task_id: { value: 'web' }, agent_id: agentId } });
    const killAnswer = await nextUpdate(subscription, 'web', 'TASK_UNREACHABLE', next);
    expect(killAnswer.status).to.include({ message: 'Reconciliation: Task is unreachable' });
    // The other agent's offer: a task may not take the unreachable one's id.
    const offer = await subscription.waitFor(
      (events) => events.flatMap((e) => e.offers?.offers ?? []).find((o) => o.agent_id.value !== agentId.value),
      5000,
      'an offer of the other agent',
    );
    next = subscription.events.length;
    const task = {
      name: 'web',
      task_id: { value: 'web' },
      agent_id: offer.agent_id,
      command: { value: 'true' },
      resources: parseResources('cpus:0.1;mem:16'),
    };
    await call('ACCEPT', {
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task] } }] },
    });
    const refused = await nextUpdate(subscription, 'web', 'TASK_ERROR', next);
    expect(refused.status.message).to.equal('Task reuses the ID of an unreachable task: web');
    await healed;
    await nextUpdate(subscription, 'web', 'TASK_RUNNING', refused.index);
    const back = await getTasks(cluster);
    expect(idsAndStates(back.tasks)).to.deep.equal(['web:TASK_RUNNING']);
    expect(back.unreachable_tasks ?? []).to.deep.equal([]);
  });
});

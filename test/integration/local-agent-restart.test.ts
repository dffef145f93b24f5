/**
 * cluster.faults.restartAgent as Mesos: the tasks of a framework that does not checkpoint are
 * ended by the master when the agent's connection breaks (TASK_LOST, SOURCE_MASTER,
 * REASON_AGENT_DISCONNECTED, no uuid; PARTITION_AWARE frameworks too) and are then gone from the
 * master's state, the operator API and its resource accounting; explicit reconciliation answers
 * TASK_LOST / TASK_GONE ("Task is unknown to the agent"). A checkpointing framework's task
 * survives; one whose executor died meanwhile is reported by the agent. A task the master still
 * holds but the reregistered agent does not know is answered by the agent (REASON_RECONCILIATION).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { ExecutorInfo, FrameworkInfo, scheduler, TaskInfo, TaskStatus } from '../../lib/codec/messages';
import { agentReregistered } from '../../lib/local/agent-reregistration';
import { LocalCluster } from '../../lib/local/cluster';
import { parseResources } from '../../lib/local/resources';
import { MesosMasterOperator } from '../../lib/operator';
import { launchOnce, useDriverCluster, waitFor } from './helpers/driver-harness';
import { rawRequest, Subscription, subscribeCall } from './local-master-helpers';

const REPO = join(__dirname, '..', '..');
const TSX_LOADER = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const FIXTURE_EXECUTOR: ExecutorInfo = {
  executor_id: { value: 'fixture' },
  command: {
    value: `"${process.execPath}" --import "${TSX_LOADER}" "${join(__dirname, 'helpers', 'executor-fixture.ts')}"`,
    shell: true,
  },
  resources: parseResources('cpus:0.1;mem:32'),
};
const PARTITION_AWARE: Partial<FrameworkInfo> = { capabilities: [{ type: 'PARTITION_AWARE' }] };
const base64 = (bytes: unknown) => Buffer.from(bytes as Uint8Array).toString('base64') as unknown as Uint8Array;

describe('LocalCluster agent restart (faults.restartAgent)', function () {
  this.timeout(30_000);
  let cluster: LocalCluster;
  let operator: MesosMasterOperator | undefined;
  const open: Subscription[] = [];
  const timers: NodeJS.Timeout[] = [];
  beforeEach(async () => {
    cluster = await LocalCluster.start({ agents: 1, log: false });
  });
  afterEach(async () => {
    for (const timer of timers.splice(0)) clearInterval(timer);
    for (const subscription of open.splice(0)) subscription.close();
    await operator?.close();
    operator = undefined;
    await cluster.stop();
  });

  /** Subscribes, launches `tasks` on the first offer, acknowledges every update, waits until each runs. */
  async function launch(info: Partial<FrameworkInfo>, tasks: Array<{ id: string; executor?: boolean }>) {
    const subscription = await Subscription.open(cluster.masterUrl, subscribeCall(info));
    open.push(subscription);
    const offer = (await subscription.waitForEvent('OFFERS')).offers?.offers?.[0];
    if (!offer) throw new Error('no offer');
    const call = (type: scheduler.Call.Type, body: Partial<scheduler.Call>) =>
      subscription.call(cluster.masterUrl, { type, ...body });
    const taskInfos: TaskInfo[] = tasks.map(({ id, executor }) => ({
      name: id,
      task_id: { value: id },
      agent_id: offer.agent_id,
      resources: parseResources('cpus:0.1;mem:16'),
      ...(executor ? { executor: FIXTURE_EXECUTOR } : { command: { value: 'exec sleep 30' } }),
    }));
    const accepted = await call('ACCEPT', {
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: taskInfos } }] },
    });
    expect(accepted.status, accepted.text).to.equal(202);
    let acked = 0;
    const timer = setInterval(() => {
      for (const event of subscription.events.slice(acked)) {
        const status = event.update?.status;
        if (status?.uuid && status.agent_id)
          void call('ACKNOWLEDGE', {
            acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid: base64(status.uuid) },
          });
      }
      acked = subscription.events.length;
    }, 10);
    timers.push(timer);
    await subscription.waitFor(
      () =>
        tasks.every(({ id }) =>
          updates(subscription).some((s) => s.task_id.value === id && s.state === 'TASK_RUNNING'),
        ),
      15_000,
      'every task running',
    );
    await new Promise((resolve) => setTimeout(resolve, 100)); // the ACKs of TASK_RUNNING reach the agent
    return { subscription, agentId: offer.agent_id.value };
  }

  const updates = (subscription: Subscription): TaskStatus[] =>
    subscription.events.filter((e) => e.type === 'UPDATE').map((e) => e.update?.status as TaskStatus);

  async function nextUpdate(subscription: Subscription, from: number, taskId: string, state?: string) {
    const event = await subscription.waitForEvent('UPDATE', {
      from,
      timeoutMs: 10_000,
      where: (e) =>
        e.update?.status.task_id.value === taskId && (state === undefined || e.update.status.state === state),
    });
    return event.update?.status as TaskStatus;
  }

  async function masterState() {
    const response = await rawRequest(cluster.masterUrl, { method: 'GET', path: '/state' });
    return JSON.parse(response.text) as {
      frameworks: Array<{
        tasks: Array<{ id: string; state: string }>;
        completed_tasks: Array<{ id: string; state: string }>;
      }>;
      slaves: Array<{ used_resources: { cpus: number } }>;
    };
  }

  function client(): MesosMasterOperator {
    operator ??= new MesosMasterOperator(cluster.masterString, { retryTimeoutMs: 3000 });
    return operator;
  }

  /** Reconciles one task explicitly and checks the answer. */
  async function reconcile(subscription: Subscription, taskId: string, agentId: string, answer: Partial<TaskStatus>) {
    const from = subscription.events.length;
    const response = await subscription.call(cluster.masterUrl, {
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: taskId }, agent_id: { value: agentId } }] },
    });
    expect(response.status).to.equal(202);
    const status = await nextUpdate(subscription, from, taskId);
    expect(status).to.deep.include({ source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION', ...answer });
    expect(status.uuid).to.equal(undefined);
  }

  it('without checkpointing: command and custom-executor tasks get TASK_LOST from the master and are gone', async () => {
    const { subscription, agentId } = await launch({}, [{ id: 'cmd' }, { id: 'exe', executor: true }]);
    const from = subscription.events.length;
    await cluster.faults.restartAgent(0);
    const hostname = cluster.agents[0]?.info.hostname;
    for (const taskId of ['cmd', 'exe']) {
      const status = await nextUpdate(subscription, from, taskId);
      expect(status).to.deep.include({
        state: 'TASK_LOST',
        source: 'SOURCE_MASTER',
        reason: 'REASON_AGENT_DISCONNECTED',
        message: `Agent ${hostname} disconnected`,
        agent_id: { value: agentId },
      });
      expect(status.uuid, 'a master-made update is not acknowledged').to.equal(undefined);
      expect(status.executor_id?.value).to.equal(taskId === 'exe' ? 'fixture' : undefined);
    }
    // The master's state, the operator API and its accounting no longer hold them.
    const state = await masterState();
    expect(state.frameworks.flatMap((f) => f.tasks)).to.deep.equal([]);
    expect(
      state.frameworks
        .flatMap((f) => f.completed_tasks)
        .map((t) => [t.id, t.state])
        .sort(),
    ).to.deep.equal([
      ['cmd', 'TASK_LOST'],
      ['exe', 'TASK_LOST'],
    ]);
    expect(state.slaves[0]?.used_resources.cpus).to.equal(0);
    const tasks = await client().getTasks();
    expect(tasks.tasks ?? []).to.deep.equal([]);
    expect((tasks.completed_tasks ?? []).map((t) => t.state)).to.deep.equal(['TASK_LOST', 'TASK_LOST']);
    expect((await client().getExecutors()).executors ?? []).to.deep.equal([]);
    expect(cluster.faults.executors()).to.deep.equal([]);
    // Explicit reconciliation: the agent is registered and does not know the task.
    await reconcile(subscription, 'cmd', agentId, {
      state: 'TASK_LOST',
      message: 'Reconciliation: Task is unknown to the agent',
    });
    expect(updates(subscription).filter((s) => s.state === 'TASK_LOST')).to.have.length(3);
  });

  it('PARTITION_AWARE without checkpointing: TASK_LOST too; reconciliation then answers TASK_GONE', async () => {
    const { subscription, agentId } = await launch(PARTITION_AWARE, [{ id: 'aware' }]);
    const from = subscription.events.length;
    await cluster.faults.restartAgent(agentId);
    expect(await nextUpdate(subscription, from, 'aware')).to.deep.include({
      state: 'TASK_LOST',
      source: 'SOURCE_MASTER',
      reason: 'REASON_AGENT_DISCONNECTED',
    });
    expect(cluster.leader?.core?.tasks.size).to.equal(0);
    await reconcile(subscription, 'aware', agentId, {
      state: 'TASK_GONE',
      message: 'Reconciliation: Task is unknown to the agent',
    });
    await reconcile(subscription, 'aware', 'no-such-agent', {
      state: 'TASK_UNKNOWN',
      message: 'Reconciliation: Task is unknown',
    });
  });

  it('with checkpointing: the task survives the restart and reconciliation finds it running', async () => {
    const { subscription, agentId } = await launch({ checkpoint: true }, [{ id: 'kept' }]);
    const seen = updates(subscription).length;
    await cluster.faults.restartAgent(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(updates(subscription).slice(seen)).to.deep.equal([]);
    expect([...(cluster.leader?.core?.tasks.values() ?? [])].map((t) => t.state)).to.deep.equal(['TASK_RUNNING']);
    await reconcile(subscription, 'kept', agentId, { state: 'TASK_RUNNING' });
  });

  it('with checkpointing: an executor that dies as the agent restarts has its task failed by the agent', async () => {
    const { subscription } = await launch({ checkpoint: true }, [{ id: 'crashed', executor: true }]);
    const from = subscription.events.length;
    cluster.faults.killExecutor('fixture');
    await cluster.faults.restartAgent(0);
    expect(await nextUpdate(subscription, from, 'crashed', 'TASK_FAILED')).to.deep.include({
      source: 'SOURCE_AGENT',
      reason: 'REASON_EXECUTOR_TERMINATED',
    });
    expect(updates(subscription).some((s) => s.state === 'TASK_LOST')).to.equal(false);
  });

  for (const [info, state] of [
    [{ checkpoint: true }, 'TASK_LOST'],
    [{ checkpoint: true, ...PARTITION_AWARE }, 'TASK_DROPPED'],
  ] as const) {
    it(`a task the reregistered agent does not know is answered by the agent: ${state}`, async () => {
      const { subscription, agentId } = await launch(info, [{ id: 'forgotten' }]);
      const agent = cluster.agents[0];
      const core = cluster.leader?.core;
      if (!agent || !core) throw new Error('no agent or leader');
      const from = subscription.events.length;
      await agent.restart({ checkpointRecovery: false }); // an agent that could not recover the task
      agentReregistered(core, agent);
      const status = await nextUpdate(subscription, from, 'forgotten');
      expect(status).to.deep.include({
        state,
        source: 'SOURCE_AGENT',
        reason: 'REASON_RECONCILIATION',
        message: 'Reconciliation: task unknown to the agent',
        agent_id: { value: agentId },
      });
      expect(status.uuid).to.not.equal(undefined);
      expect(core.tasks.size).to.equal(0);
    });
  }
});

describe('MesosSchedulerDriver on LocalCluster: agent restart without checkpointing', function () {
  this.timeout(15_000);
  const { pool, startCluster } = useDriverCluster();

  it('statusUpdate gets TASK_LOST (REASON_AGENT_DISCONNECTED), and reconcileTasks answers TASK_LOST', async () => {
    const cluster = await startCluster({ agents: 1 });
    const scheduler = launchOnce('driven');
    const driver = pool.create(scheduler, { checkpoint: false }, cluster.masterString);
    driver.start();
    const running = await scheduler.waitForUpdate('TASK_RUNNING');
    await cluster.faults.restartAgent(0);
    const lost = await scheduler.waitForUpdate('TASK_LOST');
    expect(lost).to.deep.include({ source: 'SOURCE_MASTER', reason: 'REASON_AGENT_DISCONNECTED' });
    driver.reconcileTasks([running]);
    const answer = await waitFor('the reconciliation answer', () =>
      scheduler.updates.find((s) => s.reason === 'REASON_RECONCILIATION'),
    );
    expect(answer).to.deep.include({ state: 'TASK_LOST', message: 'Reconciliation: Task is unknown to the agent' });
  });
});

/**
 * An agent that comes back under a NEW agent id, as in Mesos: `faults.restartAgent(i, { newId: true })`
 * (the agent starts without its checkpointed state) and a machine brought back by STOP_MAINTENANCE.
 * The old agent's processes are gone; when the new agent registers at the same address the master
 * removes the old one: TASK_LOST (PARTITION_AWARE frameworks too), SOURCE_MASTER,
 * REASON_AGENT_REMOVED for the tasks of checkpointing frameworks (the others were ended at the
 * disconnection: REASON_AGENT_DISCONNECTED), FAILURE to every framework; the new agent is offered.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import type { AgentID, FrameworkInfo, Offer, TaskStatus } from '../../lib/codec/messages';
import { isTerminalTaskState } from '../../lib/codec/task-states';
import { MesosConfigError } from '../../lib/common/errors';
import type { LocalCluster } from '../../lib/local/cluster';
import { ACTIONS, ControlRequestError } from '../../lib/local/control/actions';
import { MesosMasterOperator } from '../../lib/operator';
import { commandTask, RecordingScheduler, useDriverCluster, waitFor } from './helpers/driver-harness';

const PARTITION_AWARE: Partial<FrameworkInfo> = { capabilities: [{ type: 'PARTITION_AWARE' }] };

/** True once no process has `pid` (signal 0 then fails with ESRCH; EPERM would mean it exists). */
function exited(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  return false;
}

describe('LocalCluster: an agent back under a new id', function () {
  this.timeout(30_000);
  const { pool, startCluster } = useDriverCluster();
  let cluster: LocalCluster;
  let pidDir: string;
  let operator: MesosMasterOperator | undefined;
  beforeEach(async () => {
    pidDir = await mkdtemp(join(tmpdir(), 'new-id-pids-'));
    cluster = await startCluster({ agents: 1 });
  });
  afterEach(async () => {
    await operator?.close();
    operator = undefined;
    await rm(pidDir, { recursive: true, force: true });
  });

  /** A framework that runs `taskId` (writing its pid) on the first agent it is offered, declining the rest briefly. */
  async function runTask(info: Partial<FrameworkInfo>, taskId: string) {
    const pidFile = join(pidDir, taskId);
    let launched = false;
    const scheduler = new RecordingScheduler({
      resourceOffers(driver, offers) {
        for (const offer of offers as Offer[]) {
          if (launched) driver.declineOffer(offer.id, { refuse_seconds: 0.5 });
          else driver.launchTasks(offer.id, [commandTask(offer, taskId, `echo $$ > ${pidFile}; exec sleep 60`)]);
          launched = true;
        }
      },
    });
    pool.create(scheduler, { name: taskId, ...info }, cluster.masterString).start();
    await scheduler.waitForUpdate('TASK_RUNNING', 10_000);
    const pid = await waitFor('the pid file', () => existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')));
    return { scheduler, pid };
  }

  const statusOf = (scheduler: RecordingScheduler, taskId: string) =>
    waitFor(`a terminal update of ${taskId}`, () =>
      scheduler.updates.find((s) => s.task_id.value === taskId && isTerminalTaskState(s.state)),
    );
  const lostAgents = (scheduler: RecordingScheduler) =>
    scheduler.entries.filter((e) => e.name === 'slaveLost').map((e) => (e.args[0] as AgentID).value);
  const offeredOn = (scheduler: RecordingScheduler, agentId: string) =>
    waitFor(`an offer on ${agentId}`, () => scheduler.offers.some((offer) => offer.agent_id.value === agentId), 8000);

  async function registeredAgents(): Promise<string[]> {
    operator ??= new MesosMasterOperator(cluster.masterString, { retryTimeoutMs: 3000 });
    const { agents } = await operator.getAgents();
    return (agents ?? []).map((agent) => agent.agent_info.id?.value ?? '');
  }

  async function stateAgents(): Promise<string[]> {
    const state = (await (await fetch(`${cluster.masterUrl}/state`)).json()) as { slaves: Array<{ id: string }> };
    return state.slaves.map((slave) => slave.id);
  }

  it('restartAgent(i, { newId: true }): the old agent is removed, its tasks lost, a new one is offered', async () => {
    const old = cluster.agents[0];
    const oldId = old?.id as string;
    const checkpointing = await runTask({ checkpoint: true }, 'cp');
    const checkpointingAware = await runTask({ checkpoint: true, ...PARTITION_AWARE }, 'cp-aware');
    const aware = await runTask(PARTITION_AWARE, 'aware');
    operator = new MesosMasterOperator(cluster.masterString, { retryTimeoutMs: 3000 });
    const agentEvents: string[] = [];
    let subscribed = false;
    operator.subscribe({
      subscribed: () => void (subscribed = true),
      agentAdded: (agent) => void agentEvents.push(`added ${agent.agent_info.id?.value}`),
      agentRemoved: (agentId) => void agentEvents.push(`removed ${agentId.value}`),
    });
    await waitFor('the operator subscription', () => subscribed);

    await cluster.faults.restartAgent(0, { newId: true });

    const fresh = cluster.agents[0];
    expect(cluster.agents).to.have.length(1);
    expect(fresh?.id).to.be.a('string').and.not.equal(oldId);
    expect(fresh?.url, 'the same address').to.equal(old?.url);
    const removed = `Agent 127.0.0.1 removed: a new agent registered at the same address`;
    for (const [scheduler, taskId] of [
      [checkpointing.scheduler, 'cp'],
      [checkpointingAware.scheduler, 'cp-aware'],
    ] as const) {
      const status: TaskStatus = await statusOf(scheduler, taskId);
      expect(status, taskId).to.include({
        state: 'TASK_LOST',
        source: 'SOURCE_MASTER',
        reason: 'REASON_AGENT_REMOVED',
      });
      expect(status.message).to.equal(removed);
      expect(status.agent_id?.value).to.equal(oldId);
    }
    // A framework that does not checkpoint lost its task when the agent's connection broke.
    expect(await statusOf(aware.scheduler, 'aware')).to.include({
      state: 'TASK_LOST',
      source: 'SOURCE_MASTER',
      reason: 'REASON_AGENT_DISCONNECTED',
    });
    for (const { scheduler } of [checkpointing, checkpointingAware, aware]) {
      await waitFor('FAILURE of the old agent', () => lostAgents(scheduler).includes(oldId));
      await offeredOn(scheduler, fresh?.id as string);
    }
    await waitFor('every old task process gone', () =>
      [checkpointing, checkpointingAware, aware].every(({ pid }) => exited(pid)),
    );
    expect(fresh?.state()).to.deep.equal([]);
    expect(await registeredAgents()).to.deep.equal([fresh?.id]);
    expect(await stateAgents()).to.deep.equal([fresh?.id]);
    await waitFor('AGENT_ADDED', () => agentEvents.length === 2);
    expect(agentEvents).to.deep.equal([`removed ${oldId}`, `added ${fresh?.id}`]);
  });

  it('the control action restart-agent takes newId; bad options are refused by name', async () => {
    const oldId = cluster.agents[0]?.id;
    const answer = await ACTIONS['/local/faults/restart-agent']?.(cluster, { agent: oldId, newId: true });
    expect(answer).to.deep.equal({ agent: { index: 0, id: cluster.agents[0]?.id, url: cluster.agents[0]?.url } });
    expect(cluster.agents[0]?.id).to.not.equal(oldId);
    expect(await registeredAgents()).to.deep.equal([cluster.agents[0]?.id]);
    let refused: unknown;
    try {
      await ACTIONS['/local/faults/restart-agent']?.(cluster, { agent: 0, newId: 'yes' });
    } catch (err) {
      refused = err;
    }
    expect(refused)
      .to.be.instanceOf(ControlRequestError)
      .with.property('message')
      .that.match(/'newId' must be a boolean/);
    const bad = { newId: 1 } as unknown as { newId: boolean };
    let thrown: unknown;
    await cluster.faults.restartAgent(0, bad).catch((err: unknown) => (thrown = err));
    expect(thrown)
      .to.be.instanceOf(MesosConfigError)
      .with.property('message')
      .that.match(/newId must be a boolean/);
  });

  it('STOP_MAINTENANCE: a new agent with a new id registers on the machine', async () => {
    const oldId = cluster.agents[0]?.id as string;
    const { scheduler, pid } = await runTask({}, 'maintained');
    operator = new MesosMasterOperator(cluster.masterString, { retryTimeoutMs: 3000 });
    const machine = { hostname: '127.0.0.1' };
    const start = { nanoseconds: Date.now() * 1e6 };
    await operator.updateMaintenanceSchedule({ windows: [{ machine_ids: [machine], unavailability: { start } }] });
    await operator.startMaintenance([machine]);
    expect(await statusOf(scheduler, 'maintained')).to.include({ state: 'TASK_LOST', source: 'SOURCE_MASTER' });
    expect(await registeredAgents()).to.deep.equal([]);

    await operator.stopMaintenance([machine]);
    const newId = await waitFor('a new agent', () => cluster.agents[0]?.id !== oldId && cluster.agents[0]?.id);
    await offeredOn(scheduler, newId);
    expect(await registeredAgents()).to.deep.equal([newId]);
    expect(await stateAgents()).to.deep.equal([newId]);
    const { status } = await operator.getMaintenanceStatus();
    expect(status.draining_machines ?? []).to.deep.equal([]);
    expect(status.down_machines ?? []).to.deep.equal([]);
    expect(exited(pid), 'the old task process').to.equal(true);
    expect(cluster.agents).to.have.length(1);
  });
});

/**
 * The master calls of LocalCluster's operator API, each in JSON and in protobuf, decoded by the
 * library's MesosMasterOperator, answered from the cluster's real model: a framework that ran
 * tasks shows in state, tasks (completed ones too), frameworks, executors, roles and metrics;
 * writes (weights, quota, maintenance, reservations and volumes, agent deactivation, drain,
 * gone, teardown) are validated as Mesos validates them and show in what is read back.
 */
import { expect } from 'chai';
import type { master, Resource } from '../../lib/codec/messages';
import { MesosError } from '../../lib/common/errors';
import { LocalCluster } from '../../lib/local/cluster';
import { parseResources } from '../../lib/local/resources';
import { MesosMasterOperator } from '../../lib/operator';
import { eventually, runFramework, type TestFramework } from './local-operator-helpers';

const metric = (metrics: master.Response.GetMetrics, name: string) =>
  metrics.metrics?.find((m) => m.name === name)?.value;

async function rejection(promise: Promise<unknown>): Promise<MesosError> {
  try {
    await promise;
  } catch (err) {
    expect(err).to.be.instanceOf(MesosError);
    return err as MesosError;
  }
  throw new Error('expected a rejection');
}

for (const format of ['json', 'protobuf'] as const) {
  describe(`LocalCluster operator API: master calls (${format})`, function () {
    this.timeout(15_000);
    let cluster: LocalCluster;
    let framework: TestFramework;
    let client: MesosMasterOperator;
    let frameworkId: string;
    let agentId: string;

    before(async () => {
      cluster = await LocalCluster.start({ log: false, agents: 2, statusUpdateRetryMs: 200, roles: ['web', 'batch'] });
      client = new MesosMasterOperator(cluster.masterString, { contentType: format, retryTimeoutMs: 3000 });
      framework = runFramework(cluster, { done: 'echo done', sleeper: 'sleep 30' });
      frameworkId = await framework.frameworkId;
      await framework.reached('done');
      await framework.reached('sleeper', 'TASK_RUNNING');
      agentId = cluster.agents[0]?.id as string;
    });
    after(async () => {
      await client.close();
      await framework.stop();
      await cluster.stop();
    });

    it('GET_HEALTH, GET_VERSION, GET_FLAGS, GET_MASTER, GET_LOGGING_LEVEL/SET_LOGGING_LEVEL', async () => {
      expect(await client.getHealth()).to.deep.equal({ healthy: true });
      expect((await client.getVersion()).version_info.version).to.equal('1.12.0');
      const flags = (await client.getFlags()).flags ?? [];
      expect(flags.find((f) => f.name === 'roles')?.value).to.equal('web,batch');
      const leader = await client.getMaster();
      expect(leader.master_info?.id).to.equal(cluster.leader?.info.id);
      expect(leader.elected_time).to.be.greaterThan(0);
      await client.setLoggingLevel(2, { nanoseconds: 60e9 });
      expect(await client.getLoggingLevel()).to.deep.equal({ level: 2 });
    });

    it('GET_STATE / GET_TASKS / GET_FRAMEWORKS / GET_AGENTS / GET_EXECUTORS from the model, completed tasks included', async () => {
      const state = await client.getState();
      const tasks = state.get_tasks ?? {};
      expect(tasks.tasks?.map((t) => [t.task_id.value, t.state])).to.deep.equal([['sleeper', 'TASK_RUNNING']]);
      const done = tasks.completed_tasks?.find((t) => t.task_id.value === 'done');
      expect(done?.state).to.equal('TASK_FINISHED');
      expect(done?.statuses?.map((s) => s.state)).to.include('TASK_FINISHED');
      expect(done?.framework_id.value).to.equal(frameworkId);
      const frameworks = await client.getFrameworks();
      expect(frameworks.frameworks?.map((f) => [f.framework_info.id?.value, f.active, f.connected])).to.deep.equal([
        [frameworkId, true, true],
      ]);
      const agents = await client.getAgents();
      expect(agents.agents?.map((a) => a.agent_info.id?.value).sort()).to.deep.equal(
        cluster.agents.map((a) => a.id).sort(),
      );
      const used = agents.agents?.flatMap((a) => a.allocated_resources ?? []).find((r) => r.name === 'cpus');
      expect(used?.scalar?.value).to.be.closeTo(0.1, 1e-9);
      expect((await client.getExecutors()).executors ?? []).to.deep.equal([]);
      expect((await client.getTasks()).tasks?.[0]?.task_id.value).to.equal('sleeper');
    });

    it('GET_METRICS counts tasks by state, frameworks, agents, offers and resources', async () => {
      const metrics = await client.getMetrics();
      expect(metric(metrics, 'master/tasks_running')).to.equal(1);
      expect(metric(metrics, 'master/tasks_finished')).to.equal(1);
      expect(metric(metrics, 'master/frameworks_active')).to.equal(1);
      expect(metric(metrics, 'master/slaves_active')).to.equal(2);
      expect(metric(metrics, 'master/cpus_total')).to.equal(8);
      expect(metric(metrics, 'master/cpus_used')).to.be.closeTo(0.1, 1e-9);
      expect(metric(metrics, 'master/outstanding_offers')).to.be.a('number');
    });

    it('GET_ROLES, GET_WEIGHTS/UPDATE_WEIGHTS (validated), GET_QUOTA/UPDATE_QUOTA (validated, all or nothing)', async () => {
      await client.updateWeights([{ role: 'web', weight: 2.5 }]);
      expect((await client.getWeights()).weight_infos).to.deep.equal([{ role: 'web', weight: 2.5 }]);
      expect((await rejection(client.updateWeights([{ role: 'web', weight: -1 }]))).message).to.include(
        'must be positive',
      );
      const roles = (await client.getRoles()).roles ?? [];
      expect(roles.map((r) => [r.name, r.weight])).to.deep.include.members([
        ['*', 1],
        ['web', 2.5],
        ['batch', 1],
      ]);
      expect(roles.find((r) => r.name === '*')?.frameworks?.map((f) => f.value)).to.deep.equal([frameworkId]);
      await client.updateQuota([{ role: 'web', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } }]);
      expect((await client.getQuota()).status.configs).to.deep.equal([
        { role: 'web', guarantees: { cpus: { value: 1 } }, limits: { cpus: { value: 2 } } },
      ]);
      const over = await rejection(client.updateQuota([{ role: 'batch', guarantees: { cpus: { value: 100 } } }]));
      expect(over.message).to.include('exceed cluster capacity');
      await client.updateQuota([{ role: 'batch', guarantees: { cpus: { value: 100 } } }], true);
      await client.updateQuota([{ role: 'batch' }, { role: 'web' }]);
      expect((await client.getQuota()).status.configs ?? []).to.deep.equal([]);
    });

    it('maintenance schedule: validated, stored, status DRAINING then DOWN (agent removed) then up again', async () => {
      const bad = await rejection(
        client.updateMaintenanceSchedule({
          windows: [{ machine_ids: [], unavailability: { start: { nanoseconds: 0 } } }],
        }),
      );
      expect(bad.message).to.include('List of machines in the maintenance window is empty');
      const machine = { hostname: 'Maint.Example', ip: '10.0.0.1' };
      const window = { machine_ids: [machine], unavailability: { start: { nanoseconds: 1_700_000_000_000_000_000 } } };
      const twice = await rejection(client.updateMaintenanceSchedule({ windows: [window, window] }));
      expect(twice.message).to.include('appears more than once');
      await client.updateMaintenanceSchedule({ windows: [window] });
      const schedule = await client.getMaintenanceSchedule();
      expect(schedule.schedule.windows?.[0]?.machine_ids).to.deep.equal([
        { hostname: 'maint.example', ip: '10.0.0.1' },
      ]);
      expect((await client.getMaintenanceStatus()).status.draining_machines?.[0]?.id.hostname).to.equal(
        'maint.example',
      );
      expect((await rejection(client.stopMaintenance([machine]))).message).to.include('not in DOWN mode');
      await client.startMaintenance([machine]);
      expect((await client.getMaintenanceStatus()).status.down_machines).to.deep.equal([
        { hostname: 'maint.example', ip: '10.0.0.1' },
      ]);
      await client.stopMaintenance([machine]);
      expect((await client.getMaintenanceSchedule()).schedule.windows ?? []).to.deep.equal([]);
    });

    it('a maintenance window: offers carry its unavailability, frameworks on its agents get inverse offers, their answers show in the status', async () => {
      const start = { nanoseconds: 1_900_000_000_000_000_000n }; // beyond 2^53: decoded as a bigint (Int64)
      await client.updateMaintenanceSchedule({
        windows: [
          { machine_ids: [{ hostname: '127.0.0.1' }], unavailability: { start, duration: { nanoseconds: 3.6e12 } } },
        ],
      });
      const before = framework.offers.length;
      framework.driver.reviveOffers();
      const offer = await eventually(() => framework.offers.slice(before).find((o) => o.unavailability));
      expect(offer.unavailability).to.deep.equal({ start, duration: { nanoseconds: 3.6e12 } });
      const inverse = await eventually(() => framework.inverseOffers[0]);
      expect(inverse.unavailability.start).to.deep.equal(start);
      expect(inverse.framework_id.value).to.equal(frameworkId);
      const unknown = (await client.getMaintenanceStatus()).status.draining_machines?.[0]?.statuses;
      expect(unknown?.map((s) => [s.status, s.framework_id.value])).to.deep.equal([['UNKNOWN', frameworkId]]);
      framework.driver.acceptInverseOffers([inverse.id]);
      await eventually(async () => {
        const statuses = (await client.getMaintenanceStatus()).status.draining_machines?.[0]?.statuses;
        return statuses?.[0]?.status === 'ACCEPT' ? true : undefined;
      });
      await client.updateMaintenanceSchedule({ windows: [] });
    });

    it('RESERVE/UNRESERVE_RESOURCES and CREATE/DESTROY_VOLUMES change the agent resources in state and offers', async () => {
      const agent = cluster.agents[1]?.id as string;
      const reserved: Resource[] = parseResources('disk(web):100');
      const totalOf = async () =>
        (await client.getAgents()).agents?.find((a) => a.agent_info.id?.value === agent)?.total_resources ?? [];
      await client.reserveResources(agent, reserved);
      expect((await totalOf()).some((r) => r.name === 'disk' && r.reservations?.[0]?.role === 'web')).to.equal(true);
      const volume: Resource = {
        ...(reserved[0] as Resource),
        disk: { persistence: { id: 'v1', principal: 'ops' }, volume: { container_path: 'data', mode: 'RW' } },
      };
      await client.createVolumes(agent, [volume]);
      expect((await totalOf()).some((r) => r.disk?.persistence?.id === 'v1')).to.equal(true);
      const noSuchVolume = await rejection(
        client.destroyVolumes(agent, [{ ...volume, disk: { ...volume.disk, persistence: { id: 'v2' } } }]),
      );
      expect(noSuchVolume.message).to.include('do not contain');
      await client.destroyVolumes(agent, [volume]);
      await client.unreserveResources(agent, reserved);
      expect((await totalOf()).some((r) => r.reservations?.length)).to.equal(false);
      expect((await rejection(client.reserveResources('nope', reserved))).message).to.include('No agent found');
    });

    it('DEACTIVATE_AGENT/REACTIVATE_AGENT, DRAIN_AGENT (tasks killed, DRAINED), MARK_AGENT_GONE (idempotent, 404 unknown)', async () => {
      await client.deactivateAgent(agentId);
      let agent = (await client.getAgents()).agents?.find((a) => a.agent_info.id?.value === agentId);
      expect([agent?.active, agent?.deactivated]).to.deep.equal([false, true]);
      await client.reactivateAgent(agentId);
      expect((await rejection(client.reactivateAgent(agentId))).message).to.include('not deactivated');
      const sleeperAgent = (await client.getTasks()).tasks?.find((t) => t.task_id.value === 'sleeper')?.agent_id
        .value as string;
      await client.drainAgent(sleeperAgent, { maxGracePeriod: { seconds: 0 } });
      await framework.reached('sleeper');
      agent = await eventually(async () => {
        const found = (await client.getAgents()).agents?.find((a) => a.agent_info.id?.value === sleeperAgent);
        return found?.drain_info?.state === 'DRAINED' ? found : undefined;
      });
      expect(agent.deactivated).to.equal(true);
      await client.reactivateAgent(sleeperAgent);
      const other = cluster.agents.find((a) => a.id !== sleeperAgent)?.id as string;
      await client.markAgentGone(other);
      await client.markAgentGone(other);
      expect((await client.getAgents()).agents?.map((a) => a.agent_info.id?.value)).to.deep.equal([sleeperAgent]);
      expect((await rejection(client.markAgentGone('unknown-agent'))).message).to.include('not found');
    });

    it('features LocalCluster lacks answer as Mesos without them; TEARDOWN removes the framework (400 when unknown)', async () => {
      expect((await rejection(client.listFiles('/master/log'))).message).to.include('--log_dir');
      expect((await client.getOperations()).operations ?? []).to.deep.equal([]);
      expect((await rejection(client.teardown('no-such-framework'))).message).to.include('No framework found');
      await client.teardown(frameworkId);
      const frameworks = await client.getFrameworks();
      expect(frameworks.frameworks ?? []).to.deep.equal([]);
      expect(frameworks.completed_frameworks?.map((f) => f.framework_info.id?.value)).to.deep.equal([frameworkId]);
    });
  });
}

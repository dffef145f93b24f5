/**
 * A LocalCluster agent keeps its completed tasks (terminal update acknowledged) as Mesos's agent
 * does: a finished command task whose executor has exited is listed by the agent operator API
 * under GET_TASKS `completed_tasks` (and GET_STATE), its executor under `completed_executors`,
 * and in `/state` under its completed executor's `completed_tasks` (GET_FRAMEWORKS and `/state`
 * list the framework under `completed_frameworks` once its last executor ended).
 */
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local/cluster';
import { MesosAgentOperator } from '../../lib/operator';
import { rawRequest } from './local-master-helpers';
import { eventually, runFramework, type TestFramework } from './local-operator-helpers';

describe('LocalCluster agent completed tasks', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  let framework: TestFramework;
  const clients: MesosAgentOperator[] = [];

  before(async () => {
    cluster = await LocalCluster.start({ log: false });
    framework = runFramework(cluster, { done: 'true' });
    await framework.reached('done', 'TASK_FINISHED');
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await framework.stop();
    await cluster.stop();
  });

  for (const format of ['json', 'protobuf'] as const) {
    it(`GET_TASKS and GET_STATE list the finished task under completed_tasks (${format})`, async () => {
      const client = new MesosAgentOperator(cluster.agents[0]?.url as string, { contentType: format });
      clients.push(client);
      const tasks = await eventually(async () => {
        const got = await client.getTasks();
        return got.completed_tasks?.length ? got : undefined;
      });
      expect(tasks.launched_tasks ?? []).to.deep.equal([]);
      expect(tasks.terminated_tasks ?? []).to.deep.equal([]);
      const [task] = tasks.completed_tasks ?? [];
      expect(task?.task_id.value).to.equal('done');
      expect(task?.state).to.equal('TASK_FINISHED');
      expect(task?.framework_id.value).to.equal(await framework.frameworkId);
      expect(task?.executor_id?.value).to.equal('done');
      const state = await client.getState();
      expect(state.get_tasks?.completed_tasks?.map((t) => t.task_id.value)).to.deep.equal(['done']);
      const executors = state.get_executors?.completed_executors ?? [];
      expect(executors.map((e) => e.executor_info.executor_id.value)).to.deep.equal(['done']);
      const frameworks = state.get_frameworks?.completed_frameworks ?? [];
      expect(frameworks.map((f) => f.framework_info.id?.value)).to.deep.equal([await framework.frameworkId]);
    });
  }

  it("/state shows the task, finished, under its completed executor's completed_tasks", async () => {
    type Framework = { completed_executors: Array<{ id: string; completed_tasks: Record<string, unknown>[] }> };
    type State = { frameworks: Framework[]; completed_frameworks: Framework[] };
    const executor = await eventually(async () => {
      const res = await rawRequest(cluster.agents[0]?.url as string, { method: 'GET', path: '/state' });
      const state = JSON.parse(res.body.toString()) as State;
      // The framework has left the agent once its only executor ended: under completed_frameworks.
      const frameworks = [...state.frameworks, ...state.completed_frameworks];
      return frameworks.flatMap((f) => f.completed_executors).find((e) => e.id === 'done');
    });
    expect(executor?.completed_tasks).to.have.length(1);
    expect(executor?.completed_tasks[0]).to.include({
      id: 'done',
      state: 'TASK_FINISHED',
      executor_id: 'done',
      slave_id: cluster.agents[0]?.id,
    });
  });
});

/**
 * OperatorStateMirror: after SUBSCRIBED and any traffic of events, its snapshot equals the state
 * a master keeps (a model master here, updated as Mesos does and emitting the events Mesos emits),
 * checked with random traffic; change events name what changed.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import type { master, Task, TaskState } from '../../lib/codec/messages';
import { isTerminalTaskState } from '../../lib/codec/task-states';
import { type MirrorChange, OperatorStateMirror } from '../../lib/operator/mirror';

type Agent = master.Response.GetAgents.Agent;
type Framework = master.Response.GetFrameworks.Framework;

const STATES: TaskState[] = [
  'TASK_STARTING',
  'TASK_RUNNING',
  'TASK_FINISHED',
  'TASK_FAILED',
  'TASK_KILLED',
  'TASK_LOST',
];

/** A model master: its state as GET_STATE gives it, and the events SUBSCRIBE would send for each change. */
class ModelMaster {
  tasks: Task[] = [];
  completed: Task[] = [];
  agents: Agent[] = [];
  frameworks: Framework[] = [];
  completedFrameworks: Framework[] = [];
  private counter = 0;

  state(): master.Response.GetState {
    const tasks: master.Response.GetTasks = {};
    if (this.tasks.length > 0) tasks.tasks = [...this.tasks];
    if (this.completed.length > 0) tasks.completed_tasks = [...this.completed];
    const frameworks: master.Response.GetFrameworks = {};
    if (this.frameworks.length > 0) frameworks.frameworks = [...this.frameworks];
    if (this.completedFrameworks.length > 0) frameworks.completed_frameworks = [...this.completedFrameworks];
    const agents: master.Response.GetAgents = {};
    if (this.agents.length > 0) agents.agents = [...this.agents];
    return { get_tasks: tasks, get_executors: {}, get_frameworks: frameworks, get_agents: agents };
  }

  addAgent(): master.Event {
    const id = `a${this.counter++}`;
    const agent: Agent = {
      agent_info: { hostname: `${id}.example`, id: { value: id }, port: 5051 },
      active: true,
      version: '1.11.0',
    };
    this.agents.push(agent);
    return { type: 'AGENT_ADDED', agent_added: { agent } };
  }

  removeAgent(n: number): master.Event | undefined {
    const agent = this.agents[n % Math.max(1, this.agents.length)];
    if (!agent) return undefined;
    this.agents = this.agents.filter((a) => a !== agent);
    return { type: 'AGENT_REMOVED', agent_removed: { agent_id: agent.agent_info.id as { value: string } } };
  }

  addFramework(): master.Event {
    const id = `fw${this.counter++}`;
    const framework: Framework = {
      framework_info: { user: 'u', name: id, id: { value: id } },
      active: true,
      connected: true,
      recovered: false,
    };
    this.frameworks.push(framework);
    return { type: 'FRAMEWORK_ADDED', framework_added: { framework } };
  }

  updateFramework(n: number): master.Event | undefined {
    const index = n % Math.max(1, this.frameworks.length);
    const old = this.frameworks[index];
    if (!old) return undefined;
    const framework = { ...old, connected: !old.connected };
    this.frameworks[index] = framework;
    return { type: 'FRAMEWORK_UPDATED', framework_updated: { framework } };
  }

  removeFramework(n: number): master.Event | undefined {
    const framework = this.frameworks[n % Math.max(1, this.frameworks.length)];
    if (!framework) return undefined;
    this.frameworks = this.frameworks.filter((f) => f !== framework);
    this.completedFrameworks.push({ ...framework, active: false, connected: false });
    return { type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: framework.framework_info } };
  }

  addTask(): master.Event | undefined {
    const framework = this.frameworks[0];
    const agent = this.agents[0];
    if (!framework || !agent) return undefined;
    const id = `t${this.counter++}`;
    const task: Task = {
      name: id,
      task_id: { value: id },
      framework_id: framework.framework_info.id as { value: string },
      agent_id: agent.agent_info.id as { value: string },
      state: 'TASK_STAGING',
    };
    this.tasks.push(task);
    return { type: 'TASK_ADDED', task_added: { task } };
  }

  updateTask(n: number, state: TaskState): master.Event | undefined {
    const index = n % Math.max(1, this.tasks.length);
    const old = this.tasks[index];
    if (!old) return undefined;
    const uuid = Buffer.from([this.counter++ & 0xff, n & 0xff, 7]);
    const status = { task_id: old.task_id, state, agent_id: old.agent_id, uuid };
    const task: Task = {
      ...old,
      state,
      // Mesos's master: a status in the same state as the last one replaces it.
      statuses: [...(old.statuses ?? []).filter((s, i, all) => i < all.length - 1 || s.state !== state), status],
      status_update_state: state,
      status_update_uuid: uuid,
    };
    if (isTerminalTaskState(state)) {
      this.tasks.splice(index, 1);
      this.completed.push(task);
    } else {
      this.tasks[index] = task;
    }
    return { type: 'TASK_UPDATED', task_updated: { framework_id: old.framework_id, status, state } };
  }
}

/** GET_STATE with every list sorted by id, so that equality ignores order. */
function normalized(state: master.Response.GetState): unknown {
  const byId = <T>(items: T[] | undefined, id: (item: T) => string) =>
    items ? [...items].sort((a, b) => id(a).localeCompare(id(b))) : undefined;
  const clean = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? {}));
  return clean({
    tasks: byId(state.get_tasks?.tasks, (t) => t.task_id.value),
    completed: byId(state.get_tasks?.completed_tasks, (t) => t.task_id.value),
    agents: byId(state.get_agents?.agents, (a) => a.agent_info.id?.value ?? ''),
    frameworks: byId(state.get_frameworks?.frameworks, (f) => f.framework_info.id?.value ?? ''),
    completedFrameworks: byId(state.get_frameworks?.completed_frameworks, (f) => f.framework_info.id?.value ?? ''),
  });
}

const operation = fc.oneof(
  fc.record({ kind: fc.constant('addAgent' as const) }),
  fc.record({ kind: fc.constant('removeAgent' as const), n: fc.nat(20) }),
  fc.record({ kind: fc.constant('addFramework' as const) }),
  fc.record({ kind: fc.constant('updateFramework' as const), n: fc.nat(20) }),
  fc.record({ kind: fc.constant('removeFramework' as const), n: fc.nat(20) }),
  fc.record({ kind: fc.constant('addTask' as const) }),
  fc.record({ kind: fc.constant('updateTask' as const), n: fc.nat(20), state: fc.constantFrom(...STATES) }),
  fc.record({ kind: fc.constant('heartbeat' as const) }),
);
type Operation = typeof operation extends fc.Arbitrary<infer O> ? O : never;

function run(model: ModelMaster, op: Operation): master.Event | undefined {
  switch (op.kind) {
    case 'addAgent':
      return model.addAgent();
    case 'removeAgent':
      return model.removeAgent(op.n);
    case 'addFramework':
      return model.addFramework();
    case 'updateFramework':
      return model.updateFramework(op.n);
    case 'removeFramework':
      return model.removeFramework(op.n);
    case 'addTask':
      return model.addTask();
    case 'updateTask':
      return model.updateTask(op.n, op.state);
    case 'heartbeat':
      return { type: 'HEARTBEAT' };
  }
}

describe('OperatorStateMirror', () => {
  it('equals the master state after SUBSCRIBED and any random traffic of events', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 15 }), fc.array(operation, { maxLength: 60 }), (before, after) => {
        const model = new ModelMaster();
        for (const op of before) run(model, op);
        const mirror = new OperatorStateMirror();
        mirror.apply({ type: 'SUBSCRIBED', subscribed: { get_state: model.state(), heartbeat_interval_seconds: 15 } });
        expect(normalized(mirror.snapshot())).to.deep.equal(normalized(model.state()));
        for (const op of after) {
          const event = run(model, op);
          if (event) mirror.apply(event);
          expect(normalized(mirror.snapshot())).to.deep.equal(normalized(model.state()));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a new SUBSCRIBED replaces everything known before', () => {
    const model = new ModelMaster();
    model.addAgent();
    model.addFramework();
    const mirror = new OperatorStateMirror();
    mirror.apply({ type: 'SUBSCRIBED', subscribed: { get_state: model.state() } });
    mirror.apply(model.addTask() as master.Event);
    mirror.apply({ type: 'SUBSCRIBED', subscribed: { get_state: new ModelMaster().state() } });
    expect(mirror.tasks.size + mirror.agents.size + mirror.frameworks.size).to.equal(0);
  });

  it('tells listeners what changed, with the previous value', () => {
    const model = new ModelMaster();
    model.addAgent();
    model.addFramework();
    const mirror = new OperatorStateMirror();
    const changes: MirrorChange[] = [];
    const off = mirror.onChange((change) => changes.push(change));
    mirror.apply({ type: 'SUBSCRIBED', subscribed: { get_state: model.state() } });
    mirror.apply(model.addTask() as master.Event);
    mirror.apply(model.updateTask(0, 'TASK_RUNNING') as master.Event);
    off();
    mirror.apply(model.updateTask(0, 'TASK_FINISHED') as master.Event);
    expect(changes.map((c) => c.kind)).to.deep.equal(['reset', 'task', 'task']);
    const update = changes[2] as Extract<MirrorChange, { kind: 'task' }>;
    expect(update.previous?.state).to.equal('TASK_STAGING');
    expect(update.task.state).to.equal('TASK_RUNNING');
    expect(mirror.tasksInState('TASK_FINISHED')).to.have.length(1);
  });
});

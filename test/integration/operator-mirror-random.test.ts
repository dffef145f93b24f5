/**
 * The operator client's state mirror, kept from SUBSCRIBED and the events of LocalCluster's master,
 * equals a fresh GET_STATE at every quiet moment of seeded random traffic: frameworks subscribe and
 * tear down, launch tasks that run, finish or fail, kill them, and agents come and go (their tasks
 * lost with them). Compared after normalising away only what Mesos's events do not carry (offers,
 * offered/allocated resources, executors, a removed framework's `unregistered_time`). MESOS_DRIVER_CHAOS_SEED replays a run.
 */
import { expect } from 'chai';
import type { master, Offer, Task, TaskInfo, TaskStatus } from '../../lib/codec/messages';
import { isTerminalTaskState } from '../../lib/codec/task-states';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type { Scheduler } from '../../lib/driver/scheduler-types';
import { LocalCluster } from '../../lib/local/cluster';
import { parseResources } from '../../lib/local/resources';
import { MesosMasterOperator, type OperatorEventStream } from '../../lib/operator';
import { chaosSeed, seededRandom } from './helpers/seeded-random';

/** A framework the test steers: tasks queued with `launch` go out on its next offer. */
class SteeredFramework {
  readonly driver: MesosSchedulerDriver;
  readonly states = new Map<string, TaskStatus['state']>();
  private queued: Array<{ id: string; command: string }> = [];
  /** Tasks asked for whose first status has not come yet, and tasks asked to be killed not yet terminal. */
  readonly pending = new Set<string>();
  private readonly killing = new Set<string>();

  constructor(masterString: string, name: string) {
    const scheduler: Scheduler = {
      resourceOffers: (driver, offers: Offer[]) => {
        for (const offer of offers) {
          if (this.queued.length === 0) {
            // Out of the way of the other frameworks until it has something to launch (revive).
            driver.declineOffer(offer.id, { refuse_seconds: 60 });
            continue;
          }
          const tasks: TaskInfo[] = this.queued.splice(0).map(({ id, command }) => ({
            name: id,
            task_id: { value: id },
            agent_id: offer.agent_id,
            resources: parseResources('cpus:0.01;mem:1'),
            command: { value: command },
          }));
          driver.launchTasks([offer.id], tasks, { refuse_seconds: 0 });
        }
      },
      statusUpdate: (_driver, status) => {
        this.states.set(status.task_id.value, status.state);
        this.pending.delete(status.task_id.value);
        if (isTerminalTaskState(status.state)) this.killing.delete(status.task_id.value);
      },
      error: () => undefined,
    };
    this.driver = new MesosSchedulerDriver(scheduler, { user: 'tester', name, failover_timeout: 0 }, masterString);
    this.driver.start();
  }

  launch(id: string, command: string): void {
    this.pending.add(id);
    this.queued.push({ id, command });
    this.driver.reviveOffers();
  }

  kill(id: string): void {
    this.killing.add(id);
    this.driver.killTask({ value: id });
  }

  /** Ids of its tasks that run now. */
  running(): string[] {
    return [...this.states].filter(([, state]) => state === 'TASK_RUNNING').map(([id]) => id);
  }

  /** True when every task is in a state it stays in until the test acts (running, or terminal). */
  settled(): boolean {
    return (
      this.queued.length === 0 &&
      this.pending.size === 0 &&
      this.killing.size === 0 &&
      [...this.states.values()].every((state) => state === 'TASK_RUNNING' || isTerminalTaskState(state))
    );
  }

  async stop(): Promise<void> {
    this.driver.stop();
    await this.driver.join().catch(() => undefined);
  }
}

type Agent = master.Response.GetAgents.Agent;
type Framework = master.Response.GetFrameworks.Framework;

/** Fields Mesos's operator events do not carry: offers, offered/allocated resources, when a framework was removed. */
function normaliseAgent(agent: Agent): unknown {
  const { allocated_resources: _a, offered_resources: _o, ...rest } = agent;
  return rest;
}

function normaliseFramework(framework: Framework): unknown {
  const {
    offers: _offers,
    inverse_offers: _inverse,
    allocated_resources: _a,
    offered_resources: _o,
    unregistered_time: _removed,
    ...rest
  } = framework;
  return rest;
}

/** A GET_STATE (or a mirror's snapshot) with lists sorted by id and the unmirrored fields dropped. */
export function normaliseState(state: master.Response.GetState): unknown {
  const byTask = (tasks: Task[] | undefined) =>
    [...(tasks ?? [])].sort((a, b) => a.task_id.value.localeCompare(b.task_id.value));
  const byId = <T>(items: T[] | undefined, id: (item: T) => string) =>
    [...(items ?? [])].sort((a, b) => id(a).localeCompare(id(b)));
  return {
    tasks: byTask(state.get_tasks?.tasks),
    completed_tasks: byTask(state.get_tasks?.completed_tasks),
    unreachable_tasks: byTask(state.get_tasks?.unreachable_tasks),
    frameworks: byId(state.get_frameworks?.frameworks, (f) => f.framework_info.id?.value ?? '').map(normaliseFramework),
    completed_frameworks: byId(state.get_frameworks?.completed_frameworks, (f) => f.framework_info.id?.value ?? '').map(
      normaliseFramework,
    ),
    agents: byId(state.get_agents?.agents, (a) => a.agent_info.id?.value ?? '').map(normaliseAgent),
  };
}

const COMMANDS = ['sleep 30', 'sleep 30', 'true', 'exit 3'];

for (const format of ['protobuf', 'json'] as const) {
  describe(`operator state mirror = GET_STATE under random traffic on LocalCluster (${format})`, function () {
    this.timeout(20_000);
    const seed = chaosSeed(format === 'json' ? 1212 : 2121);
    let cluster: LocalCluster;
    let client: MesosMasterOperator;
    let stream: OperatorEventStream | undefined;
    const frameworks: SteeredFramework[] = [];

    beforeEach(async () => {
      cluster = await LocalCluster.start({
        log: false,
        agents: 2,
        allocationIntervalMs: 20,
        heartbeatIntervalSeconds: 60,
        statusUpdateRetryMs: 200,
      });
      client = new MesosMasterOperator(cluster.masterString, { contentType: format });
    });
    afterEach(async () => {
      await stream?.stop();
      await Promise.all(frameworks.splice(0).map((f) => f.stop()));
      await client.close();
      await cluster.stop();
    });

    it(`equals it at each quiet moment of ${format} traffic (seed ${seed})`, async () => {
      const random = seededRandom(seed);
      const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random() * items.length)];
      let lastEvent = Date.now();
      stream = client.subscribe(
        {
          event: (event) => {
            if (event.type !== 'HEARTBEAT') lastEvent = Date.now();
          },
        },
        { mirror: true },
      );
      let taskCounter = 0;
      let frameworkCounter = 0;
      const log: string[] = [];
      const started = Date.now();
      const rounds = 12;
      let compared = 0;
      for (let round = 0; round < rounds; round++) {
        const actions = 1 + Math.floor(random() * 4);
        for (let n = 0; n < actions; n++) {
          const roll = random();
          const live = frameworks;
          if (roll < 0.15 || live.length === 0) {
            frameworks.push(new SteeredFramework(cluster.masterString, `fw-${frameworkCounter++}`));
            log.push(`round ${round}: framework added`);
          } else if (roll < 0.6) {
            const framework = pick(live) as SteeredFramework;
            const count = 1 + Math.floor(random() * 3);
            for (let i = 0; i < count; i++) framework.launch(`t${taskCounter++}`, pick(COMMANDS) as string);
            log.push(`round ${round}: ${count} tasks launched`);
          } else if (roll < 0.75) {
            const framework = pick(live) as SteeredFramework;
            const id = pick(framework.running());
            if (id !== undefined) framework.kill(id);
            log.push(`round ${round}: kill ${id ?? 'nothing'}`);
          } else if (roll < 0.85) {
            const framework = pick(live) as SteeredFramework;
            frameworks.splice(frameworks.indexOf(framework), 1);
            await framework.stop();
            log.push(`round ${round}: framework torn down`);
          } else if (roll < 0.93 || cluster.agents.length < 2) {
            await cluster.addAgent();
            log.push(`round ${round}: agent added`);
          } else {
            const agent = pick(cluster.agents);
            if (agent) await cluster.faults.loseAgent(agent.id, 'removed');
            log.push(`round ${round}: agent removed`);
          }
        }
        // A quiet moment: every framework settled (nothing launched or killed in flight) and no
        // event for 150 ms since the last action.
        lastEvent = Math.max(lastEvent, Date.now());
        const deadline = Date.now() + 5000;
        while (!(frameworks.every((f) => f.settled()) && Date.now() - lastEvent > 150)) {
          if (Date.now() > deadline) throw new Error(`no quiet moment in round ${round}:\n${log.join('\n')}`);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const fresh = await client.getState();
        const mirrored = stream.mirror?.snapshot() ?? {};
        const brief = (state: master.Response.GetState) =>
          JSON.stringify(
            ['tasks', 'completed_tasks', 'unreachable_tasks'].map((list) =>
              ((state.get_tasks as Record<string, Task[] | undefined>)?.[list] ?? [])
                .map((t) => `${t.task_id.value}:${t.state}:${t.statuses?.length}`)
                .sort(),
            ),
          );
        expect(
          normaliseState(mirrored),
          `round ${round} (seed ${seed}):\n${log.join('\n')}\nmirror ${brief(mirrored)}\nfresh  ${brief(fresh)}\n`,
        ).to.deep.equal(normaliseState(fresh));
        // Times are whole ms in ns, computed without a double's rounding (beyond 2^53).
        const times = [
          ...(fresh.get_frameworks?.frameworks ?? []).map((f) => f.registered_time?.nanoseconds),
          ...(fresh.get_agents?.agents ?? []).map((a) => a.registered_time?.nanoseconds),
        ];
        for (const ns of times) expect(BigInt(ns ?? 1) % 1_000_000n, String(ns)).to.equal(0n);
        compared++;
      }
      expect(compared).to.equal(rounds);
      expect(taskCounter).to.be.greaterThan(0);
      expect(Date.now() - started).to.be.lessThan(20_000);
    });
  });
}

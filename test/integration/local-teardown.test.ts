/**
 * A torn-down framework leaves nothing behind on a LocalCluster agent: its custom executor gets
 * SHUTDOWN (and is killed after the grace period when it does not exit), its command tasks are
 * killed, and the agent forgets its tasks and executors without reporting (or logging as ignored)
 * any update. Also `cluster.faults.executors()` / `killExecutor()`.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import createDebug from 'debug';
import type { ExecutorInfo, Offer, TaskInfo } from '../../lib/codec/messages';
import { MesosConfigError } from '../../lib/common/errors';
import { LocalCluster } from '../../lib/local/cluster';
import { rawRequest, Subscription, subscribeCall } from './local-master-helpers';

const REPO = join(__dirname, '..', '..');
const TSX_LOADER = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const FIXTURE_EXECUTOR = join(__dirname, 'helpers', 'executor-fixture.ts');

function fixtureExecutor(gracePeriodMs: number): ExecutorInfo {
  return {
    executor_id: { value: 'fixture' },
    name: 'Fixture Executor',
    command: { value: `"${process.execPath}" --import "${TSX_LOADER}" "${FIXTURE_EXECUTOR}"`, shell: true },
    shutdown_grace_period: { nanoseconds: gracePeriodMs * 1e6 },
  };
}

function task(offer: Offer, id: string, extra: Partial<TaskInfo>): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
    ...extra,
  };
}

/** True while `pid` exists (a zombie left for init to reap counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Collects what the LocalCluster loggers write while a test runs. */
function captureLocalLogs(): { lines: string[]; restore(): void } {
  const lines: string[] = [];
  const previousNamespaces = createDebug.disable();
  const previousLog = createDebug.log;
  createDebug.log = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  createDebug.enable('mesos-driver:local:*');
  return {
    lines,
    restore() {
      createDebug.log = previousLog;
      createDebug.disable();
      if (previousNamespaces) createDebug.enable(previousNamespaces);
    },
  };
}

interface AgentStateJson {
  frameworks: Array<{ id: string; executors: unknown[]; tasks: Array<{ id: string; state: string }> }>;
}

describe('LocalCluster framework teardown with a custom executor', function () {
  this.timeout(30_000);
  let cluster: LocalCluster | undefined;
  let subscription: Subscription | undefined;
  let logs: ReturnType<typeof captureLocalLogs> | undefined;

  afterEach(async () => {
    logs?.restore();
    logs = undefined;
    subscription?.close();
    subscription = undefined;
    await cluster?.stop();
    cluster = undefined;
  });

  /** Subscribes, launches the executor's task (and a command task), waits for both TASK_RUNNING. */
  async function launch(executor: ExecutorInfo, data?: string): Promise<{ frameworkId: string; url: string }> {
    cluster = await LocalCluster.start({ log: false, heartbeatIntervalSeconds: 1 });
    const url = cluster.masterUrl;
    subscription = await Subscription.open(url, subscribeCall({ name: 'teardown-check' }));
    const offer = (await subscription.waitForEvent('OFFERS')).offers?.offers?.[0];
    if (!offer) throw new Error('an OFFERS event without offers');
    const tasks = [
      // The call goes out as JSON, where bytes are base64 text.
      task(offer, 'on-executor', {
        executor,
        ...(data ? { data: Buffer.from(data).toString('base64') as never } : {}),
      }),
      task(offer, 'command', { command: { value: 'exec sleep 30' } }),
    ];
    const accepted = await subscription.call(url, {
      type: 'ACCEPT',
      accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }] },
    });
    expect(accepted.status, accepted.text).to.equal(202);
    await acknowledgeUntil(url, (running) => running.has('on-executor') && running.has('command'));
    return { frameworkId: subscription.frameworkId, url };
  }

  /** Acknowledges every update (the agent sends a task's next one only then) until `done` holds. */
  async function acknowledgeUntil(url: string, done: (running: Set<string>) => boolean): Promise<void> {
    const running = new Set<string>();
    for (let from = 0; !done(running); ) {
      const event = await (subscription as Subscription).waitForEvent('UPDATE', { from, timeoutMs: 15_000 });
      from = (subscription as Subscription).events.indexOf(event) + 1;
      const status = event.update?.status;
      if (!status?.uuid || !status.agent_id) continue;
      if (status.state === 'TASK_RUNNING') running.add(status.task_id.value);
      const uuid = Buffer.from(status.uuid).toString('base64') as never;
      const ack = await subscription?.call(url, {
        type: 'ACKNOWLEDGE',
        acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid },
      });
      expect(ack?.status, ack?.text).to.equal(202);
    }
  }

  async function agentState(): Promise<AgentStateJson> {
    const agent = cluster?.agents[0];
    if (!agent) throw new Error('no agent');
    return JSON.parse((await rawRequest(agent.url, { method: 'GET', path: '/state' })).text) as AgentStateJson;
  }

  async function expectGoneEverywhere(frameworkId: string, url: string, pid: number): Promise<void> {
    await waitFor('the agent to forget the framework', async () =>
      (await agentState()).frameworks.every((f) => f.id !== frameworkId),
    );
    await waitFor('the executor process to be gone', () => !alive(pid));
    expect(cluster?.faults.executors()).to.deep.equal([]);
    const master = JSON.parse((await rawRequest(url, { method: 'GET', path: '/master/state' })).text) as {
      frameworks: Array<{ id: string }>;
      completed_frameworks: Array<{ id: string; tasks: unknown[]; completed_tasks: Array<{ id: string }> }>;
    };
    expect(master.frameworks.map((f) => f.id)).not.to.include(frameworkId);
    const completed = master.completed_frameworks.find((f) => f.id === frameworkId);
    expect(completed?.tasks).to.deep.equal([]);
    expect(completed?.completed_tasks.map((t) => t.id).sort()).to.deep.equal(['command', 'on-executor']);
    expect(logs?.lines.filter((line) => /ignor/i.test(line))).to.deep.equal([]);
  }

  it('TEARDOWN: the executor shuts down, the command task is killed, the agent forgets both', async () => {
    const { frameworkId, url } = await launch(fixtureExecutor(5_000));
    const [executor] = cluster?.faults.executors() ?? [];
    expect(executor).to.include({ frameworkId, executorId: 'fixture', agentId: cluster?.agents[0]?.id });
    expect(executor?.directory).to.include(`/frameworks/${frameworkId}/executors/fixture/runs/`);
    const pid = executor?.pid as number;
    expect(alive(pid)).to.equal(true);

    logs = captureLocalLogs();
    const teardownAt = Date.now();
    expect((await subscription?.call(url, { type: 'TEARDOWN' }))?.status).to.equal(202);
    await expectGoneEverywhere(frameworkId, url, pid);
    // The fixture exits on SHUTDOWN: well before the 5 s grace period.
    expect(Date.now() - teardownAt).to.be.below(4_000);
  });

  it('TEARDOWN: an executor that ignores SHUTDOWN is killed after its grace period, then forgotten', async () => {
    const { frameworkId, url } = await launch(fixtureExecutor(500), 'hang-on-shutdown');
    const pid = cluster?.faults.executors()[0]?.pid as number;
    logs = captureLocalLogs();
    const teardownAt = Date.now();
    expect((await subscription?.call(url, { type: 'TEARDOWN' }))?.status).to.equal(202);
    await waitFor('the agent to forget the framework', async () =>
      (await agentState()).frameworks.every((f) => f.id !== frameworkId),
    );
    expect(Date.now() - teardownAt).to.be.at.least(450);
    await expectGoneEverywhere(frameworkId, url, pid);
  });

  it('TEARDOWN: an executor that never subscribed is killed at once and forgotten', async () => {
    const silent: ExecutorInfo = { executor_id: { value: 'fixture' }, command: { value: 'exec sleep 30' } };
    cluster = await LocalCluster.start({ heartbeatIntervalSeconds: 1 });
    const url = cluster.masterUrl;
    subscription = await Subscription.open(url, subscribeCall({ name: 'teardown-check' }));
    const offer = (await subscription.waitForEvent('OFFERS')).offers?.offers?.[0] as Offer;
    const tasks = [
      task(offer, 'on-executor', { executor: silent }),
      task(offer, 'command', { command: { value: 'exec sleep 30' } }),
    ];
    const operations = [{ type: 'LAUNCH' as const, launch: { task_infos: tasks } }];
    await subscription.call(url, { type: 'ACCEPT', accept: { offer_ids: [offer.id], operations } });
    await waitFor('the executor to start', () => (cluster?.faults.executors().length ?? 0) === 1);
    const pid = cluster?.faults.executors()[0]?.pid as number;
    await waitFor('the command task to be staged on the agent', async () =>
      (await agentState()).frameworks.some((f) => f.tasks.length === 2),
    );
    logs = captureLocalLogs();
    expect((await subscription.call(url, { type: 'TEARDOWN' })).status).to.equal(202);
    await expectGoneEverywhere(subscription.frameworkId, url, pid);
  });

  it('failover timeout expiry (a disconnect with failover_timeout 0) removes the framework the same way', async () => {
    const { frameworkId, url } = await launch(fixtureExecutor(5_000));
    const pid = cluster?.faults.executors()[0]?.pid as number;
    logs = captureLocalLogs();
    subscription?.close();
    await expectGoneEverywhere(frameworkId, url, pid);
  });

  it('faults.killExecutor: SIGKILL ends the executor, its task fails and the framework hears of the exit', async () => {
    const { frameworkId } = await launch(fixtureExecutor(5_000));
    expect(() => cluster?.faults.killExecutor('nope')).to.throw(MesosConfigError, "no running executor 'nope'");
    expect(() => cluster?.faults.killExecutor('fixture', { frameworkId: 'other' })).to.throw(
      MesosConfigError,
      "no running executor 'fixture' of framework other",
    );
    expect(() => cluster?.faults.killExecutor('fixture', { signal: 'SIGNOPE' as NodeJS.Signals })).to.throw(
      MesosConfigError,
      "unknown signal 'SIGNOPE'",
    );
    const killed = cluster?.faults.killExecutor('fixture');
    expect(killed).to.include({ frameworkId, executorId: 'fixture' });
    const failed = await subscription?.waitForEvent('UPDATE', {
      where: (e) => e.update?.status.task_id.value === 'on-executor' && e.update.status.state === 'TASK_FAILED',
    });
    expect(failed?.update?.status.message).to.match(/SIGKILL/);
    const failure = await subscription?.waitForEvent('FAILURE');
    expect(failure?.failure).to.deep.include({ executor_id: { value: 'fixture' }, status: 9 });
    await waitFor('the executor process to be gone', () => !alive(killed?.pid as number));
    expect(cluster?.faults.executors()).to.deep.equal([]);
  });
});

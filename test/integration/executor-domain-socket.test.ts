/**
 * Executor HTTP over a Unix domain socket (agent flag --http_executor_domain_sockets,
 * MESOS_DOMAIN_SOCKET): MesosExecutorDriver and ExecutorClient against a scripted agent that
 * listens only on a socket, and a custom executor process on a LocalCluster agent started that way.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import type { ExecutorInfo, Offer, TaskInfo, TaskStatus } from '../../lib/codec/messages';
import { MesosConfigError, MesosTransportError } from '../../lib/common/errors';
import { MesosExecutorDriver } from '../../lib/driver/executor-driver';
import type { Executor } from '../../lib/driver/executor-types';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type { Scheduler, SchedulerDriver } from '../../lib/driver/scheduler-types';
import { Status } from '../../lib/driver/status';
import { parseCliArgs } from '../../lib/local/cli-options';
import { LocalCluster } from '../../lib/local/cluster';
import { ExecutorClient } from '../../lib/transport/executor-client';
import { FakeAgent } from './helpers/fake-agent';

const REPO = join(__dirname, '..', '..');
const TSX_LOADER = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const TEST_EXECUTOR = join(REPO, 'samples', 'test-executor.ts');

function task(id: string): TaskInfo {
  return { name: `Task ${id}`, task_id: { value: id }, agent_id: { value: 'agent-1' } };
}

/** Reports TASK_RUNNING then TASK_FINISHED for every launched task. */
const finishingExecutor: Executor = {
  launchTask: (driver, launched) => {
    driver.sendStatusUpdate({ task_id: launched.task_id, state: 'TASK_RUNNING' });
    driver.sendStatusUpdate({ task_id: launched.task_id, state: 'TASK_FINISHED' });
  },
};

describe('executor API over a Unix domain socket', function () {
  this.timeout(20_000);

  describe('against a scripted agent listening only on a socket', () => {
    let dir: string;
    let agent: FakeAgent | undefined;
    const drivers: MesosExecutorDriver[] = [];
    const clients: ExecutorClient[] = [];

    beforeEach(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mds-'));
    });

    afterEach(async () => {
      for (const driver of drivers.splice(0)) driver.abort();
      for (const client of clients.splice(0)) client.close();
      await agent?.stop();
      agent = undefined;
      await rm(dir, { recursive: true, force: true });
    });

    it('MesosExecutorDriver subscribes, sends updates and is acknowledged over MESOS_DOMAIN_SOCKET, with no TCP', async () => {
      agent = await FakeAgent.start({ socketPath: join(dir, 'agent.sock') });
      const driver = new MesosExecutorDriver(finishingExecutor, { environment: agent.env(), exitOnShutdown: false });
      drivers.push(driver);
      expect(driver.environment.domainSocket).to.equal(join(dir, 'agent.sock'));
      void driver.run();
      await agent.waitFor(() => agent?.streaming === true, 'SUBSCRIBE');
      agent.send({ type: 'LAUNCH', launch: { task: task('t1') } });
      agent.send({ type: 'LAUNCH', launch: { task: task('t2') } });
      await agent.waitFor(() => agent?.callsOf('UPDATE').length === 4, 'four updates');
      await agent.waitFor(() => driver.unacknowledged.unacknowledged_updates?.length === 0, 'acknowledgements');
      expect(
        agent.callsOf('UPDATE').map((c) => `${c.update?.status.task_id.value} ${c.update?.status.state}`),
      ).to.deep.equal(['t1 TASK_RUNNING', 't1 TASK_FINISHED', 't2 TASK_RUNNING', 't2 TASK_FINISHED']);
      // The path the C++ library uses over the socket; MESOS_AGENT_ENDPOINT names a dead TCP port.
      expect(new Set(agent.paths)).to.deep.equal(new Set(['/slave(1)/api/v1/executor']));
      expect(driver.stop()).to.equal(Status.DRIVER_STOPPED);
    });

    it('a checkpointing executor re-subscribes over the socket after an agent restart, re-sending what was not acknowledged', async () => {
      agent = await FakeAgent.start({ socketPath: join(dir, 'agent.sock'), autoAcknowledge: false });
      const log: string[] = [];
      const driver = new MesosExecutorDriver(
        { ...finishingExecutor, reregistered: () => void log.push('reregistered') },
        {
          environment: agent.env({
            MESOS_CHECKPOINT: '1',
            MESOS_RECOVERY_TIMEOUT: '10secs',
            MESOS_SUBSCRIPTION_BACKOFF_MAX: '100ms',
          }),
          exitOnShutdown: false,
        },
      );
      drivers.push(driver);
      void driver.run();
      await agent.waitFor(() => agent?.streaming === true, 'SUBSCRIBE');
      agent.send({ type: 'LAUNCH', launch: { task: task('t1') } });
      await agent.waitFor(() => agent?.callsOf('UPDATE').length === 2, 'two updates');
      const first = agent.callsOf('UPDATE')[0]?.update?.status;
      agent.send({ type: 'ACKNOWLEDGED', acknowledged: { task_id: { value: 't1' }, uuid: first?.uuid as Uint8Array } });
      await agent.waitFor(() => driver.unacknowledged.unacknowledged_updates?.length === 1, 'one acknowledgement');
      await agent.stop();
      await agent.restart();
      await agent.waitFor(() => log.includes('reregistered'), 're-SUBSCRIBE');
      const resubscribe = agent.subscribes[agent.subscribes.length - 1]?.subscribe;
      expect(resubscribe?.unacknowledged_updates?.map((u) => u.status.state)).to.deep.equal(['TASK_FINISHED']);
    });

    for (const pipelineCalls of [true, false]) {
      it(`ExecutorClient sends calls over the socket with pipelineCalls: ${pipelineCalls}`, async () => {
        const socketPath = join(dir, 'agent.sock');
        agent = await FakeAgent.start({ socketPath });
        const client = new ExecutorClient('http://localhost', { contentType: 'json', socketPath, pipelineCalls });
        clients.push(client);
        expect(client.url).to.equal(`http+unix://${encodeURIComponent(socketPath)}/api/v1/executor`);
        const ids = { executor_id: { value: 'exec-1' }, framework_id: { value: 'fw-1' } };
        const subscription = await client.subscribe({ ...ids, type: 'SUBSCRIBE', subscribe: {} });
        await Promise.all(
          [1, 2, 3].map((n) => client.call({ ...ids, type: 'MESSAGE', message: { data: Buffer.from(`m${n}`) } })),
        );
        expect(agent.callsOf('MESSAGE').map((c) => Buffer.from(c.message?.data ?? []).toString())).to.deep.equal([
          'm1',
          'm2',
          'm3',
        ]);
        subscription.close();
      });
    }

    it('ExecutorClient: a socket nobody listens on is a retryable transport error naming it; bad options are config errors', async () => {
      const socketPath = join(dir, 'nobody.sock');
      const client = new ExecutorClient('http://localhost', { socketPath, pipelineCalls: false });
      clients.push(client);
      const ids = { executor_id: { value: 'e' }, framework_id: { value: 'f' } };
      const failure = await client.call({ ...ids, type: 'HEARTBEAT' }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).to.be.instanceOf(MesosTransportError);
      expect((failure as MesosTransportError).retryable).to.equal(true);
      expect((failure as Error).message).to.include(`http+unix://${encodeURIComponent(socketPath)}`);
      expect(() => new ExecutorClient('https://localhost', { socketPath })).to.throw(MesosConfigError, /https/);
      expect(() => new ExecutorClient('http://localhost', { socketPath: `/${'x'.repeat(120)}` })).to.throw(
        MesosConfigError,
        /socketPath is too long/,
      );
      expect(() => new ExecutorClient('http://localhost', { socketPath: '' })).to.throw(MesosConfigError, /socketPath/);
    });
  });

  describe('on a LocalCluster agent with httpExecutorDomainSockets', () => {
    let cluster: LocalCluster | undefined;
    let driver: MesosSchedulerDriver | undefined;

    afterEach(async () => {
      driver?.abort();
      driver = undefined;
      await cluster?.stop();
      cluster = undefined;
    });

    /** A task to launch, on the agent `onAgent` when set. */
    type Planned = Omit<TaskInfo, 'agent_id' | 'resources'> & { onAgent?: string };

    /** Launches each of `tasks` (one per offer, as long as there are some) and records the updates. */
    function runTasks(tasks: Planned[], checkpoint = false) {
      const updates: TaskStatus[] = [];
      const waiters: Array<() => void> = [];
      const queue = [...tasks];
      const scheduler: Scheduler = {
        resourceOffers(d: SchedulerDriver, offers: Offer[]) {
          for (const offer of offers) {
            const at = queue.findIndex((t) => t.onAgent === undefined || t.onAgent === offer.agent_id.value);
            if (at < 0) {
              d.declineOffer(offer.id);
              continue;
            }
            const { onAgent: _, ...next } = queue.splice(at, 1)[0] as Planned;
            const resources = [
              { name: 'cpus', type: 'SCALAR' as const, scalar: { value: 0.1 } },
              { name: 'mem', type: 'SCALAR' as const, scalar: { value: 32 } },
            ];
            d.launchTasks(offer.id, [{ ...next, agent_id: offer.agent_id, resources }]);
          }
        },
        statusUpdate(_d, status) {
          updates.push(status);
          for (const wake of waiters.splice(0)) wake();
        },
      };
      driver = new MesosSchedulerDriver(
        scheduler,
        { user: '', name: 'domain sockets', checkpoint },
        cluster?.masterString as string,
      );
      driver.start();
      const until = async (predicate: () => boolean, what: string) => {
        const deadline = Date.now() + 15_000;
        while (!predicate()) {
          if (Date.now() > deadline)
            throw new Error(
              `timed out waiting for ${what}: ${JSON.stringify(updates.map((u) => `${u.task_id.value} ${u.state} ${u.message ?? ''}`))}`,
            );
          await new Promise<void>((resolve) => {
            waiters.push(resolve);
            setTimeout(resolve, 100);
          });
        }
      };
      const states = (id: string) => updates.filter((u) => u.task_id.value === id).map((u) => u.state);
      return { updates, until, states, more: (task: Planned) => queue.push(task) };
    }

    const executor: ExecutorInfo = {
      executor_id: { value: 'ts-executor' },
      name: 'test-executor over a domain socket',
      command: { value: `"${process.execPath}" --import "${TSX_LOADER}" "${TEST_EXECUTOR}"`, shell: true },
    };

    it('a custom executor runs its tasks over the socket only: no executor request reaches the TCP server', async () => {
      cluster = await LocalCluster.start({ log: false, httpExecutorDomainSockets: true, heartbeatIntervalSeconds: 1 });
      const agent = cluster.agents[0];
      if (!agent) throw new Error('no agent');
      const socketPath = agent.executorEndpoints.domainSocket as string;
      expect(Buffer.byteLength(socketPath)).to.be.at.most(107);
      const socket = await stat(socketPath);
      expect(socket.isSocket()).to.equal(true);
      expect(socket.mode & 0o777).to.equal(0o600);
      expect((await stat(join(socketPath, '..'))).mode & 0o777).to.equal(0o700);

      const run = runTasks([1, 2, 3].map((n) => ({ name: `t${n}`, task_id: { value: `t${n}` }, executor })));
      await run.until(() => ['t1', 't2', 't3'].every((id) => run.states(id).includes('TASK_FINISHED')), 'three tasks');
      for (const id of ['t1', 't2', 't3']) expect(run.states(id), id).to.deep.equal(['TASK_RUNNING', 'TASK_FINISHED']);
      expect(run.updates.every((u) => u.source === 'SOURCE_EXECUTOR')).to.equal(true);
      const { requests } = agent.executorEndpoints;
      // SUBSCRIBE plus six UPDATEs, all on the socket.
      expect(requests.domainSocket).to.be.at.least(7);
      expect(requests.tcp).to.equal(0);

      await cluster.stop();
      cluster = undefined;
      const gone = await stat(join(socketPath, '..')).then(
        () => false,
        (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
      );
      expect(gone, 'socket directory removed on stop').to.equal(true);
    });

    it('the socket keeps its path across an agent restart: a checkpointing executor re-subscribes on it', async () => {
      cluster = await LocalCluster.start({ log: false, httpExecutorDomainSockets: true, heartbeatIntervalSeconds: 1 });
      const agent = cluster.agents[0];
      if (!agent) throw new Error('no agent');
      const socketPath = agent.executorEndpoints.domainSocket;
      const run = runTasks([{ name: 'a', task_id: { value: 'a' }, executor }], true);
      await run.until(() => run.states('a').includes('TASK_FINISHED'), 'task a');
      const before = agent.executorEndpoints.requests.domainSocket;
      await cluster.faults.restartAgent(0);
      expect(agent.executorEndpoints.domainSocket).to.equal(socketPath);
      run.more({ name: 'b', task_id: { value: 'b' }, executor });
      await run.until(() => run.states('b').includes('TASK_FINISHED'), 'task b after the restart');
      expect(agent.executorEndpoints.requests.domainSocket).to.be.above(before);
      expect(agent.executorEndpoints.requests.tcp).to.equal(0);
    });

    it('command tasks see MESOS_DOMAIN_SOCKET too; agents without the option give none', async () => {
      cluster = await LocalCluster.start({
        log: false,
        agents: [{ httpExecutorDomainSockets: true }, { httpExecutorDomainSockets: false }],
      });
      const [withSocket, without] = cluster.agents;
      expect(withSocket?.executorEndpoints.domainSocket).to.be.a('string');
      expect(without?.executorEndpoints.domainSocket).to.equal(undefined);
      const run = runTasks(
        [withSocket?.id, without?.id].map((id) => ({
          name: `on ${id}`,
          task_id: { value: `on ${id}` },
          onAgent: id as string,
          command: { value: 'if [ -n "$MESOS_DOMAIN_SOCKET" ]; then test -S "$MESOS_DOMAIN_SOCKET"; else exit 3; fi' },
        })),
      );
      await run.until(
        () => run.updates.filter((u) => u.state === 'TASK_FINISHED' || u.state === 'TASK_FAILED').length === 2,
        'two tasks',
      );
      const ended = run.updates.filter((u) => u.state === 'TASK_FINISHED' || u.state === 'TASK_FAILED');
      const byAgent = new Map(ended.map((u) => [u.agent_id?.value, u.state]));
      expect(byAgent.get(withSocket?.id)).to.equal('TASK_FINISHED');
      expect(byAgent.get(without?.id)).to.equal('TASK_FAILED');
    });

    it('mesos-local --http-executor-domain-sockets turns the option on; a non-boolean option is a config error', async () => {
      const options = parseCliArgs(['--http-executor-domain-sockets']);
      expect(options !== 'help' && options.cluster.httpExecutorDomainSockets).to.equal(true);
      const plain = parseCliArgs([]);
      expect(plain !== 'help' && plain.cluster.httpExecutorDomainSockets).to.equal(undefined);
      let failure: unknown;
      try {
        cluster = await LocalCluster.start({ log: false, httpExecutorDomainSockets: 'yes' as unknown as boolean });
      } catch (err) {
        failure = err;
      }
      expect(failure).to.be.instanceOf(MesosConfigError);
      expect((failure as Error).message).to.include('httpExecutorDomainSockets');
    });
  });
});

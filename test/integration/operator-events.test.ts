/**
 * The master event stream of MesosMasterOperator against a scripted stub: callbacks in order,
 * one at a time and awaited; the async iterator; reconnection after a truncated stream, missed
 * heartbeats and a leader change (disconnected, then a fresh subscribed); the state mirror; 4xx
 * ending the stream; stop() leaving no open handle.
 */
import type http from 'node:http';
import { expect } from 'chai';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { master, Task } from '../../lib/codec/messages';
import { MesosAuthenticationError, MesosStreamEndedError, MesosTimeoutError } from '../../lib/common/errors';
import { MesosMasterOperator, type MirrorChange, type OperatorEventHandler } from '../../lib/operator';
import { FakeHttpMaster, type FakeStream, openStream, reply } from './helpers/http-master';

const FAST = { retryTimeoutMs: 3000, backoff: () => ({ next: () => 20, reset: () => {} }) };
const codec = getCodec<master.Event>(TYPE_NAMES.MasterEvent, 'json');
const encode = (event: master.Event) => codec.encode(event);

const AGENT = {
  agent_info: { hostname: 'a1.example', id: { value: 'a1' }, port: 5051 },
  active: true,
  version: '1.11.0',
};
const FRAMEWORK = {
  framework_info: { user: 'web', name: 'web', id: { value: 'fw' }, failover_timeout: 0, checkpoint: false },
  active: true,
  connected: true,
  recovered: false,
};
function task(id: string, state: Task['state']): Task {
  return { name: id, task_id: { value: id }, framework_id: { value: 'fw' }, agent_id: { value: 'a1' }, state };
}
function subscribed(tasks: Task[] = [], heartbeat = 15): master.Event {
  return {
    type: 'SUBSCRIBED',
    subscribed: {
      get_state: {
        get_tasks: tasks.length > 0 ? { tasks } : {},
        get_executors: {},
        get_frameworks: { frameworks: [FRAMEWORK] },
        get_agents: { agents: [AGENT] },
      },
      heartbeat_interval_seconds: heartbeat,
    },
  };
}
const HEARTBEAT: master.Event = { type: 'HEARTBEAT' };
const RUNNING_UUID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const UPDATE: master.Event = {
  type: 'TASK_UPDATED',
  task_updated: {
    framework_id: { value: 'fw' },
    status: { task_id: { value: 't1' }, state: 'TASK_RUNNING', agent_id: { value: 'a1' }, uuid: RUNNING_UUID },
    state: 'TASK_RUNNING',
  },
};

/**
 * A stub whose SUBSCRIBE answers are handed to the test, one FakeStream per subscription; with
 * `leaderOf`, it also answers list-detection probes (`/master/redirect`) with that leader.
 */
async function streamingMaster(
  leaderOf?: () => FakeHttpMaster,
): Promise<{ fake: FakeHttpMaster; next: () => Promise<FakeStream> }> {
  const fake = await FakeHttpMaster.start();
  const opened: FakeStream[] = [];
  const waiting: Array<(s: FakeStream) => void> = [];
  fake.handle((req, res: http.ServerResponse) => {
    if (leaderOf && req.path.startsWith('/master/redirect')) {
      reply(res, 307, '', { Location: `${leaderOf().url.slice(5)}/master/redirect` });
      return;
    }
    const stream = openStream(res, 'application/json', undefined);
    const waiter = waiting.shift();
    if (waiter) waiter(stream);
    else opened.push(stream);
  });
  const next = () => {
    const ready = opened.shift();
    return ready ? Promise.resolve(ready) : new Promise<FakeStream>((resolve) => waiting.push(resolve));
  };
  return { fake, next };
}

function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const poll = () => {
      if (check()) resolve();
      else if (Date.now() - started > timeoutMs) reject(new Error('condition not met in time'));
      else setTimeout(poll, 5);
    };
    poll();
  });
}

describe('operator event stream', () => {
  const fakes: FakeHttpMaster[] = [];
  const clients: MesosMasterOperator[] = [];
  function client(url: string, options = {}): MesosMasterOperator {
    const c = new MesosMasterOperator(url, { ...FAST, contentType: 'json', ...options });
    clients.push(c);
    return c;
  }
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(fakes.splice(0).map((f) => f.close()));
  });

  it('delivers SUBSCRIBED then the events to callbacks in order, one at a time, each awaited', async () => {
    const { fake, next } = await streamingMaster();
    fakes.push(fake);
    const seen: string[] = [];
    let running = 0;
    let overlapped = false;
    const slow = (name: string) => async () => {
      running++;
      if (running > 1) overlapped = true;
      seen.push(`${name}:start`);
      await new Promise((resolve) => setTimeout(resolve, 15));
      seen.push(`${name}:end`);
      running--;
    };
    const handler: OperatorEventHandler = {
      subscribed: (s) => void seen.push(`subscribed:${s.heartbeat_interval_seconds}`),
      taskAdded: slow('taskAdded'),
      taskUpdated: (u) => void seen.push(`taskUpdated:${u.status.task_id.value}:${u.state}`),
      frameworkAdded: (f) => void seen.push(`frameworkAdded:${f.framework_info.id?.value}`),
      frameworkUpdated: (f) => void seen.push(`frameworkUpdated:${f.framework_info.id?.value}`),
      frameworkRemoved: (info) => void seen.push(`frameworkRemoved:${info.id?.value}`),
      agentAdded: (a) => void seen.push(`agentAdded:${a.agent_info.id?.value}`),
      agentRemoved: (id) => void seen.push(`agentRemoved:${id.value}`),
      heartbeat: () => void seen.push('heartbeat'),
    };
    const stream = client(fake.url).subscribe(handler);
    const server = await next();
    await server.send([
      encode(subscribed()),
      encode(HEARTBEAT),
      encode({ type: 'TASK_ADDED', task_added: { task: task('t1', 'TASK_STAGING') } }),
      encode(UPDATE),
      encode({
        type: 'FRAMEWORK_ADDED',
        framework_added: {
          framework: { ...FRAMEWORK, framework_info: { ...FRAMEWORK.framework_info, id: { value: 'fw2' } } },
        },
      }),
      encode({ type: 'FRAMEWORK_UPDATED', framework_updated: { framework: FRAMEWORK } }),
      encode({ type: 'AGENT_ADDED', agent_added: { agent: AGENT } }),
      encode({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: 'a1' } } }),
      encode({ type: 'FRAMEWORK_REMOVED', framework_removed: { framework_info: FRAMEWORK.framework_info } }),
    ]);
    await until(() => seen.includes('frameworkRemoved:fw'));
    expect(seen).to.deep.equal([
      'subscribed:15',
      'heartbeat',
      'taskAdded:start',
      'taskAdded:end',
      'taskUpdated:t1:TASK_RUNNING',
      'frameworkAdded:fw2',
      'frameworkUpdated:fw',
      'agentAdded:a1',
      'agentRemoved:a1',
      'frameworkRemoved:fw',
    ]);
    expect(overlapped).to.equal(false);
    expect(stream.subscribed).to.equal(true);
    await stream.stop();
  });

  it('after a truncated stream says disconnected, subscribes again and delivers a fresh subscribed', async () => {
    const { fake, next } = await streamingMaster();
    fakes.push(fake);
    const seen: Array<string | Error> = [];
    client(fake.url).subscribe({
      subscribed: () => void seen.push('subscribed'),
      disconnected: (error) => void seen.push(error),
    });
    const first = await next();
    await first.send([encode(subscribed())]);
    await first.raw('120\n{"type":"HEART');
    first.end();
    const second = await next();
    await second.send([encode(subscribed([task('t9', 'TASK_RUNNING')]))]);
    await until(() => seen.length === 3);
    expect(seen[0]).to.equal('subscribed');
    expect(seen[1]).to.be.instanceOf(MesosStreamEndedError);
    expect((seen[1] as Error).message).to.match(/middle of a record/);
    expect(seen[2]).to.equal('subscribed');
    expect(fake.requests.length).to.equal(2);
  });

  it('declares the stream lost after missed heartbeats, then resubscribes', async () => {
    const { fake, next } = await streamingMaster();
    fakes.push(fake);
    const seen: Array<string | Error> = [];
    client(fake.url).subscribe(
      { subscribed: () => void seen.push('subscribed'), disconnected: (error) => void seen.push(error) },
      { missedHeartbeats: 2 },
    );
    const first = await next();
    await first.send([encode(subscribed([], 0.05))]);
    const second = await next();
    await second.send([encode(subscribed())]);
    await until(() => seen.length === 3);
    expect(seen[1]).to.be.instanceOf(MesosTimeoutError);
    expect(seen[2]).to.equal('subscribed');
    await first.gone;
  });

  it('follows the leader after the old one ends the stream (307 from the old master)', async () => {
    const oldLeader = await streamingMaster();
    const newLeader = await streamingMaster();
    fakes.push(oldLeader.fake, newLeader.fake);
    const seen: string[] = [];
    const c = client(oldLeader.fake.url);
    c.subscribe({
      subscribed: (s) => void seen.push(`subscribed:${s.get_state?.get_tasks?.tasks?.length ?? 0}`),
      disconnected: () => void seen.push('disconnected'),
    });
    const first = await oldLeader.next();
    await first.send([encode(subscribed())]);
    oldLeader.fake.handle((_req, res) => reply(res, 307, '', { Location: `${newLeader.fake.url.slice(5)}/api/v1` }));
    first.end();
    const second = await newLeader.next();
    await second.send([encode(subscribed([task('t1', 'TASK_RUNNING')]))]);
    await until(() => seen.length === 3);
    expect(seen).to.deep.equal(['subscribed:0', 'disconnected', 'subscribed:1']);
    expect(c.leader).to.equal(newLeader.fake.url);
  });

  it('resubscribes to the new leader when the detector reports a change while the old stream stays open', async () => {
    let leader: FakeHttpMaster | undefined;
    const a = await streamingMaster(() => leader as FakeHttpMaster);
    const b = await streamingMaster(() => leader as FakeHttpMaster);
    leader = a.fake;
    fakes.push(a.fake, b.fake);
    const seen: string[] = [];
    const c = client(`${a.fake.url.slice(7)},${b.fake.url.slice(7)}`, { detector: { pollIntervalMs: 20 } });
    c.subscribe({
      subscribed: () => void seen.push(`subscribed:${c.leader}`),
      disconnected: (error) => void seen.push(`disconnected:${error.message}`),
    });
    const first = await a.next();
    await first.send([encode(subscribed())]);
    await until(() => seen.length === 1);
    leader = b.fake;
    const second = await b.next();
    await second.send([encode(subscribed())]);
    await until(() => seen.length === 3);
    expect(seen).to.deep.equal([
      `subscribed:${a.fake.url}`,
      `disconnected:The leading master changed (now ${b.fake.url})`,
      `subscribed:${b.fake.url}`,
    ]);
    await first.gone;
  });

  it('keeps a state mirror from SUBSCRIBED and the events, with change events', async () => {
    const { fake, next } = await streamingMaster();
    fakes.push(fake);
    const stream = client(fake.url).subscribe({}, { mirror: true });
    const mirror = stream.mirror;
    expect(mirror).to.not.equal(undefined);
    const changes: MirrorChange['kind'][] = [];
    mirror?.onChange((change) => changes.push(change.kind));
    const server = await next();
    await server.send([
      encode(subscribed([task('t0', 'TASK_RUNNING')])),
      encode({ type: 'TASK_ADDED', task_added: { task: task('t1', 'TASK_STAGING') } }),
      encode(UPDATE),
      encode({
        type: 'TASK_UPDATED',
        task_updated: {
          framework_id: { value: 'fw' },
          status: { task_id: { value: 't0' }, state: 'TASK_FINISHED', agent_id: { value: 'a1' } },
          state: 'TASK_FINISHED',
        },
      }),
      encode({ type: 'AGENT_REMOVED', agent_removed: { agent_id: { value: 'a1' } } }),
    ]);
    await until(() => changes.length === 5);
    expect(changes).to.deep.equal(['reset', 'task', 'task', 'task', 'agent']);
    expect([...(mirror?.tasks.keys() ?? [])]).to.deep.equal(['t1']);
    expect(mirror?.tasks.get('t1')?.state).to.equal('TASK_RUNNING');
    expect(mirror?.tasks.get('t1')?.status_update_uuid).to.deep.equal(RUNNING_UUID);
    expect(mirror?.tasksInState('TASK_FINISHED').map((t) => t.task_id.value)).to.deep.equal(['t0']);
    expect(mirror?.agents.size).to.equal(0);
    expect(mirror?.snapshot().get_tasks?.completed_tasks?.map((t) => t.task_id.value)).to.deep.equal(['t0']);
  });

  it('is an async iterator of the events; leaving the loop stops the stream', async () => {
    const { fake, next } = await streamingMaster();
    fakes.push(fake);
    const stream = client(fake.url).subscribe();
    const types: string[] = [];
    const reading = (async () => {
      for await (const event of stream) {
        types.push(event.type ?? '');
        if (event.type === 'TASK_ADDED') break;
      }
    })();
    const server = await next();
    await server.send([
      encode(subscribed()),
      encode(HEARTBEAT),
      encode({ type: 'TASK_ADDED', task_added: { task: task('t1', 'TASK_STAGING') } }),
    ]);
    await reading;
    expect(types).to.deep.equal(['SUBSCRIBED', 'HEARTBEAT', 'TASK_ADDED']);
    await server.gone;
    expect(fake.requests.length).to.equal(1);
  });

  it('stop() called from inside a callback resolves, and no later callback runs', async () => {
    const { fake, next } = await streamingMaster();
    fakes.push(fake);
    const added: string[] = [];
    let stopped: Promise<void> | undefined;
    const stream = client(fake.url).subscribe({
      taskAdded: async (t) => {
        added.push(t.task_id.value);
        stopped = stream.stop();
        await stopped;
      },
    });
    const server = await next();
    await server.send([
      encode(subscribed()),
      encode({ type: 'TASK_ADDED', task_added: { task: task('t1', 'TASK_STAGING') } }),
      encode({ type: 'TASK_ADDED', task_added: { task: task('t2', 'TASK_STAGING') } }),
    ]);
    await until(() => stopped !== undefined);
    await stopped;
    await server.gone;
    expect(added).to.deep.equal(['t1']);
    expect(stream.subscribed).to.equal(false);
  });

  it('stops on a 4xx answer to SUBSCRIBE: the error callback hears it and the iterator throws it', async () => {
    const fake = await FakeHttpMaster.start();
    fakes.push(fake);
    fake.handle((_req, res) => reply(res, 401, 'Unauthorized'));
    const errors: unknown[] = [];
    const stream = client(fake.url).subscribe({ error: (e) => void errors.push(e) });
    const failure = await (async () => {
      try {
        for await (const _event of stream) {
          // no event arrives
        }
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(failure).to.be.instanceOf(MesosAuthenticationError);
    await until(() => errors.length === 1);
    expect(errors[0]).to.equal(failure);
    expect(fake.requests.length).to.equal(1);
  });

  it('stop() and close() leave no open socket or timer behind', async () => {
    const { fake, next } = await streamingMaster();
    fakes.push(fake);
    const count = () => {
      const counts: Record<string, number> = {};
      for (const kind of process.getActiveResourcesInfo()) counts[kind] = (counts[kind] ?? 0) + 1;
      return `${counts.TCPSocketWrap ?? 0} sockets, ${counts.Timeout ?? 0} timers`;
    };
    const before = count();
    const c = new MesosMasterOperator(fake.url, { ...FAST, contentType: 'json' });
    const stream = c.subscribe({}, { mirror: true });
    const server = await next();
    await server.send([encode(subscribed()), encode(HEARTBEAT)]);
    await until(() => stream.subscribed);
    await stream.stop();
    await c.close();
    await server.gone;
    // Polled from a resolved timer, so that the wait itself holds no timer while counting.
    for (let i = 0; i < 200 && count() !== before; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(count()).to.equal(before);
  });
});

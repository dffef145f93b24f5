/** Every scheduler call type against a LocalMaster with a scripted agent: offers, accounting, filters, lifecycle. */
import { expect } from 'chai';
import type { Offer, Resource, scheduler, TaskInfo } from '../../lib/codec/messages';
import { FaultSwitches } from '../../lib/local/faults';
import { LocalMaster } from '../../lib/local/master';
import { parseResources, scalar } from '../../lib/local/resources';
import { FakeAgent, postCall, Subscription, subscribeCall } from './local-master-helpers';

describe('LocalMaster scheduler calls', () => {
  let master: LocalMaster;
  let agent: FakeAgent;
  let url: string;
  const open: Subscription[] = [];

  beforeEach(async () => {
    agent = new FakeAgent('agent-1', parseResources('cpus:4;mem:1024;ports:[31000-31009]'), 5999);
    master = new LocalMaster({
      heartbeatIntervalSeconds: 15,
      allocationIntervalMs: 30,
      offerTimeoutMs: undefined,
      roles: ['web', 'batch'],
      credentials: undefined,
      faults: new FaultSwitches(),
      agents: () => [agent] as never,
    });
    await master.start();
    master.setLeader(master.info);
    url = master.url;
  });

  afterEach(async () => {
    for (const subscription of open.splice(0)) subscription.close();
    await master.stop();
  });

  async function subscribe(
    info: Parameters<typeof subscribeCall>[0] = { failover_timeout: 60 },
    frameworkId?: string,
  ): Promise<Subscription> {
    const subscription = await Subscription.open(url, subscribeCall(info, frameworkId));
    open.push(subscription);
    await subscription.waitFor(
      (events) => events.some((event) => event.type === 'SUBSCRIBED' || event.type === 'ERROR') || undefined,
      3000,
      'SUBSCRIBED or ERROR',
    );
    return subscription;
  }

  async function nextOffer(subscription: Subscription, from = 0): Promise<Offer> {
    const event = await subscription.waitForEvent('OFFERS', { from });
    return event.offers?.offers?.[0] as Offer;
  }

  function task(id: string, offer: Offer, resources: string, extra: Partial<TaskInfo> = {}): TaskInfo {
    return {
      name: id,
      task_id: { value: id },
      agent_id: offer.agent_id,
      resources: parseResources(resources),
      command: { value: 'true' },
      ...extra,
    };
  }

  function accept(subscription: Subscription, offers: Offer[], operations: Offer.Operation[], refuseSeconds?: number) {
    return subscription.call(url, {
      type: 'ACCEPT',
      accept: {
        offer_ids: offers.map((offer) => offer.id),
        operations,
        ...(refuseSeconds !== undefined ? { filters: { refuse_seconds: refuseSeconds } } : {}),
      },
    });
  }

  it('offers carry the fields real offers carry', async () => {
    const subscription = await subscribe({ failover_timeout: 60 });
    const offer = await nextOffer(subscription);
    expect(offer.framework_id.value).to.equal(subscription.frameworkId);
    expect(offer.agent_id.value).to.equal('agent-1');
    expect(offer.hostname).to.equal('127.0.0.1');
    expect(offer.url).to.deep.equal({
      scheme: 'http',
      address: { hostname: '127.0.0.1', ip: '127.0.0.1', port: 5999 },
      path: '/slave(1)',
    });
    expect(offer.allocation_info).to.deep.equal({ role: '*' });
    const resources = offer.resources as Resource[];
    expect(scalar(resources, 'cpus')).to.equal(4);
    expect(resources.every((resource) => resource.allocation_info?.role === '*')).to.equal(true);
  });

  it('ACCEPT with LAUNCH: TASK_STAGING, the agent launches, updates flow, resources leave offers until the task ends', async () => {
    const subscription = await subscribe({ failover_timeout: 60 });
    const offer = await nextOffer(subscription);
    const index = subscription.events.length;
    expect(
      (
        await accept(
          subscription,
          [offer],
          [{ type: 'LAUNCH', launch: { task_infos: [task('t1', offer, 'cpus:1;mem:128')] } }],
          0,
        )
      ).status,
    ).to.equal(202);
    const update = await subscription.waitForEvent('UPDATE', { from: index });
    expect(update.update?.status.state).to.equal('TASK_RUNNING');
    expect(agent.launches[0]?.tasks[0]?.task_id.value).to.equal('t1');
    const second = await nextOffer(subscription, index);
    expect(scalar(second.resources as Resource[], 'cpus')).to.equal(3);
    expect(scalar(second.resources as Resource[], 'mem')).to.equal(896);
    // The ACK goes to the agent.
    const uuid = update.update?.status.uuid as Uint8Array;
    expect(
      (
        await subscription.call(url, {
          type: 'ACKNOWLEDGE',
          acknowledge: {
            agent_id: offer.agent_id,
            task_id: { value: 't1' },
            uuid: Buffer.from(uuid).toString('base64') as never,
          },
        })
      ).status,
    ).to.equal(202);
    expect(agent.acks[0]?.taskId).to.equal('t1');
    // The task ends: its resources come back as a new offer beside the outstanding one.
    const before = subscription.events.length;
    agent.finish('t1');
    const third = await subscription.waitForEvent('OFFERS', { from: before });
    expect(scalar(third.offers?.offers?.[0]?.resources ?? [], 'cpus')).to.equal(1);
    expect(scalar(third.offers?.offers?.[0]?.resources ?? [], 'mem')).to.equal(128);
  });

  it('invalid or unknown offers: launches get TASK_LOST (TASK_DROPPED if partition-aware) with REASON_INVALID_OFFERS', async () => {
    const subscription = await subscribe({ failover_timeout: 60 });
    const offer = await nextOffer(subscription);
    const bogus = { ...offer, id: { value: 'no-such-offer' } };
    const index = subscription.events.length;
    await accept(subscription, [bogus], [{ type: 'LAUNCH', launch: { task_infos: [task('t-bad', offer, 'cpus:1')] } }]);
    const update = await subscription.waitForEvent('UPDATE', { from: index });
    expect(update.update?.status.state).to.equal('TASK_LOST');
    expect(update.update?.status.reason).to.equal('REASON_INVALID_OFFERS');
    expect(update.update?.status.uuid).to.equal(undefined);

    const aware = await subscribe({ failover_timeout: 60, capabilities: [{ type: 'PARTITION_AWARE' }], name: 'aware' });
    const awareIndex = aware.events.length;
    await aware.call(url, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [{ value: 'gone' }],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [task('t-aware', offer, 'cpus:1')] } }],
      },
    });
    expect((await aware.waitForEvent('UPDATE', { from: awareIndex })).update?.status.state).to.equal('TASK_DROPPED');
  });

  it('a task asking more than the offer gets TASK_ERROR; a duplicate task id too', async () => {
    const subscription = await subscribe({ failover_timeout: 60 });
    const offer = await nextOffer(subscription);
    const index = subscription.events.length;
    await accept(subscription, [offer], [{ type: 'LAUNCH', launch: { task_infos: [task('big', offer, 'cpus:64')] } }]);
    const update = await subscription.waitForEvent('UPDATE', { from: index });
    expect(update.update?.status.state).to.equal('TASK_ERROR');
    expect(agent.launches).to.have.length(0);
  });

  it('DECLINE with refuse_seconds hides the agent; REVIVE clears the filter', async () => {
    const subscription = await subscribe({ failover_timeout: 60 });
    const offer = await nextOffer(subscription);
    await subscription.call(url, {
      type: 'DECLINE',
      decline: { offer_ids: [offer.id], filters: { refuse_seconds: 60 } },
    });
    const index = subscription.events.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(subscription.events.slice(index).some((event) => event.type === 'OFFERS')).to.equal(false);
    await subscription.call(url, { type: 'REVIVE' });
    await nextOffer(subscription, index);
  });

  it('SUPPRESS stops offers; REVIVE resumes them', async () => {
    const subscription = await subscribe({ failover_timeout: 60 });
    const offer = await nextOffer(subscription);
    await subscription.call(url, { type: 'SUPPRESS', suppress: { roles: [] } });
    await subscription.call(url, {
      type: 'DECLINE',
      decline: { offer_ids: [offer.id], filters: { refuse_seconds: 0 } },
    });
    const index = subscription.events.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(subscription.events.slice(index).some((event) => event.type === 'OFFERS')).to.equal(false);
    await subscription.call(url, { type: 'REVIVE', revive: { roles: ['*'] } });
    await nextOffer(subscription, index);
  });

  it('two frameworks share one agent: while one holds the offer, the other waits, then gets it', async () => {
    const first = await subscribe({ failover_timeout: 60, name: 'a' });
    const offer = await nextOffer(first);
    const second = await subscribe({ failover_timeout: 60, name: 'b' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(second.events.some((event) => event.type === 'OFFERS')).to.equal(false);
    await first.call(url, { type: 'DECLINE', decline: { offer_ids: [offer.id], filters: { refuse_seconds: 30 } } });
    await nextOffer(second);
  });

  it('KILL of an unknown task gives TASK_LOST; KILL of a running task reaches the agent', async () => {
    const subscription = await subscribe({ failover_timeout: 60 });
    const offer = await nextOffer(subscription);
    let index = subscription.events.length;
    await subscription.call(url, { type: 'KILL', kill: { task_id: { value: 'ghost' } } });
    const lost = await subscription.waitForEvent('UPDATE', { from: index });
    expect([lost.update?.status.task_id.value, lost.update?.status.state]).to.deep.equal(['ghost', 'TASK_LOST']);
    await accept(subscription, [offer], [{ type: 'LAUNCH', launch: { task_infos: [task('t2', offer, 'cpus:1')] } }]);
    await subscription.waitForEvent('UPDATE', {
      from: index,
      where: (event) => event.update?.status.state === 'TASK_RUNNING',
    });
    index = subscription.events.length;
    await subscription.call(url, { type: 'KILL', kill: { task_id: { value: 't2' }, agent_id: offer.agent_id } });
    expect(agent.kills).to.deep.equal(['t2']);
    expect((await subscription.waitForEvent('UPDATE', { from: index })).update?.status.state).to.equal('TASK_KILLED');
  });

  it('RECONCILE explicit and implicit: REASON_RECONCILIATION, no uuid, unknown tasks TASK_LOST', async () => {
    const subscription = await subscribe({ failover_timeout: 60 });
    const offer = await nextOffer(subscription);
    await accept(subscription, [offer], [{ type: 'LAUNCH', launch: { task_infos: [task('r1', offer, 'cpus:1')] } }]);
    await subscription.waitForEvent('UPDATE', { where: (event) => event.update?.status.state === 'TASK_RUNNING' });
    let index = subscription.events.length;
    await subscription.call(url, {
      type: 'RECONCILE',
      reconcile: { tasks: [{ task_id: { value: 'r1' } }, { task_id: { value: 'nope' } }] },
    });
    await subscription.waitFor(
      (events) => events.slice(index).filter((event) => event.type === 'UPDATE').length >= 2 || undefined,
    );
    const answers = subscription.events
      .slice(index)
      .filter((event) => event.type === 'UPDATE')
      .map((event) => event.update?.status as NonNullable<scheduler.Event.Update['status']>);
    expect(answers.map((status) => [status.task_id.value, status.state, status.reason])).to.deep.equal([
      ['r1', 'TASK_RUNNING', 'REASON_RECONCILIATION'],
      ['nope', 'TASK_LOST', 'REASON_RECONCILIATION'],
    ]);
    expect(answers.every((status) => status.uuid === undefined)).to.equal(true);
    index = subscription.events.length;
    await subscription.call(url, { type: 'RECONCILE', reconcile: {} });
    const implicit = await subscription.waitForEvent('UPDATE', { from: index });
    expect(implicit.update?.status.task_id.value).to.equal('r1');
  });

  it('MESSAGE goes to the agent; SHUTDOWN reaches the agent; inverse-offer calls are accepted', async () => {
    const subscription = await subscribe({ failover_timeout: 60 });
    await nextOffer(subscription);
    const data = Buffer.from('hello').toString('base64');
    expect(
      (
        await subscription.call(url, {
          type: 'MESSAGE',
          message: { agent_id: { value: 'agent-1' }, executor_id: { value: 'e1' }, data: data as never },
        })
      ).status,
    ).to.equal(202);
    expect(Buffer.from(agent.messages[0]?.data ?? []).toString()).to.equal('hello');
    expect(
      (
        await subscription.call(url, {
          type: 'SHUTDOWN',
          shutdown: { agent_id: { value: 'agent-1' }, executor_id: { value: 'e1' } },
        })
      ).status,
    ).to.equal(202);
    expect(agent.shutdownExecutors).to.deep.equal([`${subscription.frameworkId}/e1`]);
    expect(
      (
        await subscription.call(url, {
          type: 'ACCEPT_INVERSE_OFFERS',
          accept_inverse_offers: { inverse_offer_ids: [] },
        })
      ).status,
    ).to.equal(202);
    expect(
      (
        await subscription.call(url, {
          type: 'DECLINE_INVERSE_OFFERS',
          decline_inverse_offers: { inverse_offer_ids: [] },
        })
      ).status,
    ).to.equal(202);
  });

  it('RESERVE then UNRESERVE with operation ids: UPDATE_OPERATION_STATUS, accounting follows, RECONCILE_OPERATIONS answers', async () => {
    const subscription = await subscribe({ failover_timeout: 60, role: 'web' });
    const offer = await nextOffer(subscription);
    const reserved = parseResources('cpus:1').map((resource) => ({
      ...resource,
      allocation_info: { role: 'web' },
      reservations: [{ type: 'DYNAMIC' as const, role: 'web', principal: 'p' }],
    }));
    let index = subscription.events.length;
    await accept(
      subscription,
      [offer],
      [{ type: 'RESERVE', id: { value: 'op1' }, reserve: { resources: reserved } }],
      0,
    );
    const status = (await subscription.waitForEvent('UPDATE_OPERATION_STATUS', { from: index })).update_operation_status
      ?.status;
    expect(status?.state).to.equal('OPERATION_FINISHED');
    expect(status?.uuid?.value).to.have.length(16);
    const next = await nextOffer(subscription, index);
    const reservedInOffer = (next.resources ?? []).filter((resource) => resource.reservations?.[0]?.role === 'web');
    expect(scalar(reservedInOffer, 'cpus')).to.equal(1);
    expect(scalar(next.resources ?? [], 'cpus')).to.equal(4);
    expect(
      (
        await subscription.call(url, {
          type: 'ACKNOWLEDGE_OPERATION_STATUS',
          acknowledge_operation_status: {
            agent_id: { value: 'agent-1' },
            operation_id: { value: 'op1' },
            uuid: Buffer.from(status?.uuid?.value as Uint8Array).toString('base64') as never,
          },
        })
      ).status,
    ).to.equal(202);
    index = subscription.events.length;
    expect(
      (
        await subscription.call(url, {
          type: 'RECONCILE_OPERATIONS',
          reconcile_operations: {
            operations: [{ operation_id: { value: 'op1' } }, { operation_id: { value: 'op9' } }],
          },
        })
      ).status,
    ).to.equal(202);
    await subscription.waitFor(
      (events) =>
        events.slice(index).filter((event) => event.type === 'UPDATE_OPERATION_STATUS').length >= 2 || undefined,
    );
    const states = subscription.events
      .slice(index)
      .filter((event) => event.type === 'UPDATE_OPERATION_STATUS')
      .map((event) => event.update_operation_status?.status.state);
    expect(states).to.deep.equal(['OPERATION_FINISHED', 'OPERATION_UNKNOWN']);
  });

  it('a role outside the --roles whitelist gets ERROR on the stream, then the stream closes', async () => {
    const subscription = await subscribe({ role: 'forbidden' });
    const error = await subscription.waitForEvent('ERROR');
    expect(error.error?.message).to.contain('forbidden');
    await subscription.waitForEnd();
  });

  it('TEARDOWN closes the stream and kills tasks; the id is then refused with "Framework has been removed"', async () => {
    const subscription = await subscribe({ failover_timeout: 60 });
    const { frameworkId } = subscription;
    expect((await subscription.call(url, { type: 'TEARDOWN' })).status).to.equal(202);
    await subscription.waitForEnd();
    expect(agent.shutdownFrameworks).to.deep.equal([frameworkId]);
    const again = await subscribe({ failover_timeout: 60 }, frameworkId);
    expect((await again.waitForEvent('ERROR')).error?.message).to.equal('Framework has been removed');
    await again.waitForEnd();
  });

  it('after a disconnect the framework is removed when failover_timeout runs out', async () => {
    const subscription = await subscribe({ failover_timeout: 0.2 });
    const { frameworkId } = subscription;
    subscription.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(master.core?.frameworks.has(frameworkId)).to.equal(false);
    const again = await subscribe({ failover_timeout: 60 }, frameworkId);
    expect((await again.waitForEvent('ERROR')).error?.message).to.equal('Framework has been removed');
  });

  it('re-subscribe with the id: "Framework failed over" on the old stream, new stream works, held offers are discarded', async () => {
    const first = await subscribe({ failover_timeout: 60 });
    const offer = await nextOffer(first);
    const second = await subscribe({ failover_timeout: 60 }, first.frameworkId);
    expect(second.frameworkId).to.equal(first.frameworkId);
    expect((await first.waitForEvent('ERROR')).error?.message).to.equal('Framework failed over');
    await first.waitForEnd();
    // The old stream id is stale now.
    const stale = await postCall(
      url,
      { type: 'REVIVE', framework_id: { value: first.frameworkId } },
      { 'Mesos-Stream-Id': first.streamId },
    );
    expect(stale.status).to.equal(400);
    const index = second.events.length;
    await second.call(url, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [task('late', offer, 'cpus:1')] } }],
      },
    });
    expect((await second.waitForEvent('UPDATE', { from: index })).update?.status.reason).to.equal(
      'REASON_INVALID_OFFERS',
    );
  });
});

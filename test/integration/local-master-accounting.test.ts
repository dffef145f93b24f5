/**
 * The master's running resource totals (kept per agent as tasks, executors and offers come and
 * go) against a recomputation from scratch, and allocation rounds that look only at changed
 * agents still reaching an unchanged agent whose refusal filter expired.
 */
import { expect } from 'chai';
import type { Offer, Resource, scheduler, TaskInfo } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import type { MasterCore } from '../../lib/local/master-core';
import { addResources, parseResources, ranges, scalar, subtractResources } from '../../lib/local/resources';
import { Subscription, subscribeCall } from './local-master-helpers';

/** Free resources of an agent recomputed from the master's tasks and outstanding offers. */
function recomputedFree(core: MasterCore, agentId: string): Resource[] {
  const record = core.agents.get(agentId);
  if (!record) return [];
  let used: Resource[] = [];
  for (const task of core.tasks.values()) if (task.agentId === agentId) used = addResources(used, task.resources);
  for (const offer of core.outstandingOffers())
    if (offer.agent_id.value === agentId)
      used = addResources(
        used,
        (offer.resources ?? []).map(({ allocation_info: _a, ...rest }) => rest),
      );
  return subtractResources(record.total, used);
}

function expectTotalsAgree(core: MasterCore): void {
  for (const agentId of core.agents.keys()) {
    const kept = core.freeResources(agentId);
    const fresh = recomputedFree(core, agentId);
    for (const name of ['cpus', 'mem', 'disk']) {
      expect(scalar(kept, name), `${name} free on ${agentId}`).to.equal(scalar(fresh, name));
    }
    expect(ranges(kept, 'ports'), `ports free on ${agentId}`).to.deep.equal(ranges(fresh, 'ports'));
  }
}

function task(id: string, offer: Offer, resources: string): TaskInfo {
  return {
    name: id,
    task_id: { value: id },
    agent_id: offer.agent_id,
    resources: parseResources(resources),
    command: { value: 'true' },
  };
}

describe('LocalCluster master resource accounting', () => {
  let cluster: LocalCluster | undefined;
  const open: Subscription[] = [];

  afterEach(async () => {
    for (const subscription of open.splice(0)) subscription.close();
    await cluster?.stop();
    cluster = undefined;
  });

  async function subscribe(url: string): Promise<Subscription> {
    const subscription = await Subscription.open(url, subscribeCall({ failover_timeout: 60 }));
    open.push(subscription);
    await subscription.waitForEvent('SUBSCRIBED');
    return subscription;
  }

  function offersAfter(subscription: Subscription, from: number): Offer[] {
    return subscription.events.slice(from).flatMap((event) => event.offers?.offers ?? []);
  }

  it('free resources kept incrementally match a recomputation through launches, declines, finishes and acknowledgements', async () => {
    cluster = await LocalCluster.start({
      agents: 3,
      resources: 'cpus:4;mem:1024;disk:100;ports:[31000-31009]',
      taskMode: 'simulated',
      simulatedTaskMs: 100,
    });
    const url = cluster.masterUrl;
    const core = cluster.leader?.core as MasterCore;
    const subscription = await subscribe(url);
    const first = await subscription.waitFor((events) => {
      const offers = events.flatMap((event) => event.offers?.offers ?? []);
      return offers.length === 3 ? offers : undefined;
    });
    expectTotalsAgree(core);
    const [a, b, c] = first as [Offer, Offer, Offer];
    // Tasks with scalars and single ports on two agents; the third agent's offer is declined.
    await subscription.call(url, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [a.id],
        operations: [
          {
            type: 'LAUNCH',
            launch: {
              task_infos: [
                task('a-1', a, 'cpus:0.5;mem:64;ports:[31003-31003]'),
                task('a-2', a, 'cpus:0.25;mem:32;disk:10;ports:[31005-31006]'),
              ],
            },
          },
        ],
        filters: { refuse_seconds: 0 },
      },
    } as scheduler.Call);
    await subscription.call(url, {
      type: 'ACCEPT',
      accept: {
        offer_ids: [b.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: [task('b-1', b, 'cpus:1.5;mem:100')] } }],
        filters: { refuse_seconds: 0 },
      },
    } as scheduler.Call);
    await subscription.call(url, {
      type: 'DECLINE',
      decline: { offer_ids: [c.id], filters: { refuse_seconds: 0 } },
    } as scheduler.Call);
    expectTotalsAgree(core);
    expect(core.tasks.size).to.equal(3);

    // Acknowledge every update until all three tasks finished, checking the totals on the way.
    const acked = new Set<string>();
    await subscription.waitFor(
      (events) => {
        for (const event of events) {
          const status = event.update?.status;
          if (event.type !== 'UPDATE' || !status?.uuid) continue;
          const uuid = Buffer.from(status.uuid).toString('base64');
          if (acked.has(uuid)) continue;
          acked.add(uuid);
          expectTotalsAgree(core);
          void subscription.call(url, {
            type: 'ACKNOWLEDGE',
            acknowledge: { agent_id: status.agent_id as never, task_id: status.task_id, uuid: uuid as never },
          } as scheduler.Call);
        }
        const finished = events.filter((event) => event.update?.status.state === 'TASK_FINISHED').length;
        return finished === 3 || undefined;
      },
      5000,
      'three TASK_FINISHED',
    );
    expect(core.tasks.size).to.equal(0);
    expectTotalsAgree(core);
    // Everything comes back: each agent's resources are free or offered again, in full.
    await subscription.waitFor(
      () => {
        const offered = core.outstandingOffers();
        return (
          [...core.agents.keys()].every((agentId) => {
            const inOffers = offered
              .filter((offer) => offer.agent_id.value === agentId)
              .flatMap((offer) => offer.resources ?? []);
            const all = addResources(core.freeResources(agentId), inOffers);
            return scalar(all, 'cpus') === 4 && scalar(all, 'mem') === 1024 && scalar(all, 'disk') === 100;
          }) || undefined
        );
      },
      3000,
      'all resources free or offered',
    );
    expectTotalsAgree(core);
  });

  it('an agent that did not change is offered again once its refusal filter expires, at the next event', async () => {
    // A long interval: only event-triggered rounds run during the test.
    cluster = await LocalCluster.start({
      agents: 2,
      resources: 'cpus:2;mem:256',
      taskMode: 'simulated',
      allocationIntervalMs: 60_000,
    });
    const url = cluster.masterUrl;
    const subscription = await subscribe(url);
    const first = await subscription.waitFor((events) => {
      const offers = events.flatMap((event) => event.offers?.offers ?? []);
      return offers.length === 2 ? offers : undefined;
    });
    const [quiet, busy] = first as [Offer, Offer];
    let from = subscription.events.length;
    await subscription.call(url, {
      type: 'DECLINE',
      decline: { offer_ids: [quiet.id], filters: { refuse_seconds: 0.3 } },
    } as scheduler.Call);
    await subscription.call(url, {
      type: 'DECLINE',
      decline: { offer_ids: [busy.id], filters: { refuse_seconds: 0 } },
    } as scheduler.Call);
    // The busy agent (no filter) comes back at once; the quiet one is filtered.
    const again = await subscription.waitFor(
      (events) =>
        events
          .slice(from)
          .flatMap((event) => event.offers?.offers ?? [])
          .find((offer) => offer.agent_id.value === busy.agent_id.value),
      2000,
      'busy agent offered again',
    );
    expect(offersAfter(subscription, from).some((offer) => offer.agent_id.value === quiet.agent_id.value)).to.equal(
      false,
    );
    // After the filter expired, an event on the other agent triggers a round that reaches the quiet one too.
    await new Promise((resolve) => setTimeout(resolve, 400));
    from = subscription.events.length;
    await subscription.call(url, {
      type: 'DECLINE',
      decline: { offer_ids: [again.id], filters: { refuse_seconds: 0 } },
    } as scheduler.Call);
    await subscription.waitFor(
      () => offersAfter(subscription, from).some((offer) => offer.agent_id.value === quiet.agent_id.value) || undefined,
      2000,
      'quiet agent offered again after its filter expired',
    );
  });
});

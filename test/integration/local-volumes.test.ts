/**
 * GROW_VOLUME / SHRINK_VOLUME on LocalCluster's resource model (ACCEPT operations and the operator
 * calls), and CREATE_DISK / DESTROY_DISK refused with OPERATION_ERROR naming the CSI plugin they need.
 */
import { expect } from 'chai';
import type { Offer, OperationStatus, Resource, scheduler } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { MesosMasterOperator } from '../../lib/operator';
import { postCall, Subscription, subscribeCall } from './local-master-helpers';

const sized = (resource: Resource, value: number): Resource => ({ ...resource, scalar: { value } });

describe('LocalCluster volume resizing and disks', function () {
  this.timeout(15_000);
  let cluster: LocalCluster;
  let subscription: Subscription;
  before(async () => {
    cluster = await LocalCluster.start({
      agents: [{ resources: 'cpus:1;mem:256;disk(web):1000' }],
      roles: ['web'],
      log: false,
    });
  });
  after(async () => {
    subscription?.close();
    await cluster.stop();
  });

  async function accept(offer: Offer, operations: Offer.Operation[]): Promise<OperationStatus[]> {
    const from = subscription.events.length;
    const answer = await postCall(
      cluster.masterUrl,
      {
        type: 'ACCEPT',
        framework_id: { value: subscription.frameworkId },
        accept: { offer_ids: [offer.id], operations, filters: { refuse_seconds: 0 } },
      } satisfies scheduler.Call,
      { 'Mesos-Stream-Id': subscription.streamId },
    );
    expect(answer.status).to.equal(202);
    await subscription.waitFor(
      (events) =>
        events.slice(from).filter((e) => e.type === 'UPDATE_OPERATION_STATUS').length >= operations.length || undefined,
    );
    return subscription.events
      .slice(from)
      .filter((e) => e.type === 'UPDATE_OPERATION_STATUS')
      .map((e) => e.update_operation_status?.status as OperationStatus);
  }

  const nextOffer = async (from: number) =>
    (await subscription.waitForEvent('OFFERS', { from })).offers?.offers?.[0] as Offer;

  it('CREATE, GROW_VOLUME and SHRINK_VOLUME change the volume and the free disk; CREATE_DISK/DESTROY_DISK need CSI', async () => {
    subscription = await Subscription.open(cluster.masterUrl, subscribeCall({ role: 'web' }));
    let offer = await nextOffer(0);
    const disk = (offer.resources ?? []).find((r) => r.name === 'disk') as Resource;
    const { allocation_info: _a, ...plain } = disk;
    const volume: Resource = {
      ...sized(plain, 100),
      disk: { persistence: { id: 'v1' }, volume: { container_path: 'data', mode: 'RW' } },
    };
    const grown = sized(volume, 150);
    const beforeAccept = subscription.events.length;
    const statuses = await accept(offer, [
      { type: 'CREATE', id: { value: 'create' }, create: { volumes: [volume] } },
      { type: 'GROW_VOLUME', id: { value: 'grow' }, grow_volume: { volume, addition: sized(plain, 50) } },
      { type: 'SHRINK_VOLUME', id: { value: 'shrink' }, shrink_volume: { volume: grown, subtract: { value: 30 } } },
      { type: 'CREATE_DISK', id: { value: 'disk' }, create_disk: { source: sized(plain, 10), target_type: 'MOUNT' } },
      { type: 'DESTROY_DISK', id: { value: 'undisk' }, destroy_disk: { source: sized(plain, 10) } },
    ]);
    expect(statuses.map((s) => [s.operation_id?.value, s.state])).to.deep.equal([
      ['create', 'OPERATION_FINISHED'],
      ['grow', 'OPERATION_FINISHED'],
      ['shrink', 'OPERATION_FINISHED'],
      ['disk', 'OPERATION_ERROR'],
      ['undisk', 'OPERATION_ERROR'],
    ]);
    expect(statuses[1]?.converted_resources?.map((r) => r.scalar?.value)).to.deep.equal([150]);
    expect(statuses[2]?.converted_resources?.map((r) => [r.scalar?.value, r.disk?.persistence?.id])).to.deep.equal([
      [120, 'v1'],
      [30, undefined],
    ]);
    expect(statuses[3]?.message).to.match(/CREATE_DISK needs a storage local resource provider \(a CSI plugin\)/);

    // The next offer holds the 120 volume and the rest as plain disk (1000 - 120).
    offer = await nextOffer(beforeAccept);
    const disks = (offer.resources ?? []).filter((r) => r.name === 'disk');
    expect(disks.map((r) => [r.scalar?.value, r.disk?.persistence?.id]).sort()).to.deep.equal([
      [120, 'v1'],
      [880, undefined],
    ]);

    // Invalid resizes are OPERATION_ERROR with the reason.
    const shrunk = sized(volume, 120);
    const invalid = await accept(offer, [
      { type: 'SHRINK_VOLUME', id: { value: 'too-much' }, shrink_volume: { volume: shrunk, subtract: { value: 120 } } },
      { type: 'GROW_VOLUME', id: { value: 'not-a-volume' }, grow_volume: { volume: plain, addition: plain } },
    ]);
    expect(invalid.map((s) => s.state)).to.deep.equal(['OPERATION_ERROR', 'OPERATION_ERROR']);
    expect(invalid[0]?.message).to.match(/'subtract' must be > 0 and less than the volume's size/);
    expect(invalid[1]?.message).to.match(/not a persistent volume/);
  });

  it('the operator GROW_VOLUME and SHRINK_VOLUME calls resize a volume on the agent', async () => {
    const client = new MesosMasterOperator(cluster.masterString, { retryTimeoutMs: 3000 });
    try {
      subscription.close();
      await new Promise((resolve) => setTimeout(resolve, 100)); // its offers go back to the agent
      const agentId = cluster.agents[0]?.id as string;
      const volumeOf = async () =>
        (await client.getAgents()).agents?.[0]?.total_resources?.find((r) => r.disk?.persistence?.id === 'v1');
      const volume = (await volumeOf()) as Resource;
      const { disk: _d, ...plain } = volume;
      await client.growVolume(agentId, volume, sized(plain, 80));
      expect((await volumeOf())?.scalar?.value).to.equal(200);
      await client.shrinkVolume(agentId, sized(volume, 200), { value: 150 });
      expect((await volumeOf())?.scalar?.value).to.equal(50);
    } finally {
      await client.close();
    }
  });
});

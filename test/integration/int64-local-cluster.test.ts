/**
 * 64-bit integers exact end to end on LocalCluster: a maintenance window starting beyond 2^53 ns
 * (1800000000000000123), scheduled through the operator API (our client, JSON and protobuf), comes
 * back digit for digit in GET_MAINTENANCE_SCHEDULE (also as raw JSON text) and in the
 * `unavailability` of the offers a framework gets for that machine (JSON and protobuf streams).
 */
import { expect } from 'chai';
import { getCodec, TYPE_NAMES } from '../../lib/codec/codec';
import type { master } from '../../lib/codec/messages';
import { LocalCluster } from '../../lib/local/cluster';
import { MesosMasterOperator } from '../../lib/operator';
import { rawRequest, Subscription, subscribeCall } from './local-master-helpers';

const START = 1800000000000000123n;
const DURATION = 9223372036854775807n; // the largest int64

describe('64-bit integers on LocalCluster (operator maintenance schedule, offers)', function () {
  this.timeout(20_000);
  let cluster: LocalCluster;
  const subscriptions: Subscription[] = [];
  before(async () => {
    cluster = await LocalCluster.start({ agents: 1, log: false });
  });
  after(async () => {
    for (const subscription of subscriptions.splice(0)) subscription.close();
    await cluster.stop();
  });

  for (const format of ['json', 'protobuf'] as const) {
    it(`a window start beyond 2^53 ns scheduled over ${format} comes back exactly (schedule and offers)`, async () => {
      const client = new MesosMasterOperator(cluster.masterString, { contentType: format, retryTimeoutMs: 3000 });
      try {
        const start = format === 'json' ? START : START + 1n;
        await client.updateMaintenanceSchedule({
          windows: [
            {
              machine_ids: [{ hostname: '127.0.0.1' }],
              unavailability: { start: { nanoseconds: start }, duration: { nanoseconds: DURATION } },
            },
          ],
        });
        const schedule = await client.getMaintenanceSchedule();
        expect(schedule.schedule.windows?.[0]?.unavailability).to.deep.equal({
          start: { nanoseconds: start },
          duration: { nanoseconds: DURATION },
        });

        // The master's own JSON text carries every digit as a bare number, as Mesos writes it.
        const raw = await rawRequest(cluster.masterUrl, {
          path: '/api/v1',
          headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: '{"type":"GET_MAINTENANCE_SCHEDULE"}',
        });
        expect(raw.status).to.equal(200);
        expect(raw.text).to.contain(`"start":{"nanoseconds":${start}}`);
        expect(raw.text).to.contain(`"duration":{"nanoseconds":${DURATION}}`);
        const decoded = getCodec<master.Response>(TYPE_NAMES.MasterResponse, 'json').decode(raw.body);
        expect(decoded.get_maintenance_schedule?.schedule.windows?.[0]?.unavailability?.start.nanoseconds).to.equal(
          start,
        );

        // A framework subscribing now gets offers of that machine with the window's unavailability.
        const subscription = await Subscription.open(cluster.masterUrl, subscribeCall({ name: `int64-${format}` }), {
          format,
        });
        subscriptions.push(subscription);
        const offers = await subscription.waitForEvent('OFFERS', {
          where: (e) => e.offers?.offers?.[0]?.unavailability !== undefined,
        });
        expect(offers.offers?.offers?.[0]?.unavailability).to.deep.equal({
          start: { nanoseconds: start },
          duration: { nanoseconds: DURATION },
        });
        subscription.close();
      } finally {
        await client.close();
      }
    });
  }
});

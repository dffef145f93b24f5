/** A newly elected LocalCluster master answers scheduler and operator calls 503 "Master has not finished recovery" for `masterRecoveryMs`. */
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local/cluster';
import { postCall, rawRequest, subscribeCall } from './local-master-helpers';

describe('LocalCluster master recovery', function () {
  this.timeout(15_000);

  it('refuses scheduler calls while recovering after each election, then serves them', async () => {
    const cluster = await LocalCluster.start({ masters: 2, agents: 0, masterRecoveryMs: 400 });
    try {
      const refused = await postCall(cluster.masterUrl, subscribeCall());
      expect(refused.status).to.equal(503);
      expect(refused.body.toString()).to.equal('Master has not finished recovery');
      const operator = await rawRequest(cluster.masterUrl, {
        path: '/api/v1',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ type: 'GET_HEALTH' }),
      });
      expect([operator.status, operator.body.toString()]).to.deep.equal([503, 'Master has not finished recovery']);
      await new Promise((resolve) => setTimeout(resolve, 450));
      const decline = { type: 'DECLINE', framework_id: { value: 'x' }, decline: { offer_ids: [] } };
      expect((await postCall(cluster.masterUrl, decline)).status).to.equal(400); // past row 2: unknown framework
      await cluster.faults.killLeader();
      const again = await postCall(cluster.masterUrl, decline);
      expect([again.status, again.body.toString()]).to.deep.equal([503, 'Master has not finished recovery']);
    } finally {
      await cluster.stop();
    }
  });

  it('rejects a negative masterRecoveryMs', async () => {
    let error: unknown;
    await LocalCluster.start({ masterRecoveryMs: -1 }).catch((err: unknown) => (error = err));
    expect(String(error)).to.match(/masterRecoveryMs/);
  });
});

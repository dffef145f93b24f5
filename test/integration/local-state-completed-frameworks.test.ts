/** `GET /master/state`: a removed framework is listed in completed_frameworks in full, as Mesos lists it. */
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local/cluster';
import { rawRequest, Subscription, subscribeCall } from './local-master-helpers';

interface StateFramework {
  id: string;
  name?: string;
  user?: string;
  active?: boolean;
  connected?: boolean;
  unregistered_time?: number;
  tasks?: unknown[];
  completed_tasks?: Array<{ id: string; state: string }>;
}

describe('LocalCluster /master/state completed_frameworks', function () {
  this.timeout(10_000);

  it('lists a torn-down framework with its name, inactive, and its completed tasks', async () => {
    const cluster = await LocalCluster.start({ taskMode: 'simulated', simulatedTaskMs: 50 });
    const url = cluster.masterUrl;
    const subscription = await Subscription.open(url, subscribeCall({ name: 'completed-framework-check' }));
    try {
      const offers = await subscription.waitForEvent('OFFERS');
      const offer = offers.offers?.offers?.[0];
      if (!offer) throw new Error('an OFFERS event without offers');
      const accepted = await subscription.call(url, {
        type: 'ACCEPT',
        accept: {
          offer_ids: [offer.id],
          operations: [
            {
              type: 'LAUNCH',
              launch: {
                task_infos: [
                  {
                    name: 'short',
                    task_id: { value: 'short-task' },
                    agent_id: offer.agent_id,
                    resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
                    command: { value: 'true' },
                  },
                ],
              },
            },
          ],
        },
      });
      expect(accepted.status, accepted.text).to.equal(202);
      // Updates come one at a time, each after the previous one's acknowledgement.
      let finished = false;
      for (let from = 0; !finished; ) {
        const update = await subscription.waitForEvent('UPDATE', { from });
        from = subscription.events.indexOf(update) + 1;
        const status = update.update?.status;
        if (!status?.uuid || !status.agent_id) throw new Error('an update without uuid or agent_id');
        finished = status.state === 'TASK_FINISHED';
        // The call goes out as JSON, where bytes are base64 text.
        const uuid = Buffer.from(status.uuid).toString('base64') as never;
        const ack = await subscription.call(url, {
          type: 'ACKNOWLEDGE',
          acknowledge: { agent_id: status.agent_id, task_id: status.task_id, uuid },
        });
        expect(ack.status, ack.text).to.equal(202);
      }
      const frameworkId = subscription.frameworkId;
      expect((await subscription.call(url, { type: 'TEARDOWN' })).status).to.equal(202);
      await subscription.waitForEnd();

      const state = JSON.parse((await rawRequest(url, { method: 'GET', path: '/master/state' })).text) as {
        frameworks: StateFramework[];
        completed_frameworks: StateFramework[];
      };
      expect(state.frameworks.map((framework) => framework.id)).not.to.include(frameworkId);
      const completed = state.completed_frameworks.find((framework) => framework.id === frameworkId);
      expect(completed).to.include({
        name: 'completed-framework-check',
        user: 'tester',
        active: false,
        connected: false,
      });
      expect(completed?.unregistered_time).to.be.a('number').greaterThan(0);
      expect(completed?.tasks).to.deep.equal([]);
      expect(completed?.completed_tasks?.map((task) => [task.id, task.state])).to.deep.equal([
        ['short-task', 'TASK_FINISHED'],
      ]);
    } finally {
      subscription.close();
      await cluster.stop();
    }
  });
});

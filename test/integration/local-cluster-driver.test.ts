/** Our MesosSchedulerDriver against LocalCluster: register, launch a real task, survive a master failover. */
import { expect } from 'chai';
import type { Offer, TaskStatus } from '../../lib/codec/messages';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import type { Scheduler } from '../../lib/driver/scheduler-types';
import { LocalCluster } from '../../lib/local/cluster';
import { parseResources } from '../../lib/local/resources';

describe('LocalCluster with MesosSchedulerDriver', () => {
  it('registers, launches a command task, is disconnected and re-registered by failover(), and sees TASK_FINISHED', async function () {
    this.timeout(15_000);
    const cluster = await LocalCluster.start({ masters: 2, heartbeatIntervalSeconds: 1, statusUpdateRetryMs: 300 });
    const calls: string[] = [];
    let launched = false;
    let failedOver = false;
    let finish: (status: TaskStatus) => void = () => undefined;
    const finished = new Promise<TaskStatus>((resolve) => {
      finish = resolve;
    });
    const scheduler: Scheduler = {
      registered: () => void calls.push('registered'),
      reregistered: () => void calls.push('reregistered'),
      disconnected: () => void calls.push('disconnected'),
      resourceOffers: (driver, offers: Offer[]) => {
        for (const offer of offers) {
          if (launched) {
            driver.declineOffer(offer.id);
            continue;
          }
          launched = true;
          driver.launchTasks(
            [offer.id],
            [
              {
                name: 't',
                task_id: { value: 't' },
                agent_id: offer.agent_id,
                resources: parseResources('cpus:1;mem:32'),
                command: { value: 'sleep 1' },
              },
            ],
          );
        }
      },
      statusUpdate: (_driver, status) => {
        calls.push(status.state);
        if (status.state === 'TASK_RUNNING' && !failedOver) {
          failedOver = true;
          void cluster.failover();
        }
        if (status.state === 'TASK_FINISHED') finish(status);
      },
    };
    const driver = new MesosSchedulerDriver(
      scheduler,
      { user: 'tester', name: 'driver-on-local', failover_timeout: 60 },
      cluster.masterString,
    );
    try {
      driver.start();
      const status = await Promise.race([
        finished,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`no TASK_FINISHED; calls: ${calls}`)), 10_000).unref(),
        ),
      ]);
      expect(status.task_id.value).to.equal('t');
      expect(calls[0]).to.equal('registered');
      expect(calls.indexOf('disconnected')).to.be.lessThan(calls.indexOf('reregistered'));
      expect(calls).to.include('TASK_RUNNING');
    } finally {
      driver.stop();
      await driver.join().catch(() => undefined);
      await cluster.stop();
    }
  });
});

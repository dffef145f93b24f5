import { expect } from 'chai';
import type { Offer, TaskStatus } from '../../lib/codec/messages';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import { Status } from '../../lib/driver/status';
import { LocalCluster } from '../../lib/local';

describe('MesosSchedulerDriver against LocalCluster', function () {
  this.timeout(15_000);
  let cluster: LocalCluster | undefined;
  afterEach(async () => {
    await cluster?.stop();
    cluster = undefined;
  });

  it('registers, launches a task on an offer, sees it finish (acked implicitly), then tears down', async () => {
    cluster = await LocalCluster.start({
      agents: 1,
      heartbeatIntervalSeconds: 1,
      taskMode: 'simulated',
      simulatedTaskMs: 50,
    });
    const states: string[] = [];
    let launched = false;
    const driver = new MesosSchedulerDriver(
      {
        resourceOffers(d, offers: Offer[]) {
          if (launched) {
            for (const o of offers) d.declineOffer(o.id);
            return;
          }
          launched = true;
          const offer = offers[0]!;
          const cpus = (offer.resources ?? [])
            .filter((r) => r.name === 'cpus' || r.name === 'mem')
            .map((r) => ({
              ...r,
              scalar: { value: r.name === 'cpus' ? 0.1 : 32 },
            }));
          d.launchTasks(offer.id, [
            {
              name: 'echo',
              task_id: { value: 'task-1' },
              agent_id: offer.agent_id,
              resources: cpus,
              command: { value: 'true', shell: true },
            },
          ]);
        },
        statusUpdate(d, status: TaskStatus) {
          states.push(status.state);
          if (status.state === 'TASK_FINISHED' || status.state === 'TASK_FAILED' || status.state === 'TASK_ERROR')
            d.stop();
        },
      },
      { user: '', name: 'local-it' },
      cluster.masterString,
      true,
      undefined,
      { backoff: { initialMs: 50, maxMs: 200 } },
    );
    expect(await driver.run()).to.equal(Status.DRIVER_STOPPED);
    expect(states.at(-1)).to.equal('TASK_FINISHED');
  });
});

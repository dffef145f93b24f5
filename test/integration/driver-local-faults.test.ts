/**
 * MesosSchedulerDriver's reliability paths against LocalCluster's fault injection: streams cut in
 * the middle of a record, heartbeats stopping, malformed records, refused calls, 503 on SUBSCRIBE,
 * and latency. Each fault must end in one reconnect path, never in a dead driver.
 */
import { expect } from 'chai';
import type { Offer, TaskStatus } from '../../lib/codec/messages';
import type { BackoffStrategy } from '../../lib/common/backoff';
import { MesosDecodeError, MesosNoLeaderError, MesosProtocolError, MesosTimeoutError } from '../../lib/common/errors';
import { Status } from '../../lib/driver/status';
import {
  commandTask,
  launchOnce,
  RecordingScheduler,
  sleep,
  useDriverCluster,
  uuidHex,
  waitFor,
} from './helpers/driver-harness';

/** A backoff that always waits `ms` (so a test can tell that it waited). */
function fixedBackoff(ms: number): BackoffStrategy & { calls: number } {
  return {
    calls: 0,
    next() {
      this.calls += 1;
      return ms;
    },
    reset() {},
  };
}

describe('MesosSchedulerDriver on LocalCluster: faults', function () {
  this.timeout(15_000);
  const { pool, startCluster } = useDriverCluster();

  for (const contentType of ['protobuf', 'json'] as const) {
    it(`${contentType}: stream cut in the middle of a record -> disconnected, reregistered, the unacknowledged update is re-sent and then acknowledged`, async () => {
      const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 60_000, statusUpdateRetryMs: 200 });
      let cut = false;
      const scheduler = launchOnce('survivor', {
        statusUpdate(driver, status) {
          if (!cut) {
            // Not acknowledged: the agent must re-send it on the next subscription.
            cut = true;
            expect(cluster.faults.dropSubscription({ midRecord: true })).to.equal(1);
            return;
          }
          driver.acknowledgeStatusUpdate(status);
        },
      });
      const driver = pool.create(scheduler, { failover_timeout: 60 }, cluster.masterString, {
        implicitAcknowledgements: false,
        contentType,
      });
      const causes: Error[] = [];
      driver.on('disconnected', ({ cause }) => causes.push(cause));
      driver.start();
      await waitFor(
        'the update again after reregistered',
        () => scheduler.updates.length >= 2,
        5000,
        () => scheduler.names(),
      );
      expect(scheduler.names().slice(0, 4)).to.deep.equal([
        'registered',
        'statusUpdate',
        'disconnected',
        'reregistered',
      ]);
      expect(scheduler.names()[4]).to.equal('statusUpdate');
      const [first, again] = scheduler.updates as [TaskStatus, TaskStatus];
      expect(first.state).to.equal('TASK_RUNNING');
      expect(uuidHex(again)).to.equal(uuidHex(first));
      expect(causes).to.have.length(1);
      // Acknowledged on the new subscription: the agent stops re-sending (it retried every 200 ms before).
      const seen = scheduler.updates.length;
      await sleep(800);
      expect(scheduler.updates.length).to.equal(seen);
      expect(driver.connected).to.equal(true);
    });
  }

  it('re-subscribing makes the agent re-send the unacknowledged update at once, not at its next retry (Mesos: UpdateFrameworkMessage)', async () => {
    // The agent's retry interval is Mesos's 10 s: only the re-subscription can bring the update back in time.
    const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 60_000 });
    let cut = false;
    const scheduler = launchOnce('pending', {
      statusUpdate(driver, status) {
        if (!cut) {
          cut = true;
          cluster.faults.dropSubscription();
          return;
        }
        driver.acknowledgeStatusUpdate(status);
      },
    });
    pool.create(scheduler, { failover_timeout: 60 }, cluster.masterString, { implicitAcknowledgements: false }).start();
    await waitFor(
      'the update again',
      () => scheduler.updates.length === 2,
      3000,
      () => scheduler.names(),
    );
    expect(scheduler.names()).to.deep.equal([
      'registered',
      'statusUpdate',
      'disconnected',
      'reregistered',
      'statusUpdate',
    ]);
    expect(uuidHex(scheduler.updates[1] as TaskStatus)).to.equal(uuidHex(scheduler.updates[0] as TaskStatus));
  });

  it('heartbeats stopped -> the watchdog declares the subscription lost -> disconnected -> reregistered', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', heartbeatIntervalSeconds: 0.2 });
    const scheduler = new RecordingScheduler();
    const driver = pool.create(scheduler, { failover_timeout: 60 }, cluster.masterString, {
      heartbeat: { missedIntervals: 2 },
    });
    const causes: Error[] = [];
    driver.on('disconnected', ({ cause }) => causes.push(cause));
    driver.start();
    await waitFor(
      'registered and a heartbeat',
      () => scheduler.count('registered') === 1 && scheduler.count('heartbeat') > 0,
    );
    cluster.faults.stopHeartbeats();
    const stoppedAt = Date.now();
    await scheduler.waitForCallback('disconnected');
    // The watchdog counts from the last event (at most one 200 ms interval before the stop): not at once.
    expect(Date.now() - stoppedAt).to.be.at.least(150);
    expect(causes[0]).to.be.instanceOf(MesosTimeoutError);
    cluster.faults.resumeHeartbeats();
    await waitFor(
      'reregistered',
      () => scheduler.count('reregistered') >= 1,
      5000,
      () => scheduler.names(),
    );
    const lost = scheduler.count('disconnected');
    // With heartbeats back the new subscription holds for many watchdog periods.
    await sleep(1200);
    expect(scheduler.count('disconnected')).to.equal(lost);
    expect(driver.connected).to.equal(true);
    expect(scheduler.names().slice(0, 3)).to.deep.equal(['registered', 'disconnected', 'reregistered']);
  });

  for (const contentType of ['protobuf', 'json'] as const) {
    it(`${contentType}: a malformed record -> decode error -> disconnected -> reregistered`, async () => {
      const cluster = await startCluster({ taskMode: 'simulated', heartbeatIntervalSeconds: 1 });
      const scheduler = new RecordingScheduler();
      const driver = pool.create(scheduler, { failover_timeout: 60 }, cluster.masterString, { contentType });
      const causes: Error[] = [];
      driver.on('disconnected', ({ cause }) => causes.push(cause));
      driver.start();
      await scheduler.waitForCallback('registered');
      expect(cluster.faults.sendMalformedRecord()).to.equal(1);
      await scheduler.waitForCallback('reregistered');
      expect(scheduler.names()).to.deep.equal(['registered', 'disconnected', 'reregistered']);
      expect(causes[0]).to.be.instanceOf(MesosDecodeError);
      expect(driver.status).to.equal(Status.DRIVER_RUNNING);
    });
  }

  it('a 400 on an ACCEPT: callFailed with the master message, the driver keeps running and later launches work', async () => {
    // The refused ACCEPT never reached the master's logic, so its offer stays outstanding until the offer timeout.
    const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 60_000, offerTimeoutSeconds: 0.3 });
    cluster.faults.failNextCalls({
      status: 400,
      body: 'Failed to validate scheduler::Call: injected',
      callType: 'ACCEPT',
    });
    let attempts = 0;
    const scheduler = new RecordingScheduler({
      resourceOffers(driver, offers) {
        const offer = offers[0] as Offer;
        if (attempts >= 2) return;
        attempts += 1;
        driver.launchTasks(offer.id, [commandTask(offer, `attempt-${attempts}`, 'sleep 60')], { refuse_seconds: 0 });
      },
    });
    const driver = pool.create(scheduler, {}, cluster.masterString);
    const failed: Array<{ type: string; error: Error }> = [];
    driver.on('callFailed', (info) => failed.push(info));
    driver.start();
    await waitFor(
      'the second launch running',
      () => scheduler.updates.some((s) => s.task_id.value === 'attempt-2' && s.state === 'TASK_RUNNING'),
      8000,
      () => [scheduler.names(), failed.map((f) => f.error.message)],
    );
    expect(failed).to.have.length(1);
    expect(failed[0]?.type).to.equal('ACCEPT');
    const error = failed[0]?.error as MesosProtocolError;
    expect(error).to.be.instanceOf(MesosProtocolError);
    expect(error.status).to.equal(400);
    expect(error.body).to.equal('Failed to validate scheduler::Call: injected');
    expect(error.message).to.include('injected');
    // The refused launch never reached an agent.
    expect(scheduler.updates.some((s) => s.task_id.value === 'attempt-1')).to.equal(false);
    expect(driver.status).to.equal(Status.DRIVER_RUNNING);
    expect(scheduler.names()).to.not.include('disconnected');
  });

  it('503 on SUBSCRIBE twice: subscribeFailed with MesosNoLeaderError and a backoff each time, then registered', async () => {
    const cluster = await startCluster({ taskMode: 'simulated' });
    cluster.faults.failNextCalls({ status: 503, body: 'No leader elected', callType: 'SUBSCRIBE', count: 2 });
    const backoff = fixedBackoff(150);
    const scheduler = new RecordingScheduler();
    const driver = pool.create(scheduler, {}, cluster.masterString, { backoff });
    const failures: Array<{ error: Error; delayMs: number }> = [];
    driver.on('subscribeFailed', (info) => failures.push(info));
    const startedAt = Date.now();
    driver.start();
    await waitFor(
      'registered',
      () => scheduler.count('registered') === 1,
      5000,
      () => failures.map((f) => f.error.message),
    );
    expect(Date.now() - startedAt).to.be.at.least(300);
    expect(failures).to.have.length(2);
    for (const failure of failures) {
      expect(failure.error).to.be.instanceOf(MesosNoLeaderError);
      expect(failure.delayMs).to.equal(150);
    }
    expect(scheduler.names()).to.deep.equal(['registered']);
  });

  it('latency on every call: SUBSCRIBE and calls are slower but succeed; a call slower than requestTimeoutMs fails alone', async () => {
    const cluster = await startCluster({ taskMode: 'simulated', simulatedTaskMs: 60_000, heartbeatIntervalSeconds: 1 });
    cluster.faults.setLatency(300);
    const scheduler = launchOnce('slow');
    const driver = pool.create(scheduler, {}, cluster.masterString, { requestTimeoutMs: 1000 });
    const failed: Array<{ type: string; error: Error }> = [];
    driver.on('callFailed', (info) => failed.push(info));
    const startedAt = Date.now();
    driver.start();
    await scheduler.waitForCallback('registered');
    expect(Date.now() - startedAt).to.be.at.least(300);
    await scheduler.waitForUpdate('TASK_RUNNING');
    await sleep(700); // its implicit ACKNOWLEDGE, slowed down too, completes
    expect(failed).to.deep.equal([]);
    // Now slower than the driver's request time limit: that one call fails, the subscription stays.
    cluster.faults.setLatency(1500);
    driver.reconcileTasks([]);
    await waitFor('callFailed for RECONCILE', () => failed.length === 1, 5000);
    expect(failed[0]?.type).to.equal('RECONCILE');
    expect(failed[0]?.error).to.be.instanceOf(MesosTimeoutError);
    cluster.faults.setLatency(0);
    expect(driver.connected).to.equal(true);
    expect(scheduler.names()).to.not.include('disconnected');
  });
});

/**
 * Regression tests for defects found in review of the scheduler driver: each one failed before
 * its fix.
 */
import { expect } from 'chai';
import type { FrameworkInfo } from '../../lib/codec/messages';
import { MesosSchedulerDriver } from '../../lib/driver/scheduler-driver';
import { Status } from '../../lib/driver/status';

const FRAMEWORK: FrameworkInfo = { user: 'alice', name: 'review', hostname: 'h', failover_timeout: 3600 };

describe('MesosSchedulerDriver review regressions', () => {
  it('never puts the ZooKeeper password of the master string in the error of a failed detector', async () => {
    const errors: string[] = [];
    // No znode path: the detector cannot be created, and the driver aborts with an error.
    const driver = new MesosSchedulerDriver(
      { error: (_d, message) => void errors.push(message) },
      FRAMEWORK,
      'zk://alice:s3cret-pw@127.0.0.1:2181',
    );
    const emitted: Error[] = [];
    driver.on('error', (error) => emitted.push(error));
    expect(driver.start()).to.equal(Status.DRIVER_ABORTED);
    expect(await driver.join()).to.equal(Status.DRIVER_ABORTED);
    await new Promise((resolve) => setImmediate(resolve));
    expect(errors).to.have.length(1);
    expect(emitted).to.have.length(1);
    const reason = driver.abortReason;
    expect(reason?.message).to.include('zk://alice:***@127.0.0.1:2181');
    for (const text of [errors[0], emitted[0]?.message, reason?.message]) {
      expect(text).to.not.include('s3cret-pw');
    }
  });
});

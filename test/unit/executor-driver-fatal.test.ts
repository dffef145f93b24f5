/**
 * MesosExecutorDriver: a fatal error is seen before join() settles (the error callback and its
 * promise first, with the status already ABORTED), and with no error callback it goes to stderr.
 */
import { expect } from 'chai';
import sinon from 'sinon';
import { MesosAuthenticationError } from '../../lib/common/errors';
import { MesosExecutorDriver } from '../../lib/driver/executor-driver';
import type { Executor } from '../../lib/driver/executor-types';
import { Status } from '../../lib/driver/status';
import { ENV, FakeConnection } from './helpers/executor-fakes';

describe('MesosExecutorDriver: fatal errors are seen before join() settles', () => {
  let connection: FakeConnection;
  let stderr: sinon.SinonStub;
  beforeEach(() => {
    connection = new FakeConnection();
    connection.script.push(new MesosAuthenticationError('invalid token'));
    stderr = sinon.stub(process.stderr, 'write').returns(true);
  });
  afterEach(() => sinon.restore());

  const make = (exec: Executor) =>
    new MesosExecutorDriver(exec, {
      environment: ENV,
      random: () => 0.5,
      terminateProcess: () => undefined,
      createConnection: () => connection,
    });

  it('run() settles after the error callback and the promise it returns', async () => {
    const log: string[] = [];
    const driver = make({
      error: async (d, message) => {
        log.push(`error ${Status[(d as MesosExecutorDriver).status]} ${message}`);
        await new Promise<void>((resolve) => setImmediate(resolve));
        log.push('error done');
      },
    });
    log.push(`run ${Status[await driver.run()]}`);
    expect(log).to.have.length(3);
    expect(log[0]).to.match(/^error DRIVER_ABORTED .*invalid token/);
    expect(log.slice(1)).to.deep.equal(['error done', 'run DRIVER_ABORTED']);
    expect(stderr.called).to.equal(false);
  });

  it('with no error callback, the fatal error is written to stderr', async () => {
    const driver = make({});
    expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
    expect(stderr.callCount).to.equal(1);
    expect(String(stderr.firstCall.args[0])).to.match(/^MesosExecutorDriver: aborted by a fatal error .*invalid token/);
  });
});

/**
 * Master string "local" with libmesos local mode's authentication variables: MESOS_CREDENTIALS (a
 * Mesos credentials file, JSON or text, path or file:// URL) with MESOS_AUTHENTICATE_FRAMEWORKS
 * makes the embedded master refuse a framework with a wrong secret and accept the right one;
 * MESOS_AUTHENTICATE_HTTP_READWRITE protects the operator API while frameworks need no credential;
 * an unreadable file aborts the driver with an error naming the variable.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { type Credential, MesosSchedulerDriver, Status } from '../../lib/index';
import { rawRequest } from './local-master-helpers';

const SECRET = 'local-secret-5d2e';
const VARIABLES = [
  'MESOS_CREDENTIALS',
  'MESOS_AUTHENTICATE_FRAMEWORKS',
  'MESOS_AUTHENTICATE_HTTP_READWRITE',
  'MESOS_NUM_SLAVES',
  'MESOS_QUIET',
];

/** Runs a framework on "local" until it registers (then stops) or fails; its end status, errors and master. */
async function runFramework(credential?: Credential, whileRegistered?: (master: string) => Promise<void>) {
  const errors: string[] = [];
  let master = '';
  const driver = new MesosSchedulerDriver(
    {
      registered: (d) => {
        const done = whileRegistered ? whileRegistered(master) : Promise.resolve();
        void done.finally(() => d.stop());
      },
      error: (_d, message) => void errors.push(message),
    },
    { name: 'local-credentials', user: '' },
    'local',
    true,
    credential,
  );
  driver.on('subscribed', (event) => {
    master = event.master;
  });
  return { status: await driver.run(), errors };
}

describe('master "local" with MESOS_CREDENTIALS and the MESOS_AUTHENTICATE_* variables', function () {
  this.timeout(30_000);
  const saved: Record<string, string | undefined> = {};
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mesos-local-credentials-'));
    await writeFile(
      join(dir, 'credentials.json'),
      JSON.stringify({ credentials: [{ principal: 'fw', secret: SECRET }] }),
    );
    await writeFile(join(dir, 'credentials.txt'), `fw ${SECRET}\n`);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const name of VARIABLES) saved[name] = process.env[name];
    Object.assign(process.env, { MESOS_NUM_SLAVES: '1', MESOS_QUIET: 'true' });
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('MESOS_AUTHENTICATE_FRAMEWORKS: the right credential registers, a wrong one gets the error and aborts', async () => {
    process.env.MESOS_CREDENTIALS = join(dir, 'credentials.json');
    process.env.MESOS_AUTHENTICATE_FRAMEWORKS = 'true';
    const right = await runFramework({ principal: 'fw', secret: SECRET });
    expect(right).to.deep.equal({ status: Status.DRIVER_STOPPED, errors: [] });
    const wrong = await runFramework({ principal: 'fw', secret: 'not-the-secret' });
    expect(wrong.status).to.equal(Status.DRIVER_ABORTED);
    expect(wrong.errors).to.deep.equal(['Master refused authentication']);
    const none = await runFramework();
    expect(none.errors).to.deep.equal(['Master refused authentication']);
  });

  it('MESOS_AUTHENTICATE_HTTP_READWRITE (text file, file:// URL): the operator API needs the credential, frameworks do not', async () => {
    process.env.MESOS_CREDENTIALS = pathToFileURL(join(dir, 'credentials.txt')).href;
    process.env.MESOS_AUTHENTICATE_HTTP_READWRITE = 'true';
    const answers: number[] = [];
    const result = await runFramework(undefined, async (master) => {
      const call = (authorization?: string) =>
        rawRequest(master, {
          path: '/api/v1',
          headers: {
            'Content-Type': 'application/json',
            ...(authorization ? { Authorization: authorization } : {}),
          },
          body: JSON.stringify({ type: 'GET_HEALTH' }),
        });
      answers.push((await call()).status);
      answers.push((await call(`Basic ${Buffer.from(`fw:${SECRET}`).toString('base64')}`)).status);
    });
    expect(result).to.deep.equal({ status: Status.DRIVER_STOPPED, errors: [] });
    expect(answers).to.deep.equal([401, 200]);
  });

  it('an unreadable MESOS_CREDENTIALS: error() names the variable and the file, the driver aborts', async () => {
    process.env.MESOS_CREDENTIALS = join(dir, 'missing.json');
    const result = await runFramework({ principal: 'fw', secret: SECRET });
    expect(result.status).to.equal(Status.DRIVER_ABORTED);
    expect(result.errors).to.have.length(1);
    expect(result.errors[0]).to.match(/: MESOS_CREDENTIALS: Cannot read credentials file '.*missing\.json'/);
  });
});

/**
 * A libmesos port ending with `exit(status === DRIVER_STOPPED ? 0 : 1)` sees its fatal error
 * (refused credentials against an authenticating LocalCluster, a malformed master string), and the
 * master string "local" runs an embedded LocalCluster configured from MESOS_* variables, gone once
 * join() has settled.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { type Offer, Status } from '../../lib';
import { MesosSchedulerDriver } from '../../lib/index';
import { LocalCluster } from '../../lib/local-entry';

const REPO = join(__dirname, '..', '..');
const LOADER = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

/** Runs a small port (TypeScript, importing the library's main entry) and returns its exit code and output. */
async function runPort(
  source: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'mesos-driver-port-'));
  try {
    const file = join(dir, 'port.ts');
    await writeFile(file, source.replace("'mesos-driver'", JSON.stringify(join(REPO, 'lib', 'index.ts'))));
    const child = spawn(process.execPath, ['--import', LOADER, file], {
      env: { ...process.env, DEBUG: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    return { code, out, err };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const PORT_WITH_ERROR_CALLBACK = `
import { MesosSchedulerDriver, Status } from 'mesos-driver';
const driver = new MesosSchedulerDriver(
  { error: async (_driver, message) => { await new Promise((r) => setTimeout(r, 50)); console.log('error: ' + message); } },
  { name: 'port', user: '' }, process.env.MASTER as string, true,
  { principal: 'ops', secret: 'wrong-secret' },
);
driver.run().then((status) => process.exit(status === Status.DRIVER_STOPPED ? 0 : 1));
`;

const PORT_WITHOUT_ERROR_CALLBACK = `
import { MesosSchedulerDriver, Status } from 'mesos-driver';
const driver = new MesosSchedulerDriver({}, { name: 'port', user: '' }, process.env.MASTER as string);
driver.run().then((status) => process.exit(status === Status.DRIVER_STOPPED ? 0 : 1));
`;

describe('a libmesos-style port sees its fatal error before run() settles', function () {
  this.timeout(60_000);

  it('refused credentials (LocalCluster with authentication): the error callback prints, then the port exits 1', async () => {
    const cluster = await LocalCluster.start({
      credentials: [{ principal: 'ops', secret: 'right-secret' }],
      log: false,
    });
    try {
      const { code, out, err } = await runPort(PORT_WITH_ERROR_CALLBACK, { MASTER: cluster.masterString });
      expect(code, err).to.equal(1);
      expect(out).to.match(/^error: Master refused authentication$/m);
      expect(out + err).to.not.include('wrong-secret');
    } finally {
      await cluster.stop();
    }
  });

  it('a malformed master string and no error callback: the message is on stderr, the port exits 1', async () => {
    const { code, err } = await runPort(PORT_WITHOUT_ERROR_CALLBACK, { MASTER: 'master@nowhere:notaport' });
    expect(code).to.equal(1);
    expect(err.match(/aborted by a fatal error/g)).to.have.length(1);
    expect(err).to.match(/master@nowhere:notaport/);
  });
});

describe('master "local": an embedded LocalCluster from MESOS_* variables', function () {
  this.timeout(30_000);
  const VARS = { MESOS_NUM_SLAVES: '2', MESOS_RESOURCES: 'cpus:3;mem:256', MESOS_QUIET: 'true' };
  const saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    for (const name of [...Object.keys(VARS), 'MESOS_ATTRIBUTES']) saved[name] = process.env[name];
    Object.assign(process.env, VARS);
  });
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('offers the agents and resources the variables ask for, and nothing is left running after join()', async () => {
    const agents = new Map<string, number>();
    let masterUrl = '';
    const driver = new MesosSchedulerDriver(
      {
        resourceOffers(d, offers: Offer[]) {
          for (const offer of offers) {
            const cpus = offer.resources?.find((r) => r.name === 'cpus')?.scalar?.value ?? 0;
            agents.set(offer.agent_id.value, cpus);
            d.declineOffer(offer.id, { refuse_seconds: 60 });
          }
          if (agents.size === 2) d.stop();
        },
      },
      { name: 'local-master', user: '' },
      'local',
    );
    driver.on('subscribed', (event) => {
      masterUrl = event.master;
    });
    expect(await driver.run()).to.equal(Status.DRIVER_STOPPED);
    expect([...agents.values()]).to.deep.equal([3, 3]);
    expect(masterUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    const after = await fetch(`${masterUrl}/master/state`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(after).to.equal('refused');
  });

  it('a malformed MESOS_ATTRIBUTES: error() names the variable, the driver aborts', async () => {
    process.env.MESOS_ATTRIBUTES = 'rack';
    const messages: string[] = [];
    const driver = new MesosSchedulerDriver(
      { error: (_d, message) => void messages.push(message) },
      { name: 'local-master', user: '' },
      'local',
    );
    expect(await driver.run()).to.equal(Status.DRIVER_ABORTED);
    expect(messages).to.have.length(1);
    expect(messages[0]).to.match(/MESOS_ATTRIBUTES is malformed/);
  });
});

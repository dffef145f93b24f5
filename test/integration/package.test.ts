/**
 * The packed tarball works for a consumer: CommonJS require, ESM import, and typechecking
 * against the shipped declarations, in a fresh temporary project; the main entry loads no
 * simulator module (LocalCluster is `mesos-driver/local`, and the master string "local" loads it
 * lazily); a consumer with `tsc --init`'s defaults (TypeScript 5.9, the repo's, and the latest from
 * the registry) typechecks once it sets `"types": ["node"]`; `mesos-driver/local` typechecks under
 * every moduleResolution: node10 (through package.json's typesVersions, as node10 ignores
 * `exports`), nodenext (the `tsc --init` consumer) and bundler; source maps carry their sources.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

const repo = join(__dirname, '..', '..');

function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 180_000,
    env: { ...process.env, ...env },
  });
}

/** Typechecks one file of `project` with its tsconfig.json (tsc -p cannot take files: a config naming only it). */
function typecheckOne(tsc: string[], project: string, file: string): string {
  const config = join(project, `tsconfig.${file}.json`);
  writeFileSync(
    config,
    JSON.stringify({ extends: './tsconfig.json', files: [file], compilerOptions: { noEmit: true } }),
  );
  try {
    run(tsc[0] as string, [...tsc.slice(1), '-p', config], project);
    return '';
  } catch (err) {
    return String((err as { stdout?: string }).stdout) || String(err);
  }
}

/** What a TypeScript consumer writes: both entries, the suppressedRoles constructor, Bytes as strings, abortReason.code. */
const INIT_CONSUMER = `import { MesosSchedulerDriver, Status, type Scheduler, type TaskStatus } from 'mesos-driver';
import { LocalCluster, parseResources } from 'mesos-driver/local';

const scheduler: Scheduler = {
  statusUpdate: (_driver, status: TaskStatus) => console.log(status.state, status.data?.toString()),
  error: (_driver, message) => console.error(message),
};
const driver = new MesosSchedulerDriver(scheduler, { name: 'consumer', user: '' }, ['analytics'], 'local', true);
driver.sendFrameworkMessage({ value: 'executor' }, { value: 'agent' }, 'text is sent as UTF-8');
const update: TaskStatus = { task_id: { value: 't' }, state: 'TASK_RUNNING', data: 'a string is accepted' };
const status = await driver.run();
if (status === Status.DRIVER_ABORTED && driver.abortReason?.code === 'authenticationFailed') console.error('refused');
const cluster: LocalCluster = await LocalCluster.start({ resources: 'cpus:1' });
console.log(parseResources('cpus:1').length, update.state, Buffer.byteLength('x'));
await cluster.stop();
`;

/** abortReason.code is a union of names: comparing it with another is a type error. */
const INIT_CONSUMER_WRONG = `import { MesosSchedulerDriver } from 'mesos-driver';
const driver = new MesosSchedulerDriver({}, { name: 'consumer', user: '' }, 'local');
if (driver.abortReason?.code === 'noSuchCode') console.log('never');
`;

/** Both entries from a consumer without top-level await (it also compiles as CommonJS). */
const RESOLUTION_CONSUMER = `import { MesosSchedulerDriver, type TaskStatus } from 'mesos-driver';
import { LocalCluster, type LocalClusterOptions, parseResources } from 'mesos-driver/local';

const options: LocalClusterOptions = { agents: 1, resources: 'cpus:1', authenticateHttpReadonly: false };
async function main(): Promise<void> {
  const cluster: LocalCluster = await LocalCluster.start(options);
  const status: TaskStatus = { task_id: { value: 't' }, state: 'TASK_RUNNING' };
  console.log(cluster.masterUrl, status.state, parseResources('cpus:1').length, typeof MesosSchedulerDriver);
  await cluster.stop();
}
void main();
`;

/** A type error only real declarations of 'mesos-driver/local' catch (an untyped module would be any). */
const RESOLUTION_CONSUMER_WRONG = `import { LocalCluster } from 'mesos-driver/local';
export const port: number = LocalCluster.prototype.masterUrl;
`;

describe('the packed package, installed in a consumer project', function () {
  this.timeout(240_000);
  let dir: string;
  let tarball: string;

  before(() => {
    if (!existsSync(join(repo, 'dist', 'lib', 'index.js'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
    }
    dir = mkdtempSync(join(tmpdir(), 'mesos-driver-consumer-'));
    // --ignore-scripts: the build already ran; pack only what package.json "files" lists.
    const out = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], repo);
    tarball = join(dir, (JSON.parse(out) as Array<{ filename: string }>)[0]!.filename);
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], dir);
    // The consumer's typecheck uses the repo's own TypeScript and Node types.
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        join(repo, 'node_modules', 'typescript'),
        join(repo, 'node_modules', '@types', 'node'),
      ],
      dir,
    );
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ships the build, the proto files and no tests', () => {
    const files = run('tar', ['-tzf', tarball], dir).split('\n');
    expect(files).to.include('package/dist/lib/index.js');
    expect(files).to.include('package/dist/lib/index.d.ts');
    expect(files).to.include('package/proto/mesos/v1/mesos.proto');
    expect(files.some((f) => f.startsWith('package/dist/test/'))).to.equal(false);
  });

  it('can be required from CommonJS', () => {
    const out = run(
      'node',
      [
        '-e',
        "const m = require('mesos-driver'); console.log(typeof m.MesosError, new m.MesosProtocolError(400, 'x').status)",
      ],
      dir,
    );
    expect(out.trim()).to.equal('function 400');
  });

  it('can be imported from ESM with named exports', () => {
    const out = run(
      'node',
      [
        '--input-type=module',
        '-e',
        "import { MesosError, ExponentialBackoff } from 'mesos-driver'; console.log(typeof MesosError, typeof ExponentialBackoff)",
      ],
      dir,
    );
    expect(out.trim()).to.equal('function function');
  });

  it('ships source maps that embed their sources (the package has no lib/*.ts)', () => {
    const files = run('tar', ['-tzf', tarball], dir).split('\n');
    expect(files.some((f) => f.startsWith('package/lib/'))).to.equal(false);
    const installed = join(dir, 'node_modules', 'mesos-driver', 'dist', 'lib');
    for (const name of ['index.js.map', 'driver/scheduler-driver.js.map', 'local-entry.js.map']) {
      const map = JSON.parse(readFileSync(join(installed, name), 'utf8')) as {
        sources: string[];
        sourcesContent?: Array<string | null>;
      };
      expect(map.sources, name).to.have.length(1);
      expect(map.sourcesContent?.[0], name).to.be.a('string').and.to.include('export');
    }
  });

  it('the main entry loads no simulator module; mesos-driver/local does, from CommonJS and ESM', () => {
    const simulator = '(f) => /[\\/]dist[\\/]lib[\\/](local[\\/]|local-entry|local-launcher)/.test(f)';
    const cjs = run(
      'node',
      [
        '-e',
        `const isSim = ${simulator};
         const m = require('mesos-driver');
         const before = Object.keys(require.cache).filter(isSim).length;
         const local = require('mesos-driver/local');
         const after = Object.keys(require.cache).filter(isSim).length;
         console.log(typeof m.MesosSchedulerDriver, 'LocalCluster' in m, before, typeof local.LocalCluster, after > 10);`,
      ],
      dir,
    );
    expect(cjs.trim()).to.equal('function false 0 function true');
    const esm = run(
      'node',
      [
        '--input-type=module',
        '-e',
        "import { LocalCluster, parseResources } from 'mesos-driver/local'; console.log(typeof LocalCluster, parseResources('cpus:2')[0].name)",
      ],
      dir,
    );
    expect(esm.trim()).to.equal('function cpus');
  });

  it('master "local" starts its LocalCluster from the compiled package (loaded only then) and stops it', () => {
    const out = run(
      'node',
      [
        '-e',
        `const { MesosSchedulerDriver, Status } = require('mesos-driver');
         const isSim = (f) => /[\\/]dist[\\/]lib[\\/]local[\\/]/.test(f);
         let agents = 0;
         const driver = new MesosSchedulerDriver({
           resourceOffers(d, offers) { agents += offers.length; d.stop(); },
           error(_d, message) { console.log('error: ' + message); },
         }, { name: 'packaged-local', user: '' }, 'local');
         const before = Object.keys(require.cache).filter(isSim).length;
         driver.run().then((status) => {
           console.log(before, Status[status], agents, Object.keys(require.cache).filter(isSim).length > 10);
         });`,
      ],
      dir,
      { MESOS_NUM_SLAVES: '2', MESOS_QUIET: 'true' },
    );
    expect(out.trim()).to.equal('0 DRIVER_STOPPED 2 true');
  });

  describe('typechecks a consumer made with `tsc --init` defaults and "types": ["node"]', () => {
    let project: string;
    before(() => {
      project = join(dir, 'init-consumer');
      mkdirSync(project);
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'init-consumer', private: true, type: 'module' }),
      );
      writeFileSync(join(project, 'index.ts'), INIT_CONSUMER);
      writeFileSync(join(project, 'wrong.ts'), INIT_CONSUMER_WRONG);
    });

    /** `tsc --init` with the given compiler, then the one setting the README asks for; the errors of each file. */
    function check(tsc: string[]): { good: string; wrong: string; version: string } {
      rmSync(join(project, 'tsconfig.json'), { force: true });
      run(tsc[0] as string, [...tsc.slice(1), '--init'], project);
      const config = readFileSync(join(project, 'tsconfig.json'), 'utf8');
      expect(config, 'tsc --init no longer writes "types": [] (update the README)').to.match(/^\s*"types": \[\],$/m);
      writeFileSync(join(project, 'tsconfig.json'), config.replace(/^(\s*)"types": \[\],$/m, '$1"types": ["node"],'));
      const version = run(tsc[0] as string, [...tsc.slice(1), '--version'], project).trim();
      return { good: typecheckOne(tsc, project, 'index.ts'), wrong: typecheckOne(tsc, project, 'wrong.ts'), version };
    }

    it('with TypeScript 5.9 (the version the repository pins)', () => {
      const result = check(['node', join(dir, 'node_modules', 'typescript', 'bin', 'tsc')]);
      expect(result.version).to.match(/^Version 5\.9\./);
      expect(result.good).to.equal('');
      expect(result.wrong).to.match(/'authenticationFailed' \| |no overlap/);
    });

    it('with the latest TypeScript from the registry', function () {
      this.timeout(240_000);
      const latest = join(dir, 'ts-latest');
      mkdirSync(latest);
      writeFileSync(join(latest, 'package.json'), JSON.stringify({ name: 'ts-latest', private: true }));
      run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', 'typescript@latest'], latest);
      const result = check([join(latest, 'node_modules', '.bin', 'tsc')]);
      expect(result.good, result.version).to.equal('');
      expect(result.wrong, result.version).to.match(/no overlap/);
    });
  });

  it("resolves 'mesos-driver/local' with moduleResolution node10 (typesVersions) and bundler", () => {
    // node16/nodenext: the `tsc --init` consumer above. One compiler run per resolution, both files:
    // the right one has no error, the wrong one exactly the type error real declarations give.
    writeFileSync(join(dir, 'resolution.ts'), RESOLUTION_CONSUMER);
    writeFileSync(join(dir, 'resolution-wrong.ts'), RESOLUTION_CONSUMER_WRONG);
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
    for (const [module, resolution] of [
      ['commonjs', 'node10'],
      ['esnext', 'bundler'],
    ] as const) {
      // skipLibCheck as `tsc --init` sets it: this is about resolving the entry, not checking node's types.
      const flags = ['--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--types', 'node'];
      let errors = '';
      try {
        run(
          'node',
          [tsc, ...flags, '--module', module, '--moduleResolution', resolution, 'resolution.ts', 'resolution-wrong.ts'],
          dir,
        );
      } catch (err) {
        errors = String((err as { stdout?: string }).stdout);
      }
      const lines = errors.split('\n').filter((line) => line.includes('error TS'));
      expect(lines, resolution).to.have.length(1);
      expect(lines[0], resolution).to.match(
        /^resolution-wrong\.ts.*TS2322: Type 'string' is not assignable to type 'number'/,
      );
    }
  });

  it('typechecks a consumer against the shipped types, and catches a type error', () => {
    writeFileSync(
      join(dir, 'good.ts'),
      [
        "import { MesosError, type FrameworkInfo, type TaskStatus, type scheduler } from 'mesos-driver';",
        "const fw: FrameworkInfo = { user: '', name: 'consumer', capabilities: [{ type: 'MULTI_ROLE' }] };",
        "const call: scheduler.Call = { type: 'SUBSCRIBE', subscribe: { framework_info: fw } };",
        "const s: TaskStatus = { task_id: { value: 't' }, state: 'TASK_RUNNING' };",
        'const e: MesosError = new MesosError(String(call.type) + s.state);',
        'console.log(e.retryable);',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'bad.ts'),
      "import type { TaskStatus } from 'mesos-driver';\nconst s: TaskStatus = { task_id: { value: 't' }, state: 'RUNNING' };\nconsole.log(s);\n",
    );
    const tsc = join(dir, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--noEmit', '--strict', '--module', 'node16', '--moduleResolution', 'node16', '--types', 'node'];
    run('node', [tsc, ...flags, 'good.ts'], dir);
    let failed = '';
    try {
      run('node', [tsc, ...flags, 'bad.ts'], dir);
    } catch (err) {
      failed = String((err as { stdout?: string }).stdout);
    }
    expect(failed).to.match(/"RUNNING"|'RUNNING'/);
  });
});

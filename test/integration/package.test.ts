/**
 * The packed tarball works for a consumer: CommonJS require, ESM import, and typechecking
 * against the shipped declarations, in a fresh temporary project.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';

const repo = join(__dirname, '..', '..');

function run(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
}

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

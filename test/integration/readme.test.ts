/**
 * README.md is checked: every ```ts block typechecks against the library (as `mesos-driver`), the
 * set-up commands keep their markers, and the complete scheduler example runs on a LocalCluster.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local-entry';
import { type CodeBlock, codeBlocks, typecheck } from './helpers/readme-code';

const REPO = join(__dirname, '..', '..');
const LIB_INDEX = join(REPO, 'lib', 'index.ts');

describe('README.md', function () {
  this.timeout(20_000);
  let readme: string;
  let tsBlocks: CodeBlock[];
  before(async () => {
    readme = await readFile(join(REPO, 'README.md'), 'utf8');
    tsBlocks = codeBlocks(readme).filter((block) => block.lang === 'ts' || block.lang === 'typescript');
  });

  it('keeps the two set-up commands after their markers, first in the file', () => {
    const demo = readme.indexOf('<!-- demo-command -->\n```sh\nnpm install && npm run demo\n```');
    const tests = readme.indexOf(
      '<!-- test-command -->\n```sh\n.ci/install-system-deps && npm install && npm test\n```',
    );
    expect(demo).to.be.greaterThan(0);
    expect(tests).to.be.greaterThan(demo);
    expect(readme.indexOf('```ts')).to.be.greaterThan(tests);
  });

  it('has its sections in the promised order', () => {
    const order = [
      '## Set up',
      '## A complete scheduler',
      '## The API at a glance',
      '## Pointing at a real cluster',
      '## LocalCluster for your own tests',
      '## Configuration',
      '## Logging',
      '## Porting from libmesos',
      '## Performance',
    ];
    const positions = order.map((heading) => readme.indexOf(`\n${heading}`));
    expect(
      positions.every((p) => p > 0),
      JSON.stringify(positions),
    ).to.equal(true);
    expect([...positions].sort((a, b) => a - b)).to.deep.equal(positions);
  });

  it('every ts block typechecks against the library', function () {
    this.timeout(60_000);
    expect(tsBlocks.length).to.be.at.least(4);
    const files = new Map(
      tsBlocks.map((block) => [join(REPO, 'test', `readme-block-line-${block.line}.ts`), block.code]),
    );
    expect(typecheck(files)).to.deep.equal([]);
  });

  it('the typecheck really checks: a wrong block is reported', function () {
    this.timeout(60_000);
    const wrong =
      "import { MesosSchedulerDriver } from 'mesos-driver';\nnew MesosSchedulerDriver({}, { name: 1 }, 'm');\n";
    expect(typecheck(new Map([[join(REPO, 'test', 'readme-block-wrong.ts'), wrong]]))).to.have.length.greaterThan(0);
  });

  it('the complete scheduler example runs three tasks on a LocalCluster and tears down', async () => {
    const example = tsBlocks.find((block) => block.code.includes('new MesosSchedulerDriver(scheduler'));
    expect(example, 'the complete scheduler example').to.not.equal(undefined);
    const lines = (example as CodeBlock).code.trimEnd().split('\n').length;
    expect(lines).to.be.within(20, 32);
    const cluster = await LocalCluster.start({ agents: 1, heartbeatIntervalSeconds: 1 });
    const dir = await mkdtemp(join(tmpdir(), 'mesos-driver-readme-'));
    try {
      const file = join(dir, 'hello.ts');
      await writeFile(
        file,
        (example as CodeBlock).code.replace(`from 'mesos-driver'`, `from ${JSON.stringify(LIB_INDEX)}`),
      );
      const loader = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
      const child = spawn(process.execPath, ['--import', loader, file], {
        env: { ...process.env, MESOS_MASTER: cluster.masterString, DEBUG: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      clearTimeout(timer);
      expect(code, output).to.equal(0);
      expect(output).to.match(/^registered as \S+$/m);
      expect(output.match(/^task \d: TASK_FINISHED$/gm)).to.have.length(3);
      const frameworkId = /^registered as (\S+)$/m.exec(output)?.[1];
      const state = (await (await fetch(`${cluster.masterUrl}/master/state`)).json()) as {
        completed_frameworks: Array<{ id: string }>;
      };
      expect(state.completed_frameworks.map((f) => f.id)).to.include(frameworkId);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await cluster.stop();
    }
  });
});

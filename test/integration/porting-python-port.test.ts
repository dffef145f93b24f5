/**
 * Issue 11's "done when": the port of Mesos's Python example framework (samples/python-port), whose
 * executor ships through CommandInfo.uris as a bundled .js in a .tar.gz, runs green on its first
 * run against the `mesos-local` command (from dist/), with master `local`, and against an embedded
 * LocalCluster; it exits 0 because the driver ended DRIVER_STOPPED.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { LocalCluster } from '../../lib/local-entry';
import { main } from '../../samples/python-port/test-framework';
import { agentState, completedExecutors, eventually } from './helpers/agent-state';

const REPO = join(__dirname, '..', '..');
const DIST_FRAMEWORK = join(REPO, 'dist', 'samples', 'python-port', 'test-framework.js');
const DIST_CLI = join(REPO, 'dist', 'lib', 'local', 'cli.js');

/** What a green run prints: five tasks finished, five messages bounced back, the final line. */
function expectGreen(output: string): void {
  expect(output.match(/^Task \d is in state TASK_FINISHED$/gm), output).to.have.length(5);
  expect(output.match(/^Received message: "data with a \\u0000 byte"$/gm), output).to.have.length(5);
  expect(output).to.match(/^All tasks done, and all messages received, exiting$/m);
  expect(output).to.not.match(/Aborting|did not match|Error/);
}

/** Runs `node args` to its exit (killed after 20 s); resolves with its exit code and output. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, args, { env: { ...process.env, DEBUG: '', ...env }, stdio: 'pipe' });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/** Starts `mesos-local` from dist/ and resolves with the master string it prints. */
function startMesosLocal(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /^mesos-local: master string (\S+)$/m.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.on('exit', (code) => reject(new Error(`mesos-local exited early with ${code}: ${output}`)));
  });
}

describe('porting: the Python example framework ported to TypeScript (samples/python-port)', function () {
  this.timeout(30_000);

  before(() => {
    if (!existsSync(DIST_FRAMEWORK) || !existsSync(DIST_CLI)) {
      throw new Error('dist/ is missing the sample or mesos-local: run `npm run build` first');
    }
  });

  it('(a) runs green against the mesos-local command, framework and CLI both from dist/', async () => {
    const cli = spawn(process.execPath, [DIST_CLI, '--agents', '1', '--no-control'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const master = await startMesosLocal(cli);
      const { code, output } = await run([DIST_FRAMEWORK, master]);
      expect(code, output).to.equal(0);
      expectGreen(output);
    } finally {
      const exited = new Promise((resolve) => cli.on('exit', resolve));
      cli.kill('SIGTERM');
      await exited;
    }
  });

  it('(b) runs green with master "local" (an in-process cluster, as libmesos), from source', async () => {
    const { code, output } = await run(
      ['--import', 'tsx', join(REPO, 'samples', 'python-port', 'test-framework.ts'), 'local'],
      {
        MESOS_QUIET: 'true',
      },
    );
    expect(code, output).to.equal(0);
    expectGreen(output);
    expect(output).to.match(/^Registered with framework ID \S+$/m);
  });

  it('(c) runs green against an embedded LocalCluster, with explicit acknowledgements; the executor ran from its sandbox', async () => {
    const cluster = await LocalCluster.start({ agents: 1, log: false });
    try {
      const lines: string[] = [];
      const code = await main([cluster.masterString], (line) => lines.push(line), {
        ...process.env,
        MESOS_EXPLICIT_ACKNOWLEDGEMENTS: '1',
      });
      const output = lines.join('\n');
      expect(code, output).to.equal(0);
      expect(lines[0]).to.equal('Enabling explicit status update acknowledgements');
      expectGreen(output);
      // The archive was fetched and extracted into the sandbox, and the executor wrote there.
      const agent = cluster.agents[0];
      // TEARDOWN shuts the executor down; once it has exited the agent lists it as completed.
      const executor = await eventually('the executor to complete', async () =>
        completedExecutors(await agentState(agent?.url)).find((e) => e.id === 'default'),
      );
      const sandbox = executor.directory;
      expect(readdirSync(sandbox)).to.include.members([
        'test-executor.tar.gz',
        'test-executor.js',
        'proto',
        'stdout',
        'stderr',
      ]);
      const stdout = readFileSync(join(sandbox, 'stdout'), 'utf8');
      expect(stdout).to.match(/^Starting executor$/m);
      expect(stdout.match(/^Running task \d$/gm)).to.have.length(5);
    } finally {
      await cluster.stop();
    }
  });

  it('prints its usage and exits 1 without a master, as the original', async () => {
    const lines: string[] = [];
    expect(await main([], (line) => lines.push(line))).to.equal(1);
    expect(lines).to.deep.equal(['Usage: test-framework.ts master']);
  });
});

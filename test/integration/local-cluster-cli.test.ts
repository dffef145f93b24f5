/** The `mesos-local` command: serves a cluster, prints the master URL, answers /version, exits on SIGTERM. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect } from 'chai';
import { parseCliArgs } from '../../lib/local/cli';
import { rawRequest } from './local-master-helpers';

const CLI = join(__dirname, '../../lib/local/cli.ts');

describe('mesos-local CLI', () => {
  it('parses its options into LocalCluster options and refuses bad ones', () => {
    expect(
      parseCliArgs([
        '--port',
        '5050',
        '--agents',
        '3',
        '--masters',
        '2',
        '--resources',
        'cpus:1',
        '--heartbeat-interval',
        '2',
        '--roles',
        'a, b',
        '--zk',
        'zk://127.0.0.1:2181/mesos',
      ]),
    ).to.deep.equal({
      cluster: {
        port: 5050,
        agents: 3,
        masters: 2,
        resources: 'cpus:1',
        heartbeatIntervalSeconds: 2,
        roles: ['a', 'b'],
        zk: 'zk://127.0.0.1:2181/mesos',
      },
      control: { enabled: true, port: 0 },
    });
    expect(parseCliArgs(['--help'])).to.equal('help');
    expect(() => parseCliArgs(['--agents', 'many'])).to.throw('--agents must be a number');
    expect(() => parseCliArgs(['--bogus'])).to.throw();
  });

  it('starts, prints the master URL, answers /version and exits 0 on SIGTERM', async function () {
    this.timeout(15_000);
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, '--agents', '2', '--task-mode', 'simulated'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /master at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
          if (match?.[1]) resolve(match[1]);
        });
        child.on('exit', (code) => reject(new Error(`mesos-local exited early with ${code}`)));
      });
      const version = await rawRequest(url, { method: 'GET', path: '/version' });
      expect(JSON.parse(version.text).version).to.equal('1.12.0');
      const state = JSON.parse((await rawRequest(url, { method: 'GET', path: '/master/state' })).text);
      expect(state.slaves).to.have.length(2);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  });
});

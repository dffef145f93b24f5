import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { MesosConfigError } from '../../lib/common/errors';
import { findNodePath, nodeExecutorCommand, nodeExecutorInfo } from '../../lib/driver/node-executor';

const REPO = resolve(__dirname, '..', '..');
const TS_EXECUTOR = join(REPO, 'samples', 'test-executor.ts');
const TSX_LOADER = pathToFileURL(join(REPO, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

describe('nodeExecutorCommand / nodeExecutorInfo', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'node-executor-'));
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a .ts script by absolute path with node and the tsx loader, without a shell', () => {
    const command = nodeExecutorCommand({
      script: 'samples/test-executor.ts',
      args: ['--verbose'],
      nodeArgs: ['--enable-source-maps'],
      nodePath: false,
    });
    expect(command).to.deep.equal({
      shell: false,
      value: process.execPath,
      arguments: [process.execPath, '--enable-source-maps', '--import', TSX_LOADER, TS_EXECUTOR, '--verbose'],
    });
  });

  it('runs .js, .cjs and .mjs with plain node; .ts too with typescript: node', () => {
    for (const name of ['a.js', 'b.cjs', 'c.mjs']) {
      writeFileSync(join(dir, name), '');
      const command = nodeExecutorCommand({ script: join(dir, name), node: '/usr/bin/node', nodePath: false });
      expect(command.arguments).to.deep.equal(['/usr/bin/node', join(dir, name)]);
      expect(command.value).to.equal('/usr/bin/node');
    }
    const ts = nodeExecutorCommand({ script: TS_EXECUTOR, typescript: 'node', nodePath: false });
    expect(ts.arguments).to.deep.equal([process.execPath, TS_EXECUTOR]);
  });

  it('ships a script through uris and runs it relative to the sandbox', () => {
    const command = nodeExecutorCommand({
      uri: 'http://127.0.0.1:8080/dist/executor.js?v=2',
      uris: [{ value: '/srv/data.tar.gz' }],
      nodePath: ['/opt/app/node_modules'],
      environment: { LOG_LEVEL: 'debug' },
    });
    expect(command.arguments).to.deep.equal([process.execPath, 'executor.js']);
    expect(command.uris).to.deep.equal([
      { value: 'http://127.0.0.1:8080/dist/executor.js?v=2', extract: false },
      { value: '/srv/data.tar.gz' },
    ]);
    expect(command.environment?.variables).to.deep.equal([
      { name: 'NODE_PATH', type: 'VALUE', value: '/opt/app/node_modules' },
      { name: 'LOG_LEVEL', type: 'VALUE', value: 'debug' },
    ]);
    // An archive is extracted (Mesos's default): the script inside it is named.
    const archived = nodeExecutorCommand({ uri: '/srv/bundle.tgz', script: 'bundle/main.cjs', nodePath: false });
    expect(archived.uris).to.deep.equal([{ value: '/srv/bundle.tgz' }]);
    expect(archived.arguments?.[1]).to.equal('bundle/main.cjs');
    const renamed = nodeExecutorCommand({ uri: { value: 'file:///srv/x', output_file: 'run.js' }, nodePath: false });
    expect(renamed.arguments?.[1]).to.equal('run.js');
  });

  it('finds the node_modules folder holding mesos-driver for NODE_PATH', () => {
    mkdirSync(join(dir, 'node_modules', 'mesos-driver'), { recursive: true });
    writeFileSync(join(dir, 'node_modules', 'mesos-driver', 'package.json'), '{"name":"mesos-driver"}');
    mkdirSync(join(dir, 'src', 'jobs'), { recursive: true });
    expect(findNodePath(join(dir, 'src', 'jobs'))).to.equal(join(dir, 'node_modules'));
    // The repository itself is not inside a node_modules folder: nothing to add.
    expect(findNodePath(tmpdir())).to.equal(undefined);
  });

  it('refuses what cannot run, naming it', () => {
    const refuse = (options: Parameters<typeof nodeExecutorCommand>[0], what: string) =>
      expect(() => nodeExecutorCommand(options)).to.throw(MesosConfigError, what);
    refuse({}, 'needs script');
    refuse({ script: join(dir, 'missing.js') }, 'does not exist');
    writeFileSync(join(dir, 'run.sh'), '');
    refuse({ script: join(dir, 'run.sh') }, 'must end in .js');
    refuse({ uri: '' }, 'uri is empty');
    refuse({ uri: 'http://h/x.js', script: '/abs/x.js' }, 'inside the sandbox');
    refuse({ uri: 'http://h/' }, 'cannot tell the file name');
  });

  it('nodeExecutorInfo: the executor id, name and resources around the command', () => {
    const info = nodeExecutorInfo('default', {
      name: 'Crawler',
      script: TS_EXECUTOR,
      resources: [{ name: 'cpus', type: 'SCALAR', scalar: { value: 0.1 } }],
      nodePath: false,
    });
    expect(info.executor_id).to.deep.equal({ value: 'default' });
    expect(info.name).to.equal('Crawler');
    expect(info.resources).to.have.length(1);
    expect(info.command?.arguments?.at(-1)).to.equal(TS_EXECUTOR);
    expect(() => nodeExecutorInfo('', { script: TS_EXECUTOR })).to.throw(MesosConfigError, 'executor id');
  });
});

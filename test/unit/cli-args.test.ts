/**
 * mesos-local's command line (lib/local/cli-options.ts): every option reaches LocalCluster or the
 * control endpoint, credentials files in both Mesos formats, executor environments, and clear
 * errors; and the control endpoint's request checks (lib/local/control/guard.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'chai';
import { MesosConfigError } from '../../lib/common/errors';
import { parseCliArgs, parseCredentials, parseExecutorEnv, USAGE } from '../../lib/local/cli-options';
import { checkContentType, checkRequest, isLoopbackHost, newControlToken } from '../../lib/local/control/guard';

describe('mesos-local command line', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-args-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes every cluster option through, with absolute paths', () => {
    const credentials = join(dir, 'credentials.json');
    writeFileSync(credentials, JSON.stringify({ credentials: [{ principal: 'fw', secret: 's3cret' }] }));
    const parsed = parseCliArgs([
      '--work-dir',
      'relative/sandboxes',
      '--credentials',
      pathToFileURL(credentials).href,
      '--executor-env',
      '{"A":"1","B":"2"}',
      '--executor-env',
      'B=3=three',
      '--status-update-retry-ms',
      '200',
      '--allocation-interval-ms',
      '50',
      '--simulated-task-ms',
      '20',
      '--offer-timeout',
      '1.5',
      '--task-mode',
      'simulated',
      '--attributes',
      'rack:r1',
      '--control-port',
      '7070',
      '--ready-file',
      'ready.json',
    ]);
    expect(parsed).to.deep.equal({
      cluster: {
        workDir: resolve('relative/sandboxes'),
        credentials: [{ principal: 'fw', secret: 's3cret' }],
        executorEnvironment: { A: '1', B: '3=three' },
        statusUpdateRetryMs: 200,
        allocationIntervalMs: 50,
        simulatedTaskMs: 20,
        offerTimeoutSeconds: 1.5,
        taskMode: 'simulated',
        attributes: 'rack:r1',
      },
      control: { enabled: true, port: 7070 },
      readyFile: resolve('ready.json'),
    });
    expect(parseCliArgs(['--no-control'])).to.deep.equal({ cluster: {}, control: { enabled: false, port: 0 } });
  });

  it('--http-credentials (or --http_credentials, as the Mesos agent flag) gives the agents their own credentials', () => {
    const file = join(dir, 'agent-credentials');
    writeFileSync(file, 'agent-ops agent-secret\n');
    for (const flag of ['--http-credentials', '--http_credentials']) {
      const parsed = parseCliArgs([flag, file]);
      expect(parsed !== 'help' && parsed.cluster).to.deep.equal({
        agentHttpCredentials: [{ principal: 'agent-ops', secret: 'agent-secret' }],
      });
    }
    expect(USAGE).to.include('--http-credentials FILE');
    expect(() => parseCliArgs(['--http-credentials', join(dir, 'missing')])).to.throw(/Cannot read credentials file/);
  });

  it('reads the text credentials format: one "principal secret" per line, blank lines skipped', () => {
    const file = join(dir, 'credentials');
    writeFileSync(file, 'alice secret-a\n\n  bob\tsecret-b  \n');
    const parsed = parseCliArgs(['--credentials', file]);
    expect(parsed !== 'help' && parsed.cluster.credentials).to.deep.equal([
      { principal: 'alice', secret: 'secret-a' },
      { principal: 'bob', secret: 'secret-b' },
    ]);
  });

  it('refuses bad credentials files, naming the file and line but never the secret', () => {
    const cases: Array<[string, RegExp]> = [
      ['alice secret-a\nbob has-two words\n', /line 2: expected 'principal secret' \(two words\), got 3/],
      ['{"credentials": [{"principal": "p"}]}', /credentials\[0\]\.secret must be a string/],
      ['{"credentials": {"principal": "p", "secret": "hidden-one"}}', /must hold \{"credentials": \[\.\.\.\]\}/],
      ['{"credentials": [', /is not valid JSON/],
      ['\n\n', /holds no credentials/],
    ];
    for (const [text, error] of cases) {
      expect(() => parseCredentials(text, 'creds.txt'), text).to.throw(MesosConfigError, error);
      try {
        parseCredentials(text, 'creds.txt');
      } catch (err) {
        expect((err as Error).message).not.to.match(/secret-a|has-two|hidden-one/);
      }
    }
    expect(() => parseCliArgs(['--credentials', join(dir, 'missing')])).to.throw(
      MesosConfigError,
      /Cannot read credentials file/,
    );
  });

  it('refuses bad executor environments and numbers with the option named', () => {
    expect(() => parseExecutorEnv(['NOEQUALS'])).to.throw(MesosConfigError, /expected NAME=VALUE/);
    expect(() => parseExecutorEnv(['{"A": 1}'])).to.throw(MesosConfigError, /value of 'A' must be a string/);
    expect(() => parseExecutorEnv(['{"A": '])).to.throw(MesosConfigError, /not a valid JSON object/);
    expect(() => parseExecutorEnv(['1BAD=x'])).to.throw(MesosConfigError, /'1BAD' is not a valid/);
    expect(() => parseCliArgs(['--status-update-retry-ms', 'soon'])).to.throw(
      MesosConfigError,
      "--status-update-retry-ms must be a number, got 'soon'",
    );
    expect(() => parseCliArgs(['--agents', ''])).to.throw(MesosConfigError, '--agents must be a number');
    expect(() => parseCliArgs(['--status-update-retry-ms', '0'])).to.throw(MesosConfigError, 'must be >= 1, got 0');
    expect(() => parseCliArgs(['--simulated-task-ms=-1'])).to.throw(MesosConfigError, 'must be >= 0, got -1');
    expect(() => parseCliArgs(['--task-mode', 'docker'])).to.throw(MesosConfigError, /--task-mode/);
    expect(() => parseCliArgs(['--control-port', '70000'])).to.throw(MesosConfigError, /--control-port/);
    expect(() => parseCliArgs(['stray'])).to.throw(TypeError);
  });

  it('--help documents every option and every control route', () => {
    for (const option of [
      '--work-dir',
      '--credentials',
      '--executor-env',
      '--status-update-retry-ms',
      '--allocation-interval-ms',
      '--simulated-task-ms',
      '--control-port',
      '--no-control',
      '--ready-file',
      'MESOS_LOCAL_CONTROL_TOKEN',
      'Authorization: Bearer',
      '/local/state',
      '/local/faults/failover',
      '/local/faults/kill-leader',
      '/local/faults/lose-agent',
      '/local/faults/restart-agent',
      '/local/faults/kill-executor',
      '/local/faults/drop-subscription',
      '/local/faults/stop-heartbeats',
      'resume-heartbeats',
      '/local/faults/fail-next-calls',
      '/local/faults/latency',
      '/local/faults/reset',
      '/local/agents',
    ])
      expect(USAGE, option).to.include(option);
  });
});

describe('mesos-local control endpoint request checks', () => {
  const token = newControlToken();

  it('makes long random tokens', () => {
    expect(token).to.match(/^[A-Za-z0-9_-]{43}$/);
    expect(newControlToken()).not.to.equal(token);
  });

  it('accepts only loopback Host headers', () => {
    for (const host of ['localhost', 'LOCALHOST:5050', '127.0.0.1', '127.1.2.3:80', '[::1]', '[::1]:8080'])
      expect(isLoopbackHost(host), host).to.equal(true);
    for (const host of [
      'evil.example',
      'localhost.evil.example',
      '127.0.0.1.nip.io',
      '10.0.0.1',
      '[::2]',
      '127.0.0.1:x',
      '',
    ])
      expect(isLoopbackHost(host), host).to.equal(false);
  });

  it('checks Host, then Origin, then the token (Bearer or X-Mesos-Local-Token)', () => {
    const ok = { host: '127.0.0.1:1234', authorization: `Bearer ${token}` };
    expect(checkRequest(ok, token)).to.equal(undefined);
    expect(checkRequest({ host: 'localhost', 'x-mesos-local-token': token }, token)).to.equal(undefined);
    expect(checkRequest({ ...ok, origin: 'http://localhost:3000' }, token)).to.equal(undefined);
    expect(checkRequest({ ...ok, host: 'rebound.example:1234' }, token)).to.deep.include({ status: 403 });
    expect(checkRequest({ authorization: ok.authorization }, token)).to.deep.include({ status: 403 });
    expect(checkRequest({ ...ok, origin: 'https://evil.example' }, token)).to.deep.equal({
      status: 403,
      error: "Requests from origin 'https://evil.example' are refused",
    });
    expect(checkRequest({ ...ok, origin: 'null' }, token)?.status).to.equal(403);
    const missing = checkRequest({ host: 'localhost' }, token);
    expect(missing?.status).to.equal(401);
    expect(missing?.error).to.match(/Missing token/);
    expect(missing?.headers).to.deep.equal({ 'WWW-Authenticate': 'Bearer realm="mesos-local"' });
    const wrong = checkRequest({ host: 'localhost', authorization: `Bearer ${token}x` }, token);
    expect(wrong).to.deep.include({ status: 401, error: 'Wrong token' });
    expect(checkRequest({ host: 'localhost', authorization: `Basic ${token}` }, token)?.status).to.equal(401);
  });

  it('requires JSON for a body and refuses the types a cross-site form can send', () => {
    expect(checkContentType(undefined, 0)).to.equal(undefined);
    expect(checkContentType('application/json; charset=utf-8', 10)).to.equal(undefined);
    expect(checkContentType(undefined, 2)?.status).to.equal(415);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])
      expect(checkContentType(type, 0)?.status, type).to.equal(415);
  });
});

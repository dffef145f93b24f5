/**
 * MESOS_DOMAIN_SOCKET (agent flag --http_executor_domain_sockets): how the executor environment
 * reads it, and what the driver makes of it. No sockets.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { MesosConfigError } from '../../lib/common/errors';
import { MesosExecutorDriver } from '../../lib/driver/executor-driver';
import { parseExecutorEnvironment } from '../../lib/driver/executor-env';
import { ExecutorClient, MAX_SOCKET_PATH_BYTES } from '../../lib/transport/executor-client';
import { fuzz, fuzzRuns } from './helpers/fuzz';

/** The least an agent gives an executor, plus `overrides`. */
const agentEnv = (overrides: Record<string, string> = {}) => ({
  MESOS_AGENT_ENDPOINT: '10.0.0.5:5051',
  MESOS_FRAMEWORK_ID: 'fw-1',
  MESOS_EXECUTOR_ID: 'default',
  MESOS_DIRECTORY: '/sandbox',
  ...overrides,
});

/** Parses `MESOS_DOMAIN_SOCKET: value` with the working directory `cwd`. */
function parse(value: string, cwd = '/home/x') {
  return () => parseExecutorEnvironment(agentEnv({ MESOS_DOMAIN_SOCKET: value }), () => cwd);
}

/** An absolute path of exactly `bytes` bytes. */
function pathOfBytes(bytes: number, dir = '/run/mesos'): string {
  return `${dir}/${'s'.repeat(bytes - dir.length - 1)}`;
}

describe('executor environment: MESOS_DOMAIN_SOCKET', () => {
  it('is absent unless set to something (blank counts as unset, as for the other optional variables)', () => {
    expect(parseExecutorEnvironment(agentEnv())).to.not.have.property('domainSocket');
    expect(parseExecutorEnvironment(agentEnv({ MESOS_DOMAIN_SOCKET: '  ' }))).to.not.have.property('domainSocket');
  });

  it('keeps an absolute path that fits a socket address, up to the last byte', () => {
    const env = parseExecutorEnvironment(agentEnv({ MESOS_DOMAIN_SOCKET: '/var/run/mesos/agent.sock' }));
    expect(env.domainSocket).to.equal('/var/run/mesos/agent.sock');
    const longest = pathOfBytes(MAX_SOCKET_PATH_BYTES);
    expect(parseExecutorEnvironment(agentEnv({ MESOS_DOMAIN_SOCKET: longest })).domainSocket).to.equal(longest);
    // The agent URL stays what MESOS_AGENT_ENDPOINT says.
    expect(env.agentUrl).to.equal('http://10.0.0.5:5051');
  });

  it('refuses a relative path and a NUL byte, naming the variable', () => {
    expect(parse('agent.sock')).to.throw(MesosConfigError, /MESOS_DOMAIN_SOCKET must be an absolute path/);
    expect(parse('/run/a\0b.sock')).to.throw(MesosConfigError, /MESOS_DOMAIN_SOCKET must not contain a NUL/);
  });

  it('a path too long for sun_path is used relative to the working directory when that fits (as libmesos)', () => {
    const dir = `/var/lib/mesos/${'d'.repeat(100)}`;
    expect(parse(`${dir}/agent.sock`, `${dir}/sandbox`)().domainSocket).to.equal('./../agent.sock');
  });

  it('a path too long even relative to the working directory is refused, counting bytes not characters', () => {
    expect(parse(pathOfBytes(MAX_SOCKET_PATH_BYTES + 1))).to.throw(MesosConfigError, /MESOS_DOMAIN_SOCKET is too long/);
    // 40 characters of 3 bytes each: 120 bytes.
    const wide = `/run/${'€'.repeat(40)}`;
    expect(wide.length).to.be.below(MAX_SOCKET_PATH_BYTES);
    expect(parse(wide)).to.throw(MesosConfigError, /MESOS_DOMAIN_SOCKET is too long/);
  });

  it('fuzz: any value gives a usable socket path (absolute or ./relative, fits sun_path, no NUL) or a MesosConfigError naming it', () => {
    const segment = fc.oneof(
      fc.string({ maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
      fc.constant('..'),
    );
    const path = fc.array(segment, { maxLength: 8 }).map((parts) => `/${parts.join('/')}`);
    const value = fc.oneof(path, fc.string({ maxLength: 130 }), fc.constantFrom('', ' ', '/', './a.sock', '/\0'));
    fuzz(
      'executor-env MESOS_DOMAIN_SOCKET',
      fuzzRuns(10_000),
      fc.property(value, path, (socket, cwd) => {
        try {
          const parsed = parseExecutorEnvironment(agentEnv({ MESOS_DOMAIN_SOCKET: socket }), () => cwd);
          const got = parsed.domainSocket;
          if (got === undefined) {
            expect(socket.trim()).to.equal('');
            return;
          }
          expect(got.startsWith('/') || got.startsWith('./'), got).to.equal(true);
          expect(Buffer.byteLength(got)).to.be.at.most(MAX_SOCKET_PATH_BYTES);
          expect(got.includes('\0')).to.equal(false);
        } catch (error) {
          expect(error).to.be.instanceOf(MesosConfigError);
          expect((error as Error).message).to.include('MESOS_DOMAIN_SOCKET');
        }
      }),
    );
  });

  it('MesosExecutorDriver fails at construction on a bad MESOS_DOMAIN_SOCKET, and connects through the socket otherwise', () => {
    const executor = {};
    expect(
      () => new MesosExecutorDriver(executor, { environment: agentEnv({ MESOS_DOMAIN_SOCKET: 'relative.sock' }) }),
    ).to.throw(MesosConfigError, /MESOS_DOMAIN_SOCKET/);
    const driver = new MesosExecutorDriver(executor, {
      environment: agentEnv({ MESOS_DOMAIN_SOCKET: '/run/mesos/agent.sock' }),
    });
    const connection = (driver as unknown as { connection: ExecutorClient }).connection;
    expect(connection).to.be.instanceOf(ExecutorClient);
    expect(connection.url).to.equal(
      `http+unix://${encodeURIComponent('/run/mesos/agent.sock')}/slave(1)/api/v1/executor`,
    );
    connection.close();
  });
});

/**
 * The authentication variables of the master string "local" (libmesos's local mode passes them to
 * its master): MESOS_CREDENTIALS (a file the launcher reads), MESOS_AUTHENTICATE_FRAMEWORKS /
 * MESOS_AUTHENTICATE_HTTP_FRAMEWORKS, MESOS_AUTHENTICATE_HTTP_READWRITE (or MESOS_AUTHENTICATE_HTTP)
 * and MESOS_AUTHENTICATE_HTTP_READONLY; a switch without credentials is refused, naming the variable.
 */
import { expect } from 'chai';
import { MesosConfigError } from '../../lib/common/errors';
import { embeddedClusterConfig } from '../../lib/driver/local-master';

describe('master "local": authentication variables', () => {
  it('MESOS_CREDENTIALS alone: the file is passed on, every switch off (Mesos defaults)', () => {
    expect(embeddedClusterConfig({ MESOS_CREDENTIALS: '/etc/mesos/credentials' })).to.deep.equal({
      credentialsFile: '/etc/mesos/credentials',
      authenticateFrameworks: false,
      authenticateHttpReadwrite: false,
      authenticateHttpReadonly: false,
    });
  });

  it('reads each switch, under its Mesos names (true/false, 1/0)', () => {
    const base = { MESOS_CREDENTIALS: 'file:///c.json' };
    const config = (extra: Record<string, string>) => {
      const { authenticateFrameworks, authenticateHttpReadwrite, authenticateHttpReadonly } = embeddedClusterConfig({
        ...base,
        ...extra,
      });
      return [authenticateFrameworks, authenticateHttpReadwrite, authenticateHttpReadonly];
    };
    expect(config({ MESOS_AUTHENTICATE_FRAMEWORKS: 'true' })).to.deep.equal([true, false, false]);
    expect(config({ MESOS_AUTHENTICATE_HTTP_FRAMEWORKS: '1' })).to.deep.equal([true, false, false]);
    expect(config({ MESOS_AUTHENTICATE_HTTP_READWRITE: 'true' })).to.deep.equal([false, true, false]);
    expect(config({ MESOS_AUTHENTICATE_HTTP: 'true' })).to.deep.equal([false, true, false]);
    expect(config({ MESOS_AUTHENTICATE_HTTP_READONLY: 'true', MESOS_AUTHENTICATE_FRAMEWORKS: 'false' })).to.deep.equal([
      false,
      false,
      true,
    ]);
  });

  it('a switch without MESOS_CREDENTIALS, or a value that is not a boolean, is a MesosConfigError naming the variable', () => {
    for (const name of [
      'MESOS_AUTHENTICATE_FRAMEWORKS',
      'MESOS_AUTHENTICATE_HTTP_FRAMEWORKS',
      'MESOS_AUTHENTICATE_HTTP_READWRITE',
      'MESOS_AUTHENTICATE_HTTP_READONLY',
    ]) {
      expect(() => embeddedClusterConfig({ [name]: 'true' })).to.throw(
        MesosConfigError,
        new RegExp(`^${name}=true needs MESOS_CREDENTIALS`),
      );
    }
    expect(() => embeddedClusterConfig({ MESOS_CREDENTIALS: '/c', MESOS_AUTHENTICATE_FRAMEWORKS: 'yes' })).to.throw(
      MesosConfigError,
      /MESOS_AUTHENTICATE_FRAMEWORKS must be true or false/,
    );
    // Switched off, they need nothing.
    expect(embeddedClusterConfig({ MESOS_AUTHENTICATE_FRAMEWORKS: 'false' })).to.deep.equal({});
  });
});

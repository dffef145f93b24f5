/** How LocalCluster's fetcher reads a CommandInfo.URI: its source, its name in the sandbox, and how it is shown. */
import { expect } from 'chai';
import { FetchError } from '../../lib/local/fetcher/fetch-error';
import { outputPathOf, redactUri, sourceOf } from '../../lib/local/fetcher/uri';

function failure(fn: () => unknown): FetchError {
  try {
    fn();
  } catch (err) {
    expect(err).to.be.instanceOf(FetchError);
    return err as FetchError;
  }
  throw new Error('expected a FetchError');
}

describe('fetcher URIs', () => {
  it('reads absolute paths and file:// URLs as local files, http(s) as downloads', () => {
    expect(sourceOf('/opt/app/run.sh')).to.deep.equal({ kind: 'local', path: '/opt/app/run.sh' });
    expect(sourceOf('  /opt/app/run.sh')).to.deep.equal({ kind: 'local', path: '/opt/app/run.sh' });
    expect(sourceOf('file:///opt/a.tgz')).to.deep.equal({ kind: 'local', path: '/opt/a.tgz' });
    expect(sourceOf('file://localhost/opt/a.tgz')).to.deep.equal({ kind: 'local', path: '/opt/a.tgz' });
    const net = sourceOf('http://127.0.0.1:8080/files/a.tgz');
    expect(net.kind).to.equal('net');
    expect(net.kind === 'net' && net.url.href).to.equal('http://127.0.0.1:8080/files/a.tgz');
    expect(sourceOf('HTTPS://example.test/x').kind).to.equal('net');
  });

  it('refuses what Mesos refuses, and schemes a single machine cannot serve, naming why', () => {
    expect(failure(() => sourceOf('bin/run.sh')).message).to.contain('A relative path was passed for the resource');
    expect(failure(() => sourceOf('file://host/opt/a')).message).to.equal('File URI only supports absolute paths');
    expect(failure(() => sourceOf("/tmp/it's")).message).to.equal('Illegal characters in URI');
    expect(failure(() => sourceOf('hdfs://nn/a.tgz')).message).to.contain("Unsupported URI scheme 'hdfs://'");
    expect(failure(() => sourceOf('ftp://h/a')).message).to.contain("'ftp://'");
  });

  it('names the fetched file after output_file, or the last segment of the path (no query string)', () => {
    expect(outputPathOf({ value: '/opt/app/run.sh' })).to.equal('run.sh');
    expect(outputPathOf({ value: 'http://h:1/d/app.tar.gz?token=abc#x' })).to.equal('app.tar.gz');
    expect(outputPathOf({ value: 'http://h/d/my%20app.sh' })).to.equal('my app.sh');
    expect(outputPathOf({ value: 'http://h/x', output_file: 'bin/tool' })).to.equal('bin/tool');
    expect(outputPathOf({ value: 'http://h/x', output_file: './a/../tool' })).to.equal('tool');
  });

  it('refuses an output_file outside the sandbox and a URL without a file name', () => {
    expect(failure(() => outputPathOf({ value: '/a', output_file: '/etc/passwd' })).message).to.equal(
      'URI output file must be within the sandbox directory',
    );
    expect(failure(() => outputPathOf({ value: '/a', output_file: '../up' })).message).to.contain('within the sandbox');
    expect(failure(() => outputPathOf({ value: '/a', output_file: '' })).message).to.equal(
      'URI output file path is empty',
    );
    expect(failure(() => outputPathOf({ value: 'http://h/' })).message).to.equal('Malformed URI (missing path)');
    expect(failure(() => outputPathOf({ value: 'http://h' })).message).to.equal('Malformed URI (missing path)');
    expect(failure(() => outputPathOf({ value: '/dir/' })).message).to.equal('Malformed URI (missing path)');
  });

  it('shows a URI without its user information', () => {
    expect(redactUri('http://user:s3cret@127.0.0.1:99/a.tgz')).to.equal('http://127.0.0.1:99/a.tgz');
    expect(redactUri('https://token@host/p?q=1')).to.equal('https://host/p?q=1');
    expect(redactUri('/opt/a@b/c')).to.equal('/opt/a@b/c');
    expect(redactUri('http://host/a@b')).to.equal('http://host/a@b');
  });
});

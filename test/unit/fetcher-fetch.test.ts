/**
 * The fetcher on local files (no sockets): each archive type extracted into the sandbox,
 * `executable`, `extract: false`, `output_file`, the cache, and failures that name the URI.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import type { CommandInfo } from '../../lib/codec/messages';
import { Fetcher } from '../../lib/local/fetcher/fetch';
import { FetchError } from '../../lib/local/fetcher/fetch-error';

describe('Fetcher (local files)', function () {
  this.timeout(10_000);
  let root: string;
  let sources: string;
  let sandbox: string;
  let notes: string[];
  let fetcher: Fetcher;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'fetcher-'));
    sources = join(root, 'sources');
    sandbox = join(root, 'sandbox');
    mkdirSync(sources);
    mkdirSync(sandbox);
    notes = [];
    fetcher = new Fetcher({ cacheDir: join(root, 'cache') });
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const fetch = (uris: CommandInfo.URI[], signal = new AbortController().signal) =>
    fetcher.fetchAll(uris, sandbox, signal, (line) => notes.push(line));

  async function failure(uris: CommandInfo.URI[]): Promise<FetchError> {
    try {
      await fetch(uris);
    } catch (err) {
      expect(err).to.be.instanceOf(FetchError);
      return err as FetchError;
    }
    throw new Error('expected the fetch to fail');
  }

  /** An archive of `kind` holding `<kind-name>/inside.txt`, made with the system's tools. */
  function archive(name: string): string {
    const content = join(root, `content-${name}`);
    const dir = `dir-${name.replace(/\W/g, '_')}`;
    mkdirSync(join(content, dir), { recursive: true });
    writeFileSync(join(content, dir, 'inside.txt'), `from ${name}\n`);
    const file = join(sources, name);
    if (name.endsWith('.zip')) execFileSync('zip', ['-qr', file, dir], { cwd: content });
    else if (name.endsWith('.bz2') || name.endsWith('.tbz2'))
      execFileSync('tar', ['-cjf', file, dir], { cwd: content });
    else if (name.endsWith('.xz') || name.endsWith('.txz')) execFileSync('tar', ['-cJf', file, dir], { cwd: content });
    else if (name.endsWith('gz')) execFileSync('tar', ['-czf', file, dir], { cwd: content });
    else execFileSync('tar', ['-cf', file, dir], { cwd: content });
    return dir;
  }

  it('extracts .tar, .tar.gz, .tgz, .tar.bz2, .tbz2, .tar.xz, .txz and .zip into the sandbox, keeping the archive', async () => {
    const names = ['a.tar', 'b.tar.gz', 'c.tgz', 'd.tar.bz2', 'e.tbz2', 'f.tar.xz', 'g.txz', 'h.zip'];
    const dirs = names.map(archive);
    await fetch(names.map((name) => ({ value: join(sources, name) })));
    names.forEach((name, i) => {
      expect(readFileSync(join(sandbox, dirs[i] as string, 'inside.txt'), 'utf8'), name).to.equal(`from ${name}\n`);
      expect(statSync(join(sandbox, name)).isFile(), name).to.equal(true);
    });
    expect(notes.filter((line) => line.startsWith('Extracted'))).to.have.length(names.length);
  });

  it('decompresses a bare .gz file next to itself', async () => {
    writeFileSync(join(sources, 'notes.txt.gz'), gzipSync('plain text\n'));
    await fetch([{ value: `file://${join(sources, 'notes.txt.gz')}` }]);
    expect(readFileSync(join(sandbox, 'notes.txt'), 'utf8')).to.equal('plain text\n');
  });

  it('copies without extracting when extract is false, and makes executable files without extracting them', async () => {
    const dir = archive('keep.tar.gz');
    writeFileSync(join(sources, 'run.sh'), '#!/bin/sh\necho ran\n', { mode: 0o644 });
    await fetch([
      { value: join(sources, 'keep.tar.gz'), extract: false },
      { value: join(sources, 'run.sh'), executable: true },
    ]);
    expect(statSync(join(sandbox, 'keep.tar.gz')).isFile()).to.equal(true);
    expect(() => statSync(join(sandbox, dir))).to.throw();
    expect(statSync(join(sandbox, 'run.sh')).mode & 0o777).to.equal(0o755);
    expect(execFileSync(join(sandbox, 'run.sh'), { cwd: sandbox }).toString()).to.equal('ran\n');
  });

  it('an executable archive is only made executable (executable wins over extract, as in Mesos)', async () => {
    const dir = archive('tool.tgz');
    await fetch([{ value: join(sources, 'tool.tgz'), executable: true }]);
    expect(statSync(join(sandbox, 'tool.tgz')).mode & 0o111).to.not.equal(0);
    expect(() => statSync(join(sandbox, dir))).to.throw();
  });

  it('names the file after output_file, creating its directories; the extension of output_file decides extraction', async () => {
    writeFileSync(join(sources, 'blob'), 'bytes');
    const dir = archive('payload.tar');
    await fetch([
      { value: join(sources, 'blob'), output_file: 'conf/app/settings.json' },
      { value: join(sources, 'payload.tar'), output_file: 'renamed.bin' },
    ]);
    expect(readFileSync(join(sandbox, 'conf/app/settings.json'), 'utf8')).to.equal('bytes');
    expect(statSync(join(sandbox, 'renamed.bin')).isFile()).to.equal(true);
    expect(() => statSync(join(sandbox, dir))).to.throw();
  });

  it('with cache, fetches a URI once per agent and serves later fetches from the cache', async () => {
    writeFileSync(join(sources, 'lib.jar'), 'v1');
    await fetch([{ value: join(sources, 'lib.jar'), cache: true }]);
    unlinkSync(join(sources, 'lib.jar'));
    rmSync(join(sandbox, 'lib.jar'));
    await fetch([{ value: join(sources, 'lib.jar'), cache: true }]);
    expect(readFileSync(join(sandbox, 'lib.jar'), 'utf8')).to.equal('v1');
    // Without cache the file is fetched again, and is gone.
    const err = await failure([{ value: join(sources, 'lib.jar') }]);
    expect(err.message).to.contain('no such file');
  });

  it('fails naming the URI and the cause: a missing file, a bad archive, a relative path', async () => {
    const missing = await failure([{ value: join(sources, 'absent.tgz') }]);
    expect(missing.message).to.equal(
      `Failed to fetch '${join(sources, 'absent.tgz')}': Failed to copy '${join(sources, 'absent.tgz')}': no such file`,
    );
    writeFileSync(join(sources, 'broken.tar.gz'), 'this is not gzip');
    const broken = await failure([{ value: join(sources, 'broken.tar.gz') }]);
    expect(broken.message).to.match(
      /^Failed to fetch '.*broken\.tar\.gz': Failed to extract archive 'broken\.tar\.gz': 'tar' failed: /,
    );
    writeFileSync(join(sources, 'broken.zip'), 'not a zip');
    const badZip = await failure([{ value: join(sources, 'broken.zip') }]);
    expect(badZip.message).to.contain("Failed to extract archive 'broken.zip': 'unzip' failed");
    const relative = await failure([{ value: 'bin/run.sh' }]);
    expect(relative.message).to.contain("Failed to fetch 'bin/run.sh': A relative path was passed");
    expect(notes.some((line) => line.startsWith("Failed to fetch 'bin/run.sh'"))).to.equal(true);
  });

  it('stops at the first failing URI, and does nothing once aborted', async () => {
    writeFileSync(join(sources, 'one'), '1');
    writeFileSync(join(sources, 'three'), '3');
    await failure([
      { value: join(sources, 'one') },
      { value: join(sources, 'two') },
      { value: join(sources, 'three') },
    ]);
    expect(statSync(join(sandbox, 'one')).isFile()).to.equal(true);
    expect(() => statSync(join(sandbox, 'three'))).to.throw();
    const controller = new AbortController();
    controller.abort();
    const aborted = await fetch([{ value: join(sources, 'three') }], controller.signal).catch((err: Error) => err);
    expect((aborted as Error).message).to.equal(`Failed to fetch '${join(sources, 'three')}': Fetch aborted`);
  });
});

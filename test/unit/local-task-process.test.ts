/** startInSandbox: a process that starts only after its preparation (the fetch), which a signal aborts. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { type SandboxedProcess, startInSandbox } from '../../lib/local/task-process';

describe('startInSandbox', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'start-in-sandbox-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin' };

  it('without a preparation, spawns at once and calls onSpawn synchronously', async () => {
    const spawned: SandboxedProcess[] = [];
    const child = startInSandbox({ value: 'exit 0' }, { sandbox: root, env, onSpawn: (c) => spawned.push(c) });
    expect(spawned).to.deep.equal([child]);
    expect(child.pid).to.be.a('number');
    expect((await child.exited).code).to.equal(0);
  });

  it('spawns after the preparation, in the sandbox it created', async () => {
    const sandbox = join(root, 'new');
    let spawnedAt = 0;
    let preparedAt = 0;
    const child = startInSandbox(
      { value: 'test -f stdout' },
      {
        sandbox,
        env,
        prepare: async () => {
          expect(existsSync(sandbox)).to.equal(true);
          await new Promise((resolve) => setTimeout(resolve, 20));
          preparedAt = Date.now();
        },
        onSpawn: () => {
          spawnedAt = Date.now();
        },
      },
    );
    expect(child.pid).to.equal(undefined);
    expect(child.hasExited).to.equal(false);
    const exit = await child.exited;
    expect(exit.code).to.equal(0);
    expect(spawnedAt).to.be.at.least(preparedAt).and.above(0);
    expect(child.hasExited).to.equal(true);
  });

  it('a failed preparation ends it as a launch failure, and the command never runs', async () => {
    let spawned = false;
    const child = startInSandbox(
      { value: 'touch ran' },
      {
        sandbox: root,
        env,
        prepare: async () => {
          throw new Error("Failed to fetch 'http://x/y': 404");
        },
        describe: (err) => `Failed to launch container: ${err.message}`,
        onSpawn: () => {
          spawned = true;
        },
      },
    );
    const exit = await child.exited;
    expect(exit).to.include({
      code: 1,
      signal: null,
      launchFailure: "Failed to launch container: Failed to fetch 'http://x/y': 404",
    });
    expect(exit.error?.message).to.contain('404');
    expect(spawned).to.equal(false);
    expect(existsSync(join(root, 'ran'))).to.equal(false);
    expect(child.signalGroup('SIGKILL')).to.equal(false);
  });

  it('a signal during the preparation aborts it; the handle exits with that signal', async () => {
    let seen: AbortSignal | undefined;
    const child = startInSandbox(
      { value: 'touch ran' },
      {
        sandbox: root,
        env,
        prepare: (signal) => {
          seen = signal;
          return new Promise((_resolve, reject) =>
            signal.addEventListener('abort', () => reject(new Error('aborted'))),
          );
        },
      },
    );
    expect(child.signalGroup('SIGTERM')).to.equal(true);
    const exit = await child.exited;
    expect(exit).to.deep.equal({ waitStatus: 15, code: null, signal: 'SIGTERM' });
    expect(seen?.aborted).to.equal(true);
    expect(existsSync(join(root, 'ran'))).to.equal(false);
  });
});

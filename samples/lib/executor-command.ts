/** Finds samples/test-executor: from the build when it exists, else from source (run through tsx). */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { MesosConfigError } from '../../lib';

/**
 * The absolute path of the test executor script. Looks in `helperDir` (Mesos's `MESOS_HELPER_DIR`)
 * when given, else next to this sample and in the repository's `dist/samples` and `samples`:
 * `test-executor.js` first (plain node), then `test-executor.ts` (node with the tsx loader).
 * `nodeExecutorCommand` turns it into the executor's command.
 */
export function testExecutorScript(helperDir?: string): string {
  const here = resolve(__dirname, '..');
  const repo = here.endsWith(join('dist', 'samples')) ? resolve(here, '..', '..') : resolve(here, '..');
  const folders = helperDir ? [resolve(helperDir)] : [here, join(repo, 'dist', 'samples'), join(repo, 'samples')];
  for (const name of ['test-executor.js', 'test-executor.ts']) {
    for (const folder of folders) if (existsSync(join(folder, name))) return join(folder, name);
  }
  throw new MesosConfigError(`Cannot find test-executor.js or test-executor.ts in ${folders.join(', ')}`);
}

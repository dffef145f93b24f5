/** Finds how to start samples/test-executor: from the build when it exists, else from source through tsx. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MesosConfigError } from '../../lib';

/** Quotes `text` for `sh -c`. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The shell command that runs the test executor. Looks in `helperDir` (Mesos's `MESOS_HELPER_DIR`)
 * when given, else next to this sample and in the repository's `dist/samples` and `samples`:
 * `test-executor.js` runs with plain node, `test-executor.ts` with node and the tsx loader
 * (by absolute path, because the agent starts executors in their sandbox directory).
 */
export function testExecutorCommand(helperDir?: string): string {
  const here = resolve(__dirname, '..');
  const repo = here.endsWith(join('dist', 'samples')) ? resolve(here, '..', '..') : resolve(here, '..');
  const folders = helperDir ? [resolve(helperDir)] : [here, join(repo, 'dist', 'samples'), join(repo, 'samples')];
  const node = shellQuote(process.execPath);
  for (const folder of folders) {
    const built = join(folder, 'test-executor.js');
    if (existsSync(built)) return `${node} ${shellQuote(built)}`;
  }
  for (const folder of folders) {
    const source = join(folder, 'test-executor.ts');
    if (existsSync(source)) return `${node} --import ${shellQuote(tsxLoader())} ${shellQuote(source)}`;
  }
  throw new MesosConfigError(`Cannot find test-executor.js or test-executor.ts in ${folders.join(', ')}`);
}

function tsxLoader(): string {
  try {
    return pathToFileURL(join(dirname(require.resolve('tsx/package.json')), 'dist', 'loader.mjs')).href;
  } catch (err) {
    throw new MesosConfigError(
      'Running test-executor.ts needs the tsx package (npm install), or build first (npm run build)',
      { cause: err },
    );
  }
}

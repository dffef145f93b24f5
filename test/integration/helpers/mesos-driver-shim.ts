/** An installed-looking `mesos-driver` package that loads this repository's sources (no build needed). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..', '..');

/**
 * Writes `<dir>/node_modules/mesos-driver` (package.json and an index.js that registers tsx and
 * requires lib/index.ts) and returns the `node_modules` folder, for NODE_PATH.
 */
export function installMesosDriverShim(dir: string): string {
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, 'mesos-driver'), { recursive: true });
  writeFileSync(join(modules, 'mesos-driver', 'package.json'), '{"name":"mesos-driver","main":"index.js"}');
  writeFileSync(
    join(modules, 'mesos-driver', 'index.js'),
    `require(${JSON.stringify(require.resolve('tsx/cjs'))});\n` +
      `module.exports = require(${JSON.stringify(join(REPO, 'lib', 'index.ts'))});\n`,
  );
  return modules;
}

/**
 * Packs ./test-executor into what ./test-framework.ts ships through CommandInfo.uris: one bundled
 * `test-executor.js` (the executor and the library, made by esbuild) and the library's `proto/`
 * folder beside it (the codec reads the Mesos schema from there), in `test-executor.tar.gz`. The
 * agent's fetcher extracts the archive into the sandbox, where `node test-executor.js` runs.
 *
 *   npx tsx samples/python-port/bundle.ts DIR     # writes DIR/test-executor.tar.gz and prints its path
 *
 * Put the archive where your agents can fetch it (an http:// URL) and give its URI to the
 * framework as MESOS_EXAMPLE_EXECUTOR_URI; without it the framework bundles one for itself.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { MesosConfigError } from '../../lib';

/** The name of the archive, and of the script inside it. */
export const EXECUTOR_ARCHIVE = 'test-executor.tar.gz';
export const EXECUTOR_SCRIPT = 'test-executor.js';

/** The repository's proto/ folder, seen from samples/python-port or dist/samples/python-port. */
function protoFolder(): string {
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'proto', 'mesos', 'v1', 'mesos.proto'))) return join(dir, 'proto');
  }
  throw new MesosConfigError(`bundle: cannot find the proto/ folder above ${__dirname}`);
}

/** Bundles the executor into `outDir` and returns the absolute path of the archive. */
export async function bundleExecutor(outDir: string): Promise<string> {
  const entry = ['test-executor.ts', 'test-executor.js'].map((name) => join(__dirname, name)).find(existsSync);
  if (!entry) throw new MesosConfigError(`bundle: no test-executor.ts or .js in ${__dirname}`);
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (err) {
    throw new MesosConfigError('bundle: needs the esbuild package (npm install --save-dev esbuild)', { cause: err });
  }
  const stage = mkdtempSync(join(resolve(outDir), '.stage-'));
  try {
    await esbuild.build({
      entryPoints: [entry],
      outfile: join(stage, EXECUTOR_SCRIPT),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
    });
    mkdirSync(join(stage, 'proto'));
    cpSync(join(protoFolder(), 'mesos'), join(stage, 'proto', 'mesos'), { recursive: true });
    const archive = join(resolve(outDir), EXECUTOR_ARCHIVE);
    execFileSync('tar', ['-czf', archive, '-C', stage, EXECUTOR_SCRIPT, 'proto']);
    return archive;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const outDir = process.argv[2];
  if (!outDir) {
    console.error('Usage: bundle.ts DIR');
    process.exit(1);
  }
  mkdirSync(outDir, { recursive: true });
  bundleExecutor(outDir).then(
    (archive) => console.log(archive),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}

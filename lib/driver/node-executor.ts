/**
 * Builds the `CommandInfo` (and `ExecutorInfo`) that starts an executor written in JavaScript or
 * TypeScript, so `ExecutorInfo.command` is one call.
 *
 * The agent starts an executor in its sandbox (the working directory) with only the environment
 * it is given, so the command must not depend on the framework's working directory or PATH: the
 * node binary and a local script are absolute paths, a `.ts` script gets the tsx loader by
 * absolute URL, and NODE_PATH names the `node_modules` folder that holds `mesos-driver`, so a
 * script fetched into the sandbox through `CommandInfo.uris` can still `require('mesos-driver')`.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommandInfo, ExecutorID, ExecutorInfo, Resource } from '../codec/messages';
import { MesosConfigError } from '../common/errors';

/** How a `.ts`/`.mts`/`.cts` executor is run. */
export type TypeScriptLoader =
  /** `node --import <tsx loader>`: needs the `tsx` package where the framework runs (npm i -D tsx). */
  | 'tsx'
  /** Plain `node`: Node 23.6+ strips types itself (on 22.6+ add `--experimental-strip-types` to `nodeArgs`). */
  | 'node';

/** Options of {@link nodeExecutorCommand}. */
export interface NodeExecutorOptions {
  /**
   * The executor script (`.js`, `.cjs`, `.mjs`, `.ts`, `.mts`, `.cts`). Without `uri`: a path on
   * this machine, made absolute against `process.cwd()`, which must exist. With `uri`: the path
   * of the script inside the sandbox once fetched (default: the name the URI is fetched to; give
   * it when the URI is an archive, e.g. `bundle/executor.js`).
   */
  script?: string;
  /**
   * Ship the script through `CommandInfo.uris`: the URI (an `http(s)://` URL, `file://` URL or a
   * path the agent can read) is fetched into the sandbox and the command runs the script there,
   * relative to the sandbox. A string becomes `{ value, extract: false }` unless it names an archive.
   * A bundle (one .js file holding the library) needs the library's `proto/` folder beside it:
   * ship both in one archive (`executor.js` and `proto/` at its top, `script: 'executor.js'`).
   */
  uri?: string | CommandInfo.URI;
  /** More URIs to fetch into the sandbox (data files, a `node_modules` archive...). */
  uris?: CommandInfo.URI[];
  /** Arguments after the script. */
  args?: string[];
  /** Node flags before the script, e.g. `['--enable-source-maps', '--max-old-space-size=256']`. */
  nodeArgs?: string[];
  /**
   * The node binary. @default `process.execPath` (right when the agent runs on this machine, as
   * LocalCluster's do; on a real cluster give the path of node on the agents, e.g. `/usr/bin/node`).
   */
  node?: string;
  /** How a TypeScript script runs. @default 'tsx' */
  typescript?: TypeScriptLoader;
  /**
   * Folders for NODE_PATH, so `require('mesos-driver')` (and the other packages there) resolve
   * from a script in the sandbox. @default the `node_modules` folder holding `mesos-driver`, as
   * found from `process.cwd()` upwards or from this package's own location; `false`: no NODE_PATH.
   * NODE_PATH serves `require()` only: an ES module (`.mjs`, `import`) executor shipped through
   * URIs should be bundled.
   */
  nodePath?: string[] | false;
  /** More environment variables of the executor (the agent adds the MESOS_* ones). */
  environment?: Record<string, string>;
}

const JS_EXTENSIONS = new Set(['.js', '.cjs', '.mjs']);
const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts']);
const ARCHIVE = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|txz|zip|gz|bz2|xz)$/i;

function scriptExtension(script: string): string {
  const ext = extname(script).toLowerCase();
  if (JS_EXTENSIONS.has(ext) || TS_EXTENSIONS.has(ext)) return ext;
  throw new MesosConfigError(`nodeExecutorCommand: script '${script}' must end in .js, .cjs, .mjs, .ts, .mts or .cts`);
}

/** The URI as Mesos takes it; a bare string is fetched as is (extracted only when it names an archive). */
function toUri(uri: string | CommandInfo.URI): CommandInfo.URI {
  if (typeof uri === 'string') {
    if (uri === '') throw new MesosConfigError('nodeExecutorCommand: uri is empty');
    return ARCHIVE.test(uri.replace(/[?#].*$/, '')) ? { value: uri } : { value: uri, extract: false };
  }
  if (uri === null || typeof uri !== 'object' || typeof uri.value !== 'string' || uri.value === '') {
    throw new MesosConfigError('nodeExecutorCommand: uri must be a string or a CommandInfo.URI with a value');
  }
  return uri;
}

/** The name a URI is fetched to in the sandbox (its output_file, else the last segment of its path). */
function fetchedName(uri: CommandInfo.URI): string {
  if (uri.output_file) return uri.output_file;
  let path = uri.value.replace(/[?#].*$/, '');
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) {
    try {
      path = decodeURIComponent(new URL(path).pathname);
    } catch (err) {
      throw new MesosConfigError(`nodeExecutorCommand: uri '${uri.value}' is not a valid URL`, { cause: err });
    }
  }
  const name = basename(path);
  if (name === '' || name === '.' || name === '..') {
    throw new MesosConfigError(`nodeExecutorCommand: cannot tell the file name of uri '${uri.value}': give script`);
  }
  return name;
}

/** The tsx loader (its `--import` entry) as a file URL, resolved where the framework runs. */
function tsxLoaderUrl(): string {
  try {
    return pathToFileURL(require.resolve('tsx', { paths: [process.cwd(), __dirname] })).href;
  } catch (err) {
    throw new MesosConfigError(
      "nodeExecutorCommand: a TypeScript executor needs the 'tsx' package (npm install --save-dev tsx), " +
        "or typescript: 'node' on Node 23.6+, or a compiled .js script",
      { cause: err },
    );
  }
}

/** The `node_modules` folder that holds `mesos-driver`, seen from `from` upwards, then from this file. */
export function findNodePath(from: string = process.cwd()): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', 'mesos-driver', 'package.json'))) return join(dir, 'node_modules');
    if (dirname(dir) === dir) break;
  }
  // This file is <modules>/mesos-driver/{lib,dist/lib}/driver/node-executor.*.
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const parent = dirname(dir);
      return basename(parent) === 'node_modules' && basename(dir) === 'mesos-driver' ? parent : undefined;
    }
  }
  return undefined;
}

/**
 * The `CommandInfo` that runs a Node executor: `shell: false`, `value` the node binary and
 * `arguments` its argv (`node [nodeArgs] [--import <tsx>] <script> [args]`), `uris` the shipped
 * script and extra files, and `environment` NODE_PATH plus `options.environment`.
 * @throws MesosConfigError for a missing script, an unknown extension, or a `.ts` script
 * without tsx.
 */
export function nodeExecutorCommand(options: NodeExecutorOptions): CommandInfo {
  if (options === null || typeof options !== 'object') {
    throw new MesosConfigError('nodeExecutorCommand needs an options object with a script or a uri');
  }
  const shipped = options.uri === undefined ? undefined : toUri(options.uri);
  let script: string;
  if (shipped !== undefined) {
    script = options.script ?? fetchedName(shipped);
    if (isAbsolute(script)) {
      throw new MesosConfigError(`nodeExecutorCommand: with uri, script is a path inside the sandbox, not '${script}'`);
    }
  } else {
    if (typeof options.script !== 'string' || options.script === '') {
      throw new MesosConfigError('nodeExecutorCommand needs script (a path) or uri');
    }
    script = resolve(options.script);
    if (!existsSync(script)) throw new MesosConfigError(`nodeExecutorCommand: script ${script} does not exist`);
  }
  const ext = scriptExtension(script);

  const node = options.node ?? process.execPath;
  const argv = [node, ...(options.nodeArgs ?? [])];
  if (TS_EXTENSIONS.has(ext) && (options.typescript ?? 'tsx') === 'tsx') argv.push('--import', tsxLoaderUrl());
  argv.push(script, ...(options.args ?? []));

  const env: Record<string, string> = {};
  const nodePath = options.nodePath === undefined ? [findNodePath()].filter((p) => p !== undefined) : options.nodePath;
  if (nodePath !== false && nodePath.length > 0) env.NODE_PATH = nodePath.map((p) => resolve(p)).join(':');
  Object.assign(env, options.environment);

  const uris = [...(shipped ? [shipped] : []), ...(options.uris ?? [])];
  const variables = Object.entries(env).map(([name, value]) => ({ name, type: 'VALUE' as const, value }));
  return {
    shell: false,
    value: node,
    arguments: argv,
    ...(uris.length > 0 && { uris }),
    ...(variables.length > 0 && { environment: { variables } }),
  };
}

/** Options of {@link nodeExecutorInfo}: the command's, plus the ExecutorInfo's own fields. */
export interface NodeExecutorInfoOptions extends NodeExecutorOptions {
  /** ExecutorInfo.name. */
  name?: string;
  /** Resources of the executor itself (beyond its tasks'). */
  resources?: Resource[];
}

/** An `ExecutorInfo` whose command is {@link nodeExecutorCommand}`(options)`. */
export function nodeExecutorInfo(executorId: string | ExecutorID, options: NodeExecutorInfoOptions): ExecutorInfo {
  const id = typeof executorId === 'string' ? { value: executorId } : executorId;
  if (!id || typeof id.value !== 'string' || id.value === '') {
    throw new MesosConfigError('nodeExecutorInfo needs a non-empty executor id');
  }
  const { name, resources, ...command } = options;
  return {
    executor_id: id,
    ...(name !== undefined && { name }),
    ...(resources !== undefined && { resources }),
    command: nodeExecutorCommand(command),
  };
}

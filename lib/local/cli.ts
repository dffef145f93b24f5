#!/usr/bin/env node
/**
 * `mesos-local`: serves a LocalCluster on 127.0.0.1 until SIGINT/SIGTERM, for clients in any language,
 * with a token-protected control endpoint for fault injection (lib/local/control/). Prints the master
 * URL, the master string, the work directory and the control endpoint with its token on stdout.
 * Options are parsed in lib/local/cli-options.ts (`mesos-local --help` lists them).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { MesosConfigError } from '../common/errors';
import { type CliOptions, parseCliArgs, USAGE } from './cli-options';
import { LocalCluster } from './cluster';
import { LocalControlServer } from './control/server';

export { parseCliArgs } from './cli-options';

function print(line: string): void {
  process.stdout.write(`mesos-local: ${line}\n`);
}

async function serve(options: CliOptions): Promise<void> {
  if (options.cluster.workDir) mkdirSync(options.cluster.workDir, { recursive: true });
  const cluster = await LocalCluster.start({ ...options.cluster, statusPage: { controls: options.control.enabled } });
  let control: LocalControlServer | undefined;
  try {
    if (options.control.enabled) {
      const token = process.env.MESOS_LOCAL_CONTROL_TOKEN || undefined;
      control = await LocalControlServer.start(cluster, { port: options.control.port, ...(token ? { token } : {}) });
    }
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  print(`master at ${cluster.masterUrl}`);
  print(`master string ${cluster.masterString}`);
  print(`status page at ${cluster.masterUrl}/ (open it in a browser; loopback only)`);
  const agentApis = cluster.agents.map((agent) => `${agent.url}/api/v1`).join(' ');
  print(`operator API at ${cluster.masterUrl}/api/v1; agents ${agentApis} (and /files/browse|read|download)`);
  if (options.cluster.credentials)
    print(`frameworks must authenticate (${options.cluster.credentials.length} principal(s))`);
  const realms = [
    options.cluster.authenticateHttpReadwrite ? 'readwrite (/api/v1, status page controls)' : '',
    options.cluster.authenticateHttpReadonly ? 'readonly (/state, /files/*, status page data)' : '',
  ].filter(Boolean);
  if (realms.length > 0) print(`HTTP Basic authentication required on ${realms.join(' and ')}`);
  print(
    options.cluster.workDir
      ? `work dir ${options.cluster.workDir} (sandboxes are kept after exit)`
      : 'work dir: a temporary folder, removed at exit (keep sandboxes with --work-dir DIR)',
  );
  if (control) {
    print(`control at ${control.url}`);
    print(`control token ${control.token}`);
  }
  if (options.readyFile) {
    const ready = {
      master: cluster.masterUrl,
      masterString: cluster.masterString,
      workDir: options.cluster.workDir ?? null,
      control: control?.url ?? null,
      token: control?.token ?? null,
    };
    writeFileSync(options.readyFile, `${JSON.stringify(ready)}\n`, { mode: 0o600 });
  }

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    print(`${signal}, stopping`);
    Promise.all([control?.stop(), cluster.stop()]).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`mesos-local: stop failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  // Keep serving: the servers' sockets keep the event loop alive.
}

async function main(): Promise<void> {
  let options: CliOptions | 'help';
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    const usage = err instanceof MesosConfigError ? ' (mesos-local --help lists the options)' : `\n${USAGE}`;
    process.stderr.write(`mesos-local: ${(err as Error).message}${usage}\n`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  await serve(options);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`mesos-local: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

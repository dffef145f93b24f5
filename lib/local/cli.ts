#!/usr/bin/env node
/**
 * `mesos-local`: serves a LocalCluster on 127.0.0.1 until SIGINT/SIGTERM, for clients in any language.
 * Prints the master URL (and the master string to give drivers) on stdout.
 */
import { parseArgs } from 'node:util';
import { MesosConfigError } from '../common/errors';
import { LocalCluster, type LocalClusterOptions } from './cluster';

const USAGE = `Usage: mesos-local [options]
  --port N                 port of the first master (default: a free port)
  --masters N              number of masters (default 1)
  --agents N               number of agents (default 1)
  --resources TEXT         agent resources, Mesos --resources syntax
  --attributes TEXT        agent attributes, Mesos --attributes syntax
  --roles a,b              the master's role whitelist
  --zk zk://host:port/path elect masters through ZooKeeper
  --heartbeat-interval S   seconds between HEARTBEAT events (default 15)
  --offer-timeout S        rescind unanswered offers after S seconds
  --task-mode MODE         process (default) or simulated
  --help                   show this help`;

function integer(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) throw new MesosConfigError(`--${name} must be a number, got '${text}'`);
  return value;
}

/** Turns command-line arguments into LocalCluster options; throws MesosConfigError on bad input. */
export function parseCliArgs(argv: string[]): LocalClusterOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      masters: { type: 'string' },
      agents: { type: 'string' },
      resources: { type: 'string' },
      attributes: { type: 'string' },
      roles: { type: 'string' },
      zk: { type: 'string' },
      'heartbeat-interval': { type: 'string' },
      'offer-timeout': { type: 'string' },
      'task-mode': { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const options: LocalClusterOptions = {};
  const port = integer('port', values.port);
  if (port !== undefined) options.port = port;
  const masters = integer('masters', values.masters);
  if (masters !== undefined) options.masters = masters;
  const agents = integer('agents', values.agents);
  if (agents !== undefined) options.agents = agents;
  if (values.resources !== undefined) options.resources = values.resources;
  if (values.attributes !== undefined) options.attributes = values.attributes;
  if (values.roles !== undefined)
    options.roles = values.roles
      .split(',')
      .map((role) => role.trim())
      .filter(Boolean);
  if (values.zk !== undefined) options.zk = values.zk;
  const heartbeat = integer('heartbeat-interval', values['heartbeat-interval']);
  if (heartbeat !== undefined) options.heartbeatIntervalSeconds = heartbeat;
  const offerTimeout = integer('offer-timeout', values['offer-timeout']);
  if (offerTimeout !== undefined) options.offerTimeoutSeconds = offerTimeout;
  if (values['task-mode'] !== undefined) options.taskMode = values['task-mode'] as 'process' | 'simulated';
  return options;
}

async function main(): Promise<void> {
  let options: LocalClusterOptions | 'help';
  try {
    options = parseCliArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`mesos-local: ${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const cluster = await LocalCluster.start(options);
  process.stdout.write(`mesos-local: master at ${cluster.masterUrl}\n`);
  process.stdout.write(`mesos-local: master string ${cluster.masterString}\n`);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`mesos-local: ${signal}, stopping\n`);
    cluster.stop().then(
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

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`mesos-local: ${(err as Error).message}\n`);
    process.exit(1);
  });
}

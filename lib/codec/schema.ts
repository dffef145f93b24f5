/** Loads the Mesos v1 schema from the package's own proto/ folder with protobufjs reflection. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';

/** The .proto files, relative to the proto root, that define everything the APIs reach. */
export const PROTO_FILES = [
  'mesos/v1/mesos.proto',
  'mesos/v1/scheduler/scheduler.proto',
  'mesos/v1/executor/executor.proto',
  'mesos/v1/master/master.proto',
  'mesos/v1/agent/agent.proto',
] as const;

/**
 * Absolute path of the proto/ folder, from source (lib/codec) or from the build (dist/lib/codec);
 * in a bundle (one .js file holding the library, e.g. an executor shipped through URIs), the
 * proto/ folder beside the bundle.
 */
export function protoRoot(): string {
  for (const up of ['../..', '../../..', '.']) {
    const candidate = join(__dirname, up, 'proto');
    if (existsSync(join(candidate, PROTO_FILES[0]))) return candidate;
  }
  throw new Error(`Cannot find the proto/ folder near ${__dirname}`);
}

let cached: protobuf.Root | undefined;

/** The resolved protobufjs Root (proto field names kept), loaded once and shared. */
export function loadSchemaRoot(): protobuf.Root {
  if (cached) return cached;
  const dir = protoRoot();
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => join(dir, target);
  root.loadSync([...PROTO_FILES], { keepCase: true });
  root.resolveAll();
  cached = root;
  return root;
}

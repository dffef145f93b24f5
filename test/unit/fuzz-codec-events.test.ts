/**
 * Fuzzing the decoders of scheduler and executor events, JSON and protobuf (fast-check; counts:
 * test/unit/helpers/fuzz.ts): damaged encodings of real events, random bytes and random JSON
 * values decode to an object or fail with MesosDecodeError, never another error.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { getCodec, TYPE_NAMES, type WireFormat } from '../../lib/codec/codec';
import { MesosDecodeError } from '../../lib/common/errors';
import { damaged, fuzz, fuzzRuns } from './helpers/fuzz';

const FIXTURES = join(__dirname, '..', 'fixtures', 'codec');
const SEEDS: Record<string, string[]> = {
  [TYPE_NAMES.SchedulerEvent]: ['event-error', 'event-offers', 'event-subscribed', 'event-update'],
  [TYPE_NAMES.ExecutorEvent]: ['executor-event-launch'],
};

function fixtures(typeName: string, format: WireFormat): Uint8Array[] {
  return (SEEDS[typeName] ?? []).map((name) =>
    readFileSync(join(FIXTURES, `${name}.${format === 'json' ? 'json' : 'bin'}`)),
  );
}

describe('fuzz: JSON and protobuf events', function () {
  this.timeout(120_000);
  for (const typeName of [TYPE_NAMES.SchedulerEvent, TYPE_NAMES.ExecutorEvent]) {
    for (const format of ['protobuf', 'json'] as const) {
      const label = `${typeName.split('.').slice(-2).join('-').toLowerCase()}-${format}`;
      it(`${typeName} from ${format}: an object or MesosDecodeError`, () => {
        const codec = getCodec<unknown>(typeName, format);
        const valid = fc.constantFrom(...fixtures(typeName, format));
        const inputs: fc.Arbitrary<Uint8Array>[] = [damaged(valid), fc.uint8Array({ maxLength: 200 })];
        if (format === 'json') {
          inputs.push(fc.jsonValue({ maxDepth: 4 }).map((value) => Buffer.from(JSON.stringify(value) ?? 'null')));
          // Valid JSON events with a key or value replaced: wrong types deep in the message.
          inputs.push(
            fc
              .tuple(valid, fc.nat(), fc.jsonValue({ maxDepth: 2 }))
              .map(([bytes, at, value]) => replaceValue(bytes, at, value)),
          );
        }
        fuzz(
          `events ${label}`,
          fuzzRuns(25_000),
          fc.property(fc.oneof(...inputs), (bytes) => {
            try {
              expect(codec.decode(bytes)).to.be.an('object');
            } catch (error) {
              expect(error).to.be.instanceOf(MesosDecodeError);
            }
          }),
        );
      });
    }
  }
});

/** The JSON text with the `at`-th value (in document order) replaced by `value`. */
function replaceValue(bytes: Uint8Array, at: number, value: unknown): Buffer {
  let root: unknown;
  try {
    root = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    // Mesos writes bare Infinity for unlimited scalars, which JSON.parse refuses: leave it whole.
    return Buffer.from(bytes);
  }
  const slots: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = [];
  const walk = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      slots.push({ parent: node as Record<string, unknown>, key: Array.isArray(node) ? Number(key) : key });
      walk(child);
    }
  };
  walk(root);
  const slot = slots[at % Math.max(1, slots.length)];
  if (slot) (slot.parent as Record<string | number, unknown>)[slot.key] = value;
  return Buffer.from(JSON.stringify(root));
}

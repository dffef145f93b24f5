/**
 * The generated straight-line JSON converters (lib/codec/json-converters.ts) against the
 * reflective ones: the same decoded message or the same error (message and field path) for the
 * golden fixtures and for every single damage done to them (wrong types, nulls, numeric strings,
 * unknown keys and enum names, missing fields); and the generated canonicalizers (checks before
 * encoding) against the reflective ones the same way.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { TYPE_NAMES } from '../../lib/codec/codec';
import { FieldPathError } from '../../lib/codec/errors';
import {
  jsonMessageDecoder,
  parseMesosJson,
  reflectiveDecoder,
  reflectiveJsonObject,
  toMesosJsonObject,
} from '../../lib/codec/json';
import { SHAPES, TYPES } from '../../lib/codec/json-converters';
import { getMessageInfo } from '../../lib/codec/reflect';
import { jsonShapeOf } from '../../lib/codec/shape';
import { decodeState } from '../../lib/codec/shared';
import { canonicalizeMessage, canonicalizerOf } from '../../lib/codec/validate';
import { FIXTURES } from '../fixtures/codec/messages';

const DIR = path.join(__dirname, '../fixtures/codec');

type Outcome = { value: unknown; missingRequired: boolean } | { error: string; path: string };

function run(decode: (v: unknown) => unknown, input: unknown): Outcome {
  decodeState.missingRequired = false;
  try {
    const value = decode(structuredClone(input));
    return { value, missingRequired: decodeState.missingRequired };
  } catch (err) {
    if (!(err instanceof FieldPathError)) throw err;
    return { error: err.reason, path: err.path };
  } finally {
    decodeState.missingRequired = false;
  }
}

type Canonicalize = (message: unknown, missing: string[], prefix: string) => unknown;

function canonical(check: Canonicalize, input: unknown): Outcome {
  const missing: string[] = [];
  try {
    return { value: check(structuredClone(input), missing, ''), missingRequired: missing.join() as unknown as boolean };
  } catch (err) {
    if (!(err instanceof FieldPathError)) throw err;
    return { error: err.reason, path: err.path };
  }
}

/** Every [container, key] place in a parsed JSON tree (object keys and array indexes). */
function places(value: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = []) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push([value, i]);
      places(item, out);
    });
  } else if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const [key, item] of Object.entries(value)) {
      out.push([value as Record<string, unknown>, key]);
      places(item, out);
    }
  }
  return out;
}

const JUNK: unknown[] = [
  null,
  '',
  'x',
  '12',
  ' 7 ',
  '-3.5',
  'Infinity',
  'NaN',
  'true',
  'false',
  true,
  0,
  -1,
  1.5,
  2 ** 40,
  -(2 ** 33),
  [],
  {},
  [null],
  ['TASK_RUNNING'],
  { value: 'v' },
  'TASK_RUNNING',
  'NOT_AN_ENUM_NAME',
  'AAAA',
  'AAA',
  'QUJD',
];

type Damage = { kind: 'replace'; junk: number } | { kind: 'remove' } | { kind: 'unknown-key' };

/** Every single damage that can be done to `input`: each place removed, given an unknown key, or replaced by each junk value. */
function* everyDamage(input: unknown): Generator<unknown> {
  const count = places(structuredClone(input)).length;
  const kinds: Damage[] = [
    { kind: 'remove' },
    { kind: 'unknown-key' },
    ...JUNK.map((_, junk) => ({ kind: 'replace' as const, junk })),
  ];
  for (let at = 0; at < count; at++) for (const d of kinds) yield damaged(input, at, d);
}

function damaged(input: unknown, at: number, damage: Damage): unknown {
  const copy = structuredClone(input);
  const all = places(copy);
  if (all.length === 0) return copy;
  const [container, key] = all[at % all.length] as [Record<string, unknown> | unknown[], string | number];
  if (damage.kind === 'replace') (container as Record<string | number, unknown>)[key] = JUNK[damage.junk];
  else if (damage.kind === 'remove') {
    if (Array.isArray(container)) container.splice(key as number, 1);
    else delete container[key as string];
  } else {
    const target = (container as Record<string | number, unknown>)[key];
    if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      (target as Record<string, unknown>).no_such_field = 'ignored';
    }
  }
  return copy;
}

describe('generated JSON converters', () => {
  it('are used for the types the drivers decode', () => {
    for (const name of [TYPE_NAMES.SchedulerEvent, TYPE_NAMES.ExecutorEvent, TYPE_NAMES.SchedulerCall]) {
      const info = getMessageInfo(name);
      expect(jsonMessageDecoder(info), name).to.not.equal(reflectiveDecoder(info));
      expect(TYPES).to.include(name);
    }
  });

  it('record the shape of each type they were generated from', () => {
    const event = TYPES.indexOf(TYPE_NAMES.SchedulerEvent);
    expect(SHAPES[event]).to.equal(jsonShapeOf(getMessageInfo(TYPE_NAMES.SchedulerEvent)));
  });

  it('build small objects with only the known fields, leaving the parsed input untouched', () => {
    const info = getMessageInfo('mesos.v1.TaskID');
    const input = { value: 't-1', extra: 1, other: null };
    const out = jsonMessageDecoder(info)(input);
    expect(out).to.deep.equal({ value: 't-1' });
    expect(Object.keys(out as object)).to.deep.equal(['value']);
    expect(input).to.deep.equal({ value: 't-1', extra: 1, other: null });
  });

  it('are used to check the calls the drivers encode', () => {
    const info = getMessageInfo(TYPE_NAMES.SchedulerCall);
    expect(canonicalizerOf(info).name).to.match(/^c\d+$/);
  });

  for (const fixture of FIXTURES) {
    const info = getMessageInfo(fixture.typeName);
    const reflective: Canonicalize = (m, missing, prefix) => canonicalizeMessage(info, m, missing, prefix);

    it(`write ${fixture.name} as Mesos JSON exactly as the reflective writer does (same keys, same order)`, () => {
      const message = canonicalizeMessage(info, fixture.message, [], '');
      const written = JSON.stringify(toMesosJsonObject(info, message));
      expect(written).to.equal(JSON.stringify(reflectiveJsonObject(info, message)));
    });

    it(`check ${fixture.name} before encoding as the reflective canonicalizer does, also when damaged`, () => {
      expect(canonical(canonicalizerOf(info), fixture.message)).to.deep.equal(canonical(reflective, fixture.message));
      for (const bad of everyDamage(fixture.message)) {
        expect(canonical(canonicalizerOf(info), bad)).to.deep.equal(canonical(reflective, bad));
      }
    });
    const input = parseMesosJson(readFileSync(path.join(DIR, `${fixture.name}.json`), 'utf8'));

    it(`decode ${fixture.name} as the reflective converter does`, () => {
      expect(run(jsonMessageDecoder(info), input)).to.deep.equal(run(reflectiveDecoder(info), input));
    });

    it(`fail or succeed as the reflective converter does on every single damage to ${fixture.name}`, () => {
      for (const bad of everyDamage(input)) {
        expect(run(jsonMessageDecoder(info), bad)).to.deep.equal(run(reflectiveDecoder(info), bad));
      }
    });
  }
});

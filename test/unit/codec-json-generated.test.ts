/**
 * The generated straight-line JSON converters (lib/codec/json-converters.ts) against the
 * reflective ones: the same decoded message or the same error (message and field path) for the
 * golden fixtures and for random damage done to them (wrong types, nulls, numeric strings,
 * unknown keys and enum names, missing fields).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { TYPE_NAMES } from '../../lib/codec/codec';
import { FieldPathError } from '../../lib/codec/errors';
import { jsonMessageDecoder, jsonShapeOf, parseMesosJson, reflectiveDecoder } from '../../lib/codec/json';
import { SHAPES, TYPES } from '../../lib/codec/json-converters';
import { getMessageInfo } from '../../lib/codec/reflect';
import { decodeState } from '../../lib/codec/shared';
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

/** Every [container, key] place in a parsed JSON tree (object keys and array indexes). */
function places(value: unknown, out: Array<[Record<string, unknown> | unknown[], string | number]> = []) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      out.push([value, i]);
      places(item, out);
    });
  } else if (value !== null && typeof value === 'object') {
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

  for (const fixture of FIXTURES) {
    const info = getMessageInfo(fixture.typeName);
    const input = parseMesosJson(readFileSync(path.join(DIR, `${fixture.name}.json`), 'utf8'));

    it(`decode ${fixture.name} as the reflective converter does`, () => {
      expect(run(jsonMessageDecoder(info), input)).to.deep.equal(run(reflectiveDecoder(info), input));
    });

    it(`fail or succeed as the reflective converter does on damaged ${fixture.name}`, () => {
      const damage = fc.oneof(
        fc.record({ kind: fc.constant('replace' as const), junk: fc.nat(JUNK.length - 1) }),
        fc.record({ kind: fc.constant('remove' as const) }),
        fc.record({ kind: fc.constant('unknown-key' as const) }),
      );
      fc.assert(
        fc.property(fc.nat(), damage, (at, d) => {
          const bad = damaged(input, at, d);
          expect(run(jsonMessageDecoder(info), bad)).to.deep.equal(run(reflectiveDecoder(info), bad));
        }),
        { numRuns: 150 },
      );
    });
  }
});

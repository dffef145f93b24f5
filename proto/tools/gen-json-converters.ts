/**
 * Writes lib/codec/json-converters.ts: one straight-line function per message type that turns a
 * value parsed by `JSON.parse` into the decoded message (Mesos's JSON rules, as lib/codec/json.ts
 * states them), reading each field by name instead of walking the keys with a map lookup per key.
 * Run with `npm run gen:converters` after the .proto files change. The types generated are every
 * message reachable from the codec's `TYPE_NAMES`, read from proto/ through the codec's schema.
 *
 * The file records each type's shape (`jsonShapeOf`); at run time a type whose shape no longer
 * matches the schema (the file is stale) is decoded by the reflective converter instead, so a
 * stale file is slower, never wrong. `--check` exits 1 when the file is not up to date.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TYPE_NAMES } from '../../lib/codec/codec';
import { jsonShapeOf } from '../../lib/codec/json';
import { type FieldInfo, getMessageInfo, type MessageInfo, type ScalarType } from '../../lib/codec/reflect';

const ROOT = join(__dirname, '..', '..');
const OUT = join(ROOT, 'lib', 'codec', 'json-converters.ts');

/** Every message type reachable from `roots`, in a stable order (roots first, then breadth first). */
function reachable(roots: readonly string[]): MessageInfo[] {
  const seen = new Map<string, MessageInfo>();
  const queue = roots.map((name) => getMessageInfo(name));
  while (queue.length > 0) {
    const info = queue.shift() as MessageInfo;
    if (seen.has(info.fullName)) continue;
    seen.set(info.fullName, info);
    for (const field of info.fields) if (field.value.kind === 'message') queue.push(field.value.messageInfo);
  }
  return [...seen.values()];
}

/** A JS expression for a default value (already in decoded form). */
function literal(value: unknown, scalar: ScalarType | undefined): string {
  if (Buffer.isBuffer(value)) return `Buffer.from(${JSON.stringify(value.toString('base64'))}, 'base64')`;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'Number.NaN';
    if (value === Number.POSITIVE_INFINITY) return 'Number.POSITIVE_INFINITY';
    if (value === Number.NEGATIVE_INFINITY) return 'Number.NEGATIVE_INFINITY';
    if (Object.is(value, -0)) return '-0';
    return scalar === 'float' ? `Math.fround(${value})` : String(value);
  }
  return JSON.stringify(value);
}

/** The expression converting `x` for a single scalar of `scalar` (fast paths inline, the rest in the runtime). */
function scalarExpression(scalar: ScalarType): string {
  switch (scalar) {
    case 'string':
      return `typeof x === 'string' ? x : S.string(x)`;
    case 'bool':
      return `typeof x === 'boolean' ? x : S.bool(x)`;
    case 'double':
      return `typeof x === 'number' ? x : S.double(x)`;
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return `typeof x === 'number' && (x | 0) === x ? x : S.${scalar}(x)`;
    case 'uint32':
    case 'fixed32':
      return `typeof x === 'number' && x >>> 0 === x ? x : S.${scalar}(x)`;
    default:
      return `S.${scalar}(x)`;
  }
}

interface Tables {
  index: Map<string, number>;
  /** (type index, field name) of every enum field, for the runtime's value sets. */
  enumFields: Array<[number, string]>;
  /** (type index, field name) of every map field, converted by the runtime's reflective field converter. */
  mapFields: Array<[number, string]>;
}

function fieldCode(field: FieldInfo, t: number, tables: Tables): string[] {
  const name = field.name;
  const lines = [`k = ${JSON.stringify(name)};`, `x = i.${name};`];
  const kind = field.value;
  let present: string[];
  if (field.map) {
    tables.mapFields.push([t, name]);
    present = [`const m = F[${tables.mapFields.length - 1}](x);`, `if (m !== undefined) o.${name} = m;`];
  } else if (field.repeated) {
    let element: string;
    if (kind.kind === 'message') element = `C[${tables.index.get(kind.messageInfo.fullName)}]`;
    else if (kind.kind === 'enum') {
      tables.enumFields.push([t, name]);
      element = `EL[${tables.enumFields.length - 1}]`;
    } else element = `S.${kind.scalar}`;
    present = [`const l = rt.list(x, ${element});`, `if (l !== undefined) o.${name} = l;`];
  } else if (kind.kind === 'message') {
    present = [`o.${name} = C[${tables.index.get(kind.messageInfo.fullName)}](x);`];
  } else if (kind.kind === 'enum') {
    tables.enumFields.push([t, name]);
    const e = tables.enumFields.length - 1;
    present = [
      `if (typeof x === 'string' && E[${e}].has(x)) o.${name} = x;`,
      `else rt.badEnum(x, ${e}, ${field.required});`,
    ];
  } else {
    present = [`o.${name} = ${scalarExpression(kind.scalar)};`];
  }
  if (present.length === 1) lines.push(`if (x != null) ${present[0]}`);
  else lines.push('if (x != null) {', ...present.map((l) => `  ${l}`), '}');
  if (field.required) lines.push('else D.missingRequired = true;');
  if (field.defaultValue !== undefined) {
    const scalar = kind.kind === 'scalar' ? kind.scalar : undefined;
    lines.push(`if (o.${name} === undefined) o.${name} = ${literal(field.defaultValue, scalar)};`);
  }
  return lines;
}

function messageCode(info: MessageInfo, t: number, tables: Tables): string[] {
  const body = info.fields.flatMap((field) => fieldCode(field, t, tables));
  const lines = [
    `/** ${info.fullName} */`,
    `function m${t}(v: unknown): Obj {`,
    `  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw rt.notObject(${t}, v);`,
    '  const o: Obj = {};',
  ];
  if (body.length > 0) {
    lines.push(
      '  const i = v as Obj;',
      "  let k = '';",
      '  let x: unknown;',
      '  try {',
      ...body.map((l) => `    ${l}`),
      '  } catch (err) {',
      '    throw rt.at(err, k);',
      '  }',
    );
  }
  lines.push('  return o;', '}');
  return lines;
}

/** The whole generated file. */
export function generate(): string {
  const infos = reachable(Object.values(TYPE_NAMES));
  const tables: Tables = { index: new Map(infos.map((info, t) => [info.fullName, t])), enumFields: [], mapFields: [] };
  const functions = infos.flatMap((info, t) => messageCode(info, t, tables));
  const list = (items: readonly string[]) => items.map((item) => `  ${item},`).join('\n');
  return `// Generated by proto/tools/gen-json-converters.ts from proto/. Do not edit by hand: run \`npm run gen:converters\`.
/**
 * Straight-line JSON converters, one per message type reachable from the codec's TYPE_NAMES: each
 * reads its fields by name from a value parsed by JSON.parse and builds the decoded message (see
 * lib/codec/json.ts for the rules and the runtime pieces passed in). Unknown keys are never read,
 * so they are dropped without touching the parsed object.
 * @module
 */

type Obj = Record<string, unknown>;
type Converter = (value: unknown) => unknown;

/** What the generated converters need from lib/codec/json.ts. */
export interface JsonConverterRuntime {
  /** Scalar converters by proto scalar type (they throw on a wrong value). */
  readonly scalars: Readonly<Record<string, Converter>>;
  /** The converter of each type in {@link TYPES}, filled by the caller (generated, or reflective when stale). */
  readonly converters: Converter[];
  /** Names of each enum field in {@link ENUM_FIELDS}. */
  readonly enumNames: ReadonlyArray<ReadonlyMap<string, number>>;
  /** Element converters of each enum field in {@link ENUM_FIELDS} (for repeated fields). */
  readonly enumItems: readonly Converter[];
  /** Field converters of each map field in {@link MAP_FIELDS}. */
  readonly maps: readonly Converter[];
  /** The decoder's flags (missingRequired). */
  readonly state: { missingRequired: boolean };
  /** A repeated field: checked, converted in place, unknown enum values dropped; undefined when empty. */
  list(value: unknown, convert: Converter): unknown[] | undefined;
  /** An enum value that is not a known name: throws when \`required\` or not a string, else it is dropped. */
  badEnum(value: unknown, enumField: number, required: boolean): void;
  /** The error for a non-object where message type number \`type\` was expected. */
  notObject(type: number, value: unknown): Error;
  /** Adds \`field\` to the path of a converter error and returns it. */
  at(error: unknown, field: string): unknown;
}

/** Full names of the generated types, by index. */
export const TYPES: readonly string[] = [
${list(infos.map((info) => JSON.stringify(info.fullName)))}
];

/** Each type's shape when generated (jsonShapeOf); a type whose schema shape differs is not used. */
export const SHAPES: readonly string[] = [
${list(infos.map((info) => JSON.stringify(jsonShapeOf(info))))}
];

/** (type index, field name) of every enum field the converters check. */
export const ENUM_FIELDS: ReadonlyArray<readonly [number, string]> = [
${list(tables.enumFields.map(([t, f]) => `[${t}, ${JSON.stringify(f)}]`))}
];

/** (type index, field name) of every map field. */
export const MAP_FIELDS: ReadonlyArray<readonly [number, string]> = [
${list(tables.mapFields.map(([t, f]) => `[${t}, ${JSON.stringify(f)}]`))}
];

/** The generated converters, by type index. */
export function createJsonConverters(rt: JsonConverterRuntime): Converter[] {
  const S = rt.scalars;
  const C = rt.converters;
  const E = rt.enumNames;
  const EL = rt.enumItems;
  const F = rt.maps;
  const D = rt.state;
${functions.map((l) => `  ${l}`).join('\n')}
  return [
${list(infos.map((_, t) => `  m${t}`))}
  ];
}
`;
}

function formatted(source: string): string {
  const biome = join(ROOT, 'node_modules', '.bin', 'biome');
  return execFileSync(biome, ['format', '--config-path=.ci', `--stdin-file-path=${OUT}`], {
    cwd: ROOT,
    input: source,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
}

if (require.main === module) {
  const source = formatted(generate());
  if (process.argv.includes('--check')) {
    const current = readFileSync(OUT, 'utf8');
    if (current !== source) {
      console.error('lib/codec/json-converters.ts is stale: run `npm run gen:converters`');
      process.exit(1);
    }
  } else {
    writeFileSync(OUT, source);
    console.log(`wrote ${OUT}`);
  }
}

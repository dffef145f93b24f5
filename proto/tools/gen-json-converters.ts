/**
 * Writes lib/codec/json-converters.ts: per message type, one straight-line function that turns a
 * value parsed by `JSON.parse` into the decoded message (Mesos's JSON rules, as lib/codec/json.ts
 * states them), reading each field by name instead of walking the keys with a map lookup per key,
 * and one that checks a message before encoding (lib/codec/validate.ts's rules), the same way.
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
import { jsonValueOf } from '../../lib/codec/json';
import { type FieldInfo, getMessageInfo, type MessageInfo, type ScalarType } from '../../lib/codec/reflect';
import { jsonShapeOf } from '../../lib/codec/shape';

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
  } else if (field.repeated && kind.kind === 'message') {
    // Messages are never dropped, so the list is converted in place by a loop of its own (a call
    // site per element type, which V8 can inline) rather than through rt.list.
    present = [
      'const l = rt.array(x);',
      'for (let j = 0; j < l.length; j++) {',
      '  const e = l[j];',
      '  if (e === null) throw rt.nullItem(j);',
      '  try {',
      `    l[j] = C[${tables.index.get(kind.messageInfo.fullName)}](e);`,
      '  } catch (err) {',
      "    throw rt.at(err, '[' + j + ']');",
      '  }',
      '}',
      `if (l.length > 0) o.${name} = l;`,
    ];
  } else if (field.repeated) {
    let element: string;
    if (kind.kind === 'enum') {
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

/** The check of a single scalar `x` before encoding (validate.ts's checkScalar, fast paths inline). */
function checkExpression(scalar: ScalarType): string {
  switch (scalar) {
    case 'string':
      return `typeof x === 'string' ? x : V.string(x)`;
    case 'bool':
      return `typeof x === 'boolean' ? x : V.bool(x)`;
    case 'double':
      return `typeof x === 'number' ? x : V.double(x)`;
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return `typeof x === 'number' && (x | 0) === x ? x : V.${scalar}(x)`;
    case 'uint32':
    case 'fixed32':
      return `typeof x === 'number' && x >>> 0 === x ? x : V.${scalar}(x)`;
    default:
      return `V.${scalar}(x)`;
  }
}

function canonicalFieldCode(field: FieldInfo, t: number, tables: CanonicalTables): string[] {
  const name = field.name;
  const lines = [`k = ${JSON.stringify(name)};`, `x = i.${name};`, 'if (x !== undefined) n++;'];
  const kind = field.value;
  let present: string[];
  if (field.map) {
    tables.mapFields.push([t, name]);
    present = [`const m = VF[${tables.mapFields.length - 1}](x, missing, p);`, `if (m !== undefined) o.${name} = m;`];
  } else if (field.repeated) {
    let call: string;
    if (kind.kind === 'message') {
      call = `rt.messages(x, K[${tables.index.get(kind.messageInfo.fullName)}], missing, p + ${JSON.stringify(name)})`;
    } else if (kind.kind === 'enum') {
      tables.enumFields.push([t, name]);
      call = `rt.values(x, VE[${tables.enumFields.length - 1}])`;
    } else call = `rt.values(x, V.${kind.scalar})`;
    present = [`const l = ${call};`, `if (l !== undefined) o.${name} = l;`];
  } else if (kind.kind === 'message') {
    present = [
      `o.${name} = K[${tables.index.get(kind.messageInfo.fullName)}](x, missing, p + ${JSON.stringify(`${name}.`)});`,
    ];
  } else if (kind.kind === 'enum') {
    tables.enumFields.push([t, name]);
    const e = tables.enumFields.length - 1;
    present = [`o.${name} = typeof x === 'string' && E2[${e}].has(x) ? x : VE[${e}](x);`];
  } else {
    present = [`o.${name} = ${checkExpression(kind.scalar)};`];
  }
  if (present.length === 1) lines.push(`if (x != null) ${present[0]}`);
  else lines.push('if (x != null) {', ...present.map((l) => `  ${l}`), '}');
  if (field.required) lines.push(`else missing.push(p + ${JSON.stringify(name)});`);
  return lines;
}

interface CanonicalTables {
  index: Map<string, number>;
  enumFields: Array<[number, string]>;
  mapFields: Array<[number, string]>;
}

function canonicalCode(info: MessageInfo, t: number, tables: CanonicalTables): string[] {
  const body = info.fields.flatMap((field) => canonicalFieldCode(field, t, tables));
  const lines = [
    `/** ${info.fullName} */`,
    `function c${t}(v: unknown, missing: string[], p: string): Obj {`,
    `  if (!rt.isPlainObject(v)) throw rt.notPlain(${t}, v);`,
    '  const i = v as Obj;',
    '  const o: Obj = {};',
    '  let n = 0;',
  ];
  if (body.length > 0) {
    lines.push(
      "  let k = '';",
      '  let x: unknown;',
      '  try {',
      ...body.map((l) => `    ${l}`),
      '  } catch (err) {',
      `    throw rt.checked(err, k, ${t}, i);`,
      '  }',
    );
  }
  lines.push(`  if (n !== rt.definedKeys(i)) throw rt.checked(undefined, '', ${t}, i);`, '  return o;', '}');
  return lines;
}

/** Scalars whose JSON is the value itself; the others go through the runtime's jsonScalar. */
const WRITTEN_AS_IS: ReadonlySet<ScalarType> = new Set<ScalarType>([
  'string',
  'bool',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
]);

/** The JSON writer of a type: the object Mesos writes for a canonical message (json.ts's toMesosJsonObject). */
function writerCode(info: MessageInfo, t: number, index: Map<string, number>, mapFields: Array<[number, string]>) {
  const body: string[] = [];
  for (const field of info.fields) {
    const name = field.name;
    const kind = field.value;
    let expression: string;
    if (field.map) {
      mapFields.push([t, name]);
      expression = `JM[${mapFields.length - 1}](x)`;
    } else if (kind.kind === 'message') {
      const writer = `WR[${index.get(kind.messageInfo.fullName)}]`;
      expression = field.repeated ? `(x as Obj[]).map((item) => ${writer}(item))` : `${writer}(x as Obj)`;
    } else if (kind.kind === 'scalar' && !WRITTEN_AS_IS.has(kind.scalar)) {
      // bytes, doubles and 64-bit integers as jsonScalar writes them (json.ts).
      const helper = `J.scalars.${kind.scalar}`;
      expression = field.repeated ? `(x as unknown[]).map((item) => ${helper}(item))` : `${helper}(x)`;
    } else {
      expression = 'x';
    }
    body.push(`x = m.${name};`, `if (x !== undefined) o.${name} = ${expression};`);
    if (field.defaultValue !== undefined)
      body.push(`else o.${name} = ${JSON.stringify(jsonValueOf(kind, field.defaultValue))};`);
  }
  const lines = [`/** ${info.fullName} */`, `function w${t}(m: Obj): Obj {`, '  const o: Obj = {};'];
  if (body.length > 0) lines.push('  let x: unknown;', ...body.map((l) => `  ${l}`));
  lines.push('  return o;', '}');
  return lines;
}

/** The whole generated file. */
export function generate(): string {
  // (JSON converters first, then the canonicalizers used before encoding.)
  const infos = reachable(Object.values(TYPE_NAMES));
  const tables: Tables = { index: new Map(infos.map((info, t) => [info.fullName, t])), enumFields: [], mapFields: [] };
  const functions = infos.flatMap((info, t) => messageCode(info, t, tables));
  const canonicalTables: CanonicalTables = { index: tables.index, enumFields: [], mapFields: [] };
  const canonicals = infos.flatMap((info, t) => canonicalCode(info, t, canonicalTables));
  const writerMapFields: Array<[number, string]> = [];
  const writers = infos.flatMap((info, t) => writerCode(info, t, tables.index, writerMapFields));
  const list = (items: readonly string[]) => items.map((item) => `  ${item},`).join('\n');
  return `// Generated by proto/tools/gen-json-converters.ts from proto/. Do not edit by hand: run \`npm run gen:converters\`.
/**
 * Straight-line converters, three per message type reachable from the codec's TYPE_NAMES: the JSON
 * converter reads its fields by name from a value parsed by JSON.parse and builds the decoded
 * message (see lib/codec/json.ts for the rules and the runtime pieces passed in; unknown keys are
 * never read, so they are dropped without touching the parsed object), the canonicalizer checks
 * a message before encoding (lib/codec/validate.ts), and the JSON writer builds what Mesos writes.
 * @module
 */

type Obj = Record<string, unknown>;
type Converter = (value: unknown) => unknown;
type Canonicalizer = (value: unknown, missing: string[], prefix: string) => Obj;

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
  /** A repeated field's value as an array (throws naming what it is otherwise). */
  array(value: unknown): unknown[];
  /** The error for a null element at \`index\` of a repeated field. */
  nullItem(index: number): Error;
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

/** What the generated canonicalizers need from lib/codec/validate.ts. */
export interface CanonicalRuntime {
  /** Scalar checks by proto scalar type (they throw on a wrong value, and return the value to encode). */
  readonly scalars: Readonly<Record<string, Converter>>;
  /** The canonicalizer of each type in {@link TYPES}, filled by the caller. */
  readonly canonicalizers: Canonicalizer[];
  /** Names of each enum field in {@link CANONICAL_ENUM_FIELDS}. */
  readonly enumNames: ReadonlyArray<ReadonlyMap<string, number>>;
  /** The check of each enum field in {@link CANONICAL_ENUM_FIELDS} for a value that is not a known name (throws). */
  readonly enumChecks: readonly Converter[];
  /** Checks of each map field in {@link CANONICAL_MAP_FIELDS}. */
  readonly maps: ReadonlyArray<(value: unknown, missing: string[], prefix: string) => unknown>;
  isPlainObject(value: unknown): boolean;
  /** The error for a value that is not a plain object where message type number \`type\` was expected. */
  notPlain(type: number, value: unknown): Error;
  /** Own enumerable keys of \`value\` whose value is not undefined. */
  definedKeys(value: Obj): number;
  /** The error to throw: an unknown key of \`value\` (type number \`type\`) if it has one, else \`error\` with \`field\` added to its path. */
  checked(error: unknown, field: string, type: number, value: Obj): unknown;
  /** A repeated message field, each element canonicalized; undefined when empty. */
  messages(value: unknown, canonicalize: Canonicalizer, missing: string[], prefix: string): unknown[] | undefined;
  /** A repeated scalar or enum field, each element checked; undefined when empty. */
  values(value: unknown, check: Converter): unknown[] | undefined;
}

/** (type index, field name) of every enum field the canonicalizers check. */
export const CANONICAL_ENUM_FIELDS: ReadonlyArray<readonly [number, string]> = [
${list(canonicalTables.enumFields.map(([t, f]) => `[${t}, ${JSON.stringify(f)}]`))}
];

/** (type index, field name) of every map field the canonicalizers check. */
export const CANONICAL_MAP_FIELDS: ReadonlyArray<readonly [number, string]> = [
${list(canonicalTables.mapFields.map(([t, f]) => `[${t}, ${JSON.stringify(f)}]`))}
];

/**
 * The generated canonicalizers (validation before encoding), by type index: each checks a
 * caller's message against its type and returns its canonical form (declaration order, only set
 * fields), pushing the paths of missing required fields onto \`missing\`.
 */
export function createCanonicalizers(rt: CanonicalRuntime): Canonicalizer[] {
  const V = rt.scalars;
  const K = rt.canonicalizers;
  const E2 = rt.enumNames;
  const VE = rt.enumChecks;
  const VF = rt.maps;
${canonicals.map((l) => `  ${l}`).join('\n')}
  return [
${list(infos.map((_, t) => `  c${t}`))}
  ];
}

/** What the generated JSON writers need from lib/codec/json.ts. */
export interface JsonWriterRuntime {
  /** The writer of each type in {@link TYPES}, filled by the caller. */
  readonly writers: Array<(message: Obj) => Obj>;
  /** Writers of each map field in {@link WRITER_MAP_FIELDS}. */
  readonly maps: readonly Converter[];
  /** Scalars as Mesos's JSON writes them (bytes as padded base64, non-finite doubles as strings...). */
  readonly scalars: Readonly<Record<string, Converter>>;
}

/** (type index, field name) of every map field the JSON writers write. */
export const WRITER_MAP_FIELDS: ReadonlyArray<readonly [number, string]> = [
${list(writerMapFields.map(([t, f]) => `[${t}, ${JSON.stringify(f)}]`))}
];

/**
 * The generated JSON writers, by type index: the object Mesos writes for a canonical message
 * (fields in declaration order, absent fields with a default written out).
 */
export function createJsonWriters(rt: JsonWriterRuntime): Array<(message: Obj) => Obj> {
  const WR = rt.writers;
  const JM = rt.maps;
  const J = rt;
${writers.map((l) => `  ${l}`).join('\n')}
  return [
${list(infos.map((_, t) => `  w${t}`))}
  ];
}

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
  // Formatted as if it were a source file of lib/codec (the generated file itself is excluded from checks).
  return execFileSync(biome, ['format', '--config-path=.ci', '--stdin-file-path=lib/codec/generated.ts'], {
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

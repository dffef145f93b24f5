/**
 * Writes lib/codec/messages.ts: TypeScript types for every message and enum in proto/.
 * Run with `npm run gen:types`; test/unit/generated-types.test.ts fails when the file is stale.
 *
 * Shapes follow Mesos's JSON: proto field names, enums as their names, bytes as `Bytes` (a
 * Uint8Array, or a string the codecs encode as UTF-8: what the encoders accept; decoded messages
 * carry Buffers), every 64-bit integer as `Int64` (number | bigint, lib/codec/int64.ts), map
 * fields as plain objects.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { loadSchemaRoot } from '../../lib/codec/schema';

const SCALARS: Record<string, string> = {
  string: 'string',
  bool: 'boolean',
  bytes: 'Bytes',
  double: 'number',
  float: 'number',
  int32: 'number',
  uint32: 'number',
  sint32: 'number',
  fixed32: 'number',
  sfixed32: 'number',
  int64: 'Int64',
  uint64: 'Int64',
  sint64: 'Int64',
  fixed64: 'Int64',
  sfixed64: 'Int64',
};

const TOP = 'mesos.v1';

/** The type of every `bytes` field: what the encoders accept (decoders always give Buffers). */
const BYTES_TYPE =
  '/**\n * A `bytes` field: a Uint8Array (a Buffer is one), or a string, which the codecs encode as UTF-8.\n' +
  ' * Decoded messages always carry Buffers here; narrow with `typeof x === "string"` where it matters.\n */\n' +
  'export type Bytes = Uint8Array | string;\n\n';

/** The type of every 64-bit integer field (lib/codec/int64.ts has the rules and helpers). */
const INT64_TYPE =
  '/**\n * A 64-bit integer field (int64, uint64, sint64, fixed64, sfixed64): decoded as a number when it is a\n' +
  ' * safe integer (up to 2^53 - 1 in magnitude) and as a bigint beyond, so no digit is lost (e.g.\n' +
  ' * `TimeInfo.nanoseconds`). The encoders also take a decimal string. Use `typeof x === "bigint"`,\n' +
  ' * or convert with `BigInt(x)`, before arithmetic.\n */\n' +
  'export type Int64 = number | bigint;\n\n';

/** The TypeScript path of a proto type, e.g. `mesos.v1.Offer.Operation` -> `Offer.Operation`. */
function tsPath(fullName: string): string {
  const name = fullName.replace(/^\./, '');
  return name.startsWith(`${TOP}.`) ? name.slice(TOP.length + 1) : name;
}

/** Members of each namespace scope, to detect when a nested name would shadow a reference. */
function memberNames(ns: protobuf.NamespaceBase): Set<string> {
  return new Set((ns.nestedArray ?? []).map((n) => n.name));
}

function renderReference(target: string, scopes: protobuf.NamespaceBase[]): string {
  const path = tsPath(target);
  const first = path.split('.')[0] as string;
  // Walk enclosing scopes from the innermost; if one (other than the file's top) declares `first`
  // and that is not where `path` points, the reference would resolve to the wrong thing.
  for (const scope of [...scopes].reverse()) {
    if (scope.fullName === `.${TOP}`) break;
    if (memberNames(scope).has(first)) {
      const scopePath = tsPath(scope.fullName);
      if (
        `${scopePath}.${first}` !==
        path
          .split('.')
          .slice(0, 1 + scopePath.split('.').length)
          .join('.')
      ) {
        return `_Top${path.replace(/\./g, '_')}`;
      }
    }
  }
  return path;
}

const aliases = new Map<string, string>();

function fieldType(field: protobuf.Field, scopes: protobuf.NamespaceBase[]): string {
  const base = (type: string, resolved: protobuf.ReflectionObject | null): string => {
    if (SCALARS[type]) return SCALARS[type] as string;
    if (!resolved) throw new Error(`Unresolved type ${type} of ${field.fullName}`);
    const ref = renderReference(resolved.fullName, scopes);
    if (ref.startsWith('_Top')) aliases.set(ref, tsPath(resolved.fullName));
    return ref;
  };
  if (field instanceof protobuf.MapField) {
    return `Record<string, ${base(field.type, field.resolvedType)}>`;
  }
  const t = base(field.type, field.resolvedType);
  return field.repeated ? `${t}[]` : t;
}

function doc(lines: string[], indent: string): string {
  if (lines.length === 1) return `${indent}/** ${lines[0]} */\n`;
  return `${indent}/**\n${lines.map((l) => `${indent} * ${l}`).join('\n')}\n${indent} */\n`;
}

function renderEnum(e: protobuf.Enum, indent: string): string {
  const names = Object.keys(e.values);
  return (
    doc([`Enum \`${e.fullName.slice(1)}\`: its value names, as Mesos writes them in JSON.`], indent) +
    `${indent}export type ${e.name} =\n${names.map((n) => `${indent}  | '${n}'`).join('\n')};\n`
  );
}

function renderMessage(t: protobuf.Type, scopes: protobuf.NamespaceBase[], indent: string): string {
  let out = doc([`Message \`${t.fullName.slice(1)}\`.`], indent);
  const fields = [...t.fieldsArray].sort((a, b) => a.id - b.id);
  out += `${indent}export interface ${t.name} {\n`;
  for (const f of fields) {
    f.resolve();
    const label =
      f instanceof protobuf.MapField ? 'map' : f.repeated ? 'repeated' : f.required ? 'required' : 'optional';
    const extra: string[] = [`Field ${f.id}, ${label} \`${f.type}\``];
    if (f.options?.default !== undefined) extra.push(`default ${JSON.stringify(f.options.default)}`);
    if (f.options?.deprecated) extra.push('deprecated');
    out += doc([`${extra.join('; ')}.`], `${indent}  `);
    out += `${indent}  ${f.name}${f.required ? '' : '?'}: ${fieldType(f, [...scopes, t])};\n`;
  }
  out += `${indent}}\n`;
  const nested = t.nestedArray ?? [];
  if (nested.length > 0) {
    out += doc([`Types nested in \`${t.fullName.slice(1)}\`.`], indent);
    out += `${indent}export namespace ${t.name} {\n`;
    out += renderNested(t, [...scopes, t], `${indent}  `);
    out += `${indent}}\n`;
  }
  return out;
}

function renderNested(ns: protobuf.NamespaceBase, scopes: protobuf.NamespaceBase[], indent: string): string {
  const items = [...(ns.nestedArray ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const parts: string[] = [];
  for (const item of items) {
    if (item instanceof protobuf.Type) parts.push(renderMessage(item, scopes, indent));
    else if (item instanceof protobuf.Enum) parts.push(renderEnum(item, indent));
    else if (item instanceof protobuf.Namespace) {
      // Sub-packages (mesos.v1.scheduler, mesos.v1.executor) become TS namespaces.
      parts.push(
        doc([`Package \`${item.fullName.slice(1)}\`.`], indent) +
          `${indent}export namespace ${item.name} {\n${renderNested(item, [...scopes, item], `${indent}  `)}${indent}}\n`,
      );
    }
  }
  return parts.join('\n');
}

export function generateMessagesSource(): string {
  aliases.clear();
  const root = loadSchemaRoot();
  const top = root.lookup(TOP) as protobuf.Namespace;
  const body = renderNested(top, [top], '');
  // Well-known types the operator protos import (google.protobuf.Duration), as a namespace of their own.
  const google = root.lookup('google');
  const googleBody =
    google instanceof protobuf.Namespace
      ? `\n${doc(["Package `google`: the well-known protobuf types Mesos's protos use."], '')}export namespace google {\n${renderNested(google, [google], '  ')}}\n`
      : '';
  const aliasLines = [...aliases.entries()]
    .sort()
    .map(
      ([alias, target]) =>
        `/** The top-level \`${target}\`, named where a nested type of the same name hides it. */\nexport type ${alias} = ${target};\n`,
    )
    .join('');
  return (
    '// Generated by proto/tools/gen-types.ts from proto/. Do not edit by hand: run `npm run gen:types`.\n' +
    '/* eslint-disable */\n' +
    '/**\n * Types of the Mesos v1 messages (packages `mesos.v1` and its scheduler, executor, master, agent,\n' +
    ' * maintenance, quota and allocator sub-packages, and `google.protobuf.Duration`).\n' +
    " *\n * Objects are shaped like Mesos's JSON: proto field names, enum values as names, `bytes` as\n" +
    ' * {@link Bytes} (Buffer when decoded), 64-bit integers as {@link Int64} (number, or bigint beyond 2^53).\n' +
    ' * @module\n */\n\n' +
    BYTES_TYPE +
    INT64_TYPE +
    body +
    googleBody +
    (aliasLines ? `\n${aliasLines}` : '')
  );
}

if (require.main === module) {
  const target = join(__dirname, '..', '..', 'lib', 'codec', 'messages.ts');
  writeFileSync(target, generateMessagesSource());
  console.log(`wrote ${target}`);
}

/** Facts the generated converters (json-converters.ts) are checked against at run time. */
import type { EnumInfo, FieldInfo, MessageInfo, ScalarType } from './reflect';

/** Every proto scalar type, as protobufjs names them. */
export const SCALAR_TYPES: readonly ScalarType[] = [
  'double',
  'float',
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
  'bool',
  'string',
  'bytes',
];

/**
 * A type's shape as the generated converters depend on it: field ids, names, rules, value types
 * and defaults. The generator records it; a type whose shape changed is not handled by stale code.
 */
export function jsonShapeOf(info: MessageInfo): string {
  return info.fields
    .map((f) => {
      const rule = f.map ? 'map' : f.repeated ? 'repeated' : f.required ? 'required' : 'optional';
      const kind = f.value;
      const type =
        kind.kind === 'scalar'
          ? kind.scalar
          : kind.kind === 'enum'
            ? kind.enumInfo.fullName
            : kind.messageInfo.fullName;
      const fallback = f.defaultValue === undefined ? '' : `=${String(f.defaultValue)}`;
      return `${f.id}:${f.name}:${rule}:${type}${fallback}`;
    })
    .join(',');
}

/**
 * Which generated types are usable: for each name in `types`, its MessageInfo when the schema
 * still has the type with the recorded shape, else undefined.
 */
export function freshTypes(
  types: readonly string[],
  shapes: readonly string[],
  lookup: (name: string) => MessageInfo,
): { infos: Array<MessageInfo | undefined>; fresh: boolean[] } {
  const infos = types.map((name) => {
    try {
      return lookup(name);
    } catch {
      return undefined; // a type no longer in the schema
    }
  });
  return { infos, fresh: infos.map((info, t) => info !== undefined && jsonShapeOf(info) === shapes[t]) };
}

/** The fields named by (type index, field name) pairs, undefined where the type is stale. */
export function fieldsAt(
  pairs: ReadonlyArray<readonly [number, string]>,
  infos: ReadonlyArray<MessageInfo | undefined>,
  fresh: readonly boolean[],
): Array<FieldInfo | undefined> {
  return pairs.map(([t, name]) => (fresh[t] ? infos[t]?.fieldByName.get(name) : undefined));
}

/** The enums of the enum fields named by (type index, field name) pairs, undefined where the type is stale. */
export function enumsAt(
  pairs: ReadonlyArray<readonly [number, string]>,
  infos: ReadonlyArray<MessageInfo | undefined>,
  fresh: readonly boolean[],
): Array<EnumInfo | undefined> {
  return fieldsAt(pairs, infos, fresh).map((field) =>
    field?.value.kind === 'enum' ? field.value.enumInfo : undefined,
  );
}

/**
 * Puts generated functions to use: fills `table` (what generated code calls for nested types) with
 * the generated function of each fresh type and `fallback(info)` for a stale one, and returns the
 * fresh ones by type name.
 */
export function adoptGenerated<F>(
  types: readonly string[],
  made: readonly F[],
  generated: { infos: ReadonlyArray<MessageInfo | undefined>; fresh: readonly boolean[] },
  table: F[],
  fallback: (info: MessageInfo) => F,
  absent: F,
): Map<string, F> {
  const byName = new Map<string, F>();
  types.forEach((name, t) => {
    const info = generated.infos[t];
    if (generated.fresh[t]) {
      byName.set(name, made[t] as F);
      table[t] = made[t] as F;
    } else table[t] = info ? fallback(info) : absent;
  });
  return byName;
}

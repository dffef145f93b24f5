/**
 * A compact, codec-oriented view of the protobufjs reflection: one `MessageInfo` per message type
 * and one `EnumInfo` per enum, built once and shared by the JSON and protobuf codecs.
 */
import protobuf from 'protobufjs';
import { loadSchemaRoot } from './schema';

/** Scalar proto types, as protobufjs names them. */
export type ScalarType =
  | 'double'
  | 'float'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'fixed32'
  | 'sfixed32'
  | 'int64'
  | 'uint64'
  | 'sint64'
  | 'fixed64'
  | 'sfixed64'
  | 'bool'
  | 'string'
  | 'bytes';

/** An enum: value names by number and numbers by name. */
export interface EnumInfo {
  /** Full name without the leading dot, e.g. `mesos.v1.TaskState`. */
  readonly fullName: string;
  readonly numberByName: ReadonlyMap<string, number>;
  readonly nameByNumber: ReadonlyMap<number, string>;
}

/** What a single (non-repeated) value of a field is. */
export type ValueKind =
  | { readonly kind: 'scalar'; readonly scalar: ScalarType }
  | { readonly kind: 'enum'; readonly enumInfo: EnumInfo }
  | { readonly kind: 'message'; readonly messageInfo: MessageInfo };

/** One field of a message, with the facts both codecs need. */
export interface FieldInfo {
  readonly name: string;
  readonly id: number;
  readonly required: boolean;
  readonly repeated: boolean;
  /** True for `map<string, V>`; `value` describes V. */
  readonly map: boolean;
  /** The element (repeated), value (map) or field type. */
  readonly value: ValueKind;
  /**
   * The explicit, non-deprecated `[default=...]`, already in decoded form (enum default as its
   * name); undefined when the field has none. Mesos's JSON writer writes these out.
   */
  readonly defaultValue: unknown;
}

/** One message type. `fields` is in declaration order, which is also Mesos's JSON key order. */
export interface MessageInfo {
  readonly fullName: string;
  readonly fields: readonly FieldInfo[];
  readonly fieldByName: ReadonlyMap<string, FieldInfo>;
  readonly fieldById: ReadonlyMap<number, FieldInfo>;
  readonly requiredFields: readonly FieldInfo[];
  /** Fields with a default to fill in when absent. */
  readonly defaultFields: readonly FieldInfo[];
  /** Per-codec compiled functions, attached lazily by json.ts and protobuf.ts. */
  readonly compiled: Record<string, unknown>;
}

const messageInfos = new Map<string, MessageInfo>();
const enumInfos = new Map<string, EnumInfo>();

function enumInfoOf(e: protobuf.Enum): EnumInfo {
  const fullName = e.fullName.slice(1);
  let info = enumInfos.get(fullName);
  if (info) return info;
  const numberByName = new Map<string, number>();
  const nameByNumber = new Map<number, string>();
  for (const [name, num] of Object.entries(e.values)) {
    numberByName.set(name, num);
    // With allow_alias the first name wins, as protobuf's own name lookup does.
    if (!nameByNumber.has(num)) nameByNumber.set(num, name);
  }
  info = { fullName, numberByName, nameByNumber };
  enumInfos.set(fullName, info);
  return info;
}

function valueKindOf(field: protobuf.Field): ValueKind {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return { kind: 'message', messageInfo: messageInfoOf(resolved) };
  if (resolved instanceof protobuf.Enum) return { kind: 'enum', enumInfo: enumInfoOf(resolved) };
  return { kind: 'scalar', scalar: field.type as ScalarType };
}

function defaultOf(field: protobuf.Field, value: ValueKind): unknown {
  const options = field.options ?? {};
  if (options.default === undefined || options.deprecated === true || field.repeated) return undefined;
  const raw: unknown = options.default;
  if (value.kind === 'enum') {
    // protobufjs may keep the enum default as its name or turn it into a number.
    return typeof raw === 'number' ? value.enumInfo.nameByNumber.get(raw) : raw;
  }
  if (value.kind === 'scalar' && value.scalar === 'bool') return raw === true || raw === 'true';
  if (value.kind === 'scalar' && value.scalar === 'string') return String(raw);
  if (value.kind === 'scalar' && value.scalar === 'bytes') return Buffer.from(String(raw), 'utf8');
  return Number(raw);
}

function messageInfoOf(type: protobuf.Type): MessageInfo {
  const fullName = type.fullName.slice(1);
  const existing = messageInfos.get(fullName);
  if (existing) return existing;
  const fields: FieldInfo[] = [];
  const info: MessageInfo = {
    fullName,
    fields,
    fieldByName: new Map(),
    fieldById: new Map(),
    requiredFields: [],
    defaultFields: [],
    compiled: {},
  };
  // Registered before the fields so recursive types (ContainerID.parent) resolve to this object.
  messageInfos.set(fullName, info);
  for (const field of type.fieldsArray) {
    field.resolve();
    const value = valueKindOf(field);
    const fieldInfo: FieldInfo = {
      name: field.name,
      id: field.id,
      required: field.required,
      repeated: field.repeated,
      map: field instanceof protobuf.MapField,
      value,
      defaultValue: defaultOf(field, value),
    };
    fields.push(fieldInfo);
    (info.fieldByName as Map<string, FieldInfo>).set(field.name, fieldInfo);
    (info.fieldById as Map<number, FieldInfo>).set(field.id, fieldInfo);
    if (fieldInfo.required) (info.requiredFields as FieldInfo[]).push(fieldInfo);
    if (fieldInfo.defaultValue !== undefined) (info.defaultFields as FieldInfo[]).push(fieldInfo);
  }
  return info;
}

/** The codec view of a message type by full name (`mesos.v1.scheduler.Event`); throws if unknown. */
export function getMessageInfo(typeName: string): MessageInfo {
  const cached = messageInfos.get(typeName);
  if (cached) return cached;
  const type = loadSchemaRoot().lookupType(typeName);
  return messageInfoOf(type);
}

/** Turns path segments (`offers`, `[0]`, `id`) into `offers[0].id`. */
export function joinPath(segments: readonly string[]): string {
  let out = '';
  for (const segment of segments) {
    if (segment.startsWith('[') || out === '') out += segment;
    else out += `.${segment}`;
  }
  return out;
}

/**
 * Paths of every required field missing in a decoded (or canonical) plain object, formatted the
 * way protobuf's FindInitializationErrors does: `framework_info.user`, `offers[0].id`.
 */
export function findMissingRequired(info: MessageInfo, message: Record<string, unknown>, prefix = ''): string[] {
  const missing: string[] = [];
  collectMissing(info, message, prefix, missing);
  return missing;
}

function collectMissing(info: MessageInfo, message: Record<string, unknown>, prefix: string, out: string[]): void {
  for (const field of info.requiredFields) {
    if (message[field.name] === undefined) out.push(prefix + field.name);
  }
  for (const field of info.fields) {
    if (field.value.kind !== 'message') continue;
    const value = message[field.name];
    if (value === undefined || value === null) continue;
    const sub = field.value.messageInfo;
    if (field.map) {
      for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
        if (item && typeof item === 'object')
          collectMissing(sub, item as Record<string, unknown>, `${prefix}${field.name}[${key}].`, out);
      }
    } else if (field.repeated) {
      (value as unknown[]).forEach((item, i) => {
        if (item && typeof item === 'object')
          collectMissing(sub, item as Record<string, unknown>, `${prefix}${field.name}[${i}].`, out);
      });
    } else if (typeof value === 'object') {
      collectMissing(sub, value as Record<string, unknown>, `${prefix}${field.name}.`, out);
    }
  }
}

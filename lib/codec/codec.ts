/**
 * The codec API: one `MessageCodec` per (message type, wire format), built once and cached.
 *
 * Both formats decode to the same plain object: proto field names, enum values as names, bytes
 * as Buffer, every 64-bit integer as a JS number (exact up to 2^53, like Mesos's own JSON), absent
 * optional fields with an explicit non-deprecated default filled in (as Mesos's JSON writer writes
 * them), other absent fields and empty repeated fields left out. Enum values the schema does not
 * know (a newer master) are dropped from optional and repeated fields, proto2-style.
 */
import { MesosDecodeError, MesosMisuseError } from '../common/errors';
import { FieldPathError } from './errors';
import { int64JsonState } from './int64';
import { parseJsonExact, stringifyJson } from './int64-json';
import { jsonMessageDecoder, parseMesosJson, toMesosJsonObject } from './json';
import { decodeProtobuf, encodeProtobuf } from './protobuf';
import { findMissingRequired, getMessageInfo, type MessageInfo } from './reflect';
import { decodeState } from './shared';
import { canonicalize } from './validate';

export { MesosEncodeError } from './errors';

/** The two encodings the Mesos HTTP APIs speak. */
export type WireFormat = 'protobuf' | 'json';

/** The exact media type of each format, for `Content-Type` and `Accept` (the master compares them byte for byte). */
export const MEDIA_TYPES: Readonly<Record<WireFormat, string>> = Object.freeze({
  protobuf: 'application/x-protobuf',
  json: 'application/json',
});

/** Full names of the message types the transports and drivers encode and decode. */
export const TYPE_NAMES = Object.freeze({
  /** A call from a scheduler to the master. */
  SchedulerCall: 'mesos.v1.scheduler.Call',
  /** An event from the master to a scheduler. */
  SchedulerEvent: 'mesos.v1.scheduler.Event',
  /** The body of a 200 answer to a scheduler call (rather than 202 with no body). */
  SchedulerResponse: 'mesos.v1.scheduler.Response',
  /** A call from an executor to its agent. */
  ExecutorCall: 'mesos.v1.executor.Call',
  /** An event from the agent to an executor. */
  ExecutorEvent: 'mesos.v1.executor.Event',
  /** A master's identity, as published in ZooKeeper (JSON) and sent in SUBSCRIBED. */
  MasterInfo: 'mesos.v1.MasterInfo',
  /** An operator call to a master (`POST /api/v1`). */
  MasterCall: 'mesos.v1.master.Call',
  /** The body of a master's answer to an operator call that returns data. */
  MasterResponse: 'mesos.v1.master.Response',
  /** One record of a master's operator event stream (SUBSCRIBE). */
  MasterEvent: 'mesos.v1.master.Event',
  /** An operator call to an agent (`POST /api/v1`); also each record of ATTACH_CONTAINER_INPUT. */
  AgentCall: 'mesos.v1.agent.Call',
  /** The body of an agent's answer to an operator call that returns data. */
  AgentResponse: 'mesos.v1.agent.Response',
  /** One record of a container's input or output stream (agent streaming calls). */
  ProcessIO: 'mesos.v1.agent.ProcessIO',
} as const);

/** Encodes and decodes one message type in one wire format. */
export interface MessageCodec<T> {
  /** The wire format. */
  readonly format: WireFormat;
  /** The media type for headers, e.g. `application/x-protobuf`. */
  readonly mediaType: string;
  /** The full proto name of the message type, e.g. `mesos.v1.scheduler.Event`. */
  readonly typeName: string;
  /**
   * Serializes a message. Throws `MesosEncodeError` (a `MesosMisuseError`) naming the field path
   * when a required field is missing, an enum name is unknown, a value has the wrong type or a
   * key is not a field of the message. Bytes fields take Uint8Array/Buffer, or a string meaning its UTF-8 data.
   */
  encode(message: T): Buffer;
  /** Parses a message. Throws `MesosDecodeError` naming the type and the problem (and field path). */
  decode(data: Uint8Array): T;
}

function formatName(format: WireFormat): string {
  return format === 'json' ? 'JSON' : 'protobuf';
}

/** Runs a decoder, turning every failure into a `MesosDecodeError` and checking required fields. */
function decodeWith(
  info: MessageInfo,
  format: WireFormat,
  run: () => Record<string, unknown>,
): Record<string, unknown> {
  decodeState.missingRequired = false;
  let message: Record<string, unknown>;
  try {
    message = run();
  } catch (err) {
    if (err instanceof MesosDecodeError) throw err;
    if (err instanceof FieldPathError) {
      const path = err.path;
      throw new MesosDecodeError(
        `Cannot decode ${info.fullName} from ${formatName(format)}: ${path ? `field '${path}': ` : ''}${err.reason}`,
      );
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw new MesosDecodeError(`Cannot decode ${info.fullName} from ${formatName(format)}: ${reason}`, { cause: err });
  }
  if (decodeState.missingRequired) {
    decodeState.missingRequired = false;
    const missing = findMissingRequired(info, message);
    if (missing.length > 0) {
      throw new MesosDecodeError(
        `Cannot decode ${info.fullName} from ${formatName(format)}: Missing required fields: ${missing.join(', ')}`,
      );
    }
  }
  return message;
}

function toBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

class JsonCodec<T> implements MessageCodec<T> {
  readonly format = 'json' as const;
  readonly mediaType = MEDIA_TYPES.json;
  readonly typeName: string;
  private readonly info: MessageInfo;
  private readonly decodeObject: (value: unknown) => unknown;

  constructor(info: MessageInfo) {
    this.info = info;
    this.typeName = info.fullName;
    this.decodeObject = jsonMessageDecoder(info);
  }

  encode(message: T): Buffer {
    const canonical = canonicalize(this.info, message);
    return Buffer.from(stringifyJson(toMesosJsonObject(this.info, canonical)), 'utf8');
  }

  decode(data: Uint8Array): T {
    if (!(data instanceof Uint8Array)) {
      throw new MesosMisuseError(`${this.typeName} JSON decode expects a Uint8Array or Buffer`);
    }
    const text = toBuffer(data).toString('utf8');
    return decodeWith(this.info, 'json', () => {
      let parsed: unknown;
      try {
        parsed = parseMesosJson(text);
      } catch (err) {
        throw new MesosDecodeError(
          `Cannot decode ${this.typeName} from JSON: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
      int64JsonState.rounded = false;
      int64JsonState.rereadable = true;
      let message: Record<string, unknown>;
      try {
        message = this.decodeObject(parsed) as Record<string, unknown>;
      } finally {
        int64JsonState.rereadable = false;
      }
      if (!int64JsonState.rounded) return message;
      // A 64-bit field held a number beyond 2^53 that JSON.parse may have rounded: read it exactly.
      int64JsonState.rounded = false;
      return this.decodeObject(parseJsonExact(text)) as Record<string, unknown>;
    }) as T;
  }

  /** Decodes an already parsed JSON value (e.g. a znode's JSON object), leaving the caller's value untouched. */
  decodeValue(value: unknown): T {
    return decodeWith(
      this.info,
      'json',
      () => this.decodeObject(structuredClone(value)) as Record<string, unknown>,
    ) as T;
  }
}

class ProtobufCodec<T> implements MessageCodec<T> {
  readonly format = 'protobuf' as const;
  readonly mediaType = MEDIA_TYPES.protobuf;
  readonly typeName: string;
  private readonly info: MessageInfo;

  constructor(info: MessageInfo) {
    this.info = info;
    this.typeName = info.fullName;
  }

  encode(message: T): Buffer {
    return encodeProtobuf(this.info, canonicalize(this.info, message));
  }

  decode(data: Uint8Array): T {
    if (!(data instanceof Uint8Array)) {
      throw new MesosMisuseError(`${this.typeName} protobuf decode expects a Uint8Array or Buffer`);
    }
    return decodeWith(this.info, 'protobuf', () => decodeProtobuf(this.info, data)) as T;
  }
}

const codecs = new Map<string, MessageCodec<unknown>>();

/**
 * The codec for a message type (full proto name, see `TYPE_NAMES`) in a wire format. Built once
 * per pair and cached. Throws `MesosMisuseError` for an unknown type or format.
 */
export function getCodec<T>(typeName: string, format: WireFormat): MessageCodec<T> {
  const key = `${format}\u0000${typeName}`;
  const cached = codecs.get(key);
  if (cached) return cached as MessageCodec<T>;
  if (format !== 'json' && format !== 'protobuf') {
    throw new MesosMisuseError(`Unknown wire format ${JSON.stringify(format)}: expected 'protobuf' or 'json'`);
  }
  let info: MessageInfo;
  try {
    info = getMessageInfo(String(typeName).replace(/^\./, ''));
  } catch (err) {
    throw new MesosMisuseError(
      `Unknown message type ${JSON.stringify(typeName)} (expected a full name like 'mesos.v1.scheduler.Call')`,
      { cause: err },
    );
  }
  const codec = format === 'json' ? new JsonCodec<T>(info) : new ProtobufCodec<T>(info);
  codecs.set(key, codec as MessageCodec<unknown>);
  return codec;
}

/**
 * Decodes a JSON value that is already parsed (for example a ZooKeeper `json.info_*` znode read
 * as an object) with the same rules as the JSON codec. Throws `MesosDecodeError`.
 */
export function decodeJsonValue<T>(typeName: string, value: unknown): T {
  return (getCodec<T>(typeName, 'json') as JsonCodec<T>).decodeValue(value);
}

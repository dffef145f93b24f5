/** Codec-specific error classes, and the internal error the converters use to carry field paths. */
import { type MesosErrorOptions, MesosMisuseError } from '../common/errors';
import { joinPath } from './reflect';

/**
 * A message could not be encoded because it is not a valid instance of its type: a required field
 * is missing, an enum name is unknown, a value has the wrong type, or a key is not a field.
 */
export class MesosEncodeError extends MesosMisuseError {
  /** The message type being encoded, e.g. `mesos.v1.scheduler.Call`. */
  readonly typeName: string;
  /** Paths of the offending fields (`subscribe.framework_info.user`); empty when the whole message is wrong. */
  readonly paths: readonly string[];
  constructor(typeName: string, paths: readonly string[], message: string, options: MesosErrorOptions = {}) {
    super(message, options);
    this.typeName = typeName;
    this.paths = paths;
  }
}

/**
 * Internal: thrown by a converter deep in a message; each enclosing converter prepends its field
 * name or index, so the top level can name the full path. Never escapes the codec.
 */
export class FieldPathError extends Error {
  readonly segments: string[];
  readonly reason: string;
  constructor(reason: string, segments: string[] = []) {
    super(reason);
    this.reason = reason;
    this.segments = segments;
  }
  /** The full path, e.g. `offers.offers[0].resources[1].scalar.value`. */
  get path(): string {
    return joinPath(this.segments);
  }
}

/**
 * A short description of a wrong-typed value for error messages: its type and, for short scalars,
 * the value (truncated so long input cannot flood logs; bytes are never shown).
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return `bytes (${value.length})`;
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 40 ? `${value.slice(0, 40)}...` : value;
      return `string ${JSON.stringify(shown)}`;
    }
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${String(value)}`;
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

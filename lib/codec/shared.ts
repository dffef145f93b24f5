/** Small pieces both decoders share. */
import type { FieldInfo } from './reflect';

/**
 * Set by a decoder when some message lacked a required field. Decoding is synchronous, so one
 * flag suffices; the codec then walks the result once to name every missing path. Keeping the
 * hot path free of path bookkeeping is what makes decoding cheap.
 */
export const decodeState = { missingRequired: false };

/** Fills an absent field that has a default, as Mesos's JSON writer would have written it. */
export function fillDefault(out: Record<string, unknown>, field: FieldInfo): void {
  if (out[field.name] !== undefined) return;
  const value = field.defaultValue;
  // Bytes defaults are copied so no caller can mutate a shared Buffer.
  out[field.name] = value instanceof Uint8Array ? Buffer.from(value) : value;
}

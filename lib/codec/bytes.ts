/** `bytes` fields: a Uint8Array, or a string taken as UTF-8 (see the `Bytes` type in messages.ts). */
import type { Bytes } from './messages';

/** The bytes of a `bytes` field as a Buffer: no copy for a Buffer or a Uint8Array; a string as UTF-8. */
export function bytesToBuffer(bytes: Bytes): Buffer {
  if (typeof bytes === 'string') return Buffer.from(bytes, 'utf8');
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * TimeInfo (nanoseconds since the epoch) computed in bigint: a time in ms times 10^6 is beyond
 * 2^53, where a double loses the last digits (64-bit fields are `Int64 = number | bigint`, see
 * lib/codec/int64.ts).
 */
import type { TimeInfo } from '../codec/messages';

/** `ms` since the epoch (fractions rounded) as a TimeInfo. */
export function timeInfo(ms: number): TimeInfo {
  return { nanoseconds: BigInt(Math.round(ms)) * 1_000_000n };
}

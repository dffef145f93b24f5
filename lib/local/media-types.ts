/**
 * Content-Type and Accept rules of the master's scheduler endpoint (§1.2): exact-match
 * Content-Type, and Accept negotiation that prefers JSON.
 */
import { MEDIA_TYPES, type WireFormat } from '../codec/codec';

/** The request format named by a Content-Type, compared byte for byte as Mesos does; undefined when neither. */
export function formatOfContentType(contentType: string): WireFormat | undefined {
  if (contentType === MEDIA_TYPES.json) return 'json';
  if (contentType === MEDIA_TYPES.protobuf) return 'protobuf';
  return undefined;
}

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

function parseAccept(header: string): MediaRange[] {
  const ranges: MediaRange[] = [];
  for (const part of header.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim());
    if (!range) continue;
    const [type, subtype] = range.toLowerCase().split('/');
    if (!type || !subtype) continue;
    let q = 1;
    for (const param of params) {
      const [key, value] = param.split('=').map((s) => s.trim());
      if (key?.toLowerCase() === 'q' && value !== undefined) {
        const parsed = Number(value);
        q = Number.isFinite(parsed) ? parsed : 0;
      }
    }
    ranges.push({ type, subtype, q });
  }
  return ranges;
}

/** True when `accept` (a header value, possibly absent) allows `mediaType`; the most specific matching range decides. */
export function acceptsMediaType(accept: string | undefined, mediaType: string): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  const [type, subtype] = mediaType.split('/') as [string, string];
  let best: { specificity: number; q: number } | undefined;
  for (const range of parseAccept(accept)) {
    let specificity: number;
    if (range.type === type && range.subtype === subtype) specificity = 2;
    else if (range.type === type && range.subtype === '*') specificity = 1;
    else if (range.type === '*' && range.subtype === '*') specificity = 0;
    else continue;
    if (!best || specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best !== undefined && best.q > 0;
}

/** The response format for a SUBSCRIBE/RECONCILE_OPERATIONS: JSON first, then protobuf, else undefined (406). */
export function negotiateResponseFormat(accept: string | undefined): WireFormat | undefined {
  if (acceptsMediaType(accept, MEDIA_TYPES.json)) return 'json';
  if (acceptsMediaType(accept, MEDIA_TYPES.protobuf)) return 'protobuf';
  return undefined;
}

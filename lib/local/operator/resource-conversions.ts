/**
 * What RESERVE, UNRESERVE, CREATE and DESTROY take from an agent's resources and give back, shared
 * by the scheduler's ACCEPT operations and the operator's RESERVE_RESOURCES, UNRESERVE_RESOURCES,
 * CREATE_VOLUMES and DESTROY_VOLUMES calls.
 */
import type { Offer, Resource } from '../../codec/messages';
import { withoutAllocation } from '../allocation-info';
import { resizeConversion } from '../volume-resize';

/** The resources an operation consumes and the ones it converts them into. */
export interface Conversion {
  consumed: Resource[];
  converted: Resource[];
  /** Why the operation is invalid (then nothing is consumed). */
  problem?: string;
}

/** The conversion of a RESERVE / UNRESERVE / CREATE / DESTROY / GROW_VOLUME / SHRINK_VOLUME operation. */
export function conversionOf(operation: Offer.Operation): Conversion {
  switch (operation.type) {
    case 'RESERVE': {
      const converted = withoutAllocation(operation.reserve?.resources);
      const source = operation.reserve?.source;
      return { converted, consumed: source?.length ? withoutAllocation(source) : converted.map(popReservation) };
    }
    case 'UNRESERVE': {
      const consumed = withoutAllocation(operation.unreserve?.resources);
      return { consumed, converted: consumed.map(popReservation) };
    }
    case 'GROW_VOLUME':
    case 'SHRINK_VOLUME': {
      const resize = resizeConversion(operation);
      return 'problem' in resize ? { consumed: [], converted: [], problem: resize.problem } : resize;
    }
    case 'CREATE': {
      const converted = withoutAllocation(operation.create?.volumes);
      return { converted, consumed: converted.map(withoutVolume) };
    }
    default: {
      const consumed = withoutAllocation(operation.destroy?.volumes);
      return { consumed, converted: consumed.map(withoutVolume) };
    }
  }
}

/** The resource one reservation refinement less reserved (what RESERVE consumes / UNRESERVE gives back). */
export function popReservation(resource: Resource): Resource {
  const { reservation: _r, role: _role, ...rest } = resource;
  const stack = resource.reservations ?? [];
  if (stack.length > 1) return { ...rest, reservations: stack.slice(0, -1) };
  const { reservations: _all, ...unreserved } = rest;
  return unreserved;
}

/** The disk resource without its persistent volume (what CREATE consumes / DESTROY gives back). */
export function withoutVolume(resource: Resource): Resource {
  if (!resource.disk) return resource;
  const { persistence: _p, volume: _v, ...disk } = resource.disk;
  const { disk: _d, ...rest } = resource;
  return Object.keys(disk).length > 0 ? { ...rest, disk } : rest;
}

/**
 * GROW_VOLUME and SHRINK_VOLUME on LocalCluster's resource model, as Mesos does them on an agent
 * with the RESIZE_VOLUME capability (every agent has it by default): GROW consumes a persistent
 * volume and an `addition` of plain disk with the same role, reservations and disk source, and
 * gives back the volume that much larger; SHRINK consumes the volume and gives back the volume
 * `subtract` smaller plus `subtract` of plain disk. Shared volumes and MOUNT disks cannot be
 * resized. CREATE_DISK and DESTROY_DISK need a storage local resource provider, i.e. a CSI
 * plugin, which LocalCluster's agents do not have: they are OPERATION_ERROR, saying so.
 */
import type { Offer, Resource } from '../codec/messages';
import { withoutAllocation } from './allocation-info';

/** What a resize takes from the agent and gives back, or why it is invalid. */
export type ResizeConversion = { consumed: Resource[]; converted: Resource[] } | { problem: string };

function plainDisk(volume: Resource, value: number): Resource {
  const { disk, scalar: _scalar, shared: _shared, ...rest } = volume;
  const { persistence: _p, volume: _v, ...diskLeft } = disk ?? {};
  return { ...rest, scalar: { value }, ...(Object.keys(diskLeft).length > 0 ? { disk: diskLeft } : {}) };
}

function withSize(volume: Resource, value: number): Resource {
  return { ...volume, scalar: { value } };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000; // Mesos's scalar precision
}

function volumeProblem(volume: Resource | undefined): string | undefined {
  if (volume?.name !== 'disk' || !volume.disk?.persistence) return 'the volume is not a persistent volume';
  if (volume.shared) return 'a shared persistent volume cannot be resized';
  if (volume.disk.source?.type === 'MOUNT') return 'a persistent volume on a MOUNT disk cannot be resized';
  return undefined;
}

/** The conversion of a GROW_VOLUME or SHRINK_VOLUME operation. */
export function resizeConversion(operation: Offer.Operation): ResizeConversion {
  if (operation.type === 'GROW_VOLUME') {
    const grow = operation.grow_volume;
    const [volume, addition] = withoutAllocation(grow ? [grow.volume, grow.addition] : []);
    const problem = volumeProblem(volume);
    if (problem || !volume) return { problem: problem ?? 'no volume' };
    const amount = addition?.scalar?.value ?? 0;
    if (addition?.name !== 'disk' || !(amount > 0)) return { problem: 'the addition must be disk > 0' };
    if (addition.disk?.persistence) return { problem: 'the addition must not be a persistent volume' };
    if (JSON.stringify(plainDisk(volume, amount)) !== JSON.stringify(plainDisk(addition, amount)))
      return { problem: 'the addition must have the role, reservations and disk source of the volume' };
    const size = volume.scalar?.value ?? 0;
    return { consumed: [volume, addition], converted: [withSize(volume, round(size + amount))] };
  }
  const shrink = operation.shrink_volume;
  const [volume] = withoutAllocation(shrink ? [shrink.volume] : []);
  const problem = volumeProblem(volume);
  if (problem || !volume) return { problem: problem ?? 'no volume' };
  const subtract = shrink?.subtract.value ?? 0;
  const size = volume.scalar?.value ?? 0;
  if (!(subtract > 0) || !(subtract < size))
    return { problem: `'subtract' must be > 0 and less than the volume's size (${size})` };
  return {
    consumed: [volume],
    converted: [withSize(volume, round(size - subtract)), plainDisk(volume, round(subtract))],
  };
}

/** Why LocalCluster refuses an offer operation it cannot model. */
export function unsupportedOperation(operation: Offer.Operation): string {
  const type = operation.type;
  if (type === 'CREATE_DISK' || type === 'DESTROY_DISK')
    return `${type} needs a storage local resource provider (a CSI plugin), which LocalCluster's agents do not have`;
  return `Unsupported operation ${String(type)}`;
}

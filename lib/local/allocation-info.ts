/** Small helpers about who may use a resource and which role it is allocated to. */
import type { Resource } from '../codec/messages';

/** The role a resource is reserved for, or undefined when it is unreserved. */
export function reservationRole(resource: Resource): string | undefined {
  const stack = resource.reservations;
  if (stack && stack.length > 0) return stack[stack.length - 1]?.role;
  if (resource.role !== undefined && resource.role !== '*') return resource.role;
  return undefined;
}

/** True when a framework acting in `role` may be offered `resource` (unreserved, or reserved to that role or an ancestor). */
export function usableByRole(resource: Resource, role: string): boolean {
  const reserved = reservationRole(resource);
  return reserved === undefined || reserved === role || role.startsWith(`${reserved}/`);
}

/** A copy of `resources` without `allocation_info`, the form the master does its accounting in. */
export function withoutAllocation(resources: readonly Resource[] | undefined): Resource[] {
  return (resources ?? []).map((resource) => {
    const { allocation_info: _ignored, ...rest } = resource;
    return rest;
  });
}

/** A copy of `resources` with `allocation_info.role` set to `role`, as offers carry them. */
export function allocatedTo(resources: readonly Resource[], role: string): Resource[] {
  return resources.map((resource) => ({ ...resource, allocation_info: { role } }));
}

/** Sum of the scalar resource `name` in `resources`. */
export function scalarTotal(resources: readonly Resource[], name: string): number {
  let total = 0;
  for (const resource of resources) {
    if (resource.name === name && resource.type === 'SCALAR') total += resource.scalar?.value ?? 0;
  }
  return total;
}

/**
 * The little resource arithmetic the samples need: parse `cpus:0.1;mem:32` and carve one task's
 * scalars out of what is left of an offer, keeping each piece's role, reservations and allocation.
 */
import { MesosConfigError, type Resource } from '../../lib';

/** Wanted amounts of scalar resources, by name (e.g. `{ cpus: 0.1, mem: 32 }`). */
export type ScalarDemand = ReadonlyMap<string, number>;

/** Scalars are compared in thousandths, Mesos's fixed-point precision, so 0.1 + 0.2 fits 0.3. */
const UNITS = 1000;
const toUnits = (value: number) => Math.round(value * UNITS);

/** Parses Mesos's `name:value;name:value` syntax (scalars only); throws MesosConfigError naming the bad part. */
export function parseScalarResources(text: string, flag = 'task_resources'): ScalarDemand {
  const demand = new Map<string, number>();
  for (const part of text
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^([A-Za-z_][\w.-]*):\s*([0-9]*\.?[0-9]+)$/.exec(part);
    if (!match)
      throw new MesosConfigError(
        `--${flag}: expected name:number, got '${part}' (only scalar resources are supported)`,
      );
    const [, name, value] = match as unknown as [string, string, string];
    demand.set(name, (demand.get(name) ?? 0) + Number(value));
  }
  if (demand.size === 0) throw new MesosConfigError(`--${flag}: no resources given`);
  return demand;
}

/** Sum of the scalar resources named `name`. */
export function scalarSum(resources: readonly Resource[] | undefined, name: string): number {
  return (resources ?? []).reduce(
    (sum, r) => (r.name === name && r.type === 'SCALAR' ? sum + (r.scalar?.value ?? 0) : sum),
    0,
  );
}

/**
 * Takes `demand` out of `remaining` (mutated in place) and returns the taken pieces, or undefined
 * (leaving `remaining` untouched) when it does not fit. Like Mesos's `Resources::find`, any
 * reservation counts ("ignoring reservations"), and taken pieces keep their reservations and
 * `allocation_info`, which a MULTI_ROLE framework's task resources must carry.
 */
export function takeScalars(remaining: Resource[], demand: ScalarDemand): Resource[] | undefined {
  for (const [name, amount] of demand) {
    if (toUnits(scalarSum(remaining, name)) < toUnits(amount)) return undefined;
  }
  const taken: Resource[] = [];
  for (const [name, amount] of demand) {
    let needed = toUnits(amount);
    for (let i = 0; i < remaining.length && needed > 0; i++) {
      const piece = remaining[i] as Resource;
      if (piece.name !== name || piece.type !== 'SCALAR') continue;
      const have = toUnits(piece.scalar?.value ?? 0);
      const use = Math.min(have, needed);
      if (use <= 0) continue;
      taken.push({ ...piece, scalar: { value: use / UNITS } });
      remaining[i] = { ...piece, scalar: { value: (have - use) / UNITS } };
      needed -= use;
    }
  }
  return taken;
}

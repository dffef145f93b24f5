/**
 * Mesos resources for the simulated cluster: parsing the agent's `--resources` / `--attributes`
 * syntax and the arithmetic the allocator needs (add, subtract, contains), following
 * `src/common/resources.cpp` and `src/common/values.cpp`.
 *
 * Scalars are compared in fixed point with three decimals, as Mesos does, so `0.1 + 0.2`
 * contains `0.3`. Two resources combine only when everything but their value matches: name,
 * type, reservations (the deprecated `role` field counts as a static reservation), allocation
 * role, disk, revocable, shared and provider.
 */
import type { Attribute, Resource, Value } from '../codec/messages';
import { MesosConfigError } from '../common/errors';

/** Scalars are kept in thousandths, Mesos's fixed-point precision. */
const SCALAR_PRECISION = 1000;

function toFixed(value: number): number {
  return Math.round(value * SCALAR_PRECISION);
}

function fromFixed(units: number): number {
  return units / SCALAR_PRECISION;
}

// ---------------------------------------------------------------------------------------------
// Identity of a resource (everything except its value)

/** The reservations a resource carries, reading the deprecated `role`/`reservation` fields too. */
export function reservationsOf(resource: Resource): Resource.ReservationInfo[] {
  if (resource.reservations && resource.reservations.length > 0) return resource.reservations;
  if (resource.role !== undefined && resource.role !== '*') {
    const type = resource.reservation ? 'DYNAMIC' : 'STATIC';
    return [{ ...resource.reservation, type, role: resource.role }];
  }
  return [];
}

/** The role a resource is reserved to (the last reservation's role), or `'*'` when unreserved. */
export function reservationRole(resource: Resource): string {
  const reservations = reservationsOf(resource);
  return reservations.length > 0 ? (reservations[reservations.length - 1]?.role ?? '*') : '*';
}

/** True when a resource has nothing beyond name, type and value (the common case: `cpus:4`); mirrors {@link identityKey}. */
function isPlain(resource: Resource): boolean {
  return (
    (resource.reservations === undefined || resource.reservations.length === 0) &&
    (resource.role === undefined || resource.role === '*') &&
    (resource.allocation_info?.role ?? null) === null &&
    (resource.disk ?? null) === null &&
    !resource.revocable &&
    !resource.shared &&
    (resource.provider_id?.value ?? null) === null
  );
}

function identityKey(resource: Resource): string {
  // Fast path: a plain resource is identified by name and type alone. The leading control
  // character never starts a JSON text, so these keys cannot meet the general ones below.
  if (isPlain(resource)) return `\u0001${resource.name}\u0000${resource.type}`;
  const reservations = reservationsOf(resource).map((r) => ({
    type: r.type ?? 'STATIC',
    role: r.role ?? '*',
    principal: r.principal ?? null,
    labels: r.labels ?? null,
  }));
  return JSON.stringify([
    resource.name,
    resource.type,
    reservations,
    resource.allocation_info?.role ?? null,
    resource.disk ?? null,
    resource.revocable ? 1 : 0,
    resource.shared ? 1 : 0,
    resource.provider_id?.value ?? null,
  ]);
}

// ---------------------------------------------------------------------------------------------
// Ranges and sets

/** A Value.Range with number bounds (its Int64 bounds converted). */
type NumericRange = { begin: number; end: number };

/** Sorts and merges overlapping or adjacent ranges (`[1-3, 4-6]` becomes `[1-6]`). */
export function normalizeRanges(ranges: Value.Range[]): NumericRange[] {
  // LocalCluster's ranges (ports and the like) are far below 2^53: plain numbers here.
  const sorted = ranges.map((r) => ({ begin: Number(r.begin), end: Number(r.end) })).sort((a, b) => a.begin - b.begin);
  const merged: NumericRange[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.begin <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push(range);
  }
  return merged;
}

function subtractRanges(have: Value.Range[], remove: Value.Range[]): NumericRange[] {
  let result = normalizeRanges(have);
  for (const cut of normalizeRanges(remove)) {
    const next: NumericRange[] = [];
    for (const range of result) {
      if (cut.end < range.begin || cut.begin > range.end) {
        next.push(range);
        continue;
      }
      if (range.begin < cut.begin) next.push({ begin: range.begin, end: cut.begin - 1 });
      if (range.end > cut.end) next.push({ begin: cut.end + 1, end: range.end });
    }
    result = next;
  }
  return result;
}

function rangesContain(have: Value.Range[], want: Value.Range[]): boolean {
  const merged = normalizeRanges(have);
  return normalizeRanges(want).every((w) => merged.some((h) => h.begin <= w.begin && w.end <= h.end));
}

function setItems(resource: Resource): string[] {
  return resource.set?.item ?? [];
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

function valueIsEmpty(resource: Resource): boolean {
  switch (resource.type) {
    case 'SCALAR':
      return toFixed(resource.scalar?.value ?? 0) <= 0;
    case 'RANGES':
      return (resource.ranges?.range ?? []).length === 0;
    case 'SET':
      return setItems(resource).length === 0;
    default:
      return true;
  }
}

function cloneResource(resource: Resource): Resource {
  const copy: Resource = { ...resource };
  if (resource.scalar) copy.scalar = { value: resource.scalar.value };
  if (resource.ranges) copy.ranges = { range: normalizeRanges(resource.ranges.range ?? []) };
  if (resource.set) copy.set = { item: [...setItems(resource)] };
  return copy;
}

/** Adds `addend`'s value into `target` (same identity). */
function addInto(target: Resource, addend: Resource): void {
  switch (target.type) {
    case 'SCALAR':
      target.scalar = { value: fromFixed(toFixed(target.scalar?.value ?? 0) + toFixed(addend.scalar?.value ?? 0)) };
      break;
    case 'RANGES':
      target.ranges = { range: normalizeRanges([...(target.ranges?.range ?? []), ...(addend.ranges?.range ?? [])]) };
      break;
    case 'SET': {
      const items = new Set([...setItems(target), ...setItems(addend)]);
      target.set = { item: [...items] };
      break;
    }
    default:
      break;
  }
}

function subtractFrom(target: Resource, subtrahend: Resource): void {
  switch (target.type) {
    case 'SCALAR': {
      const units = toFixed(target.scalar?.value ?? 0) - toFixed(subtrahend.scalar?.value ?? 0);
      target.scalar = { value: fromFixed(Math.max(0, units)) };
      break;
    }
    case 'RANGES':
      target.ranges = { range: subtractRanges(target.ranges?.range ?? [], subtrahend.ranges?.range ?? []) };
      break;
    case 'SET': {
      const remove = new Set(setItems(subtrahend));
      target.set = { item: setItems(target).filter((item) => !remove.has(item)) };
      break;
    }
    default:
      break;
  }
}

function valueContains(have: Resource, want: Resource): boolean {
  switch (have.type) {
    case 'SCALAR':
      return toFixed(have.scalar?.value ?? 0) >= toFixed(want.scalar?.value ?? 0);
    case 'RANGES':
      return rangesContain(have.ranges?.range ?? [], want.ranges?.range ?? []);
    case 'SET': {
      const items = new Set(setItems(have));
      return setItems(want).every((item) => items.has(item));
    }
    default:
      return false;
  }
}

/** Groups resources by identity, summing values; empty values are dropped. */
function consolidate(resources: readonly Resource[]): Map<string, Resource> {
  const byKey = new Map<string, Resource>();
  for (const resource of resources) {
    if (valueIsEmpty(resource)) continue;
    const key = identityKey(resource);
    const existing = byKey.get(key);
    if (existing) addInto(existing, resource);
    else byKey.set(key, cloneResource(resource));
  }
  return byKey;
}

/**
 * A running sum of resources, consolidated by identity, that is updated in place: the master's
 * per-agent and per-framework totals (as Mesos's `Slave::usedResources`), so an update costs the
 * size of the change rather than re-adding every task's resources.
 */
export class ResourceTotals {
  private readonly byKey = new Map<string, Resource>();

  /** Adds `resources` into the totals. */
  add(resources: readonly Resource[]): void {
    for (const resource of resources) {
      if (valueIsEmpty(resource)) continue;
      const key = identityKey(resource);
      const existing = this.byKey.get(key);
      if (existing) addInto(existing, resource);
      else this.byKey.set(key, cloneResource(resource));
    }
  }

  /** Takes `resources` out of the totals; what the totals do not hold is ignored (scalars stop at zero). */
  subtract(resources: readonly Resource[]): void {
    for (const resource of resources) {
      if (valueIsEmpty(resource)) continue;
      const key = identityKey(resource);
      const existing = this.byKey.get(key);
      if (!existing) continue;
      subtractFrom(existing, resource);
      if (valueIsEmpty(existing)) this.byKey.delete(key);
    }
  }

  /** True when the totals hold nothing. */
  get isEmpty(): boolean {
    return this.byKey.size === 0;
  }

  /** A copy of the totals as a consolidated resource list. */
  toArray(): Resource[] {
    return [...this.byKey.values()].map(cloneResource);
  }

  /** The consolidated entries by identity, for the arithmetic in this module (read-only). */
  entries(): IterableIterator<[string, Resource]> {
    return this.byKey.entries();
  }
}

/** `a + b`: values of resources with the same identity are summed (ranges merged, sets unioned). */
export function addResources(a: Resource[], b: Resource[]): Resource[] {
  return [...consolidate([...a, ...b]).values()];
}

/**
 * `a - b`: what is left of `a` after taking `b` away. Parts of `b` that `a` does not hold are
 * ignored (scalars stop at zero), as Mesos's `Resources::operator-` does.
 */
export function subtractResources(a: readonly Resource[], b: readonly Resource[] | ResourceTotals): Resource[] {
  const result = consolidate(a);
  if (result.size === 0) return [];
  for (const [key, remove] of b instanceof ResourceTotals ? b.entries() : consolidate(b)) {
    const existing = result.get(key);
    if (!existing) continue;
    subtractFrom(existing, remove);
    if (valueIsEmpty(existing)) result.delete(key);
  }
  return [...result.values()];
}

/** True when `have` holds all of `want`, identity by identity (a reservation never satisfies another role). */
export function containsResources(have: Resource[], want: Resource[]): boolean {
  const held = consolidate(have);
  for (const [key, needed] of consolidate(want)) {
    const available = held.get(key);
    if (!available || !valueContains(available, needed)) return false;
  }
  return true;
}

/** True when the list holds nothing (no resource with a non-zero value). */
export function isEmptyResources(resources: Resource[]): boolean {
  return resources.every(valueIsEmpty);
}

/** The total of scalar resource `name` over every role and reservation (0 when absent). */
export function scalar(resources: Resource[], name: string): number {
  let units = 0;
  for (const r of resources) if (r.name === name && r.type === 'SCALAR') units += toFixed(r.scalar?.value ?? 0);
  return fromFixed(units);
}

/** Every range of ranges resource `name`, merged over roles. */
export function ranges(resources: Resource[], name: string): Value.Range[] {
  return normalizeRanges(
    resources.filter((r) => r.name === name && r.type === 'RANGES').flatMap((r) => r.ranges?.range ?? []),
  );
}

/** Copies of `resources` marked as allocated to `role` (as offers and tasks carry them). */
export function allocateTo(resources: Resource[], role: string): Resource[] {
  return resources.map((r) => ({ ...cloneResource(r), allocation_info: { role } }));
}

/** Resources in the format frameworks without RESERVATION_REFINEMENT expect: `role` (+ `reservation`) instead of `reservations`. */
export function toPreRefinementFormat(resources: Resource[]): Resource[] {
  return resources.map((r) => {
    const { reservations: _ignored, ...rest } = cloneResource(r);
    const stack = reservationsOf(r);
    const last = stack[stack.length - 1];
    if (!last) return { ...rest, role: '*' };
    const converted: Resource = { ...rest, role: last.role ?? '*' };
    if (last.type === 'DYNAMIC') {
      const { type: _t, role: _r, ...reservation } = last;
      converted.reservation = reservation;
    } else {
      delete converted.reservation;
    }
    return converted;
  });
}

// ---------------------------------------------------------------------------------------------
// Formatting

function formatValue(value: {
  type: Value.Type;
  scalar?: Value.Scalar;
  ranges?: Value.Ranges;
  set?: Value.Set;
  text?: Value.Text;
}): string {
  switch (value.type) {
    case 'SCALAR':
      return String(value.scalar?.value ?? 0);
    case 'RANGES':
      return `[${(value.ranges?.range ?? []).map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
    case 'SET':
      return `{${(value.set?.item ?? []).join(', ')}}`;
    case 'TEXT':
      return value.text?.value ?? '';
    default:
      return '?';
  }
}

/** Mesos's text form, e.g. `cpus(*):4; mem(*):1024; ports(*):[31000-32000]`, for logs and messages. */
export function formatResources(resources: Resource[]): string {
  return resources
    .map((r) => {
      const roles = reservationsOf(r).map((s) => s.role ?? '*');
      const role = roles.length > 0 ? roles.join(',') : '*';
      const alloc = r.allocation_info?.role !== undefined ? `{ALLOC: ${r.allocation_info.role}}` : '';
      return `${r.name}(${role})${alloc}:${formatValue(r)}`;
    })
    .join('; ');
}

// ---------------------------------------------------------------------------------------------
// Parsing

interface ParsedValue {
  type: Value.Type;
  scalar?: Value.Scalar;
  ranges?: Value.Ranges;
  set?: Value.Set;
  text?: Value.Text;
}

const SCALAR_PATTERN = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function parseRangesText(text: string, what: string): Value.Range[] {
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  return inner.split(',').map((part) => {
    const bounds = part
      .trim()
      .split('-')
      .map((s) => s.trim());
    const [beginText, endText = beginText] = bounds;
    if (bounds.length > 2 || !beginText || !endText || !/^\d+$/.test(beginText) || !/^\d+$/.test(endText)) {
      throw new MesosConfigError(
        `Invalid range '${part.trim()}' in ${what}: expected 'begin-end' with non-negative integers`,
      );
    }
    const begin = Number(beginText);
    const end = Number(endText);
    if (begin > end) throw new MesosConfigError(`Invalid range '${part.trim()}' in ${what}: begin is greater than end`);
    return { begin, end };
  });
}

/** Parses a value as Mesos's `Values::parse` does: `[..]` ranges, `{..}` set, a number, else text. */
function parseValueText(text: string, what: string): ParsedValue {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    if (!trimmed.endsWith(']')) throw new MesosConfigError(`Invalid ranges '${trimmed}' in ${what}: missing ']'`);
    return { type: 'RANGES', ranges: { range: normalizeRanges(parseRangesText(trimmed, what)) } };
  }
  if (trimmed.startsWith('{')) {
    if (!trimmed.endsWith('}')) throw new MesosConfigError(`Invalid set '${trimmed}' in ${what}: missing '}'`);
    const items = trimmed
      .slice(1, -1)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    return { type: 'SET', set: { item: [...new Set(items)] } };
  }
  if (SCALAR_PATTERN.test(trimmed)) return { type: 'SCALAR', scalar: { value: Number(trimmed) } };
  return { type: 'TEXT', text: { value: trimmed } };
}

/** Splits `a;b;c` at top-level semicolons (none appear inside `[]`/`{}` in valid input, but be safe). */
function splitEntries(text: string): string[] {
  const entries: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '[' || ch === '{' || ch === '(') depth++;
    else if (ch === ']' || ch === '}' || ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ';' && depth === 0) {
      entries.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  entries.push(current);
  return entries.map((e) => e.trim()).filter((e) => e !== '');
}

const VALUE_TYPES: readonly Value.Type[] = ['SCALAR', 'RANGES', 'SET', 'TEXT'];

function validateResource(resource: Resource, where: string): void {
  if (typeof resource.name !== 'string' || resource.name === '')
    throw new MesosConfigError(`${where}: 'name' must be a non-empty string`);
  if (!VALUE_TYPES.includes(resource.type))
    throw new MesosConfigError(`${where} (${resource.name}): 'type' must be SCALAR, RANGES or SET`);
  switch (resource.type) {
    case 'SCALAR': {
      const v = resource.scalar?.value;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw new MesosConfigError(`${where} (${resource.name}): scalar value must be a non-negative finite number`);
      }
      break;
    }
    case 'RANGES':
      for (const r of resource.ranges?.range ?? []) {
        if (!Number.isInteger(r.begin) || !Number.isInteger(r.end) || r.begin < 0 || r.begin > r.end) {
          throw new MesosConfigError(`${where} (${resource.name}): invalid range ${JSON.stringify(r)}`);
        }
      }
      break;
    case 'SET':
      if (!Array.isArray(resource.set?.item ?? []))
        throw new MesosConfigError(`${where} (${resource.name}): set items must be an array`);
      break;
    default:
      throw new MesosConfigError(`${where} (${resource.name}): TEXT is not a valid resource type`);
  }
}

function parseJsonResources(text: string): Resource[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new MesosConfigError(`Invalid resources JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(parsed))
    throw new MesosConfigError('Invalid resources JSON: expected an array of Resource objects');
  return parsed.map((entry, index) => {
    if (entry === null || typeof entry !== 'object')
      throw new MesosConfigError(`Invalid resources JSON: entry ${index} is not an object`);
    const resource = entry as Resource;
    validateResource(resource, `Invalid resources JSON: entry ${index}`);
    const copy = cloneResource(resource);
    // Mesos's JSON form allows the value type to be implied by the value field; `type` is required here.
    return copy;
  });
}

const ENTRY_PATTERN = /^([^():\s][^():]*?)\s*(?:\(([^()]*)\))?\s*:\s*(.+)$/s;

/**
 * Parses the agent's `--resources` value: `'cpus:4;mem:8192;ports:[31000-32000]'`,
 * `'cpus(role1):2'`, `'ports(*):[1-2,5-9]'`, `'disks:{a,b}'`, or a JSON array of Resource objects.
 * Resources without a role go to `defaultRole` (static reservation unless it is `'*'`).
 * Throws MesosConfigError naming the bad part.
 */
export function parseResources(text: string, defaultRole = '*'): Resource[] {
  if (typeof text !== 'string') throw new MesosConfigError('Resources must be given as a string');
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return addResources([], parseJsonResources(trimmed));
  const parsed: Resource[] = [];
  for (const entry of splitEntries(trimmed)) {
    const match = ENTRY_PATTERN.exec(entry);
    if (!match) throw new MesosConfigError(`Invalid resource '${entry}': expected 'name(role):value'`);
    const name = (match[1] ?? '').trim();
    const role = match[2] !== undefined ? match[2].trim() : defaultRole;
    if (role === '') throw new MesosConfigError(`Invalid resource '${entry}': empty role`);
    const value = parseValueText(match[3] ?? '', `resource '${entry}'`);
    if (value.type === 'TEXT') {
      throw new MesosConfigError(`Invalid resource '${entry}': value must be a number, [ranges] or {set}`);
    }
    const resource: Resource = { name, type: value.type };
    if (value.scalar) resource.scalar = value.scalar;
    if (value.ranges) resource.ranges = value.ranges;
    if (value.set) resource.set = value.set;
    if (role !== '*') resource.reservations = [{ type: 'STATIC', role }];
    validateResource(resource, `Invalid resource '${entry}'`);
    parsed.push(resource);
  }
  // Repeated names add up, as in Mesos (`cpus:1;cpus:2` is 3 cpus).
  return addResources([], parsed);
}

/** Parses the agent's `--attributes` value, e.g. `'rack:r1;zone:a;level:5;range:[1-5];set:{a,b}'`. */
export function parseAttributes(text: string): Attribute[] {
  if (typeof text !== 'string') throw new MesosConfigError('Attributes must be given as a string');
  const attributes: Attribute[] = [];
  for (const entry of splitEntries(text)) {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new MesosConfigError(`Invalid attribute '${entry}': expected 'name:value'`);
    const name = entry.slice(0, colon).trim();
    const valueText = entry.slice(colon + 1).trim();
    if (name === '' || valueText === '')
      throw new MesosConfigError(`Invalid attribute '${entry}': empty name or value`);
    const value = parseValueText(valueText, `attribute '${entry}'`);
    attributes.push({ name, ...value });
  }
  return attributes;
}

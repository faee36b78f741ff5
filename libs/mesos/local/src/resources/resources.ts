import { mesos } from '@mesoflow/proto';

/** An inclusive range of integers, as in `ports:[31000-32000]`. */
export interface Range {
  begin: number;
  end: number;
}

/**
 * One resource value. Scalars are kept in thousandths, because Mesos does fixed-point arithmetic
 * with three decimal digits and float sums such as 0.1 + 0.2 must not leak into offers.
 */
export type ResourceValue =
  | { readonly type: 'SCALAR'; readonly milli: number }
  | { readonly type: 'RANGES'; readonly ranges: readonly Range[] }
  | { readonly type: 'SET'; readonly items: readonly string[] };

/**
 * One named resource of one reservation: `role` is `*` for unreserved resources and the
 * reservation role otherwise (static reservations, the only kind the stand-in creates).
 */
export interface ResourceEntry {
  readonly name: string;
  readonly role: string;
  readonly value: ResourceValue;
}

/** How {@link Resources.toProto} writes reservations and allocation. */
export interface ResourceProtoFormat {
  /** Set `allocation_info.role` on every resource (MULTI_ROLE frameworks, master-side state). */
  allocationRole?: string;
  /** Post-refinement `reservations` instead of the deprecated `role` field. */
  refined?: boolean;
}

type ResourceProto = mesos.v1.Resource.$Properties;

const VALUE_TYPE = mesos.v1.Value.Type;

/** Mesos' scalar precision: three decimal digits. */
export function toMilli(value: number): number {
  return Math.round(value * 1000);
}

function keyOf(name: string, role: string): string {
  return `${name}\u0000${role}`;
}

/**
 * A multiset of resources with Mesos' arithmetic: scalars add, ranges and sets unite, and
 * subtraction removes. Entries are keyed by (name, reservation role); the bag never holds an
 * empty entry, so {@link isEmpty} is a size check.
 */
export class Resources {
  private readonly entries = new Map<string, ResourceEntry>();

  /** @param entries initial contents, added one by one. */
  constructor(entries: Iterable<ResourceEntry> = []) {
    for (const entry of entries) this.add(entry);
  }

  /** Builds a bag from protobuf resources (their allocation info is ignored). */
  static fromProto(resources: readonly ResourceProto[] | null | undefined): Resources {
    const bag = new Resources();
    for (const resource of resources ?? []) {
      const entry = entryFromProto(resource);
      if (entry) bag.add(entry);
    }
    return bag;
  }

  /** True when nothing is left. */
  get isEmpty(): boolean {
    return this.entries.size === 0;
  }

  /** The entries, in insertion order. */
  list(): ResourceEntry[] {
    return [...this.entries.values()];
  }

  /** A copy that can be changed independently. */
  clone(): Resources {
    const copy = new Resources();
    for (const [key, entry] of this.entries) copy.entries.set(key, entry);
    return copy;
  }

  /** The scalar total of `name` across reservations, in whole units. */
  scalar(name: string): number {
    let milli = 0;
    for (const entry of this.entries.values()) {
      if (entry.name === name && entry.value.type === 'SCALAR') milli += entry.value.milli;
    }
    return milli / 1000;
  }

  /** Adds `other` (a bag or one entry) in place and returns this bag. */
  add(other: Resources | ResourceEntry): this {
    for (const entry of other instanceof Resources ? other.entries.values() : [other]) {
      const key = keyOf(entry.name, entry.role);
      const current = this.entries.get(key);
      const value = current ? addValues(current.value, entry.value) : entry.value;
      if (value && !isEmptyValue(value)) this.entries.set(key, { ...entry, value });
    }
    return this;
  }

  /** Removes `other` in place (what is not present is ignored) and returns this bag. */
  subtract(other: Resources | ResourceEntry): this {
    for (const entry of other instanceof Resources ? other.entries.values() : [other]) {
      const key = keyOf(entry.name, entry.role);
      const current = this.entries.get(key);
      if (!current) continue;
      const value = subtractValues(current.value, entry.value);
      if (value === null || isEmptyValue(value)) this.entries.delete(key);
      else this.entries.set(key, { ...current, value });
    }
    return this;
  }

  /** A new bag holding this plus `other`. */
  plus(other: Resources): Resources {
    return this.clone().add(other);
  }

  /** A new bag holding this minus `other`. */
  minus(other: Resources): Resources {
    return this.clone().subtract(other);
  }

  /** True when every entry of `other` is covered by this bag (Mesos' `contains`). */
  contains(other: Resources): boolean {
    for (const [key, entry] of other.entries) {
      const current = this.entries.get(key);
      if (!current || !containsValue(current.value, entry.value)) return false;
    }
    return true;
  }

  /** The entries a framework role may be offered: unreserved plus those reserved for `role`. */
  allocatableTo(role: string): Resources {
    const bag = new Resources();
    for (const [key, entry] of this.entries) {
      if (entry.role === '*' || entry.role === role) bag.entries.set(key, entry);
    }
    return bag;
  }

  /**
   * True when the bag is worth offering: Mesos' default `--min_allocatable_resources` is
   * `cpus:0.01|mem:32`, i.e. at least 0.01 cpus or at least 32 MB of memory.
   */
  isAllocatable(): boolean {
    return this.scalar('cpus') >= 0.01 || this.scalar('mem') >= 32;
  }

  /** Protobuf resources (one per entry), in the format a framework or the state needs. */
  toProto(format: ResourceProtoFormat = {}): ResourceProto[] {
    return this.list().map((entry) => entryToProto(entry, format));
  }

  /**
   * The flat map `/state` uses: scalars as numbers (`cpus`, `gpus`, `mem`, `disk` always
   * present), ranges as `"[a-b, c-d]"`, sets as `"{a, b}"`.
   */
  toStateJson(): Record<string, number | string> {
    const json: Record<string, number | string> = { cpus: 0, gpus: 0, mem: 0, disk: 0 };
    const ranges = new Map<string, Range[]>();
    const sets = new Map<string, string[]>();
    for (const entry of this.entries.values()) {
      const value = entry.value;
      if (value.type === 'SCALAR') {
        json[entry.name] = ((json[entry.name] as number | undefined) ?? 0) + value.milli / 1000;
      } else if (value.type === 'RANGES') {
        ranges.set(entry.name, mergeRanges([...(ranges.get(entry.name) ?? []), ...value.ranges]));
      } else {
        sets.set(entry.name, [...new Set([...(sets.get(entry.name) ?? []), ...value.items])].sort());
      }
    }
    for (const [name, value] of ranges) json[name] = formatRanges(value);
    for (const [name, value] of sets) json[name] = `{${value.join(', ')}}`;
    for (const [name, value] of Object.entries(json)) {
      if (typeof value === 'number') json[name] = Math.round(value * 1000) / 1000;
    }
    return json;
  }

  /** Mesos' text form, e.g. `cpus(allocated: r):0.5; ports(allocated: r):[31000-31001]`. */
  toString(allocationRole?: string): string {
    return this.list()
      .map((entry) => {
        const allocated = allocationRole === undefined ? '' : `(allocated: ${allocationRole})`;
        const reserved = entry.role === '*' ? '' : `(reservations: [(STATIC,${entry.role})])`;
        return `${entry.name}${allocated}${reserved}:${formatValue(entry.value)}`;
      })
      .join('; ');
  }
}

/** `[31000-32000, 33000-33010]`, as Mesos prints ranges. */
export function formatRanges(ranges: readonly Range[]): string {
  return `[${ranges.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
}

function formatValue(value: ResourceValue): string {
  switch (value.type) {
    case 'SCALAR':
      return String(value.milli / 1000);
    case 'RANGES':
      return formatRanges(value.ranges);
    case 'SET':
      return `{${value.items.join(', ')}}`;
  }
}

/** Sorts and coalesces ranges (adjacent ones join: 1-2 and 3-4 become 1-4). */
export function mergeRanges(ranges: readonly Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => a.begin - b.begin);
  const merged: Range[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last && range.begin <= last.end + 1) last.end = Math.max(last.end, range.end);
    else merged.push({ begin: range.begin, end: range.end });
  }
  return merged;
}

function isEmptyValue(value: ResourceValue): boolean {
  switch (value.type) {
    case 'SCALAR':
      return value.milli <= 0;
    case 'RANGES':
      return value.ranges.length === 0;
    case 'SET':
      return value.items.length === 0;
  }
}

/** `null` when the types differ (Mesos keeps such resources apart; we drop the mismatch). */
function addValues(a: ResourceValue, b: ResourceValue): ResourceValue | null {
  if (a.type === 'SCALAR' && b.type === 'SCALAR') return { type: 'SCALAR', milli: a.milli + b.milli };
  if (a.type === 'RANGES' && b.type === 'RANGES') {
    return { type: 'RANGES', ranges: mergeRanges([...a.ranges, ...b.ranges]) };
  }
  if (a.type === 'SET' && b.type === 'SET') {
    return { type: 'SET', items: [...new Set([...a.items, ...b.items])].sort() };
  }
  return null;
}

function subtractValues(a: ResourceValue, b: ResourceValue): ResourceValue | null {
  if (a.type === 'SCALAR' && b.type === 'SCALAR') return { type: 'SCALAR', milli: a.milli - b.milli };
  if (a.type === 'RANGES' && b.type === 'RANGES') return { type: 'RANGES', ranges: subtractRanges(a.ranges, b.ranges) };
  if (a.type === 'SET' && b.type === 'SET') {
    const removed = new Set(b.items);
    return { type: 'SET', items: a.items.filter((item) => !removed.has(item)) };
  }
  return a;
}

function subtractRanges(from: readonly Range[], remove: readonly Range[]): Range[] {
  let result = [...from];
  for (const cut of remove) {
    const next: Range[] = [];
    for (const range of result) {
      if (cut.end < range.begin || cut.begin > range.end) {
        next.push(range);
        continue;
      }
      if (cut.begin > range.begin) next.push({ begin: range.begin, end: cut.begin - 1 });
      if (cut.end < range.end) next.push({ begin: cut.end + 1, end: range.end });
    }
    result = next;
  }
  return result;
}

function containsValue(a: ResourceValue, b: ResourceValue): boolean {
  if (a.type === 'SCALAR' && b.type === 'SCALAR') return a.milli >= b.milli;
  if (a.type === 'RANGES' && b.type === 'RANGES') {
    return b.ranges.every((range) => a.ranges.some((r) => r.begin <= range.begin && r.end >= range.end));
  }
  if (a.type === 'SET' && b.type === 'SET') {
    const items = new Set(a.items);
    return b.items.every((item) => items.has(item));
  }
  return false;
}

/** The reservation role of a protobuf resource in either format (`*` when unreserved). */
export function reservationRoleOf(resource: ResourceProto): string {
  const reservations = resource.reservations ?? [];
  if (reservations.length > 0) return reservations[reservations.length - 1]?.role ?? '*';
  return resource.role ?? '*';
}

function entryFromProto(resource: ResourceProto): ResourceEntry | null {
  const role = reservationRoleOf(resource);
  switch (resource.type) {
    case VALUE_TYPE.SCALAR:
      return resource.scalar ? { name: resource.name, role, value: { type: 'SCALAR', milli: toMilli(resource.scalar.value) } } : null;
    case VALUE_TYPE.RANGES:
      return {
        name: resource.name,
        role,
        value: {
          type: 'RANGES',
          ranges: mergeRanges((resource.ranges?.range ?? []).map((r) => ({ begin: Number(r.begin), end: Number(r.end) }))),
        },
      };
    case VALUE_TYPE.SET:
      return { name: resource.name, role, value: { type: 'SET', items: [...new Set(resource.set?.item ?? [])].sort() } };
    case VALUE_TYPE.TEXT:
    default:
      return null;
  }
}

function entryToProto(entry: ResourceEntry, format: ResourceProtoFormat): ResourceProto {
  const value = entry.value;
  const resource: ResourceProto = { name: entry.name, type: VALUE_TYPE.SCALAR };
  switch (value.type) {
    case 'SCALAR':
      resource.scalar = { value: value.milli / 1000 };
      break;
    case 'RANGES':
      resource.type = VALUE_TYPE.RANGES;
      resource.ranges = { range: value.ranges.map((r) => ({ begin: r.begin, end: r.end })) };
      break;
    case 'SET':
      resource.type = VALUE_TYPE.SET;
      resource.set = { item: [...value.items] };
      break;
  }
  if (format.refined) {
    if (entry.role !== '*') {
      resource.reservations = [{ type: mesos.v1.Resource.ReservationInfo.Type.STATIC, role: entry.role }];
    }
  } else {
    resource.role = entry.role;
  }
  if (format.allocationRole !== undefined) resource.allocation_info = { role: format.allocationRole };
  return resource;
}

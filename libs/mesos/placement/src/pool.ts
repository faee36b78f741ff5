import { mesos } from '@mesoflow/proto';
import { toMilli } from './fixed-point';
import { SCALAR_DIMENSIONS, type Demand } from './profile';
import { normalizeRanges, rangesOf, rangesSize, type Range } from './ranges';
import { isPlainConsumable, isReserved, reservationRole, textAttributes } from './resources';

type Resource = mesos.v1.Resource.$Properties;

/** SCALAR_DIMENSIONS as a module-local constant: hot loops should not read an import binding. */
const DIMENSIONS: number = SCALAR_DIMENSIONS;
const RANGES = mesos.v1.Value.Type.RANGES;
const SCALAR = mesos.v1.Value.Type.SCALAR;
// Module-local copies of the imports called per resource. Compiled to CommonJS (as tsx runs the
// scheduler) every call through an import binding is a getter call on the module object; in the
// profile of a 100-offer round such getters took about a tenth of the time.
const localIsPlainConsumable = isPlainConsumable;
const localIsReserved = isReserved;
const localToMilli = toMilli;
const localRangesOf = rangesOf;

/** Preference order of slices: reserved for the allocation role, other reservations, unreserved. */
enum Rank {
  ReservedForRole = 0,
  ReservedOther = 1,
  Unreserved = 2,
}

/** What is left of one kind of scalar resource with one reservation (role, reservation stack). */
interface ScalarSlice {
  readonly key: string;
  /** The task's copy of the resource with a null `scalar`, built once (see `shapeOf`). */
  readonly shape: Resource;
  /** Whether `shape` has exactly the keys name, type, role, allocation_info (see `isCommonShape`). */
  readonly common: boolean;
  readonly rank: Rank;
  milli: number;
}

/** What is left of the ports with one reservation. */
interface RangeSlice {
  readonly key: string;
  /** As `ScalarSlice.shape`, with a placeholder `ranges`. */
  readonly shape: Resource;
  readonly common: boolean;
  readonly rank: Rank;
  readonly ranges: Range[];
  /** How many ports `ranges` holds. */
  size: number;
}

/**
 * Everything offered on one agent to one allocation role, pooled across that agent's offers:
 * one ACCEPT may name all of them (same agent, same allocation role, Mesos 4.3). Mutable: the
 * placement takes from it.
 */
export interface AgentPool {
  readonly agentId: string;
  readonly hostname: string;
  /** The offers' `allocation_info.role`; undefined for frameworks without MULTI_ROLE. */
  readonly allocationRole: string | undefined;
  readonly offerIds: string[];
  readonly attributes: Readonly<Record<string, string>>;
  /** Free cpus, mem, disk, gpus, network in milli-units (sum over the slices). */
  readonly free: number[];
  freePorts: number;
  /** Whether any slice is reserved (such pools are tried first). */
  hasReserved: boolean;
  readonly scalars: ScalarSlice[][];
  ports: RangeSlice[];
}

function dimensionOf(name: string, networkResourceName: string): number {
  switch (name) {
    case 'cpus':
      return 0;
    case 'mem':
      return 1;
    case 'disk':
      return 2;
    case 'gpus':
      return 3;
    default:
      return name === networkResourceName ? 4 : -1;
  }
}

/** The resource's identity apart from its value: slices with equal keys are merged. */
function sliceKey(resource: Resource): string {
  if (!localIsReserved(resource) && resource.provider_id == null) return '*';
  return JSON.stringify([resource.role, resource.reservation, resource.reservations, resource.provider_id]);
}

/**
 * The fields a task's copy of the resource must carry (Mesos matches them against the offer),
 * followed by the value field (`scalar` or `ranges`) as a null placeholder that `take` overwrites.
 * Performance: `take` used to build each copy as `{ ...template, scalar: ... }`; in the profile
 * that spread-plus-extra-key literal was about a third of the whole decision time (V8 takes a slow
 * path for it). A plain `{ ...shape }` clone followed by a store to an existing key is the fast
 * path. Keys and key order of the copies are the same as before.
 */
function shapeOf(
  resource: Resource,
  allocationInfo: mesos.v1.Resource.AllocationInfo.$Properties | null | undefined,
  value: 'scalar' | 'ranges',
): Resource {
  const template: Resource = { name: resource.name, type: resource.type };
  if (resource.role != null) template.role = resource.role;
  if (resource.reservation != null) template.reservation = resource.reservation;
  if (resource.reservations != null && resource.reservations.length > 0) template.reservations = resource.reservations;
  if (resource.provider_id != null) template.provider_id = resource.provider_id;
  const allocation = allocationInfo ?? resource.allocation_info;
  if (allocation != null) template.allocation_info = allocation;
  template[value] = null;
  return template;
}

/**
 * Whether a shape (from `shapeOf`) has exactly the keys name, type, role, allocation_info and the
 * value, in that order: what Mesos offers a MULTI_ROLE framework for unreserved resources. `take`
 * builds the copies of such shapes as object literals with those keys, in that order: faster
 * than cloning the shape, and smaller.
 */
function isCommonShape(shape: Resource): boolean {
  return (
    shape.role !== undefined &&
    shape.reservation === undefined &&
    shape.reservations === undefined &&
    shape.provider_id === undefined &&
    shape.allocation_info !== undefined
  );
}

function rankOf(resource: Resource, allocationRole: string | undefined): Rank {
  if (!localIsReserved(resource)) return Rank.Unreserved;
  return allocationRole === undefined || reservationRole(resource) === allocationRole ? Rank.ReservedForRole : Rank.ReservedOther;
}

// Building the pools is allocation-conscious: every array that usually holds one element is
// created as a one-element literal (exact size) rather than grown by `push` from empty (which
// gives it room for 17), and the loops use no closures or iterators.

function newPool(offer: mesos.v1.Offer.$Properties, allocationRole: string | undefined): AgentPool {
  return {
    agentId: offer.agent_id.value,
    hostname: offer.hostname,
    allocationRole,
    offerIds: [offer.id.value],
    attributes: textAttributes(offer),
    // One entry per dimension (DIMENSIONS: cpus, mem, disk, gpus, network).
    free: [0, 0, 0, 0, 0],
    freePorts: 0,
    hasReserved: false,
    scalars: [NO_SCALARS, NO_SCALARS, NO_SCALARS, NO_SCALARS, NO_SCALARS],
    ports: NO_PORTS,
  };
}

/** Placeholders for a pool's empty slice lists, replaced (never added to) by the first slice. */
const NO_SCALARS: ScalarSlice[] = [];
const NO_PORTS: RangeSlice[] = [];

function addResource(pool: AgentPool, resource: Resource, offer: mesos.v1.Offer.$Properties, networkResourceName: string): void {
  if (!localIsPlainConsumable(resource)) return;
  const reserved = localIsReserved(resource);
  if (resource.name === 'ports') {
    if (resource.type !== RANGES) return;
    const ranges = localRangesOf(resource.ranges);
    const key = sliceKey(resource);
    const slices = pool.ports;
    let existing: RangeSlice | undefined;
    for (let i = 0; i < slices.length; i++) {
      if (slices[i].key === key) {
        existing = slices[i];
        break;
      }
    }
    if (existing === undefined) {
      const shape = shapeOf(resource, offer.allocation_info, 'ranges');
      const slice: RangeSlice = { key, shape, common: isCommonShape(shape), rank: rankOf(resource, pool.allocationRole), ranges, size: 0 };
      if (slices.length === 0) pool.ports = [slice];
      else slices.push(slice);
    } else {
      existing.ranges.push(...ranges);
    }
    pool.hasReserved ||= reserved;
    return;
  }
  const dimension = dimensionOf(resource.name, networkResourceName);
  if (dimension < 0 || resource.type !== SCALAR) return;
  const milli = localToMilli(resource.scalar?.value ?? 0);
  if (milli <= 0) return;
  const slices = pool.scalars[dimension];
  const key = sliceKey(resource);
  let existing: ScalarSlice | undefined;
  for (let i = 0; i < slices.length; i++) {
    if (slices[i].key === key) {
      existing = slices[i];
      break;
    }
  }
  if (existing === undefined) {
    const shape = shapeOf(resource, offer.allocation_info, 'scalar');
    const slice: ScalarSlice = { key, shape, common: isCommonShape(shape), rank: rankOf(resource, pool.allocationRole), milli };
    if (slices.length === 0) pool.scalars[dimension] = [slice];
    else slices.push(slice);
  } else {
    existing.milli += milli;
  }
  pool.free[dimension] += milli;
  pool.hasReserved ||= reserved;
}

function byRank(a: { readonly rank: Rank }, b: { readonly rank: Rank }): number {
  return a.rank - b.rank;
}

/** Whether `normalizeRanges` would return the same ranges: none inverted (or NaN), sorted, apart. */
function isNormal(ranges: readonly Range[]): boolean {
  let previousEnd = -Infinity;
  for (let i = 0; i < ranges.length; i++) {
    const { begin, end } = ranges[i];
    if (!(end >= begin) || !(begin > previousEnd + 1)) return false;
    previousEnd = end;
  }
  return true;
}

function finishPool(pool: AgentPool): void {
  const scalars = pool.scalars;
  for (let i = 0; i < scalars.length; i++) if (scalars[i].length > 1) scalars[i].sort(byRank);
  const ports = pool.ports;
  if (ports.length > 1) ports.sort(byRank);
  let freePorts = 0;
  for (let i = 0; i < ports.length; i++) {
    const slice = ports[i];
    const ranges = slice.ranges;
    // Offered ranges are usually normal already (sorted, apart, none inverted); they are our copies.
    if (!isNormal(ranges)) {
      const merged = normalizeRanges(ranges);
      ranges.length = 0;
      ranges.push(...merged);
    }
    slice.size = rangesSize(ranges);
    freePorts += slice.size;
  }
  pool.freePorts = freePorts;
}

/**
 * Groups offers by (agent, allocation role) and pools their resources. Pools with reserved
 * resources come first, otherwise offer order is kept. The offers are not modified.
 */
export function buildPools(offers: readonly mesos.v1.Offer.$Properties[], networkResourceName: string): AgentPool[] {
  // Per agent ID its pools, one per allocation role (almost always just one).
  const byAgent = new Map<string, AgentPool[]>();
  const pools: AgentPool[] = [];
  let anyReserved = false;
  for (let o = 0; o < offers.length; o++) {
    const offer = offers[o];
    const allocationRole = offer.allocation_info?.role ?? undefined;
    const agentId = offer.agent_id.value;
    const ofAgent = byAgent.get(agentId);
    let pool: AgentPool | undefined;
    if (ofAgent !== undefined) {
      for (let i = 0; i < ofAgent.length; i++) {
        if (ofAgent[i].allocationRole === allocationRole) {
          pool = ofAgent[i];
          break;
        }
      }
    }
    if (pool === undefined) {
      pool = newPool(offer, allocationRole);
      if (ofAgent === undefined) byAgent.set(agentId, [pool]);
      else ofAgent.push(pool);
      pools.push(pool);
    } else {
      pool.offerIds.push(offer.id.value);
    }
    const resources = offer.resources;
    if (resources != null) for (let r = 0; r < resources.length; r++) addResource(pool, resources[r], offer, networkResourceName);
    anyReserved ||= pool.hasReserved;
  }
  for (let i = 0; i < pools.length; i++) finishPool(pools[i]);
  if (anyReserved) {
    const reserved = pools.filter((pool) => pool.hasReserved);
    const unreserved = pools.filter((pool) => !pool.hasReserved);
    return [...reserved, ...unreserved];
  }
  return pools;
}

/** Whether the pool has room for the demand. */
export function fits(pool: AgentPool, demand: Demand): boolean {
  const free = pool.free;
  const milli = demand.milli;
  for (let i = 0; i < DIMENSIONS; i++) if (free[i] < milli[i]) return false;
  return pool.freePorts >= demand.ports;
}

/** What a worker took from a pool, for its TaskInfo: `PlacedWorker` of place.ts. */
export interface Taken {
  readonly workerId: string;
  readonly resources: Resource[];
  /** The ports taken, in ascending order. */
  readonly ports: number[];
}

// `take` runs once per placed worker, so it allocates only what it hands out, each array at its
// exact size: it first counts the slices (and ranges) it will touch, then fills arrays of that
// length. Arrays grown by `push` from empty get room for 17 elements; with 1,000 workers placed
// per round those spare slots were a large part of the garbage, so of the scavenges (the p99).

/**
 * Takes a demand from a pool that `fits` it: preferred slices first (reserved for the role, then
 * other reservations, then unreserved), the lowest free ports. Returns the exact resources for
 * the TaskInfo, one per slice touched, carrying the slice's role, reservation and allocation info,
 * and the ports taken.
 */
export function take(pool: AgentPool, demand: Demand, workerId: string): Taken {
  const free = pool.free;
  const milli = demand.milli;
  const scalars = pool.scalars;
  const portSlices = pool.ports;

  // How many resources: one per slice touched.
  let count = 0;
  for (let dimension = 0; dimension < DIMENSIONS; dimension++) {
    let left = milli[dimension];
    if (left === 0) continue;
    const slices = scalars[dimension];
    for (let s = 0; s < slices.length && left > 0; s++) {
      const available = slices[s].milli;
      if (available === 0) continue;
      count++;
      left -= available < left ? available : left;
    }
  }
  const portCount = demand.ports;
  let left = portCount;
  for (let s = 0; s < portSlices.length && left > 0; s++) {
    const available = portSlices[s].size;
    if (available === 0) continue;
    count++;
    left -= available < left ? available : left;
  }

  const resources: Resource[] = new Array<Resource>(count);
  let next = 0;
  for (let dimension = 0; dimension < DIMENSIONS; dimension++) {
    let left = milli[dimension];
    if (left === 0) continue;
    free[dimension] -= left;
    const slices = scalars[dimension];
    for (let s = 0; s < slices.length; s++) {
      const slice = slices[s];
      if (slice.milli === 0) continue;
      const amount = slice.milli < left ? slice.milli : left;
      slice.milli -= amount;
      left -= amount;
      const shape = slice.shape;
      const scalar = { value: amount / 1000 };
      if (slice.common) {
        resources[next++] = { name: shape.name, type: shape.type, role: shape.role, allocation_info: shape.allocation_info, scalar };
      } else {
        const resource: Resource = { ...shape };
        resource.scalar = scalar;
        resources[next++] = resource;
      }
      if (left === 0) break;
    }
  }
  if (portCount === 0) return { workerId, resources, ports: [] };

  const ports: number[] = new Array<number>(portCount);
  pool.freePorts -= portCount;
  left = portCount;
  let slicesUsed = 0;
  for (let s = 0; s < portSlices.length; s++) {
    const slice = portSlices[s];
    if (slice.size === 0) continue;
    const amount = slice.size < left ? slice.size : left;
    const shape = slice.shape;
    const ranges = { range: takeLowestPorts(slice.ranges, amount, ports, portCount - left) };
    if (slice.common) {
      resources[next++] = { name: shape.name, type: shape.type, role: shape.role, allocation_info: shape.allocation_info, ranges };
    } else {
      const resource: Resource = { ...shape };
      resource.ranges = ranges;
      resources[next++] = resource;
    }
    slice.size -= amount;
    left -= amount;
    slicesUsed++;
    if (left === 0) break;
  }
  if (slicesUsed > 1) ports.sort((a, b) => a - b);
  return { workerId, resources, ports };
}

/**
 * `takeLowest` (ranges.ts) and `appendRangeValues` in one pass: removes the lowest `count`
 * integers from `ranges` (sorted, non-overlapping, holding at least `count`; mutated in place: a
 * partly used range keeps its upper part, used-up ranges are removed with one splice instead of a
 * shift each), returns them as new ranges and writes each of them, in order, to `values` from
 * index `at`.
 */
function takeLowestPorts(ranges: Range[], count: number, values: number[], at: number): Range[] {
  let rangeCount = 0;
  for (let left = count; left > 0 && rangeCount < ranges.length; rangeCount++) left -= ranges[rangeCount].end - ranges[rangeCount].begin + 1;
  const taken: Range[] = new Array<Range>(rangeCount);
  let next = at;
  let left = count;
  let used = 0;
  for (let i = 0; i < rangeCount; i++) {
    const first = ranges[used];
    const begin = first.begin;
    const size = first.end - begin + 1;
    const end = size <= left ? first.end : begin + left - 1;
    taken[i] = { begin, end };
    for (let v = begin; v <= end; v++) values[next++] = v;
    if (size <= left) {
      used++;
      left -= size;
    } else {
      first.begin = end + 1;
      left = 0;
    }
  }
  if (used > 0) ranges.splice(0, used);
  return taken;
}

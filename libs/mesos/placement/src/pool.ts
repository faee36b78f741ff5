import { mesos } from '@mesoflow/proto';
import { toMilli } from './fixed-point';
import { SCALAR_DIMENSIONS, type Demand } from './profile';
import { appendRangeValues, normalizeRanges, rangesOf, rangesSize, takeLowest, type Range } from './ranges';
import { isPlainConsumable, isReserved, reservationRole, textAttributes } from './resources';

type Resource = mesos.v1.Resource.$Properties;

/** SCALAR_DIMENSIONS as a module-local constant: hot loops should not read an import binding. */
const DIMENSIONS: number = SCALAR_DIMENSIONS;

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
  readonly rank: Rank;
  milli: number;
}

/** What is left of the ports with one reservation. */
interface RangeSlice {
  readonly key: string;
  /** As `ScalarSlice.shape`, with a placeholder `ranges`. */
  readonly shape: Resource;
  readonly rank: Rank;
  readonly ranges: Range[];
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
  readonly ports: RangeSlice[];
}

/** What a worker took from a pool. */
export interface Taken {
  readonly resources: Resource[];
  readonly ports: number[];
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
  if (!isReserved(resource) && resource.provider_id == null) return '*';
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

function rankOf(resource: Resource, allocationRole: string | undefined): Rank {
  if (!isReserved(resource)) return Rank.Unreserved;
  return allocationRole === undefined || reservationRole(resource) === allocationRole ? Rank.ReservedForRole : Rank.ReservedOther;
}

function newPool(offer: mesos.v1.Offer.$Properties, allocationRole: string | undefined): AgentPool {
  const scalars: ScalarSlice[][] = [];
  for (let i = 0; i < SCALAR_DIMENSIONS; i++) scalars.push([]);
  return {
    agentId: offer.agent_id.value,
    hostname: offer.hostname,
    allocationRole,
    offerIds: [],
    attributes: textAttributes(offer),
    free: new Array<number>(SCALAR_DIMENSIONS).fill(0),
    freePorts: 0,
    hasReserved: false,
    scalars,
    ports: [],
  };
}

function addResource(pool: AgentPool, resource: Resource, offer: mesos.v1.Offer.$Properties, networkResourceName: string): void {
  if (!isPlainConsumable(resource)) return;
  const reserved = isReserved(resource);
  if (resource.name === 'ports') {
    if (resource.type !== mesos.v1.Value.Type.RANGES) return;
    const ranges = rangesOf(resource.ranges);
    const key = sliceKey(resource);
    const existing = pool.ports.find((slice) => slice.key === key);
    if (existing === undefined) {
      pool.ports.push({ key, shape: shapeOf(resource, offer.allocation_info, 'ranges'), rank: rankOf(resource, pool.allocationRole), ranges });
    } else {
      existing.ranges.push(...ranges);
    }
    pool.hasReserved ||= reserved;
    return;
  }
  const dimension = dimensionOf(resource.name, networkResourceName);
  if (dimension < 0 || resource.type !== mesos.v1.Value.Type.SCALAR) return;
  const milli = toMilli(resource.scalar?.value ?? 0);
  if (milli <= 0) return;
  const slices = pool.scalars[dimension];
  const key = sliceKey(resource);
  const existing = slices.length === 0 ? undefined : slices.find((slice) => slice.key === key);
  if (existing === undefined) {
    slices.push({ key, shape: shapeOf(resource, offer.allocation_info, 'scalar'), rank: rankOf(resource, pool.allocationRole), milli });
  } else {
    existing.milli += milli;
  }
  pool.free[dimension] += milli;
  pool.hasReserved ||= reserved;
}

function finishPool(pool: AgentPool): void {
  for (const slices of pool.scalars) if (slices.length > 1) slices.sort((a, b) => a.rank - b.rank);
  if (pool.ports.length > 1) pool.ports.sort((a, b) => a.rank - b.rank);
  let freePorts = 0;
  for (const slice of pool.ports) {
    const merged = normalizeRanges(slice.ranges);
    slice.ranges.length = 0;
    slice.ranges.push(...merged);
    freePorts += rangesSize(merged);
  }
  pool.freePorts = freePorts;
}

/**
 * Groups offers by (agent, allocation role) and pools their resources. Pools with reserved
 * resources come first, otherwise offer order is kept. The offers are not modified.
 */
export function buildPools(offers: readonly mesos.v1.Offer.$Properties[], networkResourceName: string): AgentPool[] {
  const byKey = new Map<string, AgentPool>();
  const pools: AgentPool[] = [];
  for (const offer of offers) {
    const allocationRole = offer.allocation_info?.role ?? undefined;
    const key = allocationRole === undefined ? offer.agent_id.value : `${offer.agent_id.value}\u0000${allocationRole}`;
    let pool = byKey.get(key);
    if (pool === undefined) {
      pool = newPool(offer, allocationRole);
      byKey.set(key, pool);
      pools.push(pool);
    }
    pool.offerIds.push(offer.id.value);
    for (const resource of offer.resources ?? []) addResource(pool, resource, offer, networkResourceName);
  }
  for (const pool of pools) finishPool(pool);
  if (pools.some((pool) => pool.hasReserved)) {
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

/**
 * Takes a demand from a pool that `fits` it: preferred slices first (reserved for the role, then
 * other reservations, then unreserved), the lowest free ports. Returns the exact resources for
 * the TaskInfo, one per slice touched, carrying the slice's role, reservation and allocation info.
 */
export function take(pool: AgentPool, demand: Demand): Taken {
  const resources: Resource[] = [];
  for (let dimension = 0; dimension < DIMENSIONS; dimension++) {
    let left = demand.milli[dimension];
    if (left === 0) continue;
    pool.free[dimension] -= left;
    for (const slice of pool.scalars[dimension]) {
      if (slice.milli === 0) continue;
      const amount = Math.min(slice.milli, left);
      slice.milli -= amount;
      left -= amount;
      const resource: Resource = { ...slice.shape };
      resource.scalar = { value: amount / 1000 };
      resources.push(resource);
      if (left === 0) break;
    }
  }
  const ports: number[] = [];
  let left = demand.ports;
  if (left > 0) {
    pool.freePorts -= left;
    let slicesUsed = 0;
    for (const slice of pool.ports) {
      const taken = takeLowest(slice.ranges, left);
      if (taken.length === 0) continue;
      left -= appendRangeValues(taken, ports);
      slicesUsed++;
      const resource: Resource = { ...slice.shape };
      resource.ranges = { range: taken };
      resources.push(resource);
      if (left === 0) break;
    }
    if (slicesUsed > 1) ports.sort((a, b) => a - b);
  }
  return { resources, ports };
}

// placeWorkers against a deliberately simple reference implementation of the same rules, on random
// inputs: every worker scans every pool from the start (no cursors), ports are explicit lists of
// numbers, spread counters are keyed by strings, every profile object is validated on its own.
// The fast implementation (cursors per demand, profiles matched by shape, exact-size arrays,
// counted port ranges, spread counter slots) must decide exactly the same.
import { mesos } from '@mesoflow/proto';
import { seededRandom } from '@mesoflow/testing';
import { hostAttributeValue, satisfiesConstraints, type HostAttributeConstraint } from './constraints';
import { toMilli } from './fixed-point';
import {
  placeWorkers,
  type Launch,
  type PendingWorker,
  type PlacementOptions,
  type PlacementResult,
  type RunningWorker,
  type UnplacedReason,
  type UnplacedWorker,
} from './place';
import { validateWorkerProfile, type WorkerProfile } from './profile';
import { normalizeRanges, rangesOf, type Range } from './ranges';
import { isPlainConsumable, isReserved, reservationRole, textAttributes } from './resources';

type Offer = mesos.v1.Offer.$Properties;
type Resource = mesos.v1.Resource.$Properties;

const DIMENSIONS = ['cpus', 'mem', 'disk', 'gpus', 'network'] as const;

interface RefSlice {
  key: string;
  template: Resource;
  rank: number;
  milli: number;
  /** Free ports, ascending (ports slices only). */
  free: number[];
}

interface RefPool {
  agentId: string;
  hostname: string;
  allocationRole: string | undefined;
  offerIds: string[];
  attributes: Record<string, string>;
  reserved: boolean;
  /** Per dimension (index into DIMENSIONS), then the ports slices last. */
  scalars: RefSlice[][];
  ports: RefSlice[];
  allowed: boolean;
  held: boolean;
  launch: Launch | undefined;
}

function refPools(offers: readonly Offer[], network: string): RefPool[] {
  const pools: RefPool[] = [];
  for (const offer of offers) {
    const allocationRole = offer.allocation_info?.role ?? undefined;
    let pool = pools.find((p) => p.agentId === offer.agent_id.value && p.allocationRole === allocationRole);
    if (!pool) {
      pool = {
        agentId: offer.agent_id.value,
        hostname: offer.hostname,
        allocationRole,
        offerIds: [],
        attributes: textAttributes(offer),
        reserved: false,
        scalars: DIMENSIONS.map(() => []),
        ports: [],
        allowed: true,
        held: false,
        launch: undefined,
      };
      pools.push(pool);
    }
    pool.offerIds.push(offer.id.value);
    for (const r of offer.resources ?? []) {
      if (!isPlainConsumable(r)) continue;
      const key = !isReserved(r) && r.provider_id == null ? '*' : JSON.stringify([r.role, r.reservation, r.reservations, r.provider_id]);
      const rank = !isReserved(r) ? 2 : allocationRole === undefined || reservationRole(r) === allocationRole ? 0 : 1;
      const template: Resource = { name: r.name, type: r.type };
      if (r.role != null) template.role = r.role;
      if (r.reservation != null) template.reservation = r.reservation;
      if (r.reservations != null && r.reservations.length > 0) template.reservations = r.reservations;
      if (r.provider_id != null) template.provider_id = r.provider_id;
      const allocation = offer.allocation_info ?? r.allocation_info;
      if (allocation != null) template.allocation_info = allocation;
      if (r.name === 'ports') {
        if (r.type !== mesos.v1.Value.Type.RANGES) continue;
        const ports: number[] = [];
        for (const range of rangesOf(r.ranges)) for (let p = range.begin; p <= range.end; p++) ports.push(p);
        const slice = pool.ports.find((s) => s.key === key);
        if (slice) slice.free.push(...ports);
        else pool.ports.push({ key, template, rank, milli: 0, free: ports });
        pool.reserved ||= isReserved(r);
        continue;
      }
      const dimension = DIMENSIONS.findIndex((d) => (d === 'network' ? network : d) === r.name);
      if (dimension < 0 || r.type !== mesos.v1.Value.Type.SCALAR) continue;
      const milli = toMilli(r.scalar?.value ?? 0);
      if (milli <= 0) continue;
      const slice = pool.scalars[dimension].find((s) => s.key === key);
      if (slice) slice.milli += milli;
      else pool.scalars[dimension].push({ key, template, rank, milli, free: [] });
      pool.reserved ||= isReserved(r);
    }
  }
  for (const pool of pools) {
    for (const slices of pool.scalars) slices.sort((a, b) => a.rank - b.rank);
    pool.ports.sort((a, b) => a.rank - b.rank);
    for (const slice of pool.ports) slice.free = [...new Set(slice.free)].sort((a, b) => a - b);
  }
  return [...pools.filter((p) => p.reserved), ...pools.filter((p) => !p.reserved)];
}

/** Consecutive numbers as ranges. */
function asRanges(ports: readonly number[]): Range[] {
  const ranges: Range[] = [];
  for (const p of ports) {
    const last = ranges[ranges.length - 1];
    if (last && last.end + 1 === p) last.end = p;
    else ranges.push({ begin: p, end: p });
  }
  return ranges;
}

function referencePlace(offers: readonly Offer[], pending: readonly PendingWorker[], options: PlacementOptions, running: readonly RunningWorker[]): PlacementResult {
  const constraints: readonly HostAttributeConstraint[] = options.constraints ?? [];
  const limits = [{ attribute: 'hostname', max: options.maxWorkersPerHost ?? Infinity }, ...(options.maxWorkersPerAttributeValue ?? [])];
  const active = options.maxWorkersPerHost !== undefined || (options.maxWorkersPerAttributeValue ?? []).length > 0;
  const counts = limits.map(() => new Map<string, number>());
  const keys = (hostname: string, attributes: Readonly<Record<string, string>>) => limits.map((l) => hostAttributeValue(hostname, attributes, l.attribute));
  if (active) for (const w of running) keys(w.hostname, w.attributes ?? {}).forEach((k, i) => k !== undefined && counts[i].set(k, (counts[i].get(k) ?? 0) + 1));
  const pools = refPools(offers, options.networkResourceName ?? 'network');
  for (const pool of pools) pool.allowed = satisfiesConstraints(pool.hostname, pool.attributes, constraints);
  const eligible = (pool: RefPool) =>
    pool.allowed && !pool.held && (!active || keys(pool.hostname, pool.attributes).every((k, i) => k !== undefined && (counts[i].get(k) ?? 0) < limits[i].max));
  const demandOf = (p: WorkerProfile) => [p.cpus, p.mem, p.disk ?? 0, p.gpus ?? 0, p.networkBandwidth ?? 0].map(toMilli);
  const freeOf = (pool: RefPool) => pool.scalars.map((slices) => slices.reduce((sum, s) => sum + s.milli, 0));
  const portsOf = (pool: RefPool) => pool.ports.reduce((sum, s) => sum + s.free.length, 0);

  const sorted = [...pending].sort((a, b) => a.requestedAt - b.requestedAt);
  const unplaced: UnplacedWorker[] = [];
  const invalid = new Set<string>();
  let heldForWorkerId: string | undefined;
  for (const worker of sorted) {
    const problems = validateWorkerProfile(worker.profile);
    if (problems.length > 0) {
      unplaced.push({ workerId: worker.workerId, reason: 'INVALID_PROFILE', detail: problems.join('; ') });
      invalid.add(worker.workerId);
      continue;
    }
    const demand = demandOf(worker.profile);
    const ports = worker.profile.ports ?? 0;
    const pool = pools.find((p) => eligible(p) && freeOf(p).every((free, i) => free >= demand[i]) && portsOf(p) >= ports);
    if (!pool) {
      unplaced.push({ workerId: worker.workerId, reason: 'INSUFFICIENT_RESOURCES' });
      if (heldForWorkerId === undefined && options.now !== undefined && options.now - worker.requestedAt >= (options.starvationAfterMs ?? 60_000)) {
        let best: RefPool | undefined;
        let bestShare = -1;
        for (const p of pools.filter(eligible)) {
          const free = freeOf(p);
          let share = Infinity;
          demand.forEach((d, i) => d > 0 && (share = Math.min(share, free[i] / d)));
          if (ports > 0) share = Math.min(share, portsOf(p) / ports);
          if (share > bestShare) [best, bestShare] = [p, share];
        }
        if (best) {
          best.held = true;
          heldForWorkerId = worker.workerId;
        }
      }
      continue;
    }
    const resources: Resource[] = [];
    demand.forEach((wanted, dimension) => {
      let left = wanted;
      for (const slice of pool.scalars[dimension]) {
        if (left === 0) break;
        const amount = Math.min(slice.milli, left);
        if (amount === 0) continue;
        slice.milli -= amount;
        left -= amount;
        resources.push({ ...slice.template, scalar: { value: amount / 1000 } });
      }
    });
    const taken: number[] = [];
    for (const slice of pool.ports) {
      const amount = Math.min(slice.free.length, ports - taken.length);
      if (amount === 0) continue;
      const mine = slice.free.splice(0, amount);
      taken.push(...mine);
      resources.push({ ...slice.template, ranges: { range: asRanges(mine) } });
    }
    pool.launch ??= { agentId: pool.agentId, hostname: pool.hostname, allocationRole: pool.allocationRole, offerIds: pool.offerIds, workers: [] };
    pool.launch.workers.push({ workerId: worker.workerId, resources, ports: taken.sort((a, b) => a - b) });
    if (active) keys(pool.hostname, pool.attributes).forEach((k, i) => k !== undefined && counts[i].set(k, (counts[i].get(k) ?? 0) + 1));
  }
  const reason: UnplacedReason | undefined = pools.length === 0 ? 'NO_OFFERS' : !pools.some((p) => p.allowed) ? 'CONSTRAINTS' : !pools.some(eligible) ? 'SPREAD_LIMIT' : undefined;
  const explained = unplaced.map((u) => (reason !== undefined && !invalid.has(u.workerId) ? { workerId: u.workerId, reason } : u));
  return {
    launches: pools.flatMap((p) => (p.launch ? [p.launch] : [])),
    unplaced: explained,
    unusedOfferIds: pools.flatMap((p) => (p.launch ? [] : p.offerIds)),
    ...(heldForWorkerId === undefined ? {} : { heldForWorkerId }),
  };
}

function randomCase(random: () => number): { offers: Offer[]; pending: PendingWorker[]; options: PlacementOptions; running: RunningWorker[] } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const agents = 1 + Math.floor(random() * 30);
  const offers: Offer[] = [];
  const offerCount = Math.floor(random() * 50);
  for (let i = 0; i < offerCount; i++) {
    const agent = Math.floor(random() * agents);
    const role = pick([undefined, '*', 'flink', 'batch']);
    const allocation = role === undefined ? undefined : { role };
    const resources: Resource[] = [];
    const resourceCount = Math.floor(random() * 9);
    for (let k = 0; k < resourceCount; k++) {
      const name = pick(['cpus', 'mem', 'disk', 'gpus', 'network', 'bandwidth', 'ports', 'ports']);
      const extras: Partial<Resource> = {};
      const kind = random();
      if (kind < 0.2) extras.role = pick(['flink', 'batch']);
      else if (kind < 0.3) extras.reservations = [{ role: pick(['flink', 'batch']), type: mesos.v1.Resource.ReservationInfo.Type.DYNAMIC }];
      else if (kind < 0.35) extras.revocable = {};
      else if (kind < 0.4) Object.assign(extras, { role: 'flink', reservation: { principal: 'ops' } });
      else if (kind < 0.7) extras.role = '*';
      if (allocation && random() < 0.8) extras.allocation_info = allocation;
      if (name === 'ports') {
        const range: mesos.v1.Value.Range.$Properties[] = [];
        const ranges = Math.floor(random() * 4);
        for (let j = 0; j < ranges; j++) {
          const begin = 31000 + Math.floor(random() * 60);
          range.push({ begin, end: begin + Math.floor(random() * 8) - 1 }); // sometimes inverted
        }
        resources.push({ name, type: mesos.v1.Value.Type.RANGES, ranges: { range }, ...extras });
      } else {
        const scale = name === 'mem' || name === 'disk' ? 1000 : 1;
        const value = (Math.round(random() * 8000) / 1000) * scale;
        resources.push({ name, type: random() < 0.95 ? mesos.v1.Value.Type.SCALAR : mesos.v1.Value.Type.RANGES, scalar: { value }, ...extras });
      }
    }
    const attributes: mesos.v1.Attribute.$Properties[] = [];
    if (random() < 0.8) attributes.push({ name: 'rack', type: mesos.v1.Value.Type.TEXT, text: { value: `r${agent % 3}` } });
    if (random() < 0.5) attributes.push({ name: 'az', type: mesos.v1.Value.Type.TEXT, text: { value: `az${agent % 2}` } });
    offers.push({
      id: { value: `o${i}` },
      framework_id: { value: 'fw' },
      agent_id: { value: `a${agent}` },
      hostname: `h${agent % Math.max(1, agents - 2)}`,
      resources,
      attributes,
      ...(allocation ? { allocation_info: allocation } : {}),
    });
  }
  const shapes: WorkerProfile[] = [
    { cpus: 0.1, mem: 32, ports: 2 },
    { cpus: 1, mem: 1024 },
    { cpus: 1.5, mem: 2048, disk: 100, ports: 3 },
    { cpus: 2, mem: 4096, gpus: 1, networkBandwidth: 10, ports: 1 },
    { cpus: 0.3, mem: 100, ports: 9 },
    { cpus: 1, mem: 1, gpus: 0.5 }, // invalid
    { cpus: NaN, mem: 1 }, // invalid
  ];
  // Some rounds have many distinct shapes (more than the implementation compares by value).
  const manyShapes = random() < 0.2;
  const pending: PendingWorker[] = Array.from({ length: Math.floor(random() * 300) }, (_, i) => {
    const shape = manyShapes ? { cpus: (1 + Math.floor(random() * 40)) / 10, mem: 64, ports: Math.floor(random() * 3) } : pick(shapes);
    // Shared profile objects and per-worker copies (as the scheduler's stored workers have).
    return { workerId: `w${i}`, profile: random() < 0.5 ? shape : { ...shape }, requestedAt: random() < 0.3 ? Math.floor(random() * 100) : i };
  });
  const options: { -readonly [K in keyof PlacementOptions]: PlacementOptions[K] } = {};
  if (random() < 0.5) options.maxWorkersPerHost = Math.floor(random() * 10);
  if (random() < 0.5) options.maxWorkersPerAttributeValue = [{ attribute: pick(['rack', 'az', 'hostname', 'none']), max: Math.floor(random() * 30) }];
  if (random() < 0.3) options.constraints = [{ attribute: 'rack', value: 'r1' }];
  if (random() < 0.5) options.now = 150;
  if (random() < 0.5) options.starvationAfterMs = Math.floor(random() * 200);
  if (random() < 0.2) options.networkResourceName = 'bandwidth';
  const running: RunningWorker[] = Array.from({ length: Math.floor(random() * 20) }, () => ({
    hostname: `h${Math.floor(random() * agents)}`,
    ...(random() < 0.5 ? { attributes: { rack: `r${Math.floor(random() * 3)}` } } : {}),
  }));
  return { offers, pending, options, running };
}

describe('placeWorkers against a simple reference implementation', () => {
  it('reference sanity: consecutive ports become ranges as normalizeRanges would merge them', () => {
    expect(asRanges([1, 2, 3, 5, 7, 8])).toEqual(normalizeRanges([{ begin: 7, end: 8 }, { begin: 1, end: 3 }, { begin: 5, end: 5 }]));
  });

  it.each(Array.from({ length: 10 }, (_, i) => i + 1))('decides exactly as the reference on random rounds (seed block %i)', (block) => {
    let placed = 0;
    for (let seed = block * 100; seed < block * 100 + 100; seed++) {
      const { offers, pending, options, running } = randomCase(seededRandom(seed));
      const expected = referencePlace(offers, pending, options, running);
      const actual = placeWorkers(offers, pending, options, running);
      expect({ seed, result: actual }).toEqual({ seed, result: expected });
      placed += actual.launches.reduce((n, l) => n + l.workers.length, 0);
    }
    expect(placed).toBeGreaterThan(0);
  });

  it('decides exactly as the reference on full stand-in offers (100 agents of 4 cpus, 0.1-cpu workers)', () => {
    const offers: Offer[] = Array.from({ length: 100 }, (_, i) => ({
      id: { value: `offer-${i}` },
      framework_id: { value: 'fw' },
      agent_id: { value: `agent-${i}` },
      hostname: `agent-${i}.local`,
      resources: [
        ...(['cpus', 'mem', 'disk'] as const).map((name, k) => ({ name, type: mesos.v1.Value.Type.SCALAR, scalar: { value: [4, 8192, 20000][k] }, role: '*', allocation_info: { role: '*' } })),
        { name: 'ports', type: mesos.v1.Value.Type.RANGES, ranges: { range: [{ begin: 31000, end: 32000 }] }, role: '*', allocation_info: { role: '*' } },
      ],
      allocation_info: { role: '*' },
    }));
    // Each agent fits 40 (4 cpus); 4,010 pending leave 10 unplaced, and every agent full.
    const pending: PendingWorker[] = Array.from({ length: 4_010 }, (_, i) => ({ workerId: `tm-${i}`, profile: { cpus: 0.1, mem: 32, ports: 2 }, requestedAt: i }));
    const actual = placeWorkers(offers, pending, { now: 10_000_000 });
    expect(actual).toEqual(referencePlace(offers, pending, { now: 10_000_000 }, []));
    expect(actual.launches.reduce((n, l) => n + l.workers.length, 0)).toBe(4_000);
    expect(actual.launches[99].workers[39].ports).toEqual([31078, 31079]);
    expect(actual.unplaced).toHaveLength(10);
  });
});

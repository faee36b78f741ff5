import { mesos } from '@mesoflow/proto';
import { hostAttributeValue, satisfiesConstraints, type HostAttributeConstraint } from './constraints';
import { buildPools, fits, take, type AgentPool } from './pool';
import { toDemand, type Demand, type WorkerProfile } from './profile';

/** A worker waiting for resources. */
export interface PendingWorker {
  /** Becomes the TaskID; unique among pending and running workers. */
  readonly workerId: string;
  readonly profile: WorkerProfile;
  /** When the worker was requested (ms since the epoch); placement is FIFO by this. */
  readonly requestedAt: number;
}

/** A worker already running (or launched earlier), for the spread limits. */
export interface RunningWorker {
  readonly hostname: string;
  /** The agent's TEXT attributes (see `textAttributes(offer)`). @default {} */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** At most `max` workers per distinct value of an agent attribute (`hostname` allowed). */
export interface AttributeSpreadLimit {
  readonly attribute: string;
  readonly max: number;
}

/** How to place. */
export interface PlacementOptions {
  /** Hard host attribute constraints, all of which an agent must satisfy. @default [] */
  readonly constraints?: readonly HostAttributeConstraint[];
  /** At most this many workers per hostname, running ones included. @default unlimited */
  readonly maxWorkersPerHost?: number;
  /**
   * At most `max` workers per value of each attribute, running ones included. Agents without
   * the attribute get no workers while such a limit is set (as Marathon's MAX_PER). @default []
   */
  readonly maxWorkersPerAttributeValue?: readonly AttributeSpreadLimit[];
  /** The scalar resource that `networkBandwidth` is taken from (Flink's default). @default 'network' */
  readonly networkResourceName?: string;
  /** The current time in ms since the epoch; without it no worker is considered starving. */
  readonly now?: number;
  /** A worker pending at least this long is starving (see `placeWorkers`). @default 60_000 */
  readonly starvationAfterMs?: number;
}

/** One worker placed on an agent. */
export interface PlacedWorker {
  readonly workerId: string;
  /** The exact resources for its TaskInfo. */
  readonly resources: mesos.v1.Resource.$Properties[];
  /** The ports taken, in ascending order, to hand to the TaskManager. */
  readonly ports: number[];
}

/** One ACCEPT: every offer of one agent for one allocation role, with a LAUNCH per worker. */
export interface Launch {
  readonly agentId: string;
  readonly hostname: string;
  /** `allocation_info.role` of these offers; undefined for frameworks without MULTI_ROLE. */
  readonly allocationRole: string | undefined;
  readonly offerIds: string[];
  readonly workers: PlacedWorker[];
}

/** Why a worker was not placed in this round. */
export type UnplacedReason =
  /** The profile is invalid; `detail` says why. */
  | 'INVALID_PROFILE'
  /** There were no offers. */
  | 'NO_OFFERS'
  /** No offered agent satisfies the hard host attribute constraints. */
  | 'CONSTRAINTS'
  /** Every agent that satisfies the constraints is at a spread limit or held for a starving worker. */
  | 'SPREAD_LIMIT'
  /** Agents are eligible but none has enough of some resource left. */
  | 'INSUFFICIENT_RESOURCES';

/** A worker left pending. */
export interface UnplacedWorker {
  readonly workerId: string;
  readonly reason: UnplacedReason;
  readonly detail?: string;
}

/** The decision for one batch of offers. */
export interface PlacementResult {
  readonly launches: Launch[];
  /** Pending workers not placed, in FIFO order. */
  readonly unplaced: UnplacedWorker[];
  /** Offers no launch uses: decline them. */
  readonly unusedOfferIds: string[];
  /** The agent held back for a starving worker this round, if any (its offers are unused). */
  readonly heldForWorkerId?: string;
}

/** Per pool: whether constraints hold, and its keys for the spread counters. */
interface Candidate {
  readonly pool: AgentPool;
  readonly allowed: boolean;
  /** Spread counter slots (see `placeWorkers`); -1 ⇒ agent lacks the attribute ⇒ never eligible. */
  readonly spreadSlots: readonly number[];
  held: boolean;
  launch: Launch | undefined;
}

/** Per distinct demand: the first candidate that may still fit it (candidates only shrink). */
interface Cursor {
  index: number;
}

/** What one profile shape resolves to: a demand and its shared cursor, or why it is invalid. */
interface ProfileEntry {
  /** The first profile object seen with this shape; its fields are what `sameShape` compares. */
  readonly profile: WorkerProfile;
  readonly demand: Demand | undefined;
  readonly cursor: Cursor | undefined;
  readonly problems: string | undefined;
}

/**
 * How many distinct profile shapes are compared field by field before falling back to a lookup
 * by object identity (and a conversion per new object). A round rarely has more than a few.
 */
const MAX_SHAPES_COMPARED = 16;

/**
 * Whether two profiles have the same field values, so the same validation outcome and demand
 * (`validateWorkerProfile` and `toDemand` read exactly these fields). NaN never compares equal,
 * which only costs a conversion.
 */
function sameShape(a: WorkerProfile, b: WorkerProfile): boolean {
  return (
    a.cpus === b.cpus &&
    a.mem === b.mem &&
    a.disk === b.disk &&
    a.gpus === b.gpus &&
    a.networkBandwidth === b.networkBandwidth &&
    a.ports === b.ports
  );
}

const DEFAULT_STARVATION_AFTER_MS = 60_000;

// Module-local copies of the pool functions called per worker: compiled to CommonJS (as tsx runs
// the scheduler) every call through an import binding is a getter call on the module object.
const fitsPool = fits;
const takeFromPool = take;

function inFifoOrder(pending: readonly PendingWorker[]): readonly PendingWorker[] {
  for (let i = 1; i < pending.length; i++) {
    if (pending[i].requestedAt < pending[i - 1].requestedAt) {
      // Array.prototype.sort is stable, so equal request times keep their input order.
      return [...pending].sort((a, b) => a.requestedAt - b.requestedAt);
    }
  }
  return pending;
}

/**
 * Decides which pending workers to launch on which offers, for one batch of offers.
 *
 * Offers are pooled per (agent, allocation role): a launch names all of them and Mesos accepts
 * them in one ACCEPT; roles are never mixed. Pools holding reserved resources are tried first and
 * within a pool reserved resources are taken before unreserved ones. Scalars are exact
 * (milli-units), ports come from the offered ranges. Inputs are not modified.
 *
 * Fairness rule. Workers are considered in FIFO order of `requestedAt`, each taking the first
 * eligible pool with room (first fit, so several workers share a pool). A worker that fits
 * nowhere is skipped for this round and does not block the younger workers behind it, which may
 * use what is left (backfilling). Because the order is FIFO, a skipped worker gets the first look
 * at every later batch, ahead of everything requested after it, so it is placed as soon as a
 * batch holds an agent with room for it. Backfilling alone could still starve a big worker when
 * small ones keep every agent partly used; so the oldest worker that has been pending for at least
 * `starvationAfterMs` and fits nowhere has one agent held back for it: the eligible pool that
 * comes closest to fitting it gets no younger worker this round, its offers are returned unused,
 * and it comes back with whatever is freed meanwhile.
 *
 * Cost: pools are built once, O(resources); each distinct profile keeps a cursor over the pools
 * that only moves forward (pools only lose room and spread counts only grow within a round), so
 * the scan is O(workers + pools × distinct profiles) plus the work of each launch.
 *
 * @param running workers already running, counted by the spread limits.
 */
export function placeWorkers(
  offers: readonly mesos.v1.Offer.$Properties[],
  pending: readonly PendingWorker[],
  options: PlacementOptions = {},
  running: readonly RunningWorker[] = [],
): PlacementResult {
  const constraints = options.constraints ?? [];
  const maxPerHost = options.maxWorkersPerHost ?? Infinity;
  const limits = options.maxWorkersPerAttributeValue ?? [];
  const starvationAfterMs = options.starvationAfterMs ?? DEFAULT_STARVATION_AFTER_MS;
  const pools = buildPools(offers, options.networkResourceName ?? 'network');

  // Spread counters: index 0 is per hostname, then one per attribute limit. Each distinct key
  // (hostname or attribute value) gets a slot once, so the per-worker checks and increments are
  // array accesses instead of string-keyed map lookups.
  const spreadMax = [maxPerHost, ...limits.map((limit) => limit.max)];
  const slotsByKey: Map<string, number>[] = spreadMax.map(() => new Map<string, number>());
  const counts: number[][] = spreadMax.map(() => []);
  const slotOf = (i: number, key: string | undefined): number => {
    if (key === undefined) return -1;
    let slot = slotsByKey[i].get(key);
    if (slot === undefined) {
      slot = counts[i].length;
      slotsByKey[i].set(key, slot);
      counts[i].push(0);
    }
    return slot;
  };
  const slotsOf = (hostname: string, attributes: Readonly<Record<string, string>>): number[] => [
    slotOf(0, hostname),
    ...limits.map((limit, i) => slotOf(i + 1, hostAttributeValue(hostname, attributes, limit.attribute))),
  ];
  const spreadActive = maxPerHost !== Infinity || limits.length > 0;
  if (spreadActive) {
    for (const worker of running) {
      const slots = slotsOf(worker.hostname, worker.attributes ?? {});
      for (let i = 0; i < slots.length; i++) if (slots[i] >= 0) counts[i][slots[i]]++;
    }
  }

  const candidates: Candidate[] = pools.map((pool) => ({
    pool,
    allowed: satisfiesConstraints(pool.hostname, pool.attributes, constraints),
    spreadSlots: spreadActive ? slotsOf(pool.hostname, pool.attributes) : [],
    held: false,
    launch: undefined,
  }));
  const withinSpread = (candidate: Candidate): boolean => {
    const slots = candidate.spreadSlots;
    for (let i = 0; i < slots.length; i++) {
      const slot = slots[i];
      if (slot < 0 || counts[i][slot] >= spreadMax[i]) return false;
    }
    return true;
  };
  const eligible = (candidate: Candidate): boolean => candidate.allowed && !candidate.held && withinSpread(candidate);

  // Per profile: its demand and the cursor of its demand's key. Workers usually carry their own
  // profile objects (one per stored worker) of a few shapes, so a profile is first matched by its
  // field values against the shapes seen so far, and only converted (validated) once per shape.
  const shapes: ProfileEntry[] = [];
  const demands = new Map<WorkerProfile, ProfileEntry>();
  const cursors = new Map<string, Cursor>();
  const unplacedDemands: (Demand | undefined)[] = [];
  const unplaced: UnplacedWorker[] = [];
  let heldForWorkerId: string | undefined;
  let last: ProfileEntry | undefined;

  const entryOf = (profile: WorkerProfile): ProfileEntry => {
    for (let i = 0; i < shapes.length; i++) if (sameShape(shapes[i].profile, profile)) return shapes[i];
    let entry = demands.get(profile);
    if (entry !== undefined) return entry;
    const converted = toDemand(profile);
    if ('problems' in converted) {
      entry = { profile, demand: undefined, cursor: undefined, problems: converted.problems.join('; ') };
    } else {
      let shared = cursors.get(converted.key);
      if (shared === undefined) {
        shared = { index: 0 };
        cursors.set(converted.key, shared);
      }
      entry = { profile, demand: converted, cursor: shared, problems: undefined };
    }
    if (shapes.length < MAX_SHAPES_COMPARED) shapes.push(entry);
    else demands.set(profile, entry);
    return entry;
  };

  for (const worker of inFifoOrder(pending)) {
    const entry = last !== undefined && (last.profile === worker.profile || sameShape(last.profile, worker.profile)) ? last : entryOf(worker.profile);
    last = entry;
    const { demand, cursor } = entry;
    if (demand === undefined || cursor === undefined) {
      unplaced.push({ workerId: worker.workerId, reason: 'INVALID_PROFILE', detail: entry.problems });
      unplacedDemands.push(undefined);
      continue;
    }
    let placed = false;
    while (cursor.index < candidates.length) {
      const candidate = candidates[cursor.index];
      if (eligible(candidate) && fitsPool(candidate.pool, demand)) {
        place(candidate, worker.workerId, demand);
        placed = true;
        break;
      }
      cursor.index++;
    }
    if (placed) continue;
    unplaced.push({ workerId: worker.workerId, reason: 'INSUFFICIENT_RESOURCES' });
    unplacedDemands.push(demand);
    if (
      heldForWorkerId === undefined &&
      options.now !== undefined &&
      options.now - worker.requestedAt >= starvationAfterMs
    ) {
      const closest = closestCandidate(candidates, demand, eligible);
      if (closest !== undefined) {
        closest.held = true;
        heldForWorkerId = worker.workerId;
      }
    }
  }

  function place(candidate: Candidate, workerId: string, demand: Demand): void {
    const placed: PlacedWorker = takeFromPool(candidate.pool, demand, workerId);
    if (candidate.launch === undefined) {
      const pool = candidate.pool;
      candidate.launch = {
        agentId: pool.agentId,
        hostname: pool.hostname,
        allocationRole: pool.allocationRole,
        offerIds: pool.offerIds,
        workers: [],
      };
    }
    candidate.launch.workers.push(placed);
    const slots = candidate.spreadSlots;
    for (let i = 0; i < slots.length; i++) if (slots[i] >= 0) counts[i][slots[i]]++;
  }

  const launches: Launch[] = [];
  const unusedOfferIds: string[] = [];
  for (const candidate of candidates) {
    if (candidate.launch === undefined) unusedOfferIds.push(...candidate.pool.offerIds);
    else launches.push(candidate.launch);
  }
  explainUnplaced(unplaced, unplacedDemands, candidates, eligible);
  return heldForWorkerId === undefined
    ? { launches, unplaced, unusedOfferIds }
    : { launches, unplaced, unusedOfferIds, heldForWorkerId };
}

/**
 * The eligible pool closest to fitting a demand: the largest smallest share `free / demanded`
 * over the demanded dimensions.
 */
function closestCandidate(
  candidates: readonly Candidate[],
  demand: Demand,
  eligible: (candidate: Candidate) => boolean,
): Candidate | undefined {
  let best: Candidate | undefined;
  let bestShare = -1;
  for (const candidate of candidates) {
    if (!eligible(candidate)) continue;
    const free = candidate.pool.free;
    let share = Infinity;
    for (let i = 0; i < demand.milli.length; i++) {
      if (demand.milli[i] > 0) share = Math.min(share, free[i] / demand.milli[i]);
    }
    if (demand.ports > 0) share = Math.min(share, candidate.pool.freePorts / demand.ports);
    if (share > bestShare) {
      best = candidate;
      bestShare = share;
    }
  }
  return best;
}

/**
 * Refines INSUFFICIENT_RESOURCES into NO_OFFERS, CONSTRAINTS or SPREAD_LIMIT from the state at
 * the end of the round: when no pool is eligible any more, resources were not the reason.
 */
function explainUnplaced(
  unplaced: UnplacedWorker[],
  demands: readonly (Demand | undefined)[],
  candidates: readonly Candidate[],
  eligible: (candidate: Candidate) => boolean,
): void {
  if (unplaced.length === 0) return;
  const anyAllowed = candidates.some((candidate) => candidate.allowed);
  const anyEligible = candidates.some(eligible);
  const reasonFor = (): UnplacedReason => {
    if (candidates.length === 0) return 'NO_OFFERS';
    if (!anyAllowed) return 'CONSTRAINTS';
    if (!anyEligible) return 'SPREAD_LIMIT';
    return 'INSUFFICIENT_RESOURCES';
  };
  const reason = reasonFor();
  if (reason === 'INSUFFICIENT_RESOURCES') return;
  for (let i = 0; i < unplaced.length; i++) {
    if (demands[i] !== undefined) unplaced[i] = { workerId: unplaced[i].workerId, reason };
  }
}

import { mesos } from '@mesoflow/proto';
import { toMilli } from './fixed-point';
import { placeWorkers, type PendingWorker } from './place';
import type { WorkerProfile } from './profile';
import { normalizeRanges, rangesOf, type Range } from './ranges';
import { isReserved } from './resources';
import { offer, ports, scalar } from './test-offers';
import { seededRandom } from '@mesoflow/testing';

type Resource = mesos.v1.Resource.$Properties;

/** Identity of a resource apart from its value, as Mesos matches it. */
function identity(resource: Resource): string {
  return JSON.stringify([resource.name, resource.role ?? null, resource.reservation ?? null, resource.reservations?.length ? resource.reservations : null, resource.allocation_info ?? null]);
}

function randomOffers(random: () => number, count: number): mesos.v1.Offer.$Properties[] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const offers: mesos.v1.Offer.$Properties[] = [];
  for (let i = 0; i < count; i++) {
    const role = pick([undefined, 'flink', 'batch']);
    const reserved = role !== undefined && random() < 0.5 ? { reservations: [{ role, type: mesos.v1.Resource.ReservationInfo.Type.DYNAMIC }] } : {};
    const base = 31000 + Math.floor(random() * 1000);
    offers.push(
      offer({
        id: `o${i}`,
        agent: `a${Math.floor(random() * (count / 2))}`,
        role,
        attributes: { rack: pick(['r1', 'r2', 'r3']) },
        resources: [
          scalar('cpus', Math.round(random() * 8000) / 1000 + 0.001),
          scalar('cpus', Math.round(random() * 2000) / 1000 + 0.001, reserved),
          scalar('mem', Math.round(random() * 16384) + 1),
          scalar('disk', Math.round(random() * 4096) + 1),
          scalar('gpus', Math.floor(random() * 3) + 1),
          ports([[base, base + Math.floor(random() * 6)], [base + 20, base + 20 + Math.floor(random() * 4)]]),
          ports([[base + 50, base + 52]], reserved),
        ],
      }),
    );
  }
  return offers;
}

function randomWorkers(random: () => number, count: number): PendingWorker[] {
  const profiles: WorkerProfile[] = [
    { cpus: 0.1, mem: 128, ports: 1 },
    { cpus: 1.5, mem: 2048, disk: 256, ports: 3 },
    { cpus: 3.333, mem: 4000, gpus: 1, ports: 2 },
    { cpus: 7, mem: 8192, ports: 8 },
  ];
  return Array.from({ length: count }, (_, i) => ({
    workerId: `w${i}`,
    profile: profiles[Math.floor(random() * profiles.length)],
    requestedAt: Math.floor(random() * 1000),
  }));
}

describe('placeWorkers (property)', () => {
  it.each([1, 2, 3, 4, 5, 6, 7, 8])('never over-allocates and launches only offered resources (seed %i)', (seed) => {
    const random = seededRandom(seed);
    const offers = randomOffers(random, 40);
    const pending = randomWorkers(random, 300);
    const before = JSON.stringify(offers);
    const result = placeWorkers(offers, pending, { maxWorkersPerAttributeValue: [{ attribute: 'rack', max: 60 }] });
    expect(JSON.stringify(offers)).toBe(before); // inputs untouched

    const offerById = new Map(offers.map((o) => [o.id.value, o]));
    const placedIds = new Set<string>();
    const usedOffers = new Set<string>();
    for (const launch of result.launches) {
      const launchOffers = launch.offerIds.map((id) => offerById.get(id)!);
      // One ACCEPT: one agent, one allocation role, each offer used once.
      for (const o of launchOffers) {
        expect(o.agent_id.value).toBe(launch.agentId);
        expect(o.allocation_info?.role).toBe(launch.allocationRole);
        expect(usedOffers.has(o.id.value)).toBe(false);
        usedOffers.add(o.id.value);
      }
      // What the offers hold, by identity, in milli-units and port sets.
      const scalarLeft = new Map<string, number>();
      const portsLeft = new Map<string, Set<number>>();
      for (const r of launchOffers.flatMap((o) => o.resources ?? [])) {
        const id = identity(r);
        if (r.type === mesos.v1.Value.Type.SCALAR) scalarLeft.set(id, (scalarLeft.get(id) ?? 0) + toMilli(r.scalar!.value));
        else for (const range of rangesOf(r.ranges)) for (let p = range.begin; p <= range.end; p++) (portsLeft.get(id) ?? portsLeft.set(id, new Set()).get(id)!).add(p);
      }
      for (const worker of launch.workers) {
        expect(placedIds.has(worker.workerId)).toBe(false);
        placedIds.add(worker.workerId);
        const profile = pending.find((w) => w.workerId === worker.workerId)!.profile;
        const took = { cpus: 0, mem: 0, disk: 0, gpus: 0 };
        const portsTaken: number[] = [];
        for (const r of worker.resources) {
          const id = identity(r);
          expect(r.allocation_info ?? undefined).toEqual(launch.allocationRole === undefined ? undefined : { role: launch.allocationRole });
          if (r.type === mesos.v1.Value.Type.SCALAR) {
            const milli = toMilli(r.scalar!.value);
            expect(milli).toBeGreaterThan(0);
            const left = (scalarLeft.get(id) ?? 0) - milli;
            expect(left).toBeGreaterThanOrEqual(0);
            scalarLeft.set(id, left);
            took[r.name as keyof typeof took] += milli;
          } else {
            const ranges: Range[] = rangesOf(r.ranges);
            expect(normalizeRanges(ranges)).toEqual(ranges);
            for (const range of ranges) {
              for (let p = range.begin; p <= range.end; p++) {
                expect(portsLeft.get(id)?.delete(p)).toBe(true);
                portsTaken.push(p);
              }
            }
          }
        }
        expect(took).toEqual({ cpus: toMilli(profile.cpus), mem: toMilli(profile.mem), disk: toMilli(profile.disk ?? 0), gpus: toMilli(profile.gpus ?? 0) });
        expect(portsTaken.sort((a, b) => a - b)).toEqual(worker.ports);
        expect(worker.ports).toHaveLength(profile.ports ?? 0);
      }
      // Reserved before unreserved: a worker only uses unreserved cpus when no reserved cpus were left.
      for (const worker of launch.workers) {
        const cpus = worker.resources.filter((r) => r.name === 'cpus');
        if (cpus.length === 2) expect([isReserved(cpus[0]), isReserved(cpus[1])]).toEqual([true, false]);
      }
    }
    // Every pending worker is either placed or unplaced, exactly once; unused offers are the rest.
    expect(placedIds.size + result.unplaced.length).toBe(pending.length);
    expect(new Set([...usedOffers, ...result.unusedOfferIds]).size).toBe(offers.length);
    expect(result.unusedOfferIds.filter((id) => usedOffers.has(id))).toEqual([]);
    expect(placedIds.size).toBeGreaterThan(0);
  });
});

import { mesos } from '@mesoflow/proto';
import { parseHostAttributeConstraints } from './constraints';
import { placeWorkers, type PendingWorker, type PlacementResult } from './place';
import type { WorkerProfile } from './profile';
import { rangesOf } from './ranges';
import { offer, ports, scalar } from './test-offers';

const SMALL: WorkerProfile = { cpus: 1, mem: 1024 };

function workers(profile: WorkerProfile, count: number, firstAt = 0, prefix = 'w'): PendingWorker[] {
  return Array.from({ length: count }, (_, i) => ({ workerId: `${prefix}${i}`, profile, requestedAt: firstAt + i }));
}

function placedIds(result: PlacementResult): string[] {
  return result.launches.flatMap((launch) => launch.workers.map((w) => w.workerId));
}


describe('placeWorkers', () => {
  it('places a worker that exactly fits an offer, taking exactly what it asks for', () => {
    const offers = [offer({ id: 'o1', agent: 'a1', resources: [scalar('cpus', 2), scalar('mem', 4096), scalar('disk', 100), ports([[31000, 31001]])] })];
    const result = placeWorkers(offers, workers({ cpus: 2, mem: 4096, disk: 100, ports: 2 }, 1));
    expect(result.launches).toHaveLength(1);
    const [launch] = result.launches;
    expect(launch).toMatchObject({ agentId: 'a1', hostname: 'a1.example', offerIds: ['o1'] });
    expect(launch.workers[0].ports).toEqual([31000, 31001]);
    expect(launch.workers[0].resources).toEqual([
      scalar('cpus', 2),
      scalar('mem', 4096),
      scalar('disk', 100),
      ports([[31000, 31001]]),
    ]);
    expect(result.unusedOfferIds).toEqual([]);
    expect(result.unplaced).toEqual([]);
  });

  it('places several workers on one offer and leaves the rest pending', () => {
    const offers = [offer({ id: 'o1', agent: 'a1', resources: [scalar('cpus', 3.5), scalar('mem', 8192)] })];
    const result = placeWorkers(offers, workers(SMALL, 5));
    expect(placedIds(result)).toEqual(['w0', 'w1', 'w2']);
    expect(result.unplaced).toEqual([
      { workerId: 'w3', reason: 'INSUFFICIENT_RESOURCES' },
      { workerId: 'w4', reason: 'INSUFFICIENT_RESOURCES' },
    ]);
  });

  it('pools the offers of one agent into a single launch', () => {
    const offers = [
      offer({ id: 'o1', agent: 'a1', resources: [scalar('cpus', 1), scalar('mem', 512)] }),
      offer({ id: 'o2', agent: 'a2', resources: [scalar('cpus', 0.5), scalar('mem', 512)] }),
      offer({ id: 'o3', agent: 'a1', resources: [scalar('cpus', 1), scalar('mem', 1536)] }),
    ];
    const result = placeWorkers(offers, workers({ cpus: 2, mem: 2048 }, 1));
    expect(result.launches).toHaveLength(1);
    expect(result.launches[0].offerIds).toEqual(['o1', 'o3']);
    expect(result.launches[0].workers[0].resources).toEqual([scalar('cpus', 2), scalar('mem', 2048)]);
    expect(result.unusedOfferIds).toEqual(['o2']);
  });

  it('takes ports across several ranges and leaves the correct remainder', () => {
    const offers = [offer({ id: 'o1', agent: 'a1', resources: [scalar('cpus', 4), scalar('mem', 4096), ports([[31005, 31006], [31000, 31001], [32000, 32010]])] })];
    const result = placeWorkers(offers, workers({ cpus: 1, mem: 1024, ports: 3 }, 3));
    const placed = result.launches[0].workers;
    expect(placed.map((w) => w.ports)).toEqual([
      [31000, 31001, 31005],
      [31006, 32000, 32001],
      [32002, 32003, 32004],
    ]);
    const portResource = placed[1].resources.find((r) => r.name === 'ports');
    expect(rangesOf(portResource?.ranges)).toEqual([
      { begin: 31006, end: 31006 },
      { begin: 32000, end: 32001 },
    ]);
    // The input offer is untouched.
    expect(rangesOf(offers[0].resources?.[2].ranges)).toEqual([
      { begin: 31005, end: 31006 },
      { begin: 31000, end: 31001 },
      { begin: 32000, end: 32010 },
    ]);
  });

  it('takes reserved resources before unreserved ones and keeps their role and reservation', () => {
    const reservation = { type: mesos.v1.Resource.ReservationInfo.Type.DYNAMIC, role: 'flink', principal: 'ops' };
    const offers = [
      offer({ id: 'o-unreserved', agent: 'a2', resources: [scalar('cpus', 8), scalar('mem', 8192)] }),
      offer({
        id: 'o1',
        agent: 'a1',
        role: 'flink',
        resources: [
          scalar('cpus', 4, { reservations: [] }),
          scalar('cpus', 1.5, { reservations: [reservation] }),
          scalar('mem', 4096, { role: '*' }),
          scalar('mem', 1024, { role: 'flink', reservation: { principal: 'ops' } }),
          ports([[31000, 31000]], { reservations: [reservation] }),
          ports([[40000, 40009]]),
        ],
      }),
    ];
    const result = placeWorkers(offers, workers({ cpus: 2, mem: 2048, ports: 2 }, 1));
    expect(result.launches).toHaveLength(1);
    const launch = result.launches[0];
    expect(launch.agentId).toBe('a1');
    expect(launch.allocationRole).toBe('flink');
    const allocation_info = { role: 'flink' };
    expect(launch.workers[0].resources).toEqual([
      scalar('cpus', 1.5, { reservations: [reservation], allocation_info }),
      scalar('cpus', 0.5, { allocation_info }),
      scalar('mem', 1024, { role: 'flink', reservation: { principal: 'ops' }, allocation_info }),
      scalar('mem', 1024, { role: '*', allocation_info }),
      ports([[31000, 31000]], { reservations: [reservation], allocation_info }),
      ports([[40000, 40000]], { allocation_info }),
    ]);
    expect(launch.workers[0].ports).toEqual([31000, 40000]);
  });

  it('never mixes allocation roles (MULTI_ROLE): offers of one agent for two roles are two launches', () => {
    const offers = [
      offer({ id: 'o-a', agent: 'a1', role: 'analytics', resources: [scalar('cpus', 1), scalar('mem', 1024)] }),
      offer({ id: 'o-b', agent: 'a1', role: 'streaming', resources: [scalar('cpus', 1), scalar('mem', 1024)] }),
    ];
    // Pooled across roles the agent would fit a 2-cpu worker; per role it does not.
    expect(placeWorkers(offers, workers({ cpus: 2, mem: 1024 }, 1)).launches).toEqual([]);
    const result = placeWorkers(offers, workers(SMALL, 2));
    expect(result.launches.map((l) => [l.allocationRole, l.offerIds])).toEqual([
      ['analytics', ['o-a']],
      ['streaming', ['o-b']],
    ]);
    for (const launch of result.launches) {
      for (const resource of launch.workers[0].resources) expect(resource.allocation_info).toEqual({ role: launch.allocationRole });
    }
  });

  describe('hard host attribute constraints', () => {
    const offers = [
      offer({ id: 'o1', agent: 'a1', hostname: 'node-1', attributes: { az: 'eu-west-1a', series: 't2' }, resources: [scalar('cpus', 4), scalar('mem', 8192)] }),
      offer({ id: 'o2', agent: 'a2', hostname: 'node-2', attributes: { az: 'eu-west-1b', series: 't2' }, resources: [scalar('cpus', 4), scalar('mem', 8192)] }),
      offer({ id: 'o3', agent: 'a3', hostname: 'node-3', attributes: { az: 'eu-west-.*' }, resources: [scalar('cpus', 4), scalar('mem', 8192)] }),
    ];
    const agentsFor = (spec: string): string[] => {
      const { constraints, errors } = parseHostAttributeConstraints(spec);
      expect(errors).toEqual([]);
      return placeWorkers(offers, workers(SMALL, 1), { constraints }).launches.map((l) => l.agentId);
    };

    it('places on an agent whose attributes all match', () => {
      expect(agentsFor('az:eu-west-1b,series:t2')).toEqual(['a2']);
    });

    it('places nothing when no agent matches, and says why', () => {
      const { constraints } = parseHostAttributeConstraints('az:us-east-1a');
      const result = placeWorkers(offers, workers(SMALL, 1), { constraints });
      expect(result.launches).toEqual([]);
      expect(result.unplaced).toEqual([{ workerId: 'w0', reason: 'CONSTRAINTS' }]);
      expect(agentsFor('az:eu-west-1a,series:m5')).toEqual([]);
      expect(agentsFor('rack:r1')).toEqual([]); // agents lacking the attribute never match
    });

    it('compares values literally, as Flink (Fenzo HostAttrValueConstraint) does: no regex', () => {
      expect(agentsFor('az:eu-west-.*')).toEqual(['a3']);
      expect(agentsFor('az:eu-west-1')).toEqual([]);
    });

    it('matches hostname (and Fenzo HOSTNAME) against the agent hostname', () => {
      expect(agentsFor('hostname:node-2')).toEqual(['a2']);
      expect(agentsFor('HOSTNAME:node-3')).toEqual(['a3']);
    });
  });

  describe('spread limits', () => {
    const offers = ['a1', 'a2', 'a3'].map((agent, i) =>
      offer({ id: `o${i + 1}`, agent, hostname: `node-${i + 1}`, attributes: { rack: i < 2 ? 'r1' : 'r2' }, resources: [scalar('cpus', 8), scalar('mem', 16384)] }),
    );

    it('counts running workers against maxWorkersPerHost', () => {
      const running = [{ hostname: 'node-1' }, { hostname: 'node-1' }, { hostname: 'node-2' }];
      const result = placeWorkers(offers, workers(SMALL, 6), { maxWorkersPerHost: 2 }, running);
      const perHost = result.launches.map((l) => [l.hostname, l.workers.length]);
      expect(perHost).toEqual([
        ['node-2', 1],
        ['node-3', 2],
      ]);
      expect(result.unplaced.map((u) => u.reason)).toEqual(['SPREAD_LIMIT', 'SPREAD_LIMIT', 'SPREAD_LIMIT']);
    });

    it('limits workers per attribute value, running ones included', () => {
      const running = [{ hostname: 'node-9', attributes: { rack: 'r1' } }];
      const result = placeWorkers(offers, workers(SMALL, 5), { maxWorkersPerAttributeValue: [{ attribute: 'rack', max: 2 }] }, running);
      expect(result.launches.map((l) => [l.hostname, l.workers.length])).toEqual([
        ['node-1', 1],
        ['node-3', 2],
      ]);
      expect(result.unplaced).toHaveLength(2);
    });
  });

  describe('fairness', () => {
    const BIG: WorkerProfile = { cpus: 4, mem: 4096 };
    const pending = [{ workerId: 'big', profile: BIG, requestedAt: 0 }, ...workers(SMALL, 3, 1, 's')];

    it('does not let a big worker that fits nowhere block the smaller ones behind it', () => {
      const offers = [offer({ id: 'o1', agent: 'a1', resources: [scalar('cpus', 2), scalar('mem', 4096)] })];
      const result = placeWorkers(offers, pending);
      expect(placedIds(result)).toEqual(['s0', 's1']);
      expect(result.unplaced.map((u) => u.workerId)).toEqual(['big', 's2']);
    });

    it('places the skipped big worker first as soon as an offer fits it', () => {
      const offers = [
        offer({ id: 'o1', agent: 'a1', resources: [scalar('cpus', 2), scalar('mem', 4096)] }),
        offer({ id: 'o2', agent: 'a2', resources: [scalar('cpus', 4), scalar('mem', 4096)] }),
      ];
      // Input order does not matter: FIFO by requestedAt.
      const result = placeWorkers(offers, [...pending].reverse());
      expect(result.launches.map((l) => [l.agentId, l.workers.map((w) => w.workerId)])).toEqual([
        ['a1', ['s0', 's1']],
        ['a2', ['big']],
      ]);
    });

    it('holds back the closest agent for a starving worker so small ones cannot keep it partly used', () => {
      const offers = [
        offer({ id: 'o1', agent: 'a1', resources: [scalar('cpus', 3), scalar('mem', 4096)] }),
        offer({ id: 'o2', agent: 'a2', resources: [scalar('cpus', 1), scalar('mem', 4096)] }),
      ];
      const notYet = placeWorkers(offers, pending, { now: 59_999, starvationAfterMs: 60_000 });
      expect(placedIds(notYet)).toEqual(['s0', 's1', 's2']);
      const starving = placeWorkers(offers, pending, { now: 60_000, starvationAfterMs: 60_000 });
      expect(starving.heldForWorkerId).toBe('big');
      expect(starving.launches.map((l) => [l.agentId, l.workers.map((w) => w.workerId)])).toEqual([['a2', ['s0']]]);
      expect(starving.unusedOfferIds).toEqual(['o1']);
    });
  });

  it('is exact with fractional cpus: forty 0.1-cpu workers fill 4 cpus', () => {
    const offers = [offer({ id: 'o1', agent: 'a1', resources: [scalar('cpus', 4), scalar('mem', 4096)] })];
    const result = placeWorkers(offers, workers({ cpus: 0.1, mem: 1 }, 41));
    expect(result.launches[0].workers).toHaveLength(40);
    expect(result.unplaced.map((u) => u.workerId)).toEqual(['w40']);
    expect(result.launches[0].workers.every((w) => w.resources[0].scalar?.value === 0.1)).toBe(true);
    // 0.1 + 0.2 > 0.3 in floating point; in milli-units it fits exactly.
    const tight = [offer({ id: 'o2', agent: 'a2', resources: [scalar('cpus', 0.3), scalar('mem', 10)] })];
    expect(placeWorkers(tight, [{ workerId: 'x', profile: { cpus: 0.1, mem: 1 }, requestedAt: 0 }, { workerId: 'y', profile: { cpus: 0.2, mem: 1 }, requestedAt: 1 }]).launches[0].workers).toHaveLength(2);
  });

  it('returns every offer unused when nothing is placed', () => {
    const offers = [
      offer({ id: 'o1', agent: 'a1', resources: [scalar('cpus', 1), scalar('mem', 128)] }),
      offer({ id: 'o2', agent: 'a2', resources: [scalar('cpus', 1), scalar('mem', 128)] }),
      offer({ id: 'o3', agent: 'a1', resources: [] }),
    ];
    expect(placeWorkers(offers, workers(SMALL, 2))).toEqual({
      launches: [],
      unplaced: [
        { workerId: 'w0', reason: 'INSUFFICIENT_RESOURCES' },
        { workerId: 'w1', reason: 'INSUFFICIENT_RESOURCES' },
      ],
      unusedOfferIds: ['o1', 'o3', 'o2'],
    });
    expect(placeWorkers(offers, []).unusedOfferIds).toEqual(['o1', 'o3', 'o2']);
    expect(placeWorkers([], workers(SMALL, 1)).unplaced).toEqual([{ workerId: 'w0', reason: 'NO_OFFERS' }]);
  });

  it('reports invalid profiles without placing them', () => {
    const offers = [offer({ id: 'o1', agent: 'a1', resources: [scalar('cpus', 4), scalar('mem', 4096), scalar('gpus', 2)] })];
    const result = placeWorkers(offers, [{ workerId: 'bad', profile: { cpus: 1, mem: 1, gpus: 0.5 }, requestedAt: 0 }, ...workers(SMALL, 1)]);
    expect(result.unplaced).toEqual([{ workerId: 'bad', reason: 'INVALID_PROFILE', detail: 'gpus must be a whole number >= 0, got 0.5' }]);
    expect(placedIds(result)).toEqual(['w0']);
  });

  it('skips revocable, shared and persistent-volume resources', () => {
    const offers = [
      offer({
        id: 'o1',
        agent: 'a1',
        resources: [
          scalar('cpus', 4, { revocable: {} }),
          scalar('cpus', 1),
          scalar('mem', 4096),
          scalar('disk', 1000, { role: 'flink', disk: { persistence: { id: 'vol' } } }),
        ],
      }),
    ];
    expect(placeWorkers(offers, workers({ cpus: 2, mem: 1 }, 1)).launches).toEqual([]);
    expect(placeWorkers(offers, workers({ cpus: 1, mem: 1, disk: 1 }, 1)).launches).toEqual([]);
    expect(placeWorkers(offers, workers({ cpus: 1, mem: 1 }, 1)).launches).toHaveLength(1);
  });
});

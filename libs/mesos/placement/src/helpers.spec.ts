import { parseHostAttributeConstraints } from './constraints';
import { validateWorkerProfile } from './profile';
import { normalizeRanges, takeLowest } from './ranges';
import { offerResourcesSummary, textAttributes } from './resources';
import { offer, ports, scalar } from './test-offers';

describe('parseHostAttributeConstraints', () => {
  it('parses Flink-style comma-separated attribute:value pairs', () => {
    expect(parseHostAttributeConstraints('az:eu-west-1a, series:t2,')).toEqual({
      constraints: [
        { attribute: 'az', value: 'eu-west-1a' },
        { attribute: 'series', value: 't2' },
      ],
      errors: [],
    });
    expect(parseHostAttributeConstraints(undefined)).toEqual({ constraints: [], errors: [] });
  });

  it('reports malformed entries instead of skipping them silently', () => {
    expect(parseHostAttributeConstraints('az,rack:r1:x,:v,k:').errors).toEqual([
      "Constraint 'az' is not of the form attribute:value",
      "Constraint 'rack:r1:x' is not of the form attribute:value",
      "Constraint ':v' is not of the form attribute:value",
      "Constraint 'k:' is not of the form attribute:value",
    ]);
  });
});

describe('validateWorkerProfile', () => {
  it('accepts a valid profile', () => {
    expect(validateWorkerProfile({ cpus: 0.5, mem: 1024, disk: 0, gpus: 1, networkBandwidth: 10, ports: 2 })).toEqual([]);
  });

  it('explains every problem', () => {
    expect(validateWorkerProfile({ cpus: 0, mem: -1, disk: 0.0001, gpus: 1.5, networkBandwidth: NaN, ports: -1 })).toEqual([
      'cpus must be > 0, got 0',
      'mem must be > 0, got -1',
      'disk must have at most 3 decimal digits (Mesos precision), got 0.0001',
      'networkBandwidth must be a finite number, got NaN',
      'gpus must be a whole number >= 0, got 1.5',
      'ports must be a whole number >= 0, got -1',
    ]);
  });
});

describe('offerResourcesSummary', () => {
  it('sums scalars exactly and counts ports', () => {
    const o = offer({
      id: 'o1',
      agent: 'a1',
      attributes: { rack: 'r1' },
      resources: [scalar('cpus', 0.1), scalar('cpus', 0.2, { role: 'flink' }), scalar('mem', 1024), scalar('gpus', 1), ports([[31000, 31009], [30000, 30000]])],
    });
    expect(offerResourcesSummary(o)).toEqual({ cpus: 0.3, mem: 1024, disk: 0, gpus: 1, ports: 11, portRanges: '[30000-30000, 31000-31009]' });
    expect(textAttributes(o)).toEqual({ rack: 'r1' });
  });
});

describe('ranges', () => {
  it('merges and takes the lowest values, leaving the upper part', () => {
    const ranges = normalizeRanges([{ begin: 10, end: 12 }, { begin: 13, end: 14 }, { begin: 1, end: 2 }, { begin: 5, end: 4 }]);
    expect(ranges).toEqual([{ begin: 1, end: 2 }, { begin: 10, end: 14 }]);
    expect(takeLowest(ranges, 3)).toEqual([{ begin: 1, end: 2 }, { begin: 10, end: 10 }]);
    expect(ranges).toEqual([{ begin: 11, end: 14 }]);
    expect(takeLowest(ranges, 10)).toEqual([{ begin: 11, end: 14 }]);
    expect(ranges).toEqual([]);
  });
});

import { mesos } from '@mesoflow/proto';
import { parseResourceText } from './resource-text';
import { Resources } from './resources';

describe('Resources', () => {
  const total = () => parseResourceText('cpus:4;mem:1024;ports:[31000-32000];zones:{a,b,c}');

  it('subtracts scalars exactly, splits ranges and removes set items', () => {
    const left = total().minus(parseResourceText('cpus:0.1;cpus:0.2;ports:[31000-31000,31500-31600];zones:{b}'));
    expect(left.toStateJson()).toEqual({ cpus: 3.7, gpus: 0, mem: 1024, disk: 0, ports: '[31001-31499, 31601-32000]', zones: '{a, c}' });
  });

  it('checks containment per name and role', () => {
    const bag = total();
    expect(bag.contains(parseResourceText('cpus:4;ports:[31990-32000]'))).toBe(true);
    expect(bag.contains(parseResourceText('cpus:4.001'))).toBe(false);
    expect(bag.contains(parseResourceText('ports:[32000-32001]'))).toBe(false);
    expect(bag.contains(parseResourceText('cpus(ops):1'))).toBe(false);
    expect(bag.contains(parseResourceText('zones:{d}'))).toBe(false);
  });

  it('drops entries that reach zero and reports emptiness', () => {
    const bag = parseResourceText('cpus:1');
    bag.subtract(parseResourceText('cpus:1'));
    expect(bag.isEmpty).toBe(true);
  });

  it('knows what is allocatable to a role and what is worth offering', () => {
    const bag = parseResourceText('cpus:1;cpus(ops):2;mem(dev):64');
    expect(bag.allocatableTo('ops').scalar('cpus')).toBe(3);
    expect(bag.allocatableTo('*').scalar('mem')).toBe(0);
    expect(parseResourceText('cpus:0.001;mem:31').isAllocatable()).toBe(false);
    expect(parseResourceText('mem:32').isAllocatable()).toBe(true);
  });

  it('round-trips through protobuf in both reservation formats', () => {
    const bag = parseResourceText('cpus(ops):2;ports:[1-2]');
    const legacy = bag.toProto({ allocationRole: 'ops' });
    expect(legacy).toEqual([
      { name: 'cpus', type: mesos.v1.Value.Type.SCALAR, scalar: { value: 2 }, role: 'ops', allocation_info: { role: 'ops' } },
      { name: 'ports', type: mesos.v1.Value.Type.RANGES, ranges: { range: [{ begin: 1, end: 2 }] }, role: '*', allocation_info: { role: 'ops' } },
    ]);
    const refined = bag.toProto({ refined: true });
    expect(refined[0].reservations).toEqual([{ type: mesos.v1.Resource.ReservationInfo.Type.STATIC, role: 'ops' }]);
    expect(Resources.fromProto(refined).list()).toEqual(bag.list());
    expect(Resources.fromProto(legacy).list()).toEqual(bag.list());
  });

  it('prints like Mesos', () => {
    expect(parseResourceText('cpus:0.5;ports:[1-2,4-5]').toString('r')).toBe('cpus(allocated: r):0.5; ports(allocated: r):[1-2, 4-5]');
  });
});

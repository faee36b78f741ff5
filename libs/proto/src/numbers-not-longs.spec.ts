// Through the public entry point only: the generated module must load after `util.Long` is off,
// which importing it directly (as protos.spec.ts does) would not show.
import { mesos } from './index';

describe('64-bit fields', () => {
  it('decode as numbers, absent ones included (their prototype default is 0, not a Long)', () => {
    const { RLimit } = mesos.v1.RLimitInfo;
    const absent = RLimit.decode(RLimit.encode({ type: RLimit.Type.RLMT_NOFILE }).finish());
    expect(absent.hard).toBe(0);
    const present = RLimit.decode(RLimit.encode({ type: RLimit.Type.RLMT_NOFILE, hard: 2 ** 40, soft: 1024 }).finish());
    expect([present.hard, present.soft]).toEqual([2 ** 40, 1024]);
  });
});

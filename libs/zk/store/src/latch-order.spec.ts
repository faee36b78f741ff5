import { isZkStoreError, ZkStoreErrorCode } from './errors';
import { decodeLeaderInfo, encodeLeaderInfo, latchPosition, parseEpoch, sortLatchNodes } from './latch-order';

describe('latch order', () => {
  it('orders latch nodes by sequence number and ignores other children', () => {
    expect(sortLatchNodes(['latch-0000000010', 'leader-epoch', 'latch-0000000002', 'latch-x', 'latch-0000000009'])).toEqual([
      'latch-0000000002',
      'latch-0000000009',
      'latch-0000000010',
    ]);
  });

  it('makes the lowest lead and every other watch only its predecessor', () => {
    const children = ['latch-0000000007', 'leader-epoch', 'latch-0000000003', 'latch-0000000005'];
    expect(latchPosition(children, 'latch-0000000003')).toEqual({ kind: 'leader' });
    expect(latchPosition(children, 'latch-0000000005')).toEqual({ kind: 'standby', predecessor: 'latch-0000000003' });
    expect(latchPosition(children, 'latch-0000000007')).toEqual({ kind: 'standby', predecessor: 'latch-0000000005' });
    expect(latchPosition(children, 'latch-0000000004')).toEqual({ kind: 'gone' });
  });

  it('round-trips the leader info and names the path of a bad one', () => {
    const info = { id: 'am-1', address: 'http://10.0.0.1:8081' };
    expect(decodeLeaderInfo(encodeLeaderInfo(info), '/l/latch-0000000001')).toEqual(info);
    for (const text of ['not json', '{"id":1,"address":"a"}', 'null']) {
      let error: unknown;
      try {
        decodeLeaderInfo(Buffer.from(text), '/l/latch-0000000001');
      } catch (caught) {
        error = caught;
      }
      expect(isZkStoreError(error, ZkStoreErrorCode.CORRUPT_RECORD)).toBe(true);
      expect(error).toMatchObject({ path: '/l/latch-0000000001' });
      expect((error as Error).message).toContain(text);
    }
  });

  it('parses epochs and rejects anything but a non-negative integer', () => {
    expect(parseEpoch('0', '/e')).toBe(0);
    expect(parseEpoch('42', '/e')).toBe(42);
    for (const text of ['', '-1', '1.5', 'x', '99999999999999999999']) {
      expect(() => parseEpoch(text, '/e')).toThrow(/expected a non-negative integer/);
    }
  });
});

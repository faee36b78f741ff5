import { canonicalKey, keyGroupOf, murmur3, subtaskForKey, subtaskOfKeyGroup } from './hash';
import { partitioner } from './partitioners';
import { mesoflow } from '@mesoflow/proto';
import { decodeRecord, encodeRecord } from './records';
import { isRuntimeError, RuntimeErrorCode } from './errors';

const { Partitioning } = mesoflow.dataflow.v1;
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('murmur3', () => {
  it('matches the reference MurmurHash3_x86_32 test vectors', () => {
    expect(murmur3(bytes(''))).toBe(0);
    expect(murmur3(bytes(''), 1)).toBe(0x514e28b7);
    expect(murmur3(bytes('hello'))).toBe(0x248bfa47);
    expect(murmur3(bytes('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723);
  });
});

describe('key partitioning', () => {
  it('is a pure function of the key value (pinned, so a change that moves keys fails here)', () => {
    expect(canonicalKey(['a', 1, true])).toBe('["a",1,true]');
    expect([keyGroupOf('to', 128), keyGroupOf('be', 128), keyGroupOf(42, 128), keyGroupOf(['a', 1], 128)]).toEqual([47, 18, 54, 98]);
    expect(subtaskForKey('to', 128, 4)).toBe(1);
    expect(keyGroupOf('hello', 32768)).toBe(murmur3(bytes('"hello"')) % 32768);
    // 1 and "1" are different keys.
    expect(canonicalKey(1)).not.toBe(canonicalKey('1'));
  });

  it('maps key groups to contiguous subtask ranges like Flink', () => {
    const owners = Array.from({ length: 128 }, (_, group) => subtaskOfKeyGroup(group, 128, 3));
    expect(owners).toEqual([...owners].sort((a, b) => a - b));
    expect(owners[0]).toBe(0);
    expect(owners[127]).toBe(2);
    expect(new Set(owners).size).toBe(3);
  });

  it('spreads many keys evenly over the subtasks', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[subtaskForKey(`word-${i}`, 128, 4)]++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });

  it('HASH sends a key to the same subtask every time; FORWARD, REBALANCE and BROADCAST as documented', () => {
    const hash = partitioner({ partitioning: Partitioning.HASH, subtaskIndex: 0, consumers: 4, maxParallelism: 128 });
    expect(hash({ value: 1, key: 'k' })).toEqual([subtaskForKey('k', 128, 4)]);
    expect(hash({ value: 2, key: 'k' })).toEqual(hash({ value: 3, key: 'k' }));
    expect(() => hash({ value: 1 })).toThrow(/without a key/);
    expect(partitioner({ partitioning: Partitioning.FORWARD, subtaskIndex: 2, consumers: 4, maxParallelism: 128 })({ value: 1 })).toEqual([2]);
    const rebalance = partitioner({ partitioning: Partitioning.REBALANCE, subtaskIndex: 1, consumers: 3, maxParallelism: 128 });
    expect([1, 2, 3, 4].map(() => rebalance({ value: 0 })[0])).toEqual([1, 2, 0, 1]);
    expect(partitioner({ partitioning: Partitioning.BROADCAST, subtaskIndex: 0, consumers: 3, maxParallelism: 128 })({ value: 1 })).toEqual([0, 1, 2]);
  });
});

describe('record codec', () => {
  it('round-trips value, timestamp and key through bytes', () => {
    const record = { value: { name: 'tom', nested: [1, 'x', null] }, timestamp: 1234, key: ['tom', 1] as const };
    expect(decodeRecord(encodeRecord(record))).toEqual(record);
    expect(decodeRecord(encodeRecord({ value: 'plain' }))).toEqual({ value: 'plain' });
  });

  it('refuses bytes that are not a record', () => {
    let error: unknown;
    try {
      decodeRecord(bytes('not json'));
    } catch (e) {
      error = e;
    }
    expect(isRuntimeError(error, RuntimeErrorCode.DECODE_FAILED)).toBe(true);
    expect(() => decodeRecord(bytes('[1]'))).toThrow(/not an encoded record/);
  });
});

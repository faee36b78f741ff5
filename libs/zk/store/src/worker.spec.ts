import { isZkStoreError, ZkStoreErrorCode } from './errors';
import {
  assertTransition,
  decodeWorkerRecord,
  encodeWorkerRecord,
  formatTaskId,
  isLegalTransition,
  launched,
  newWorkerRecord,
  parseTaskId,
  released,
  withFailure,
  type WorkerState,
} from './worker';
import { joinZooKeeperPath } from './zookeeper-worker-store';

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('task IDs', () => {
  it('formats and parses taskmanager-00001 style IDs', () => {
    expect(formatTaskId(1)).toBe('taskmanager-00001');
    expect(formatTaskId(123456)).toBe('taskmanager-123456');
    expect(parseTaskId('taskmanager-00042')).toBe(42);
    expect(parseTaskId('taskmanager-123456')).toBe(123456);
    expect(parseTaskId('taskmanager-42')).toBeUndefined();
    expect(parseTaskId('taskmanager-000042')).toBeUndefined();
    expect(parseTaskId('other-00001')).toBeUndefined();
  });

  it('rejects worker numbers below 1', () => {
    expect(isZkStoreError(thrown(() => formatTaskId(0)), ZkStoreErrorCode.INVALID_ARGUMENT)).toBe(true);
  });
});

describe('worker state transitions', () => {
  const legal: Array<[WorkerState, WorkerState]> = [
    ['New', 'New'],
    ['New', 'Launched'],
    ['New', 'Released'],
    ['Launched', 'Launched'],
    ['Launched', 'Released'],
    ['Released', 'Released'],
  ];
  const illegal: Array<[WorkerState, WorkerState]> = [
    ['Launched', 'New'],
    ['Released', 'New'],
    ['Released', 'Launched'],
  ];

  it.each(legal)('allows %s → %s', (from, to) => {
    expect(isLegalTransition(from, to)).toBe(true);
    expect(() => assertTransition('taskmanager-00001', from, to)).not.toThrow();
  });

  it.each(illegal)('rejects %s → %s with ILLEGAL_TRANSITION', (from, to) => {
    expect(isLegalTransition(from, to)).toBe(false);
    const error = thrown(() => assertTransition('taskmanager-00001', from, to));
    expect(isZkStoreError(error, ZkStoreErrorCode.ILLEGAL_TRANSITION)).toBe(true);
    expect((error as Error).message).toBe(`Worker 'taskmanager-00001' cannot go from ${from} to ${to}`);
  });

  it('launches a New worker once and releases it', () => {
    const worker = newWorkerRecord('taskmanager-00001', { cpus: 1, mem: 1024 });
    const up = launched(worker, { agentId: 'a1', hostname: 'h1', ports: [31000], launchedAt: 5 });
    expect(up).toEqual({ ...worker, state: 'Launched', agentId: 'a1', hostname: 'h1', ports: [31000], launchedAt: 5 });
    expect(isZkStoreError(thrown(() => launched(up, { agentId: 'a2', hostname: 'h2', ports: [] })), ZkStoreErrorCode.ILLEGAL_TRANSITION)).toBe(true);
    const down = released(withFailure(up));
    expect(down).toMatchObject({ state: 'Released', failureCount: 1 });
    expect(released(down)).toBe(down);
    expect(isZkStoreError(thrown(() => launched(down, { agentId: 'a1', hostname: 'h1', ports: [] })), ZkStoreErrorCode.ILLEGAL_TRANSITION)).toBe(true);
  });
});

describe('worker records', () => {
  it('round-trips a worker without its version', () => {
    const worker = { ...newWorkerRecord('taskmanager-00007', { cpus: 0.5, mem: 512, ports: 2 }), version: 3 };
    const text = encodeWorkerRecord(worker);
    expect(JSON.parse(text)).not.toHaveProperty('version');
    expect(decodeWorkerRecord(text, 'here')).toEqual({ ...worker, version: undefined });
  });

  it.each(['{"taskId":', '{"taskId":"t","state":"Gone","resources":{},"ports":[],"failureCount":0}', 'null'])(
    'rejects %s as CORRUPT_RECORD',
    (text) => {
      expect(isZkStoreError(thrown(() => decodeWorkerRecord(text, 'here')), ZkStoreErrorCode.CORRUPT_RECORD)).toBe(true);
    },
  );
});

describe('joinZooKeeperPath', () => {
  it('joins path.root and a cluster ID with or without slashes', () => {
    expect(joinZooKeeperPath('/mesoflow', '/default')).toBe('/mesoflow/default');
    expect(joinZooKeeperPath('/mesoflow/', 'prod')).toBe('/mesoflow/prod');
    expect(joinZooKeeperPath('/', '/default')).toBe('/default');
  });
});

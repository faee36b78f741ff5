// ZooKeeperWorkerStore against a REAL ZooKeeper 3.8 on loopback (@mesoflow/testing), including a
// kill -9 restart of the server.
import { rejectionOf, startZooKeeper, type TestZooKeeper } from '@mesoflow/testing';
import { randomUUID } from 'node:crypto';
import { isZkStoreError, ZkStoreErrorCode } from './errors';
import { describeBatchWrites } from './testing/batch-writes';
import { launched, parseTaskId, withFailure } from './worker';
import { ZooKeeperConnection } from './zookeeper-connection';
import { ZooKeeperWorkerStore } from './zookeeper-worker-store';

const PROFILE = { cpus: 1, mem: 1024, ports: 2 };

describe('ZooKeeperWorkerStore', () => {
  let zk: TestZooKeeper;
  const connections: ZooKeeperConnection[] = [];
  let clusterId: string;

  beforeAll(async () => {
    zk = await startZooKeeper();
  }, 60_000);

  beforeEach(() => {
    clusterId = `/cluster-${randomUUID()}`;
  });

  afterEach(async () => {
    await Promise.all(connections.splice(0).map((connection) => connection.close()));
  });

  afterAll(async () => {
    await zk?.stop();
  });

  async function connect(): Promise<ZooKeeperConnection> {
    const connection = await ZooKeeperConnection.connect({ connectString: zk.connectString, sessionTimeoutMs: 10_000 });
    connections.push(connection);
    return connection;
  }

  async function openStore(connection?: ZooKeeperConnection): Promise<ZooKeeperWorkerStore> {
    return ZooKeeperWorkerStore.open({ connection: connection ?? (await connect()), rootPath: '/mesoflow', clusterId });
  }

  describeBatchWrites(() => openStore());

  it('keeps its nodes under <path.root>/<cluster-id>/', async () => {
    const connection = await connect();
    const store = await openStore(connection);
    await store.setFrameworkId('fw-1');
    const worker = await store.newWorker(PROFILE);
    expect(store.basePath).toBe(`/mesoflow${clusterId}`);
    expect((await connection.getChildren(store.basePath)).sort()).toEqual(['framework-id', 'worker-counter', 'workers']);
    expect((await connection.getData(`${store.basePath}/worker-counter`))?.data.toString()).toBe('1');
    expect(await connection.getChildren(`${store.basePath}/workers`)).toEqual([worker.taskId]);
  });

  it('persists the framework ID and reads it back from a new session', async () => {
    const store = await openStore();
    expect(await store.getFrameworkId()).toBeUndefined();
    await store.setFrameworkId('7b1c-0001');
    await store.setFrameworkId('7b1c-0001');
    expect(await (await openStore()).getFrameworkId()).toBe('7b1c-0001');
  });

  it('clears the framework ID idempotently', async () => {
    const store = await openStore();
    await store.clearFrameworkId();
    await store.setFrameworkId('fw-refused');
    await store.clearFrameworkId();
    expect(await store.getFrameworkId()).toBeUndefined();
    expect(await (await openStore()).getFrameworkId()).toBeUndefined();
    await store.clearFrameworkId();
    await store.setFrameworkId('fw-new');
    expect(await (await openStore()).getFrameworkId()).toBe('fw-new');
  });

  it('hands out taskmanager-00001, -00002, … and continues after the store is reopened', async () => {
    const first = await openStore();
    expect((await first.newWorker(PROFILE)).taskId).toBe('taskmanager-00001');
    expect((await first.newWorker(PROFILE)).taskId).toBe('taskmanager-00002');
    const second = await openStore();
    const third = await second.newWorker(PROFILE);
    expect(third).toEqual({
      taskId: 'taskmanager-00003',
      state: 'New',
      resources: PROFILE,
      ports: [],
      failureCount: 0,
      version: 0,
    });
    expect((await second.list()).map((w) => w.taskId)).toEqual(['taskmanager-00001', 'taskmanager-00002', 'taskmanager-00003']);
  });

  it('keeps every worker and the counter across a kill -9 restart of ZooKeeper', async () => {
    const before = await openStore();
    await before.setFrameworkId('fw-restart');
    const worker = await before.newWorker(PROFILE);
    await before.update(launched(worker, { agentId: 'a1', hostname: 'h1', ports: [31000, 31001], launchedAt: 1 }));
    await before.newWorker(PROFILE);
    await Promise.all(connections.splice(0).map((connection) => connection.close()));

    await zk.restart();

    const after = await openStore();
    expect(await after.getFrameworkId()).toBe('fw-restart');
    expect(await after.get('taskmanager-00001')).toMatchObject({ state: 'Launched', agentId: 'a1', ports: [31000, 31001], version: 1 });
    expect((await after.newWorker(PROFILE)).taskId).toBe('taskmanager-00003');
  }, 60_000);

  it('never hands out the same ID to two stores racing', async () => {
    const [a, b] = await Promise.all([openStore(), openStore()]);
    const workers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? a : b).newWorker(PROFILE)),
    );
    const numbers = workers.map((w) => parseTaskId(w.taskId) ?? 0).sort((x, y) => x - y);
    expect(numbers).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect((await a.list()).length).toBe(30);
  }, 30_000);

  it('lets only one of two writers of the same version win', async () => {
    const [a, b] = await Promise.all([openStore(), openStore()]);
    const created = await a.newWorker(PROFILE);
    const readByB = await b.get(created.taskId);

    const version = await a.update(launched(created, { agentId: 'a1', hostname: 'h1', ports: [] }));
    expect(version).toBe(1);
    const stale = await rejectionOf(b.update(withFailure(readByB!)));
    expect(isZkStoreError(stale, ZkStoreErrorCode.CONFLICT)).toBe(true);
    expect(await a.get(created.taskId)).toMatchObject({ state: 'Launched', failureCount: 0, version: 1 });

    // Both write at the same version at once: exactly one succeeds.
    const current = (await a.get(created.taskId))!;
    const outcomes = await Promise.allSettled([
      a.update(withFailure(current)),
      b.update({ ...current, hostname: 'h2' }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const loser = outcomes.find((o) => o.status === 'rejected');
    expect(isZkStoreError(loser?.status === 'rejected' ? loser.reason : undefined, ZkStoreErrorCode.CONFLICT)).toBe(true);
    expect((await a.get(created.taskId))?.version).toBe(2);
  });

  it('rejects illegal transitions and unknown workers', async () => {
    const store = await openStore();
    const worker = await store.newWorker(PROFILE);
    const gone = await store.release(worker.taskId);
    expect(gone).toMatchObject({ state: 'Released', version: 1 });
    expect(await store.release(worker.taskId)).toEqual(gone);

    const relaunch = await rejectionOf(store.update({ ...gone, state: 'Launched' }));
    expect(isZkStoreError(relaunch, ZkStoreErrorCode.ILLEGAL_TRANSITION)).toBe(true);
    expect(isZkStoreError(await rejectionOf(store.release('taskmanager-99999')), ZkStoreErrorCode.NOT_FOUND)).toBe(true);
    expect(isZkStoreError(await rejectionOf(store.update({ ...gone, taskId: 'taskmanager-99999' })), ZkStoreErrorCode.NOT_FOUND)).toBe(true);

    const live = await store.newWorker(PROFILE);
    expect(isZkStoreError(await rejectionOf(store.remove(live)), ZkStoreErrorCode.ILLEGAL_TRANSITION)).toBe(true);
    await store.remove(gone);
    expect(await store.get(worker.taskId)).toBeUndefined();
    expect((await store.newWorker(PROFILE)).taskId).toBe('taskmanager-00003');
  });
});

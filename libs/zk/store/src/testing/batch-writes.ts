// The batch writes' contract, which every WorkerStore must keep; each store's int-spec runs it
// against the real thing (a temp folder, a real ZooKeeper).
import { ZkStoreErrorCode } from '../errors';
import { launched, withFailure } from '../worker';
import type { WorkerStore } from '../worker-store';

const PROFILE = { cpus: 0.1, mem: 32, ports: 2 };

/** Declares the tests of `newWorkers` and `updateAll` on stores made by `openStore` (each a fresh, empty one). */
export function describeBatchWrites(openStore: () => Promise<WorkerStore>): void {
  describe('batch writes', () => {
    it('records many workers with consecutive IDs, after the ones recorded singly', async () => {
      const store = await openStore();
      await store.newWorker(PROFILE);
      const batch = await store.newWorkers(PROFILE, 700);
      expect(batch.map((w) => w.taskId)).toEqual(Array.from({ length: 700 }, (_, i) => `taskmanager-${String(i + 2).padStart(5, '0')}`));
      expect(await store.newWorkers(PROFILE, 0)).toEqual([]);
      expect((await store.newWorker(PROFILE)).taskId).toBe('taskmanager-00702');
      expect(await store.list()).toHaveLength(702);
    });

    it('updates many workers at once, and none when one of them is stale or illegal', async () => {
      const store = await openStore();
      const workers = await store.newWorkers(PROFILE, 600);
      const target = { agentId: 'a1', hostname: 'h1', ports: [31000, 31001], launchedAt: 5 };
      const versions = await store.updateAll(workers.map((w) => launched(w, target)));
      const listed = await store.list();
      expect(listed.map((w) => w.state)).toEqual(workers.map(() => 'Launched'));
      expect(listed.map((w) => w.version)).toEqual(versions);

      // One stale version among fresh ones: nothing is written.
      const [first, second] = listed;
      if (!first || !second) throw new Error('two workers were listed');
      await expect(store.updateAll([withFailure(second), withFailure({ ...first, version: first.version - 1 })])).rejects.toMatchObject({
        code: ZkStoreErrorCode.CONFLICT,
        message: expect.stringContaining(first.taskId) as string,
      });
      await expect(store.updateAll([withFailure(second), { ...first, state: 'New' }])).rejects.toMatchObject({
        code: ZkStoreErrorCode.ILLEGAL_TRANSITION,
      });
      expect((await store.get(second.taskId))?.failureCount).toBe(0);
      expect(await store.updateAll([])).toEqual([]);
    });
  });
}

import { FileWorkerStore } from './file-worker-store';
import type { WorkerStore } from './worker-store';
import { ZooKeeperWorkerStore, type ZooKeeperWorkerStoreOptions } from './zookeeper-worker-store';

/**
 * Where the workers live: ZooKeeper with `high-availability: zookeeper`, a local folder otherwise.
 * There is no default: a misconfigured value must fail, not fall back silently.
 *
 * With several masters, pass the leader latch's fence with the ZooKeeper location
 * (`{ kind: 'zookeeper', connection, fence: () => latch.fence(), … }`) so that a deposed master's
 * writes are refused with `FENCED`.
 */
export type WorkerStoreLocation =
  | ({ kind: 'zookeeper' } & ZooKeeperWorkerStoreOptions)
  | { kind: 'file'; /** The store's folder. */ folder: string };

/** Opens the {@link WorkerStore} at `location`. */
export function openWorkerStore(location: WorkerStoreLocation): Promise<WorkerStore> {
  switch (location.kind) {
    case 'zookeeper':
      return ZooKeeperWorkerStore.open(location);
    case 'file':
      return FileWorkerStore.open(location.folder);
  }
}

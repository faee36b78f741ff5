import type { WorkerProfile } from '@mesoflow/mesos-placement';
import type { Worker } from './worker';

/**
 * The scheduler's durable memory: the framework ID and every worker. A worker is recorded
 * (`newWorker`) before its LAUNCH goes out, so a scheduler killed at any moment finds it again
 * after a restart and neither loses nor duplicates it.
 *
 * Writes are conditional: `update` succeeds only when the store still holds the version the
 * worker was read at, so of two writers (an old and a new leader) only one wins. A fenced store
 * (ZooKeeper with a leader fence) refuses every write of a deposed leader with `FENCED`.
 */
export interface WorkerStore {
  /** The framework ID Mesos gave the first SUBSCRIBE; `undefined` before the first one. */
  getFrameworkId(): Promise<string | undefined>;
  /**
   * Records the framework ID; persisted before anything else so a restart re-subscribes with it.
   * @throws ZkStoreError `CONFLICT` when another writer changed it in between.
   */
  setFrameworkId(frameworkId: string): Promise<void>;
  /**
   * Forgets the framework ID, for when Mesos refused it and the scheduler registers a new
   * framework; does nothing when there is none.
   * @throws ZkStoreError `CONFLICT` when another writer changed it in between.
   */
  clearFrameworkId(): Promise<void>;
  /**
   * Takes the next task ID from the persisted counter and records a `New` worker with it, atomically:
   * IDs are never reused, even across restarts and concurrent stores.
   */
  newWorker(resources: WorkerProfile): Promise<Worker>;
  /**
   * {@link newWorker} `count` times at the cost of about one write: consecutive task IDs, each
   * recorded whole or not at all (a crash may leave some of them recorded, never a reused ID).
   */
  newWorkers(resources: WorkerProfile, count: number): Promise<Worker[]>;
  /**
   * Replaces a worker if the store still holds `worker.version` and the state change is legal.
   * @returns the new version.
   * @throws ZkStoreError `CONFLICT` (stale version), `NOT_FOUND`, `ILLEGAL_TRANSITION`.
   */
  update(worker: Worker): Promise<number>;
  /**
   * {@link update} for several workers at the cost of about one write. Every worker is checked
   * before anything is written, so a stale version or an illegal change writes nothing; a crash
   * or an I/O error midway may leave some of them written, each one whole.
   * @returns the new versions, in the order given.
   */
  updateAll(workers: readonly Worker[]): Promise<number[]>;
  /**
   * Marks a worker `Released` whatever its version; releasing a released worker does nothing.
   * @throws ZkStoreError `NOT_FOUND`.
   */
  release(taskId: string): Promise<Worker>;
  /**
   * Deletes a `Released` worker at `version`; its task ID is still never reused.
   * @throws ZkStoreError `CONFLICT`, `NOT_FOUND`, `ILLEGAL_TRANSITION` when it is not released.
   */
  remove(worker: Worker): Promise<void>;
  /** One worker, or `undefined`. */
  get(taskId: string): Promise<Worker | undefined>;
  /** Every worker, ordered by task ID. */
  list(): Promise<Worker[]>;
  /** Releases the store's resources; the backing connection is the caller's. */
  close(): Promise<void>;
}

import type { WorkerProfile } from '@mesoflow/mesos-placement';
import { isZkStoreError, ZkStoreError, ZkStoreErrorCode } from './errors';
import {
  assertTransition,
  decodeWorkerRecord,
  encodeWorkerRecord,
  formatTaskId,
  newWorkerRecord,
  parseTaskId,
  released,
  type Worker,
} from './worker';
import type { WorkerStore } from './worker-store';
import type { ZooKeeperFence } from './leader-latch';
import type { TransactionOpResult, ZooKeeperConnection, ZooKeeperTransactionBuilder } from './zookeeper-connection';

/** Settings of {@link ZooKeeperWorkerStore.open}. */
export interface ZooKeeperWorkerStoreOptions {
  /** An open connection; the store does not close it. */
  connection: ZooKeeperConnection;
  /** `high-availability.zookeeper.path.root`. @default '/mesoflow' */
  rootPath?: string;
  /** `high-availability.cluster-id`, with or without its leading `/`. @default '/default' */
  clusterId?: string;
  /** How often `newWorker` and `release` re-read and try again after losing to a concurrent writer. @default 100 */
  maxAttempts?: number;
  /**
   * The leader's fence (e.g. `() => latch.fence()`), asked before every write: the write is one
   * transaction that also checks the fence node, so a deposed leader's writes are refused with
   * `FENCED` even when they reach ZooKeeper after its session ended. Returning `undefined` means
   * "not the leader": the write is refused without being sent. Without this option writes are
   * not fenced.
   */
  fence?: () => ZooKeeperFence | undefined;
}

/**
 * Ops in one transaction of a batch write: a worker record is about 300 bytes, so this stays far
 * below ZooKeeper's 1 MB request limit (`jute.maxbuffer`).
 */
const OPS_PER_TRANSACTION = 500;

/** Joins ZooKeeper path parts, dropping empty segments: `('/mesoflow', '/default')` → `/mesoflow/default`. */
export function joinZooKeeperPath(...parts: string[]): string {
  return '/' + parts.flatMap((part) => part.split('/')).filter((segment) => segment.length > 0).join('/');
}

/**
 * {@link WorkerStore} in ZooKeeper under `<rootPath>/<clusterId>/`:
 * - `framework-id`: the framework ID as UTF-8 text;
 * - `worker-counter`: the number of the last task ID handed out, as decimal text;
 * - `workers/<taskId>`: each worker as JSON; its version is the node's data version.
 *
 * Every write is conditional on the version read, and `newWorker` bumps the counter and creates
 * the worker node in one transaction, so concurrent stores never hand out the same ID. With a
 * `fence`, every write is a transaction checking the leader's fence node as well.
 */
export class ZooKeeperWorkerStore implements WorkerStore {
  /** The cluster's node, `<rootPath>/<clusterId>`. */
  readonly basePath: string;
  private readonly frameworkIdPath: string;
  private readonly counterPath: string;
  private readonly workersPath: string;
  private readonly connection: ZooKeeperConnection;
  private readonly maxAttempts: number;
  private readonly fence: (() => ZooKeeperFence | undefined) | undefined;

  private constructor(options: ZooKeeperWorkerStoreOptions) {
    this.connection = options.connection;
    this.fence = options.fence;
    this.maxAttempts = options.maxAttempts ?? 100;
    this.basePath = joinZooKeeperPath(options.rootPath ?? '/mesoflow', options.clusterId ?? '/default');
    this.frameworkIdPath = `${this.basePath}/framework-id`;
    this.counterPath = `${this.basePath}/worker-counter`;
    this.workersPath = `${this.basePath}/workers`;
  }

  /**
   * Creates the cluster's nodes when missing and returns the store. Not fenced: a standby may
   * open the store before it leads, and creating missing empty nodes cannot undo a leader's writes.
   */
  static async open(options: ZooKeeperWorkerStoreOptions): Promise<ZooKeeperWorkerStore> {
    const store = new ZooKeeperWorkerStore(options);
    await store.connection.mkdirp(store.workersPath);
    try {
      await store.connection.create(store.counterPath, Buffer.from('0'));
    } catch (error) {
      if (!isZkStoreError(error, ZkStoreErrorCode.NODE_EXISTS)) throw error;
    }
    return store;
  }

  async getFrameworkId(): Promise<string | undefined> {
    const node = await this.connection.getData(this.frameworkIdPath);
    const id = node?.data.toString('utf8');
    return id ? id : undefined;
  }

  async setFrameworkId(frameworkId: string): Promise<void> {
    if (!frameworkId) throw new ZkStoreError(ZkStoreErrorCode.INVALID_ARGUMENT, 'The framework ID is empty');
    const data = Buffer.from(frameworkId, 'utf8');
    const node = await this.connection.getData(this.frameworkIdPath);
    if (node?.data.equals(data)) return;
    try {
      await this.write(`set the framework ID '${frameworkId}'`, (t) =>
        node ? t.setData(this.frameworkIdPath, data, node.version) : t.create(this.frameworkIdPath, data),
      );
    } catch (error) {
      if (isZkStoreError(error, ZkStoreErrorCode.BAD_VERSION) || isZkStoreError(error, ZkStoreErrorCode.NODE_EXISTS)) {
        throw new ZkStoreError(
          ZkStoreErrorCode.CONFLICT,
          `Another writer changed the framework ID at '${this.frameworkIdPath}' first`,
          { path: this.frameworkIdPath, cause: error },
        );
      }
      throw error;
    }
  }

  async clearFrameworkId(): Promise<void> {
    const node = await this.connection.getData(this.frameworkIdPath);
    if (!node) return;
    try {
      await this.write('clear the framework ID', (t) => t.delete(this.frameworkIdPath, node.version));
    } catch (error) {
      // Someone else cleared it first: what we wanted.
      if (isZkStoreError(error, ZkStoreErrorCode.NO_NODE)) return;
      if (isZkStoreError(error, ZkStoreErrorCode.BAD_VERSION)) {
        throw new ZkStoreError(
          ZkStoreErrorCode.CONFLICT,
          `Another writer changed the framework ID at '${this.frameworkIdPath}' while it was being cleared`,
          { path: this.frameworkIdPath, cause: error },
        );
      }
      throw error;
    }
  }

  async newWorker(resources: WorkerProfile): Promise<Worker> {
    const [worker] = await this.newWorkers(resources, 1);
    if (!worker) throw new ZkStoreError(ZkStoreErrorCode.CORRUPT_RECORD, 'Recording one worker gave none');
    return worker;
  }

  async newWorkers(resources: WorkerProfile, count: number): Promise<Worker[]> {
    const workers: Worker[] = [];
    while (workers.length < count) workers.push(...(await this.newWorkerBatch(resources, Math.min(count - workers.length, OPS_PER_TRANSACTION))));
    return workers;
  }

  /** Bumps the counter by `count` and creates the workers in one transaction, retrying on a lost race. */
  private async newWorkerBatch(resources: WorkerProfile, count: number): Promise<Worker[]> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const counter = await this.readCounter();
      const workers = Array.from({ length: count }, (_, i) => newWorkerRecord(formatTaskId(counter.last + 1 + i), resources));
      try {
        await this.write(`create workers '${workers[0]?.taskId ?? ''}'..'${workers.at(-1)?.taskId ?? ''}'`, (t) => {
          t.setData(this.counterPath, Buffer.from(String(counter.last + count)), counter.version);
          for (const worker of workers) t.create(this.workerPath(worker.taskId), Buffer.from(encodeWorkerRecord(worker)));
          return t;
        });
        return workers;
      } catch (error) {
        // Another store took these numbers first: read the counter again.
        if (!isZkStoreError(error, ZkStoreErrorCode.BAD_VERSION)) throw error;
      }
    }
    throw new ZkStoreError(
      ZkStoreErrorCode.CONFLICT,
      `Lost ${this.maxAttempts} times in a row to other writers of '${this.counterPath}'`,
      { path: this.counterPath },
    );
  }

  async update(worker: Worker): Promise<number> {
    const [version] = await this.updateAll([worker]);
    if (version === undefined) throw new ZkStoreError(ZkStoreErrorCode.CORRUPT_RECORD, `Updating '${worker.taskId}' gave no version`);
    return version;
  }

  async updateAll(workers: readonly Worker[]): Promise<number[]> {
    const currents = await Promise.all(workers.map((worker) => this.get(worker.taskId)));
    workers.forEach((worker, i) => {
      const current = currents[i];
      if (!current) throw this.notFound(worker.taskId);
      if (current.version !== worker.version) throw this.stale(worker, current.version);
      assertTransition(worker.taskId, current.state, worker.state);
    });
    const versions: number[] = [];
    for (let start = 0; start < workers.length; start += OPS_PER_TRANSACTION) {
      const batch = workers.slice(start, start + OPS_PER_TRANSACTION);
      try {
        const results = await this.write(`update worker(s) '${batch.map((w) => w.taskId).join("', '")}'`, (t) => {
          for (const worker of batch) t.setData(this.workerPath(worker.taskId), Buffer.from(encodeWorkerRecord(worker)), worker.version);
          return t;
        });
        batch.forEach((worker, i) => versions.push(results[i]?.version ?? worker.version + 1));
      } catch (error) {
        throw this.translateWrite(error, ...batch);
      }
    }
    return versions;
  }

  async release(taskId: string): Promise<Worker> {
    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const current = await this.get(taskId);
      if (!current) throw this.notFound(taskId);
      if (current.state === 'Released') return current;
      const next = released(current);
      try {
        const version = await this.writeWorker(`release worker '${taskId}'`, next, current.version);
        return { ...next, version };
      } catch (error) {
        if (!isZkStoreError(error, ZkStoreErrorCode.BAD_VERSION)) throw this.translateWrite(error, current);
      }
    }
    throw new ZkStoreError(ZkStoreErrorCode.CONFLICT, `Lost ${this.maxAttempts} times in a row releasing '${taskId}'`);
  }

  async remove(worker: Worker): Promise<void> {
    const current = await this.get(worker.taskId);
    if (!current) throw this.notFound(worker.taskId);
    if (current.version !== worker.version) throw this.stale(worker, current.version);
    if (current.state !== 'Released') {
      throw new ZkStoreError(
        ZkStoreErrorCode.ILLEGAL_TRANSITION,
        `Worker '${worker.taskId}' is ${current.state}; only a Released worker can be removed`,
      );
    }
    try {
      await this.write(`remove worker '${worker.taskId}'`, (t) => t.delete(this.workerPath(worker.taskId), worker.version));
    } catch (error) {
      throw this.translateWrite(error, worker);
    }
  }

  async get(taskId: string): Promise<Worker | undefined> {
    const path = this.workerPath(taskId);
    const node = await this.connection.getData(path);
    if (!node) return undefined;
    return { ...decodeWorkerRecord(node.data.toString('utf8'), path), version: node.version };
  }

  async list(): Promise<Worker[]> {
    const names = await this.connection.getChildren(this.workersPath);
    const workers = await Promise.all(names.map((name) => this.get(name)));
    return workers
      .filter((worker): worker is Worker => worker !== undefined)
      .sort((a, b) => (parseTaskId(a.taskId) ?? 0) - (parseTaskId(b.taskId) ?? 0) || a.taskId.localeCompare(b.taskId));
  }

  /** Nothing to release: the connection belongs to the caller. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Writes a worker record at `version` (the one read). @returns the new version. */
  private async writeWorker(what: string, worker: Worker, version: number): Promise<number> {
    const [result] = await this.write(what, (t) =>
      t.setData(this.workerPath(worker.taskId), Buffer.from(encodeWorkerRecord(worker)), version),
    );
    return result?.version ?? version + 1;
  }

  /**
   * Commits the ops `build` adds, behind the fence check when there is a fence.
   * @returns the results of the ops `build` added.
   * @throws ZkStoreError `FENCED` when the fence is missing or failed; otherwise the failing op's error.
   */
  private async write(
    what: string,
    build: (transaction: ZooKeeperTransactionBuilder) => ZooKeeperTransactionBuilder,
  ): Promise<TransactionOpResult[]> {
    const transaction = this.connection.transaction();
    const fence = this.fence ? this.fence() : undefined;
    if (this.fence && !fence) {
      throw new ZkStoreError(
        ZkStoreErrorCode.FENCED,
        `Refused to ${what} under '${this.basePath}': this master is no longer the leader (it holds no leader fence)`,
      );
    }
    if (fence) transaction.check(fence.path, fence.version);
    build(transaction);
    try {
      const results = await transaction.commit();
      return fence ? results.slice(1) : results;
    } catch (error) {
      if (fence && isZkStoreError(error) && error.path === fence.path) {
        throw new ZkStoreError(
          ZkStoreErrorCode.FENCED,
          `Refused to ${what} under '${this.basePath}': this master is no longer the leader ` +
            `(its fence '${fence.path}' expected at version ${fence.version}: ${error.code})`,
          { path: fence.path, cause: error },
        );
      }
      throw error;
    }
  }

  private workerPath(taskId: string): string {
    if (!taskId || taskId.includes('/')) {
      throw new ZkStoreError(ZkStoreErrorCode.INVALID_ARGUMENT, `'${taskId}' is not a task ID`);
    }
    return `${this.workersPath}/${taskId}`;
  }

  private async readCounter(): Promise<{ last: number; version: number }> {
    const node = await this.connection.getData(this.counterPath);
    const text = node?.data.toString('utf8') ?? '';
    const last = Number(text);
    if (!node || !/^\d+$/.test(text) || !Number.isSafeInteger(last)) {
      throw new ZkStoreError(
        ZkStoreErrorCode.CORRUPT_RECORD,
        `The worker counter at '${this.counterPath}' is ${node ? `'${text}'` : 'missing'}`,
        { path: this.counterPath },
      );
    }
    return { last, version: node.version };
  }

  private notFound(taskId: string): ZkStoreError {
    return new ZkStoreError(ZkStoreErrorCode.NOT_FOUND, `Worker '${taskId}' is not in the store`, {
      path: `${this.workersPath}/${taskId}`,
    });
  }

  private stale(worker: Worker, stored: number): ZkStoreError {
    return new ZkStoreError(
      ZkStoreErrorCode.CONFLICT,
      `Worker '${worker.taskId}' was read at version ${worker.version} but the store holds version ${stored}`,
      { path: `${this.workersPath}/${worker.taskId}` },
    );
  }

  /** Names the worker whose op failed (the one at the error's path, among `workers`). */
  private translateWrite(error: unknown, ...workers: Worker[]): unknown {
    const failedPath = isZkStoreError(error) ? error.path : undefined;
    const worker = workers.find((w) => this.workerPath(w.taskId) === failedPath) ?? workers[0];
    if (isZkStoreError(error, ZkStoreErrorCode.BAD_VERSION)) {
      return new ZkStoreError(
        ZkStoreErrorCode.CONFLICT,
        `Worker '${worker.taskId}' changed after it was read at version ${worker.version}`,
        { path: error.path, cause: error },
      );
    }
    if (isZkStoreError(error, ZkStoreErrorCode.NO_NODE)) return this.notFound(worker.taskId);
    return error;
  }
}

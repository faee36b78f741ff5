import type { WorkerProfile } from '@mesoflow/mesos-placement';
import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ZkStoreError, ZkStoreErrorCode } from './errors';
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

const TEMP_SUFFIX = '.tmp';
const RECORD_SUFFIX = '.json';

/**
 * Replaces `path` with `text` so that a crash at any point leaves either the old file or the new
 * one, never a torn one: write a temp file beside it, fsync it, rename it over `path`, fsync the
 * folder so the rename itself is durable.
 */
export function writeFileAtomic(path: string, text: string): Promise<void> {
  return writeFilesAtomic(dirname(path), [{ name: basename(path), text }]);
}

/** How many files {@link writeFilesAtomic} has open at once. */
const PARALLEL_WRITES = 64;

/**
 * {@link writeFileAtomic} for several files of one folder: each file is replaced whole, and the
 * fsyncs run side by side so the file system commits them together, then one folder fsync makes
 * every rename durable. A crash midway leaves each file old or new, not the set all-or-nothing.
 */
export async function writeFilesAtomic(folder: string, files: ReadonlyArray<{ name: string; text: string }>): Promise<void> {
  const temps = new Map<string, string>();
  const writeOne = async ({ name, text }: { name: string; text: string }): Promise<void> => {
    const temp = join(folder, `.${name}.${process.pid}.${randomUUID()}${TEMP_SUFFIX}`);
    temps.set(name, temp);
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
  };
  try {
    for (let start = 0; start < files.length; start += PARALLEL_WRITES) {
      await Promise.all(files.slice(start, start + PARALLEL_WRITES).map(writeOne));
    }
    for (const { name } of files) await rename(temps.get(name) ?? '', join(folder, name));
    await syncFolder(folder);
  } catch (error) {
    await Promise.all([...temps.values()].map((temp) => unlink(temp).catch(() => undefined)));
    const what = files.length === 1 ? `'${join(folder, files[0]?.name ?? '')}'` : `${files.length} files in '${folder}'`;
    throw ioError(`Could not write ${what}`, files.length === 1 ? join(folder, files[0]?.name ?? '') : folder, error);
  }
}

/** fsyncs a folder, making renames and deletions in it durable. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function ioError(message: string, path: string, cause: unknown): ZkStoreError {
  if (cause instanceof ZkStoreError) return cause;
  return new ZkStoreError(ZkStoreErrorCode.IO_ERROR, message, { path, cause });
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/** Reads a file; `undefined` when it does not exist. */
async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw ioError(`Could not read '${path}'`, path, error);
  }
}

/**
 * {@link WorkerStore} in a local folder, for `high-availability: NONE`:
 * - `framework-id`: the framework ID as text;
 * - `worker-counter`: the number of the last task ID handed out, as decimal text;
 * - `workers/<taskId>.json`: each worker as JSON, with its version (a write counter).
 *
 * Every file is replaced atomically ({@link writeFileAtomic}), so a process killed at any point
 * leaves only whole records. `newWorker` persists the counter before the worker record: a crash
 * in between costs a number, never a duplicate ID. Opening also lifts the counter to the highest
 * recorded ID and deletes temp files a crash left behind.
 *
 * One process at a time: calls of one store are serialized, but two processes writing one
 * folder are not guarded against.
 */
export class FileWorkerStore implements WorkerStore {
  private readonly frameworkIdPath: string;
  private readonly counterPath: string;
  private readonly workersPath: string;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    /** The store's folder. */
    readonly folder: string,
  ) {
    this.frameworkIdPath = join(folder, 'framework-id');
    this.counterPath = join(folder, 'worker-counter');
    this.workersPath = join(folder, 'workers');
  }

  /** Opens (creating when missing) the store in `folder` and repairs what a crash may have left. */
  static async open(folder: string): Promise<FileWorkerStore> {
    if (!folder) throw new ZkStoreError(ZkStoreErrorCode.INVALID_ARGUMENT, 'The store folder is empty');
    const store = new FileWorkerStore(folder);
    await store.recover();
    return store;
  }

  async getFrameworkId(): Promise<string | undefined> {
    this.assertOpen();
    const id = await readOptional(this.frameworkIdPath);
    return id ? id : undefined;
  }

  setFrameworkId(frameworkId: string): Promise<void> {
    if (!frameworkId) {
      return Promise.reject(new ZkStoreError(ZkStoreErrorCode.INVALID_ARGUMENT, 'The framework ID is empty'));
    }
    return this.exclusive(async () => {
      if ((await readOptional(this.frameworkIdPath)) === frameworkId) return;
      await writeFileAtomic(this.frameworkIdPath, frameworkId);
    });
  }

  clearFrameworkId(): Promise<void> {
    return this.exclusive(async () => {
      try {
        await unlink(this.frameworkIdPath);
        await syncFolder(this.folder);
      } catch (error) {
        if (!isMissing(error)) throw ioError(`Could not delete '${this.frameworkIdPath}'`, this.frameworkIdPath, error);
      }
    });
  }

  async newWorker(resources: WorkerProfile): Promise<Worker> {
    const [worker] = await this.newWorkers(resources, 1);
    if (!worker) throw new ZkStoreError(ZkStoreErrorCode.CORRUPT_RECORD, 'Recording one worker gave none');
    return worker;
  }

  newWorkers(resources: WorkerProfile, count: number): Promise<Worker[]> {
    return this.exclusive(async () => {
      if (count <= 0) return [];
      const last = await this.readCounter();
      const workers = Array.from({ length: count }, (_, i) => newWorkerRecord(formatTaskId(last + 1 + i), resources));
      // Counter first: a crash before the records are written skips numbers instead of reusing them.
      await writeFileAtomic(this.counterPath, String(last + count));
      await this.writeWorkers(workers);
      return workers;
    });
  }

  async update(worker: Worker): Promise<number> {
    const [version] = await this.updateAll([worker]);
    if (version === undefined) throw new ZkStoreError(ZkStoreErrorCode.CORRUPT_RECORD, `Updating '${worker.taskId}' gave no version`);
    return version;
  }

  updateAll(workers: readonly Worker[]): Promise<number[]> {
    return this.exclusive(async () => {
      for (const worker of workers) {
        const current = await this.read(worker.taskId);
        if (!current) throw this.notFound(worker.taskId);
        if (current.version !== worker.version) throw this.stale(worker, current.version);
        assertTransition(worker.taskId, current.state, worker.state);
      }
      const next = workers.map((worker) => ({ ...worker, version: worker.version + 1 }));
      await this.writeWorkers(next);
      return next.map((worker) => worker.version);
    });
  }

  release(taskId: string): Promise<Worker> {
    return this.exclusive(async () => {
      const current = await this.read(taskId);
      if (!current) throw this.notFound(taskId);
      if (current.state === 'Released') return current;
      const next = { ...released(current), version: current.version + 1 };
      await this.writeWorker(next);
      return next;
    });
  }

  remove(worker: Worker): Promise<void> {
    return this.exclusive(async () => {
      const current = await this.read(worker.taskId);
      if (!current) throw this.notFound(worker.taskId);
      if (current.version !== worker.version) throw this.stale(worker, current.version);
      if (current.state !== 'Released') {
        throw new ZkStoreError(
          ZkStoreErrorCode.ILLEGAL_TRANSITION,
          `Worker '${worker.taskId}' is ${current.state}; only a Released worker can be removed`,
        );
      }
      const path = this.workerPath(worker.taskId);
      try {
        await unlink(path);
        await syncFolder(this.workersPath);
      } catch (error) {
        throw ioError(`Could not delete '${path}'`, path, error);
      }
    });
  }

  get(taskId: string): Promise<Worker | undefined> {
    this.assertOpen();
    return this.read(taskId);
  }

  async list(): Promise<Worker[]> {
    this.assertOpen();
    const workers = await Promise.all((await this.recordNames()).map((taskId) => this.read(taskId)));
    return workers
      .filter((worker): worker is Worker => worker !== undefined)
      .sort((a, b) => (parseTaskId(a.taskId) ?? 0) - (parseTaskId(b.taskId) ?? 0) || a.taskId.localeCompare(b.taskId));
  }

  /** Waits for the writes under way; later calls fail with `CLOSED`. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }

  /** Runs `fn` after every earlier write of this store, so read-check-write is atomic in-process. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private assertOpen(): void {
    if (this.closed) throw this.closedError();
  }

  private closedError(): ZkStoreError {
    return new ZkStoreError(ZkStoreErrorCode.CLOSED, `The worker store in '${this.folder}' is closed`);
  }

  private async recover(): Promise<void> {
    try {
      await mkdir(this.workersPath, { recursive: true });
      await syncFolder(this.folder);
      for (const folder of [this.folder, this.workersPath]) {
        for (const name of await readdir(folder)) {
          if (name.startsWith('.') && name.endsWith(TEMP_SUFFIX)) await unlink(join(folder, name));
        }
      }
    } catch (error) {
      throw ioError(`Could not prepare the worker store in '${this.folder}'`, this.folder, error);
    }
    // The counter is written before each record, so this only matters for a folder edited by hand.
    const counter = await this.readCounter();
    const highest = Math.max(0, ...(await this.recordNames()).map((name) => parseTaskId(name) ?? 0));
    if (highest > counter) await writeFileAtomic(this.counterPath, String(highest));
  }

  private async readCounter(): Promise<number> {
    const text = await readOptional(this.counterPath);
    if (text === undefined) return 0;
    const last = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(last)) {
      throw new ZkStoreError(ZkStoreErrorCode.CORRUPT_RECORD, `The worker counter '${this.counterPath}' is '${text}'`, {
        path: this.counterPath,
      });
    }
    return last;
  }

  private async recordNames(): Promise<string[]> {
    try {
      return (await readdir(this.workersPath))
        .filter((name) => name.endsWith(RECORD_SUFFIX) && !name.startsWith('.'))
        .map((name) => name.slice(0, -RECORD_SUFFIX.length));
    } catch (error) {
      throw ioError(`Could not list '${this.workersPath}'`, this.workersPath, error);
    }
  }

  private async read(taskId: string): Promise<Worker | undefined> {
    const path = this.workerPath(taskId);
    const text = await readOptional(path);
    if (text === undefined) return undefined;
    const record = decodeWorkerRecord(text, path);
    const version = (JSON.parse(text) as { version?: unknown }).version;
    if (typeof version !== 'number' || !Number.isInteger(version)) {
      throw new ZkStoreError(ZkStoreErrorCode.CORRUPT_RECORD, `The worker record at '${path}' has no version`, {
        path,
      });
    }
    return { ...record, version };
  }

  private writeWorker(worker: Worker): Promise<void> {
    return this.writeWorkers([worker]);
  }

  private writeWorkers(workers: readonly Worker[]): Promise<void> {
    return writeFilesAtomic(
      this.workersPath,
      workers.map((worker) => ({ name: basename(this.workerPath(worker.taskId)), text: this.workerText(worker) })),
    );
  }

  private workerText(worker: Worker): string {
    const record = JSON.parse(encodeWorkerRecord(worker)) as Record<string, unknown>;
    return JSON.stringify({ ...record, version: worker.version });
  }

  private workerPath(taskId: string): string {
    if (!taskId || taskId.includes('/') || taskId.startsWith('.')) {
      throw new ZkStoreError(ZkStoreErrorCode.INVALID_ARGUMENT, `'${taskId}' is not a task ID`);
    }
    return join(this.workersPath, `${taskId}${RECORD_SUFFIX}`);
  }

  private notFound(taskId: string): ZkStoreError {
    return new ZkStoreError(ZkStoreErrorCode.NOT_FOUND, `Worker '${taskId}' is not in the store`, {
      path: join(this.workersPath, `${taskId}${RECORD_SUFFIX}`),
    });
  }

  private stale(worker: Worker, stored: number): ZkStoreError {
    return new ZkStoreError(
      ZkStoreErrorCode.CONFLICT,
      `Worker '${worker.taskId}' was read at version ${worker.version} but the store holds version ${stored}`,
      { path: join(this.workersPath, `${worker.taskId}${RECORD_SUFFIX}`) },
    );
  }
}

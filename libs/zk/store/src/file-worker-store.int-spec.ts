// FileWorkerStore against real temp folders, including a writer process killed with SIGKILL.
import { rejectionOf, waitFor } from '@mesoflow/testing';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isZkStoreError, ZkStoreErrorCode } from './errors';
import { FileWorkerStore } from './file-worker-store';
import { describeBatchWrites } from './testing/batch-writes';
import { launched, parseTaskId, withFailure } from './worker';

const PROFILE = { cpus: 0.5, mem: 512 };
const REPO_ROOT = resolve(__dirname, '../../../..');
const WRITER = join(__dirname, 'testing', 'file-store-writer.ts');

describe('FileWorkerStore', () => {
  const folders: string[] = [];
  const stores: FileWorkerStore[] = [];

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
  });

  async function folder(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'mesoflow-file-store-'));
    folders.push(dir);
    return dir;
  }

  async function open(dir: string): Promise<FileWorkerStore> {
    const store = await FileWorkerStore.open(dir);
    stores.push(store);
    return store;
  }

  describeBatchWrites(async () => open(await folder()));

  it('persists the framework ID, workers and the counter across reopening', async () => {
    const dir = await folder();
    const first = await open(dir);
    expect(await first.getFrameworkId()).toBeUndefined();
    await first.setFrameworkId('fw-file');
    const one = await first.newWorker(PROFILE);
    expect(one).toEqual({ taskId: 'taskmanager-00001', state: 'New', resources: PROFILE, ports: [], failureCount: 0, version: 0 });
    expect(await first.update(launched(one, { agentId: 'a1', hostname: 'h1', ports: [31000], launchedAt: 9 }))).toBe(1);
    await first.newWorker(PROFILE);
    await first.close();

    const second = await open(dir);
    expect(await second.getFrameworkId()).toBe('fw-file');
    expect(await second.get('taskmanager-00001')).toMatchObject({ state: 'Launched', agentId: 'a1', ports: [31000], launchedAt: 9, version: 1 });
    expect((await second.newWorker(PROFILE)).taskId).toBe('taskmanager-00003');
    expect((await second.list()).map((w) => w.taskId)).toEqual(['taskmanager-00001', 'taskmanager-00002', 'taskmanager-00003']);
    expect(await readdir(dir)).not.toContainEqual(expect.stringMatching(/\.tmp$/));
  });

  it('clears the framework ID, durably and idempotently', async () => {
    const dir = await folder();
    const store = await open(dir);
    await store.clearFrameworkId();
    await store.setFrameworkId('fw-old');
    await store.clearFrameworkId();
    expect(await store.getFrameworkId()).toBeUndefined();
    await store.clearFrameworkId();
    await store.close();
    const reopened = await open(dir);
    expect(await reopened.getFrameworkId()).toBeUndefined();
    await reopened.setFrameworkId('fw-new');
    expect(await reopened.getFrameworkId()).toBe('fw-new');
  });

  it('rejects stale updates, illegal transitions and unknown workers', async () => {
    const store = await open(await folder());
    const worker = await store.newWorker(PROFILE);
    await store.update(launched(worker, { agentId: 'a1', hostname: 'h1', ports: [] }));
    expect(isZkStoreError(await rejectionOf(store.update(withFailure(worker))), ZkStoreErrorCode.CONFLICT)).toBe(true);

    const current = (await store.get(worker.taskId))!;
    const outcomes = await Promise.allSettled([store.update(withFailure(current)), store.update(withFailure(current))]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await store.get(worker.taskId)).toMatchObject({ failureCount: 1, version: 2 });

    const gone = await store.release(worker.taskId);
    expect(gone).toMatchObject({ state: 'Released', version: 3 });
    expect(isZkStoreError(await rejectionOf(store.update({ ...gone, state: 'New' })), ZkStoreErrorCode.ILLEGAL_TRANSITION)).toBe(true);
    expect(isZkStoreError(await rejectionOf(store.release('taskmanager-77777')), ZkStoreErrorCode.NOT_FOUND)).toBe(true);
    await store.remove(gone);
    expect(await store.list()).toEqual([]);
    expect((await store.newWorker(PROFILE)).taskId).toBe('taskmanager-00002');
  });

  it('keeps only whole records when the writing process is killed with SIGKILL, again and again', async () => {
    const dir = await folder();
    let lastCreated = 0;
    for (let round = 1; round <= 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, signal) => done(signal)));
      const accepted: string[] = [];
      let stderr = '';
      let buffered = '';
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        accepted.push(...lines);
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      // Kill it mid-stream, at a different point each round.
      await waitFor(() => accepted.length >= 20 + round * 7 || child.exitCode !== null, {
        timeoutMs: 30_000,
        description: `the writer to accept writes (stderr: ${stderr})`,
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');

      const store = await open(dir);
      const workers = await store.list(); // throws CORRUPT_RECORD on a torn record
      const counter = Number(await readFile(join(dir, 'worker-counter'), 'utf8'));
      const numbers = workers.map((w) => parseTaskId(w.taskId) ?? Infinity);
      expect(Math.max(...numbers)).toBeLessThanOrEqual(counter);
      // Nothing accepted is lost: every acknowledged write is there.
      for (const line of accepted) {
        const [what, taskId] = line.split(' ');
        const worker = workers.find((w) => w.taskId === taskId);
        expect(worker).toBeDefined();
        if (what === 'launched') expect(worker?.state).not.toBe('New');
        lastCreated = Math.max(lastCreated, parseTaskId(taskId ?? '') ?? 0);
      }
      expect(counter).toBeGreaterThanOrEqual(lastCreated);
      // Numbers keep going up after the crash.
      expect(parseTaskId((await store.newWorker(PROFILE)).taskId)).toBe(counter + 1);
      await store.close();
      stores.splice(stores.indexOf(store), 1);
    }
  }, 60_000);
});

// The scheduler's worker loop against our local Mesos stand-in, both real: a file worker store in a
// temp folder, TaskManager stand-ins that are real long-running processes, no mocks.
import { createConfig, Duration, MemorySize, type MesoflowConfig } from '@mesoflow/config';
import { MesosSchedulerClient, type SubscribedNotice } from '@mesoflow/mesos-client';
import { startLocalMesos, stateFrameworks, type LocalMesos } from '@mesoflow/mesos-local';
import { mesos } from '@mesoflow/proto';
import { waitFor } from '@mesoflow/testing';
import { FileWorkerStore, type WorkerStore } from '@mesoflow/zk-store';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameworkRemovedError, SchedulerErrorCode } from './scheduler/errors';
import { credentialFromConfig, frameworkInfoFromConfig } from './scheduler/framework-info';
import { WorkerScheduler } from './scheduler/worker-scheduler';

const S = mesos.v1.TaskState;

function runningTasksOnMaster(local: LocalMesos, frameworkId: string): string[] {
  const framework = stateFrameworks(local.state()).find((f) => f.id === frameworkId);
  return (framework?.tasks ?? []).filter((task) => task.state === 'TASK_RUNNING').map((task) => task.id).sort();
}

/** A stand-in with `agents` agents and a file worker store in a new temporary folder. */
async function startCluster(prefix: string, agents: number): Promise<{ local: LocalMesos; folder: string; store: WorkerStore }> {
  const folder = await mkdtemp(join(tmpdir(), prefix));
  const local = await startLocalMesos({
    port: 0,
    agents,
    resources: 'cpus:2;mem:2048;disk:1000;ports:[31000-31100]',
    workDir: join(folder, 'mesos'),
    allocationIntervalMs: 100,
  });
  return { local, folder, store: await FileWorkerStore.open(join(folder, 'store')) };
}

async function stopCluster(
  { local, folder, store }: { local: LocalMesos; folder: string; store: WorkerStore },
  schedulers: WorkerScheduler[],
): Promise<void> {
  for (const scheduler of schedulers) await scheduler.close();
  await store.close();
  await local.stop();
  await rm(folder, { recursive: true, force: true });
}

describe('scheduler against the local Mesos stand-in', () => {
  let local: LocalMesos;
  let folder: string;
  let store: WorkerStore;
  const schedulers: WorkerScheduler[] = [];

  beforeAll(async () => {
    ({ local, folder, store } = await startCluster('mesoflow-scheduler-', 3));
  });
  afterAll(() => stopCluster({ local, folder, store }, schedulers));

  // Each TaskManager stand-in writes its pid where the test can find it, then becomes `sleep`.
  const config = (): MesoflowConfig =>
    createConfig(
      {
        'mesos.master': local.url,
        'mesos.resourcemanager.framework.name': 'scheduler-int-spec',
        'mesos.resourcemanager.tasks.cpus': 0.5,
        'mesos.resourcemanager.tasks.mem': MemorySize.of(64, 'm'),
        'mesos.resourcemanager.tasks.taskmanager-cmd': `echo $$ > ${join(folder, '$MESOS_EXECUTOR_ID.pid')}; exec sleep 300`,
        'mesos.resourcemanager.declined-offer-refuse-duration': Duration.of(200, 'ms'),
        'mesos.maximum-failed-tasks': 5,
      },
      { service: 'scheduler' },
    );

  async function startScheduler(): Promise<{ scheduler: WorkerScheduler; client: MesosSchedulerClient; subscribed: SubscribedNotice[] }> {
    const cfg = config();
    const frameworkId = await store.getFrameworkId();
    const credential = credentialFromConfig(cfg);
    const client = new MesosSchedulerClient({
      master: local.url,
      frameworkInfo: frameworkInfoFromConfig(cfg),
      ...(frameworkId === undefined ? {} : { frameworkId }),
      ...(credential === undefined ? {} : { credential }),
    });
    const subscribed: SubscribedNotice[] = [];
    client.on('subscribed', (notice) => subscribed.push(notice));
    // What the store says about a task when its first STAGING/RUNNING reaches this client. The
    // listener runs before the scheduler's (registered later), and the store serializes calls.
    client.on('UPDATE', (event) => {
      const { task_id, state } = event.update.status;
      if (state !== S.TASK_STAGING && state !== S.TASK_RUNNING) return;
      if (firstSeen.has(task_id.value)) return;
      firstSeen.set(task_id.value, store.get(task_id.value));
    });
    const scheduler = new WorkerScheduler({
      client,
      store,
      config: cfg,
      desiredWorkers: 3,
      replacementBackoff: { initialMs: 50, maxMs: 1_000 },
    });
    schedulers.push(scheduler);
    await scheduler.start();
    return { scheduler, client, subscribed };
  }

  const firstSeen = new Map<string, ReturnType<WorkerStore['get']>>();
  let frameworkId: string;
  let first: WorkerScheduler;

  const runningViews = (scheduler: WorkerScheduler): string[] =>
    scheduler
      .workerViews()
      .filter((view) => view.state === 'Launched' && view.taskState === 'TASK_RUNNING')
      .map((view) => view.taskId)
      .sort();

  it('launches three workers that reach RUNNING, each persisted as Launched before Mesos reports it', async () => {
    const started = await startScheduler();
    first = started.scheduler;
    frameworkId = started.subscribed[0]?.frameworkId ?? '';
    expect(frameworkId).not.toBe('');
    expect(await store.getFrameworkId()).toBe(frameworkId);

    const running = await waitFor(() => (runningViews(first).length === 3 ? runningViews(first) : undefined), {
      timeoutMs: 20_000,
      description: 'three running workers',
    });
    expect(running).toEqual(['taskmanager-00001', 'taskmanager-00002', 'taskmanager-00003']);
    expect(runningTasksOnMaster(local, frameworkId)).toEqual(running);
    for (const taskId of running) {
      const seen = await firstSeen.get(taskId);
      expect(seen?.state).toBe('Launched');
      expect(seen?.agentId).toBeDefined();
      expect(seen?.ports).toHaveLength(2);
    }
    await waitFor(() => first.offersSuppressed, { description: 'offers suppressed' });
  });

  it('replaces a worker whose process is killed and counts the failure in the store', async () => {
    const victim = 'taskmanager-00002';
    const pid = Number((await readFile(join(folder, `${victim}.pid`), 'utf8')).trim());
    expect(pid).toBeGreaterThan(1);
    process.kill(-pid, 'SIGKILL');

    const running = await waitFor(
      () => {
        const ids = runningViews(first);
        return ids.length === 3 && !ids.includes(victim) ? ids : undefined;
      },
      { timeoutMs: 20_000, description: 'a replacement running' },
    );
    expect(running).toEqual(['taskmanager-00001', 'taskmanager-00003', 'taskmanager-00004']);
    const failed = await store.get(victim);
    expect(failed?.state).toBe('Released');
    expect(failed?.failureCount).toBe(1);
    expect(first.failedTasks()).toBe(1);
    expect(await firstSeen.get('taskmanager-00004')).toMatchObject({ state: 'Launched' });
    await waitFor(() => runningTasksOnMaster(local, frameworkId).join() === running.join(), {
      description: 'the master running the same three tasks',
    });
  });

  it('after a restart re-subscribes with the persisted framework ID, reconciles, and launches nothing', async () => {
    await first.close();
    const before = await store.list();

    const { scheduler, subscribed } = await startScheduler();
    expect(subscribed[0]).toMatchObject({ frameworkId, resubscribed: true });

    // Explicit reconciliation answers for every Launched worker.
    const running = await waitFor(() => (runningViews(scheduler).length === 3 ? runningViews(scheduler) : undefined), {
      timeoutMs: 20_000,
      description: 'reconciliation reporting three running workers',
    });
    expect(running).toEqual(['taskmanager-00001', 'taskmanager-00003', 'taskmanager-00004']);
    await scheduler.idle();
    expect(scheduler.offersSuppressed).toBe(true);
    const after = await store.list();
    expect(after.map((w) => [w.taskId, w.state])).toEqual(before.map((w) => [w.taskId, w.state]));
    expect(runningTasksOnMaster(local, frameworkId)).toEqual(running);
  });
});

describe('scheduler whose framework the local Mesos stand-in removed', () => {
  let local: LocalMesos;
  let folder: string;
  let store: WorkerStore;
  const schedulers: WorkerScheduler[] = [];

  beforeAll(async () => {
    ({ local, folder, store } = await startCluster('mesoflow-scheduler-removed-', 2));
  });
  afterAll(() => stopCluster({ local, folder, store }, schedulers));

  const config = (onRemoved: 'stop' | 'register-anew'): MesoflowConfig =>
    createConfig(
      {
        'mesos.master': local.url,
        'mesos.resourcemanager.framework.name': 'scheduler-removed-int-spec',
        'mesos.resourcemanager.tasks.cpus': 0.5,
        'mesos.resourcemanager.tasks.mem': MemorySize.of(64, 'm'),
        'mesos.resourcemanager.tasks.taskmanager-cmd': 'exec sleep 300',
        'mesos.resourcemanager.declined-offer-refuse-duration': Duration.of(200, 'ms'),
        'mesos.failover-timeout': Duration.of(1, 's'),
        'mesos.resourcemanager.framework.on-removed': onRemoved,
      },
      { service: 'scheduler' },
    );

  function clientFor(cfg: MesoflowConfig, frameworkId: string | undefined, subscribed: SubscribedNotice[]): MesosSchedulerClient {
    const credential = credentialFromConfig(cfg);
    const client = new MesosSchedulerClient({
      master: local.url,
      frameworkInfo: frameworkInfoFromConfig(cfg),
      ...(frameworkId === undefined ? {} : { frameworkId }),
      ...(credential === undefined ? {} : { credential }),
    });
    client.on('subscribed', (notice) => subscribed.push(notice));
    return client;
  }

  async function newScheduler(
    onRemoved: 'stop' | 'register-anew',
  ): Promise<{ scheduler: WorkerScheduler; subscribed: SubscribedNotice[] }> {
    const cfg = config(onRemoved);
    const subscribed: SubscribedNotice[] = [];
    const scheduler = new WorkerScheduler({
      client: clientFor(cfg, await store.getFrameworkId(), subscribed),
      newFrameworkClient: () => clientFor(cfg, undefined, subscribed),
      store,
      config: cfg,
      desiredWorkers: 2,
      replacementBackoff: { initialMs: 50, maxMs: 1_000 },
    });
    schedulers.push(scheduler);
    return { scheduler, subscribed };
  }

  const runningViews = (scheduler: WorkerScheduler): string[] =>
    scheduler
      .workerViews()
      .filter((view) => view.state === 'Launched' && view.taskState === 'TASK_RUNNING')
      .map((view) => view.taskId)
      .sort();

  let oldFrameworkId: string;

  it('runs two workers, then the master removes the framework after its 1 s failover timeout', async () => {
    const { scheduler, subscribed } = await newScheduler('stop');
    await scheduler.start();
    oldFrameworkId = subscribed[0]?.frameworkId ?? '';
    expect(oldFrameworkId).not.toBe('');
    await waitFor(() => (runningViews(scheduler).length === 2 ? true : undefined), {
      timeoutMs: 20_000,
      description: 'two running workers',
    });

    await scheduler.close();
    await waitFor(
      () => stateFrameworks(local.state(), true).some((f) => f.id === oldFrameworkId),
      { timeoutMs: 15_000, description: 'the framework among completed_frameworks' },
    );
  });

  it("fails in 'stop' mode with a FrameworkRemovedError naming the framework ID and the master's message", async () => {
    const { scheduler } = await newScheduler('stop');

    const error: unknown = await scheduler.start().catch((e: unknown) => e);

    expect(error).toBeInstanceOf(FrameworkRemovedError);
    expect(error).toMatchObject({
      code: SchedulerErrorCode.FRAMEWORK_REMOVED,
      frameworkId: oldFrameworkId,
      masterMessage: 'Framework has been removed',
    });
    expect(scheduler.state.name).toBe('failed');
    expect(await store.getFrameworkId()).toBe(oldFrameworkId);
    expect((await store.list()).filter((w) => w.state === 'Launched')).toHaveLength(2);
  });

  it("in 'register-anew' mode subscribes a new framework and brings the workers back to two", async () => {
    const { scheduler, subscribed } = await newScheduler('register-anew');
    await scheduler.start();

    const newFrameworkId = subscribed[0]?.frameworkId ?? '';
    expect(newFrameworkId).not.toBe('');
    expect(newFrameworkId).not.toBe(oldFrameworkId);
    expect(subscribed[0]?.resubscribed).toBe(false);
    expect(await store.getFrameworkId()).toBe(newFrameworkId);

    const running = await waitFor(() => (runningViews(scheduler).length === 2 ? runningViews(scheduler) : undefined), {
      timeoutMs: 20_000,
      description: 'two running replacements',
    });
    expect(running).toEqual(['taskmanager-00003', 'taskmanager-00004']);
    expect(runningTasksOnMaster(local, newFrameworkId)).toEqual(running);
    expect((await store.list()).map((w) => [w.taskId, w.state, w.failureCount])).toEqual([
      ['taskmanager-00001', 'Released', 0],
      ['taskmanager-00002', 'Released', 0],
      ['taskmanager-00003', 'Launched', 0],
      ['taskmanager-00004', 'Launched', 0],
    ]);
  });
});

// GetSchedulerStatus and the workers' histories end to end: the real scheduler process
// (SchedulerProcess, as an operator runs it) on the local Mesos stand-in, read through the client
// the web UI's gateway uses. The workers' Mesos tasks are `sleep`; the test plays one TaskManager
// through TaskManagerRegistration.
import { startLocalMesos, stateFrameworks, type LocalMesos } from '@mesoflow/mesos-local';
import { SlotRequester, TaskManagerRegistration, type WorkerInfo } from '@mesoflow/resourcemanager-client';
import { freePort, SchedulerProcess, waitFor } from '@mesoflow/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FRAMEWORK_NAME = 'scheduler-status';

describe('the scheduler status and worker histories of the real scheduler process', () => {
  let folder: string;
  let local: LocalMesos;
  let scheduler: SchedulerProcess;
  let requester: SlotRequester;
  let target: string;
  let registration: TaskManagerRegistration | undefined;
  let passed = false;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'scheduler-status-'));
    local = await startLocalMesos({
      port: 0,
      agents: 2,
      resources: 'cpus:2;mem:2048;disk:1000;ports:[31000-31100]',
      workDir: join(folder, 'mesos'),
      allocationIntervalMs: 100,
    });
    const rpcPort = await freePort();
    target = `127.0.0.1:${rpcPort}`;
    scheduler = SchedulerProcess.start({
      storeDir: join(folder, 'store'),
      workers: 2,
      logFile: join(folder, 'scheduler.log'),
      properties: {
        'mesos.master': local.url,
        'jobmanager.rpc.port': rpcPort,
        'mesos.resourcemanager.framework.name': FRAMEWORK_NAME,
        'mesos.resourcemanager.tasks.cpus': 0.2,
        'mesos.resourcemanager.tasks.mem': '32m',
        'mesos.resourcemanager.tasks.taskmanager-cmd': 'exec sleep 600',
        'mesos.resourcemanager.declined-offer-refuse-duration': '200ms',
        'mesos.maximum-failed-tasks': 4,
        // Only the one TaskManager the test plays registers.
        'resourcemanager.taskmanager-registration.timeout': '1h',
      },
    });
    requester = new SlotRequester({ target, backoff: { initialMs: 50, maxMs: 500 } });
  }, 60_000);

  afterAll(async () => {
    await registration?.close();
    requester?.close();
    await scheduler?.stop();
    await local?.stop();
    if (passed) await rm(folder, { recursive: true, force: true });
    else console.log(`scheduler-status: the scheduler log and store are in ${folder}`);
  }, 30_000);

  /** The workers once both run, as the resource manager lists them. */
  async function runningWorkers(): Promise<readonly WorkerInfo[]> {
    return waitFor(
      async () => {
        const { workers } = await requester.listWorkers({ timeoutMs: 30_000 });
        return workers.length === 2 && workers.every((worker) => worker.taskState === 'TASK_RUNNING') ? workers : undefined;
      },
      { timeoutMs: 60_000, description: 'two workers whose tasks run' },
    );
  }

  it('tells its framework, the leader and its offers once the workers run', async () => {
    const workers = await runningWorkers();
    const framework = stateFrameworks(local.state()).find((f) => f.name === FRAMEWORK_NAME);
    expect(framework).toBeDefined();

    const status = await requester.getSchedulerStatus();

    expect(status).toMatchObject({
      frameworkName: FRAMEWORK_NAME,
      frameworkId: framework?.id,
      master: local.url,
      leader: new URL(local.url).host,
      subscribed: true,
      // Nothing is pending any more.
      suppressed: true,
      pendingWorkers: 0,
      desiredWorkers: 2,
      resubscriptions: 0,
      failedTasks: 0,
      maximumFailedTasks: 4,
      offerHistoryIntervalMs: 10_000,
    });
    expect(status.offersReceived).toBeGreaterThan(0);
    expect(status.offersAccepted).toBeGreaterThan(0);
    expect(status.startedAtMs).toBeLessThanOrEqual(Math.min(...workers.map((worker) => worker.launchedAtMs)));
    // The test runs for less than the 60 intervals kept: the history holds every offer so far.
    const history = status.offerHistory;
    const sum = (key: 'received' | 'accepted' | 'declined'): number => history.reduce((total, interval) => total + interval[key], 0);
    expect([sum('received'), sum('accepted'), sum('declined')]).toEqual([status.offersReceived, status.offersAccepted, status.offersDeclined]);
    expect(history.length).toBeGreaterThan(0);
    expect(history.length).toBeLessThanOrEqual(60);
    history.forEach((interval, i) => {
      expect(interval.startMs % 10_000).toBe(0);
      if (i > 0) expect(interval.startMs - (history[i - 1]?.startMs ?? 0)).toBe(10_000);
    });
    expect(history[0]?.startMs).toBeLessThanOrEqual(status.startedAtMs);
  }, 90_000);

  it("lists each worker's history and framework, and adds its TaskManager's registration", async () => {
    const workers = await runningWorkers();
    const frameworkId = (await requester.getSchedulerStatus()).frameworkId;
    for (const worker of workers) {
      expect(worker.frameworkId).toBe(frameworkId);
      const states = worker.history.map((change) => change.state);
      // Recorded, launched, then what Mesos reported up to RUNNING (the stand-in may skip STARTING).
      expect(states.slice(0, 2)).toEqual(['NEW', 'LAUNCHED']);
      expect(states.at(-1)).toBe('TASK_RUNNING');
      expect(states.slice(2, -1).every((state) => state === 'TASK_STAGING' || state === 'TASK_STARTING')).toBe(true);
      expect(worker.history[1]?.detail).toMatch(/^on agent '.+' \('.+'\)$/);
      const times = worker.history.map((change) => change.atMs);
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }

    const taskId = workers[0]?.taskId ?? '';
    registration = new TaskManagerRegistration({ target, taskId, rpcAddress: '127.0.0.1:6101', dataAddress: '127.0.0.1:6201', slots: 1 });
    await registration.start();
    const registered = await waitFor(
      async () => {
        const worker = (await requester.listWorkers()).workers.find((candidate) => candidate.taskId === taskId);
        return worker?.history.at(-1)?.state === 'REGISTERED' ? worker : undefined;
      },
      { timeoutMs: 10_000, description: `the registration of '${taskId}' in its history` },
    );
    expect(registered.history.at(-1)?.detail).toBe("1 slot(s) at '127.0.0.1:6101'");
    passed = true;
  }, 90_000);
});

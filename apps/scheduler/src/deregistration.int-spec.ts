// DeregisterApplication end to end: the real scheduler process (SchedulerProcess, as an operator
// runs it) on the local Mesos stand-in, a file store, and the job master's client. When the
// application ends the scheduler must tear its framework down, forget it, and exit 0; a scheduler
// started again on the same store must register a new framework rather than fail over to the
// removed one. The workers' Mesos tasks are `sleep`: no TaskManager registers.
import { MesosSchedulerClient } from '@mesoflow/mesos-client';
import { startLocalMesos, stateFrameworks, type LocalMesos } from '@mesoflow/mesos-local';
import { SlotRequester } from '@mesoflow/resourcemanager-client';
import { freePort, SchedulerProcess, waitFor } from '@mesoflow/testing';
import { FileWorkerStore } from '@mesoflow/zk-store';
import { mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FRAMEWORK_NAME = 'scheduler-deregistration';

/** Processes whose working directory is under `folder`: the task processes the agents started. */
async function processesUnder(folder: string): Promise<number> {
  let count = 0;
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const cwd = await readlink(`/proc/${name}/cwd`).catch(() => '');
    if (cwd.startsWith(`${folder}/`)) count++;
  }
  return count;
}

describe('DeregisterApplication against the real scheduler process', () => {
  let folder: string;
  let local: LocalMesos;
  let passed = false;
  const processes: SchedulerProcess[] = [];
  const requesters: SlotRequester[] = [];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'scheduler-deregistration-'));
    local = await startLocalMesos({
      port: 0,
      agents: 2,
      resources: 'cpus:2;mem:2048;disk:1000;ports:[31000-31100]',
      workDir: join(folder, 'mesos'),
      allocationIntervalMs: 100,
    });
  });

  afterAll(async () => {
    for (const requester of requesters) requester.close();
    for (const scheduler of processes) await scheduler.kill();
    await local?.stop();
    if (passed) await rm(folder, { recursive: true, force: true });
    else console.log(`deregistration: the scheduler logs and store are in ${folder}`);
  }, 30_000);

  async function startScheduler(name: string): Promise<{ scheduler: SchedulerProcess; requester: SlotRequester }> {
    const rpcPort = await freePort();
    const scheduler = SchedulerProcess.start({
      storeDir: join(folder, 'store'),
      workers: 2,
      logFile: join(folder, `${name}.log`),
      properties: {
        'mesos.master': local.url,
        'jobmanager.rpc.port': rpcPort,
        'mesos.resourcemanager.framework.name': FRAMEWORK_NAME,
        'mesos.resourcemanager.tasks.cpus': 0.2,
        'mesos.resourcemanager.tasks.mem': '32m',
        'mesos.resourcemanager.tasks.taskmanager-cmd': 'exec sleep 600',
        'mesos.resourcemanager.declined-offer-refuse-duration': '200ms',
        // The tasks are `sleep`, not TaskManagers: they never register.
        'resourcemanager.taskmanager-registration.timeout': '1h',
      },
    });
    processes.push(scheduler);
    const requester = new SlotRequester({ target: `127.0.0.1:${rpcPort}`, backoff: { initialMs: 50, maxMs: 500 } });
    requesters.push(requester);
    return { scheduler, requester };
  }

  /** The ID of the one registered framework of the scheduler once `count` of its tasks run. */
  async function frameworkRunning(count: number, except?: string): Promise<string> {
    return waitFor(
      () => {
        const framework = stateFrameworks(local.state()).find((f) => f.name === FRAMEWORK_NAME && f.id !== except);
        const running = framework?.tasks.filter((task) => task.state === 'TASK_RUNNING') ?? [];
        return framework && running.length === count ? framework.id : undefined;
      },
      { timeoutMs: 60_000, description: `${count} running tasks of a framework '${FRAMEWORK_NAME}'` },
    );
  }

  async function storeContents(): Promise<{ frameworkId: string | undefined; workers: number }> {
    const store = await FileWorkerStore.open(join(folder, 'store'));
    try {
      return { frameworkId: await store.getFrameworkId(), workers: (await store.list()).length };
    } finally {
      await store.close();
    }
  }

  let removedId: string;

  it('tears the framework down, kills its tasks, forgets it and exits 0', async () => {
    const { scheduler, requester } = await startScheduler('first');
    removedId = await frameworkRunning(2);
    expect(await storeContents()).toEqual({ frameworkId: removedId, workers: 2 });

    const deregistration = await requester.deregisterApplication({ status: 'SUCCEEDED', diagnostics: 'job finished' });

    expect(deregistration).toEqual({ frameworkId: removedId, tornDown: true });
    expect(await scheduler.exited).toEqual({ code: 0, signal: null });
    const state = local.state();
    expect(stateFrameworks(state).map((f) => f.id)).not.toContain(removedId);
    const completed = stateFrameworks(state, true).find((f) => f.id === removedId);
    expect(completed?.tasks).toEqual([]);
    expect(completed?.completed_tasks.map((task) => [task.id, task.state]).sort()).toEqual([
      ['taskmanager-00001', 'TASK_KILLED'],
      ['taskmanager-00002', 'TASK_KILLED'],
    ]);
    await waitFor(async () => (await processesUnder(join(folder, 'mesos'))) === 0, { timeoutMs: 10_000, description: 'no task process left' });
    expect(await storeContents()).toEqual({ frameworkId: undefined, workers: 0 });
  }, 120_000);

  it('refuses the removed framework ID on re-subscription', async () => {
    const client = new MesosSchedulerClient({ master: local.url, frameworkInfo: { name: FRAMEWORK_NAME, user: 'root' }, frameworkId: removedId });
    try {
      await expect(client.start()).rejects.toThrow(/Framework has been removed/);
    } finally {
      await client.close();
    }
  }, 30_000);

  it('registers a new framework when started again on the store, and answers a repeated deregistration alike', async () => {
    const { scheduler, requester } = await startScheduler('second');
    const frameworkId = await frameworkRunning(2, removedId);
    expect(frameworkId).not.toBe(removedId);
    expect((await storeContents()).frameworkId).toBe(frameworkId);

    const [first, second] = await Promise.all([
      requester.deregisterApplication({ status: 'FAILED', diagnostics: 'job failed' }),
      requester.deregisterApplication({ status: 'CANCELED' }),
    ]);

    expect(first).toEqual({ frameworkId, tornDown: true });
    expect(second).toEqual(first);
    expect(await scheduler.exited).toEqual({ code: 0, signal: null });
    expect(stateFrameworks(local.state(), true).map((f) => f.id)).toEqual(expect.arrayContaining([removedId, frameworkId]));
    expect(await storeContents()).toEqual({ frameworkId: undefined, workers: 0 });
    passed = true;
  }, 120_000);
});

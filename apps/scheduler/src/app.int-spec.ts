// The scheduler service as the process runs it (startScheduler: worker store, Mesos client,
// resource manager over gRPC, /metrics), against the local Mesos stand-in. TaskManagers and the
// job master are the test itself, through the same clients (@mesoflow/resourcemanager-client)
// TaskManager processes and job masters use; the workers' Mesos tasks are real long-running
// processes on the stand-in's agents.
import { createConfig, Duration, MemorySize } from '@mesoflow/config';
import { startLocalMesos, stateTasks, type LocalMesos } from '@mesoflow/mesos-local';
import { freePort, waitFor } from '@mesoflow/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startScheduler, type RunningScheduler } from './app';
import { SlotRequester, TaskManagerRegistration, type SlotRequestUpdate } from '@mesoflow/resourcemanager-client';

function tasksOnMaster(local: LocalMesos, state: string): string[] {
  return stateTasks(local.state())
    .filter((task) => task.state === state)
    .map((task) => task.id)
    .sort();
}

describe('the scheduler service', () => {
  let folder: string;
  let local: LocalMesos;
  let running: RunningScheduler;
  let jobMaster: SlotRequester;
  /** TaskManagers the test keeps registered and heartbeating, by task ID. */
  const alive = new Map<string, TaskManagerRegistration>();
  const silent = pino({ level: 'silent' });

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'scheduler-app-'));
    local = await startLocalMesos({
      port: 0,
      agents: 2,
      resources: 'cpus:2;mem:2048;disk:1000;ports:[31000-31100]',
      workDir: join(folder, 'mesos'),
      allocationIntervalMs: 100,
    });
    const config = createConfig(
      {
        'mesos.master': local.url,
        'jobmanager.rpc.port': await freePort(),
        'mesos.initial-tasks': 1,
        'taskmanager.numberOfTaskSlots': 2,
        'mesos.resourcemanager.tasks.cpus': 0.5,
        'mesos.resourcemanager.tasks.mem': MemorySize.of(64, 'm'),
        'mesos.resourcemanager.tasks.taskmanager-cmd': 'exec sleep 300',
        'mesos.resourcemanager.declined-offer-refuse-duration': Duration.of(200, 'ms'),
        'resourcemanager.taskmanager-timeout': Duration.of(1, 's'),
        'resourcemanager.taskmanager-registration.timeout': Duration.of(3, 's'),
        'heartbeat.interval': Duration.of(200, 'ms'),
        'heartbeat.timeout': Duration.of(1500, 'ms'),
      },
      { service: 'scheduler' },
    );
    running = await startScheduler(
      config,
      { storeDir: join(folder, 'store'), httpPort: 0, bindHost: '127.0.0.1', configOverlay: undefined },
      { logger: pino({ level: 'silent' }), shutdownSignals: false },
    );
    jobMaster = new SlotRequester({ target: running.grpcTarget, logger: silent });
  });

  afterAll(async () => {
    for (const registration of alive.values()) await registration.close();
    jobMaster?.close();
    await running?.close();
    await local?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  /** Registers `taskId` as soon as its worker is Launched (a New one is refused), and keeps it heartbeating. */
  async function registerTaskManager(taskId: string): Promise<void> {
    const registration = await waitFor(
      async () => {
        const attempt = new TaskManagerRegistration({
          target: running.grpcTarget,
          taskId,
          rpcAddress: '127.0.0.1:6122',
          dataAddress: '127.0.0.1:6121',
          slots: 2,
          logger: silent,
        });
        try {
          await attempt.start();
          return attempt;
        } catch (error) {
          await attempt.close();
          throw error;
        }
      },
      { timeoutMs: 15_000, description: `TaskManager '${taskId}' to be accepted` },
    );
    alive.set(taskId, registration);
  }

  /** Stops `taskId`'s heartbeats, as a TaskManager that died would. */
  async function silence(taskId: string): Promise<void> {
    await alive.get(taskId)?.close();
    alive.delete(taskId);
  }

  it('launches workers for requested slots, allocates them once registered, and releases the idle one', async () => {
    // The warm pool (mesos.initial-tasks) runs before any job asks.
    await waitFor(() => (tasksOnMaster(local, 'TASK_RUNNING').length === 1 ? true : undefined), { description: 'the warm-pool worker' });
    await registerTaskManager('taskmanager-00001');

    const updates: SlotRequestUpdate[] = [];
    const request = jobMaster.requestSlots({ allocationId: 'job-1-attempt-1', jobId: 'job-1', slots: 4 }, { onUpdate: (update) => updates.push(update) });
    // 4 slots at 2 per TaskManager: one more worker, launched on Mesos and registered.
    await registerTaskManager('taskmanager-00002');
    const allocated = await request;
    expect(updates[0]).toMatchObject({ kind: 'progress', progress: { slotsRequested: 4, desiredWorkers: 2 } });
    expect(allocated.slots.map((slot) => `${slot.taskManagerId}/${slot.slotIndex}`).sort()).toEqual([
      'taskmanager-00001/0',
      'taskmanager-00001/1',
      'taskmanager-00002/0',
      'taskmanager-00002/1',
    ]);
    // A TaskManager may register while Mesos still reports its task STARTING.
    await waitFor(() => (tasksOnMaster(local, 'TASK_RUNNING').length === 2 ? true : undefined), { description: 'two running tasks' });
    expect(tasksOnMaster(local, 'TASK_RUNNING')).toEqual(['taskmanager-00001', 'taskmanager-00002']);
    const metrics = await (await fetch(`${running.service.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/^mesoflow_scheduler_workers\{state="Launched"\} 2$/m);

    // The job ends: one TaskManager is beyond the warm pool; idle past the timeout, it is released.
    expect(await jobMaster.releaseSlots('job-1-attempt-1')).toEqual({ releasedSlots: 4, requestWithdrawn: false });
    const killed = await waitFor(() => tasksOnMaster(local, 'TASK_KILLED')[0], { timeoutMs: 10_000, description: 'an idle TaskManager killed' });
    await silence(killed);
    expect(tasksOnMaster(local, 'TASK_RUNNING')).toHaveLength(1);
    expect(running.scheduler.failedTasks()).toBe(0);
  }, 30_000);

  it('replaces a TaskManager that stops heartbeating, and one that never registers', async () => {
    const [survivor] = tasksOnMaster(local, 'TASK_RUNNING');
    await silence(survivor ?? '');

    // Silent past heartbeat.timeout: killed and replaced by taskmanager-00003, which never registers,
    // so after the registration timeout it is killed and replaced by taskmanager-00004.
    await waitFor(() => (tasksOnMaster(local, 'TASK_RUNNING').includes('taskmanager-00004') ? true : undefined), {
      timeoutMs: 20_000,
      description: 'taskmanager-00004 running',
    });
    expect(tasksOnMaster(local, 'TASK_KILLED')).toEqual(expect.arrayContaining([survivor, 'taskmanager-00003']));
    expect(tasksOnMaster(local, 'TASK_KILLED')).toHaveLength(3);
    expect(running.scheduler.failedTasks()).toBe(2);
    expect((await jobMaster.listWorkers()).desiredWorkers).toBe(1);
  }, 30_000);
});

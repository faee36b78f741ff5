// The scheduler service as the process runs it (startScheduler: worker store, Mesos client,
// resource manager over gRPC, /metrics), against the local Mesos stand-in. TaskManagers are the
// test itself calling the resource manager over real gRPC, as TaskManager processes will; their
// Mesos tasks are real long-running processes on the stand-in's agents.
import { createConfig, Duration, MemorySize } from '@mesoflow/config';
import { startLocalMesos, stateTasks, type LocalMesos } from '@mesoflow/mesos-local';
import { freePort, waitFor } from '@mesoflow/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startScheduler, type RunningScheduler } from './app';
import {
  call,
  collect,
  registration,
  resourceManagerClient,
  type ResourceManagerTestClient,
} from './resource-manager/testing/resource-manager-client';

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
  let client: ResourceManagerTestClient;
  /** TaskManagers the test keeps alive: task ID → registration ID. */
  const alive = new Map<string, string>();
  let heartbeats: NodeJS.Timeout;

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
    client = resourceManagerClient(running.grpcTarget);
    heartbeats = setInterval(() => {
      for (const [taskId, registrationId] of alive) {
        client.Heartbeat({ task_id: taskId, registration_id: registrationId }, {}, () => undefined);
      }
    }, 200);
  });

  afterAll(async () => {
    clearInterval(heartbeats);
    client?.close();
    await running?.close();
    await local?.stop();
    await rm(folder, { recursive: true, force: true });
  });

  /** Registers `taskId` as soon as its worker is Launched, and keeps it heartbeating. */
  async function registerTaskManager(taskId: string): Promise<void> {
    const registered = await waitFor(() => call(client, client.RegisterTaskManager, registration(taskId)), {
      timeoutMs: 15_000,
      description: `TaskManager '${taskId}' to be accepted`,
    });
    alive.set(taskId, registered.registration_id ?? '');
  }

  it('launches workers for requested slots, allocates them once registered, and releases the idle one', async () => {
    // The warm pool (mesos.initial-tasks) runs before any job asks.
    await waitFor(() => (tasksOnMaster(local, 'TASK_RUNNING').length === 1 ? true : undefined), { description: 'the warm-pool worker' });
    await registerTaskManager('taskmanager-00001');

    const request = collect(client.RequestSlots({ allocation_id: 'job-1-attempt-1', job_id: 'job-1', slots: 4 }, {}));
    // 4 slots at 2 per TaskManager: one more worker, launched on Mesos and registered.
    await registerTaskManager('taskmanager-00002');
    await request.ended;
    const allocated = request.events.at(-1)?.allocated;
    expect(allocated?.slots?.map((slot) => `${slot.task_manager_id}/${slot.slot_index}`).sort()).toEqual([
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
    await call(client, client.ReleaseSlots, { allocation_id: 'job-1-attempt-1' });
    const killed = await waitFor(() => tasksOnMaster(local, 'TASK_KILLED')[0], { timeoutMs: 10_000, description: 'an idle TaskManager killed' });
    alive.delete(killed);
    expect(tasksOnMaster(local, 'TASK_RUNNING')).toHaveLength(1);
    expect(running.scheduler.failedTasks()).toBe(0);
  }, 30_000);

  it('replaces a TaskManager that stops heartbeating, and one that never registers', async () => {
    const [survivor] = tasksOnMaster(local, 'TASK_RUNNING');
    alive.delete(survivor ?? '');

    // Silent past heartbeat.timeout: killed and replaced by taskmanager-00003, which never registers,
    // so after the registration timeout it is killed and replaced by taskmanager-00004.
    await waitFor(() => (tasksOnMaster(local, 'TASK_RUNNING').includes('taskmanager-00004') ? true : undefined), {
      timeoutMs: 20_000,
      description: 'taskmanager-00004 running',
    });
    expect(tasksOnMaster(local, 'TASK_KILLED')).toEqual(expect.arrayContaining([survivor, 'taskmanager-00003']));
    expect(tasksOnMaster(local, 'TASK_KILLED')).toHaveLength(3);
    expect(running.scheduler.failedTasks()).toBe(2);
    const listed = await call(client, client.ListWorkers, {});
    expect(listed.desired_workers).toBe(1);
  }, 30_000);
});

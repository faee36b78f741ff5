// Both clients against the REAL scheduler: apps/scheduler/src/main.ts as a child process
// (SchedulerProcess, as an operator runs it) on the local Mesos stand-in. A lib may not import an
// app (not even apps/e2e may: Nx forbids imports of apps), so the scheduler cannot run in-process
// here as in apps/scheduler/src/app.int-spec.ts; as a process it is the same code, and a restart
// is a real one. The workers' Mesos tasks are `sleep`; the test itself plays their TaskManagers
// through TaskManagerRegistration, as TaskManager processes will.
import { startLocalMesos, type LocalMesos } from '@mesoflow/mesos-local';
import { freePort, SchedulerProcess, waitFor } from '@mesoflow/testing';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResourceManagerClientErrorCode } from './errors';
import { SlotRequester, type SlotRequestUpdate } from './slot-requester';
import { TaskManagerRegistration } from './task-manager-registration';
import type { SlotAllocation, SlotInUse, WorkerInfo } from './types';

const HEARTBEAT_INTERVAL_MS = 200;
const HEARTBEAT_TIMEOUT_MS = 1_500;
const FAST_BACKOFF = { initialMs: 50, maxMs: 300 };

describe('the resource manager clients against the real scheduler', () => {
  let folder: string;
  let local: LocalMesos;
  let rpcPort: number;
  let target: string;
  let scheduler: SchedulerProcess | undefined;
  let requester: SlotRequester;
  const taskManagers = new Map<string, { registration: TaskManagerRegistration; events: string[] }>();
  /** The slots each TaskManager has in use, as a TaskManager would know them from deployed tasks. */
  const inUse = new Map<string, SlotInUse[]>();

  function startScheduler(name: string): SchedulerProcess {
    scheduler = SchedulerProcess.start({
      storeDir: join(folder, 'store'),
      workers: 1,
      logFile: join(folder, `${name}.log`),
      properties: {
        'mesos.master': local.url,
        'jobmanager.rpc.port': rpcPort,
        'taskmanager.numberOfTaskSlots': 2,
        'mesos.resourcemanager.framework.name': 'resourcemanager-client',
        'mesos.resourcemanager.tasks.cpus': 0.2,
        'mesos.resourcemanager.tasks.mem': '32m',
        'mesos.resourcemanager.tasks.taskmanager-cmd': 'exec sleep 600',
        'mesos.resourcemanager.declined-offer-refuse-duration': '200ms',
        'resourcemanager.taskmanager-timeout': '60s',
        'resourcemanager.taskmanager-registration.timeout': '60s',
        'heartbeat.interval': `${HEARTBEAT_INTERVAL_MS}ms`,
        'heartbeat.timeout': `${HEARTBEAT_TIMEOUT_MS}ms`,
      },
    });
    return scheduler;
  }

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'resourcemanager-client-'));
    local = await startLocalMesos({
      port: 0,
      agents: 2,
      resources: 'cpus:2;mem:2048;disk:1000;ports:[31000-31100]',
      workDir: join(folder, 'mesos'),
      allocationIntervalMs: 100,
    });
    rpcPort = await freePort();
    target = `127.0.0.1:${rpcPort}`;
    startScheduler('first');
    requester = new SlotRequester({ target, backoff: FAST_BACKOFF });
    // Ready once it answers (listWorkers retries while the port is not open yet).
    await requester.listWorkers({ timeoutMs: 60_000 });
  }, 90_000);

  afterAll(async () => {
    for (const { registration } of taskManagers.values()) await registration.close();
    requester?.close();
    await scheduler?.stop();
    await local?.stop();
    await rm(folder, { recursive: true, force: true });
  }, 30_000);

  async function worker(taskId: string): Promise<WorkerInfo | undefined> {
    return (await requester.listWorkers()).workers.find((candidate) => candidate.taskId === taskId);
  }

  /** Waits until `taskId` is a Launched worker, then registers a TaskManager for it. */
  async function startTaskManager(taskId: string, index: number): Promise<TaskManagerRegistration> {
    await waitFor(async () => (await worker(taskId))?.state === 'Launched', { timeoutMs: 30_000, description: `worker '${taskId}' Launched` });
    const registration = new TaskManagerRegistration({
      target,
      taskId,
      rpcAddress: `127.0.0.1:${6100 + index}`,
      dataAddress: `127.0.0.1:${6200 + index}`,
      slots: 2,
      resources: { cpus: 0.2, memMb: 32 },
      instanceId: `instance-of-${taskId}`,
      slotsInUse: () => inUse.get(taskId) ?? [],
      backoff: FAST_BACKOFF,
    });
    const events: string[] = [];
    registration.on('lost', ({ reason }) => events.push(`lost:${reason}`));
    registration.on('reregistered', ({ allocationsKept }) => events.push(`reregistered:${allocationsKept}`));
    registration.on('fatal', (error) => events.push(`fatal:${error.code}`));
    taskManagers.set(taskId, { registration, events });
    await registration.start();
    return registration;
  }

  const slotNames = (allocation: SlotAllocation): string[] => allocation.slots.map((slot) => `${slot.taskManagerId}/${slot.slotIndex}`).sort();

  it('keeps a TaskManager registered past heartbeat.timeout by heartbeating', async () => {
    const registration = await startTaskManager('taskmanager-00001', 1);
    const state = registration.state;
    expect(state).toMatchObject({ kind: 'registered', registration: { heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS, heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS, allocationsKept: false } });
    const registrationId = state.kind === 'registered' ? state.registration.registrationId : '';

    // Registered for twice the heartbeat timeout: only heartbeats keep it.
    const registered = await waitFor(
      async () => {
        const taskManager = (await worker('taskmanager-00001'))?.taskManager;
        return taskManager !== undefined && Date.now() - taskManager.registeredAtMs > 2 * HEARTBEAT_TIMEOUT_MS ? taskManager : undefined;
      },
      { timeoutMs: 15_000, description: 'a registration older than twice the heartbeat timeout' },
    );
    expect(registered).toMatchObject({ rpcAddress: '127.0.0.1:6101', slotsTotal: 2, slotsFree: 2, instanceId: 'instance-of-taskmanager-00001' });
    expect(registered.lastHeartbeatAgeMs).toBeLessThan(HEARTBEAT_TIMEOUT_MS);
    expect(registration.state).toMatchObject({ kind: 'registered', registration: { registrationId } });
    expect(taskManagers.get('taskmanager-00001')?.events).toEqual([]);
    expect(await worker('taskmanager-00001')).toMatchObject({ state: 'Launched', failureCount: 0 });
  }, 60_000);

  it('streams progress for a gang request, then its allocation; refuses a conflicting ID; a release withdraws a pending request', async () => {
    const updates: SlotRequestUpdate[] = [];
    const request = requester.requestSlots({ allocationId: 'job-1-attempt-1', jobId: 'job-1', slots: 4 }, { onUpdate: (update) => updates.push(update) });
    // 4 slots at 2 per TaskManager: the scheduler launches a second worker.
    await startTaskManager('taskmanager-00002', 2);
    const allocation = await request;
    expect(slotNames(allocation)).toEqual(['taskmanager-00001/0', 'taskmanager-00001/1', 'taskmanager-00002/0', 'taskmanager-00002/1']);
    expect(allocation).toMatchObject({ allocationId: 'job-1-attempt-1', jobId: 'job-1', withdrawn: [] });
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.every((update) => update.kind === 'progress')).toBe(true);
    expect(updates[0]).toMatchObject({ kind: 'progress', progress: { slotsRequested: 4, freeSlots: 2, registeredTaskManagers: 1, desiredWorkers: 2 } });
    for (const slot of allocation.slots) {
      inUse.set(slot.taskManagerId, [...(inUse.get(slot.taskManagerId) ?? []), { slotIndex: slot.slotIndex, allocationId: allocation.allocationId, jobId: allocation.jobId }]);
    }

    // The same ID again is the same allocation; with another slot count it is refused.
    expect(await requester.requestSlots({ allocationId: 'job-1-attempt-1', jobId: 'job-1', slots: 4 })).toEqual(allocation);
    await expect(requester.requestSlots({ allocationId: 'job-1-attempt-1', jobId: 'job-1', slots: 3 })).rejects.toMatchObject({
      code: ResourceManagerClientErrorCode.ALLOCATION_CONFLICT,
    });

    // No slot is free: the request waits until a release withdraws it.
    let progressed: () => void = () => undefined;
    const firstProgress = new Promise<void>((resolve) => (progressed = resolve));
    const pending = requester.requestSlots({ allocationId: 'job-2-attempt-1', jobId: 'job-2', slots: 2 }, { onUpdate: () => progressed() });
    const withdrawn = expect(pending).rejects.toMatchObject({ code: ResourceManagerClientErrorCode.REQUEST_WITHDRAWN });
    await firstProgress;
    expect(await requester.releaseSlots('job-2-attempt-1')).toEqual({ releasedSlots: 0, requestWithdrawn: true });
    await withdrawn;
  }, 60_000);

  it('re-registers TaskManagers by themselves after a scheduler restart on the same store, and re-attaches the allocation by its ID', async () => {
    const first = scheduler;
    await first?.stop();
    startScheduler('second');

    for (const taskId of ['taskmanager-00001', 'taskmanager-00002']) {
      const entry = taskManagers.get(taskId);
      await waitFor(() => entry?.events.some((event) => event.startsWith('reregistered:')), { timeoutMs: 60_000, description: `'${taskId}' registered again` });
      const [lost, again] = entry?.events ?? [];
      // NOT_FOUND from the new scheduler, or no heartbeat through for heartbeat.timeout while it was down.
      expect(['lost:unknown-registration', 'lost:heartbeat-timeout']).toContain(lost);
      // A new leader does not know the allocations: it adopts the reported slots in use.
      expect(again).toBe('reregistered:false');
      expect(entry?.registration.state.kind).toBe('registered');
    }
    const listed = await requester.listWorkers();
    expect(listed.workers.filter((candidate) => candidate.taskManager !== undefined).map((candidate) => [candidate.taskId, candidate.taskManager?.instanceId, candidate.taskManager?.slotsFree])).toEqual([
      ['taskmanager-00001', 'instance-of-taskmanager-00001', 0],
      ['taskmanager-00002', 'instance-of-taskmanager-00002', 0],
    ]);

    // The job master asks again under the same ID and gets its slots back.
    const again = await requester.requestSlots({ allocationId: 'job-1-attempt-1', jobId: 'job-1', slots: 4 }, { timeoutMs: 10_000 });
    expect(slotNames(again)).toEqual(['taskmanager-00001/0', 'taskmanager-00001/1', 'taskmanager-00002/0', 'taskmanager-00002/1']);
    expect(await requester.releaseSlots('job-1-attempt-1')).toEqual({ releasedSlots: 4, requestWithdrawn: false });
    expect(await requester.releaseSlots('job-1-attempt-1')).toEqual({ releasedSlots: 0, requestWithdrawn: false });
  }, 120_000);

  it('ends a TaskManager whose task is not a Launched worker with a fatal NOT_LAUNCHED error', async () => {
    const registration = new TaskManagerRegistration({ target, taskId: 'taskmanager-99999', rpcAddress: '127.0.0.1:6199', dataAddress: '127.0.0.1:6299', slots: 1 });
    try {
      const fatal: string[] = [];
      registration.on('fatal', (error) => fatal.push(error.code));
      await expect(registration.start()).rejects.toMatchObject({
        code: ResourceManagerClientErrorCode.NOT_LAUNCHED,
        message: expect.stringContaining("task 'taskmanager-99999' is not a worker of this scheduler"),
      });
      expect(fatal).toEqual([ResourceManagerClientErrorCode.NOT_LAUNCHED]);
      expect(registration.state.kind).toBe('failed');
    } finally {
      await registration.close();
    }
  }, 30_000);
});

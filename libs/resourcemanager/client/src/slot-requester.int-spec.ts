// SlotRequester against a scripted fake of the service (a real grpc-js server on loopback), for
// the failures the real scheduler cannot be made to produce on demand: a stream broken mid-way
// while the scheduler stays up, a hanging call, UNAVAILABLE on a unary call. The real scheduler's
// cases are in scheduler.int-spec.ts.
import * as grpc from '@grpc/grpc-js';
import { waitFor } from '@mesoflow/testing';
import { ResourceManagerClientErrorCode } from './errors';
import { SlotRequester, type SlotRequestUpdate } from './slot-requester';
import { failStream, ScriptedResourceManager, ScriptedStatus, type ScriptedHandlers } from './testing/scripted-resource-manager';
import type { WorkerWatchEvent } from './types';

const PROGRESS = { slots_requested: 2, requests_ahead: 0, free_slots: 1, registered_task_managers: 1, workers_pending: 1, workers_launched: 1, desired_workers: 2 };
const ALLOCATED = {
  allocation_id: 'alloc-1',
  job_id: 'job-1',
  slots: [
    { task_manager_id: 'taskmanager-00001', rpc_address: '127.0.0.1:6122', data_address: '127.0.0.1:6121', slot_index: 0 },
    { task_manager_id: 'taskmanager-00002', rpc_address: '127.0.0.1:7122', data_address: '127.0.0.1:7121', slot_index: 0 },
  ],
  allocated_at_ms: 1_700_000_000_000,
};

describe('SlotRequester against a scripted resource manager', () => {
  const open: Array<() => Promise<void> | void> = [];

  afterEach(async () => {
    for (const close of open.splice(0).reverse()) await close();
  });

  async function setUp(handlers: ScriptedHandlers): Promise<{ server: ScriptedResourceManager; requester: SlotRequester }> {
    const server = await ScriptedResourceManager.start(handlers);
    open.push(() => server.stop());
    const requester = new SlotRequester({ target: server.target, backoff: { initialMs: 20, maxMs: 100 }, callTimeoutMs: 2_000 });
    open.push(() => requester.close());
    return { server, requester };
  }

  it('sends the same request again when its stream breaks, and resolves with the allocation', async () => {
    let streams = 0;
    const { server, requester } = await setUp({
      RequestSlots: (_request, call) => {
        streams++;
        call.write({ progress: PROGRESS });
        if (streams === 1) failStream(call, grpc.status.UNAVAILABLE, 'connection reset');
        else {
          call.write({ allocated: ALLOCATED });
          call.end();
        }
      },
    });
    const updates: SlotRequestUpdate[] = [];
    const allocation = await requester.requestSlots({ allocationId: 'alloc-1', jobId: 'job-1', slots: 2 }, { onUpdate: (update) => updates.push(update) });

    expect(allocation).toEqual({
      allocationId: 'alloc-1',
      jobId: 'job-1',
      slots: [
        { taskManagerId: 'taskmanager-00001', rpcAddress: '127.0.0.1:6122', dataAddress: '127.0.0.1:6121', slotIndex: 0 },
        { taskManagerId: 'taskmanager-00002', rpcAddress: '127.0.0.1:7122', dataAddress: '127.0.0.1:7121', slotIndex: 0 },
      ],
      withdrawn: [],
      allocatedAtMs: 1_700_000_000_000,
    });
    expect(updates.map((update) => update.kind)).toEqual(['progress', 'retrying', 'progress']);
    expect(updates[0]).toEqual({
      kind: 'progress',
      progress: { slotsRequested: 2, requestsAhead: 0, freeSlots: 1, registeredTaskManagers: 1, workersPending: 1, workersLaunched: 1, desiredWorkers: 2 },
    });
    expect(updates[1]).toMatchObject({ kind: 'retrying', attempt: 1, error: { code: ResourceManagerClientErrorCode.UNAVAILABLE } });
    expect(server.callsOf('RequestSlots')).toEqual([
      { allocation_id: 'alloc-1', job_id: 'job-1', slots: 2 },
      { allocation_id: 'alloc-1', job_id: 'job-1', slots: 2 },
    ]);
  });

  it('gives up at its deadline, cancelling the stream, and stops at once when cancelled or closed', async () => {
    let cancelled = 0;
    const { requester } = await setUp({
      RequestSlots: (_request, call) => {
        call.write({ progress: PROGRESS });
        call.on('cancelled', () => cancelled++);
      },
    });
    await expect(requester.requestSlots({ allocationId: 'a', jobId: 'j', slots: 2 }, { timeoutMs: 200 })).rejects.toMatchObject({
      code: ResourceManagerClientErrorCode.DEADLINE_EXCEEDED,
    });
    const controller = new AbortController();
    const aborted = requester.requestSlots({ allocationId: 'b', jobId: 'j', slots: 2 }, { signal: controller.signal, onUpdate: () => controller.abort() });
    await expect(aborted).rejects.toMatchObject({ code: ResourceManagerClientErrorCode.CANCELLED });
    const pending = requester.requestSlots({ allocationId: 'c', jobId: 'j', slots: 2 });
    await waitFor(() => cancelled >= 2, { description: 'the server to see two cancelled streams' });
    requester.close();
    await expect(pending).rejects.toMatchObject({ code: ResourceManagerClientErrorCode.CLOSED });
    await expect(requester.listWorkers()).rejects.toMatchObject({ code: ResourceManagerClientErrorCode.CLOSED });
  });

  it('checks a request before sending it', async () => {
    const { requester } = await setUp({});
    await expect(requester.requestSlots({ allocationId: 'a', jobId: 'j', slots: 0 })).rejects.toMatchObject({ code: ResourceManagerClientErrorCode.INVALID_REQUEST });
    await expect(requester.requestSlots({ allocationId: '', jobId: 'j', slots: 1 })).rejects.toMatchObject({ code: ResourceManagerClientErrorCode.INVALID_REQUEST });
  });

  it('retries an idempotent release while the server is unavailable, and ends a hanging list at its deadline', async () => {
    let releases = 0;
    const { requester } = await setUp({
      ReleaseSlots: () => (++releases < 3 ? new ScriptedStatus(grpc.status.UNAVAILABLE, 'stopping') : { released_slots: 2 }),
      ListWorkers: () => new Promise<never>(() => undefined),
    });
    await expect(requester.releaseSlots('alloc-1')).resolves.toEqual({ releasedSlots: 2, requestWithdrawn: false });
    expect(releases).toBe(3);
    await expect(requester.listWorkers({ timeoutMs: 150 })).rejects.toMatchObject({ code: ResourceManagerClientErrorCode.DEADLINE_EXCEEDED });
  });

  it('deregisters the application with its status and diagnostics, retrying while the scheduler is not running yet', async () => {
    let calls = 0;
    const { server, requester } = await setUp({
      DeregisterApplication: () => (++calls < 2 ? new ScriptedStatus(grpc.status.UNAVAILABLE, 'not started yet') : { framework_id: 'fw-1', torn_down: true }),
    });
    await expect(requester.deregisterApplication({ status: 'FAILED', diagnostics: 'job failed: boom' })).resolves.toEqual({ frameworkId: 'fw-1', tornDown: true });
    await expect(requester.deregisterApplication({ status: 'CANCELED' })).resolves.toEqual({ frameworkId: 'fw-1', tornDown: true });
    // Enums travel as numbers: FAILED = 2, CANCELED = 3.
    expect(server.callsOf('DeregisterApplication')).toEqual([
      { status: 2, diagnostics: 'job failed: boom' },
      { status: 2, diagnostics: 'job failed: boom' },
      { status: 3, diagnostics: '' },
    ]);
  });

  it('gets the scheduler status, retrying while the scheduler is unavailable', async () => {
    let calls = 0;
    const { requester } = await setUp({
      GetSchedulerStatus: () =>
        ++calls < 2
          ? new ScriptedStatus(grpc.status.UNAVAILABLE, 'starting')
          : {
              framework_name: 'Mesoflow',
              framework_id: 'fw-1',
              master: 'zk://zk1:2181/mesos',
              leader: 'm1:5050',
              subscribed: true,
              suppressed: true,
              offers_received: 2 ** 40,
              offers_accepted: 3,
              offers_declined: 4,
              offers_rescinded: 1,
              offer_history: [{ start_ms: 1_700_000_000_000, received: 7, accepted: 3, declined: 4 }],
              offer_history_interval_ms: 10_000,
              pending_workers: 1,
              desired_workers: 3,
              reconciliation_rounds: 2,
              resubscriptions: 1,
              failed_tasks: 1,
              maximum_failed_tasks: -1,
              started_at_ms: 1_699_999_990_000,
            },
    });

    await expect(requester.getSchedulerStatus()).resolves.toEqual({
      frameworkName: 'Mesoflow',
      frameworkId: 'fw-1',
      master: 'zk://zk1:2181/mesos',
      leader: 'm1:5050',
      subscribed: true,
      suppressed: true,
      // A uint64 beyond 32 bits arrives as a plain number.
      offersReceived: 2 ** 40,
      offersAccepted: 3,
      offersDeclined: 4,
      offersRescinded: 1,
      offerHistory: [{ startMs: 1_700_000_000_000, received: 7, accepted: 3, declined: 4 }],
      offerHistoryIntervalMs: 10_000,
      pendingWorkers: 1,
      desiredWorkers: 3,
      reconciliationRounds: 2,
      resubscriptions: 1,
      failedTasks: 1,
      maximumFailedTasks: -1,
      startedAtMs: 1_699_999_990_000,
    });
    expect(calls).toBe(2);
  });

  it('watches workers again after a broken stream, starting with a new snapshot, until aborted', async () => {
    let watches = 0;
    const { requester } = await setUp({
      WatchWorkers: (_request, call) => {
        watches++;
        call.write({ snapshot: { workers: [{ task_id: 'taskmanager-00001', state: 1 }], desired_workers: 1 } });
        if (watches === 1) failStream(call, grpc.status.UNAVAILABLE, 'The resource manager stopped');
        else {
          call.write({
            changed: {
              task_id: 'taskmanager-00001',
              state: 2,
              task_manager: { slots_total: 2, slots_free: 2 },
              framework_id: 'fw-1',
              history: [{ at_ms: 1, state: 'NEW' }, { at_ms: 2, state: 'LAUNCHED', detail: "on agent 'a1'" }],
            },
          });
        }
      },
    });
    const controller = new AbortController();
    const seen: WorkerWatchEvent[] = [];
    for await (const event of requester.watchWorkers({ signal: controller.signal })) {
      seen.push(event);
      if (event.kind === 'changed') controller.abort();
    }
    expect(seen.map((event) => event.kind)).toEqual(['snapshot', 'snapshot', 'changed']);
    expect(seen[0]).toMatchObject({ kind: 'snapshot', list: { desiredWorkers: 1, workers: [{ taskId: 'taskmanager-00001', state: 'New', taskManager: undefined }] } });
    expect(seen[2]).toMatchObject({
      kind: 'changed',
      worker: {
        state: 'Launched',
        taskManager: { slotsTotal: 2, slotsFree: 2 },
        frameworkId: 'fw-1',
        history: [{ atMs: 1, state: 'NEW' }, { atMs: 2, state: 'LAUNCHED', detail: "on agent 'a1'" }],
      },
    });
  });
});

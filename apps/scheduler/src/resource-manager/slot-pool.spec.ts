// Unit tier: the slot pool's decisions with a manual clock and an in-memory fleet. MemoryFleet
// stands in for the Mesos side (the WorkerScheduler); the scheduler's integration test covers the
// real one against the local Mesos stand-in.
import { isResourceManagerError, ResourceManagerErrorCode } from './errors';
import { ManualClock } from '../scheduler/testing/fake-client';
import { SlotPool, type Registration, type SlotAllocation, type SlotPoolOptions, type SlotRequestStatus } from './slot-pool';
import { MemoryFleet } from './testing/memory-fleet';

// Heartbeats time out only in the test about them, which shortens the timeout.
const TIMING = { idleTimeoutMs: 30_000, registrationTimeoutMs: 300_000, heartbeatIntervalMs: 10_000, heartbeatTimeoutMs: 3_600_000 };

function registration(taskId: string, slots: number, instanceId = `instance-of-${taskId}`): Registration {
  return {
    taskId,
    rpcAddress: `${taskId}.local:6122`,
    dataAddress: `${taskId}.local:6121`,
    slots,
    resources: { cpus: 1, memMb: 256, diskMb: 0, gpus: 0, networkMbps: 0 },
    instanceId,
    slotsInUse: [],
  };
}

function allocated(status: SlotRequestStatus | undefined): SlotAllocation {
  if (status?.kind !== 'allocated') throw new Error(`Expected an allocation, got ${JSON.stringify(status)}`);
  return status.allocation;
}

function errorCode(work: () => unknown): ResourceManagerErrorCode | undefined {
  try {
    work();
  } catch (error) {
    if (isResourceManagerError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('SlotPool', () => {
  let clock: ManualClock;
  let fleet: MemoryFleet;
  let pools: SlotPool[];

  beforeEach(() => {
    clock = new ManualClock();
    fleet = new MemoryFleet(clock);
    pools = [];
  });

  afterEach(() => {
    for (const pool of pools) pool.close();
  });

  function startPool(options: Partial<SlotPoolOptions> = {}): SlotPool {
    let ids = 0;
    const pool = new SlotPool({ fleet, clock, minWorkers: 0, slotsPerTaskManager: 2, timing: TIMING, newId: () => `reg-${++ids}`, ...options });
    pool.start();
    pools.push(pool);
    return pool;
  }

  /** Launches the New workers and registers each with `slots` slots; returns their task IDs. */
  function launchAndRegister(pool: SlotPool, slots = 2): string[] {
    const taskIds = fleet.launchAll();
    for (const taskId of taskIds) pool.register(registration(taskId, slots));
    return taskIds;
  }

  describe('registration', () => {
    it('asks TaskManagers and listers to come back while the fleet loads its workers (a restart or a takeover), rather than refusing them', () => {
      fleet.workersLoaded = false;
      const pool = startPool({ minWorkers: 1 });
      const [taskId] = fleet.launchAll();
      expect(errorCode(() => pool.register(registration(taskId, 2)))).toBe(ResourceManagerErrorCode.NOT_RUNNING);
      expect(errorCode(() => pool.workers())).toBe(ResourceManagerErrorCode.NOT_RUNNING);
      fleet.workersLoaded = true;
      pool.register(registration(taskId, 2));
      expect(pool.workers()).toEqual([expect.objectContaining({ taskManager: expect.objectContaining({ slotsTotal: 2 }) })]);
    });

    it('refuses a task that is not a Launched worker, and a malformed registration', () => {
      const pool = startPool({ minWorkers: 1 });
      expect(errorCode(() => pool.register(registration('taskmanager-09999', 2)))).toBe(ResourceManagerErrorCode.NOT_LAUNCHED);
      const [pending] = fleet.workerViews();
      expect(errorCode(() => pool.register(registration(pending.taskId, 2)))).toBe(ResourceManagerErrorCode.NOT_LAUNCHED);
      fleet.launchAll();
      expect(errorCode(() => pool.register(registration(pending.taskId, 0)))).toBe(ResourceManagerErrorCode.INVALID_REQUEST);
      expect(errorCode(() => pool.register({ ...registration(pending.taskId, 2), rpcAddress: 'no-port' }))).toBe(ResourceManagerErrorCode.INVALID_REQUEST);
      expect(pool.register(registration(pending.taskId, 2))).toEqual({ registrationId: 'reg-1', allocationsKept: false });
      expect(pool.worker(pending.taskId)?.taskManager).toMatchObject({ slotsTotal: 2, slotsFree: 2, rpcAddress: `${pending.taskId}.local:6122` });
    });

    it('keeps the allocations of a re-registered instance and withdraws those of a restarted one', () => {
      const pool = startPool();
      const handle = pool.request('alloc-1', 'job-1', 2);
      const [taskId] = launchAndRegister(pool);
      expect(allocated(handle.status()).slots).toHaveLength(2);

      expect(pool.register(registration(taskId, 2))).toEqual({ registrationId: 'reg-2', allocationsKept: true });
      expect(allocated(handle.status()).slots).toHaveLength(2);
      expect(errorCode(() => pool.heartbeat(taskId, 'reg-1'))).toBe(ResourceManagerErrorCode.UNKNOWN_REGISTRATION);
      pool.heartbeat(taskId, 'reg-2');

      expect(pool.register(registration(taskId, 2, 'restarted'))).toEqual({ registrationId: 'reg-3', allocationsKept: false });
      expect(allocated(handle.status())).toMatchObject({ slots: [], withdrawn: [{ taskManagerId: taskId, slotIndex: 0 }, { taskManagerId: taskId, slotIndex: 1 }] });
      expect(pool.worker(taskId)?.taskManager?.slotsFree).toBe(2);
      // Each registration goes to the worker's history.
      expect(pool.worker(taskId)?.worker.history.map((change) => change.detail)).toEqual([
        `2 slot(s) at '${taskId}.local:6122'`,
        `2 slot(s) at '${taskId}.local:6122', keeping its allocations`,
        `2 slot(s) at '${taskId}.local:6122', as a restarted instance`,
      ]);
    });

    it('adopts the slots a TaskManager reports in use when it does not know them (a new leader)', () => {
      const first = startPool();
      first.request('alloc-1', 'job-1', 3);
      const taskIds = launchAndRegister(first);
      first.close();

      const second = startPool();
      second.register({ ...registration(taskIds[0], 2), slotsInUse: [0, 1].map((slotIndex) => ({ slotIndex, allocationId: 'alloc-1', jobId: 'job-1' })) });
      second.register({ ...registration(taskIds[1], 2), slotsInUse: [{ slotIndex: 0, allocationId: 'alloc-1', jobId: 'job-1' }] });
      const again = second.request('alloc-1', 'job-1', 3);
      expect(allocated(again.status()).slots.map((slot) => [slot.taskManagerId, slot.slotIndex])).toEqual([
        [taskIds[0], 0],
        [taskIds[0], 1],
        [taskIds[1], 0],
      ]);
      expect(second.worker(taskIds[1])?.taskManager?.slotsFree).toBe(1);
    });
  });

  describe('gang allocation', () => {
    it('grants every slot of a request at once, first come first served', () => {
      const pool = startPool({ minWorkers: 2 });
      launchAndRegister(pool);
      const a = pool.request('a', 'job-a', 3);
      expect(allocated(a.status()).slots).toHaveLength(3);

      const b = pool.request('b', 'job-b', 2);
      const c = pool.request('c', 'job-c', 1);
      // One slot is free: enough for c, but b came first and a gang is never split.
      expect(b.status()).toMatchObject({ kind: 'pending', progress: { slotsRequested: 2, requestsAhead: 0, freeSlots: 1, registeredTaskManagers: 2 } });
      expect(c.status()).toMatchObject({ kind: 'pending', progress: { requestsAhead: 1, freeSlots: 1 } });

      const [third] = fleet.launchAll();
      expect(third).toBeDefined();
      expect(b.status()).toMatchObject({ kind: 'pending', progress: { workersLaunched: 3, workersPending: 0 } });
      pool.register(registration(third, 2));
      expect(allocated(b.status()).slots).toHaveLength(2);
      expect(allocated(c.status()).slots).toHaveLength(1);
      const used = [a, b, c].flatMap((handle) => allocated(handle.status()).slots.map((slot) => `${slot.taskManagerId}/${slot.slotIndex}`));
      expect(new Set(used).size).toBe(6);
    });

    it('serves a large request before later small ones as slots free up', () => {
      const pool = startPool({ minWorkers: 1, slotsPerTaskManager: 2 });
      launchAndRegister(pool);
      pool.request('small-1', 'job', 1);
      const large = pool.request('large', 'job', 2);
      const small = pool.request('small-2', 'job', 1);
      pool.release('small-1');
      expect(allocated(large.status()).slots).toHaveLength(2);
      expect(small.status()?.kind).toBe('pending');
    });

    it('is idempotent on the allocation ID: re-attaching, re-asking, releasing twice', () => {
      const pool = startPool();
      const first = pool.request('alloc-1', 'job-1', 2);
      const second = pool.request('alloc-1', 'job-1', 2);
      expect(errorCode(() => pool.request('alloc-1', 'job-1', 3))).toBe(ResourceManagerErrorCode.ALLOCATION_CONFLICT);
      expect(errorCode(() => pool.request('alloc-1', 'job-2', 2))).toBe(ResourceManagerErrorCode.ALLOCATION_CONFLICT);
      first.detach();
      first.detach();
      expect(second.status()?.kind).toBe('pending');
      expect(fleet.desired).toBe(1);

      launchAndRegister(pool);
      const granted = allocated(second.status());
      expect(allocated(pool.request('alloc-1', 'job-1', 2).status())).toEqual(granted);
      second.detach();
      expect(allocated(pool.request('alloc-1', 'job-1', 2).status())).toEqual(granted);

      expect(pool.release('alloc-1')).toEqual({ releasedSlots: 2, requestWithdrawn: false });
      expect(pool.release('alloc-1')).toEqual({ releasedSlots: 0, requestWithdrawn: false });
      expect(second.status()).toBeUndefined();
    });

    it('withdraws a pending request once nobody waits for it', () => {
      const pool = startPool();
      const first = pool.request('alloc-1', 'job-1', 4);
      const second = pool.request('alloc-1', 'job-1', 4);
      expect(fleet.desired).toBe(2);
      first.detach();
      expect(fleet.desired).toBe(2);
      second.detach();
      expect(first.status()).toBeUndefined();
      expect(fleet.desired).toBe(0);
      expect(fleet.live()).toEqual([]);
      expect(pool.release('alloc-1')).toEqual({ releasedSlots: 0, requestWithdrawn: false });
    });
  });

  describe('demand', () => {
    it('asks for max(initial tasks, ceil((allocated + unmet slots) / slots per TaskManager)) workers', () => {
      const pool = startPool({ minWorkers: 2, slotsPerTaskManager: 2 });
      expect(fleet.desired).toBe(2);
      expect(pool.desiredWorkers).toBe(2);
      pool.request('a', 'job', 3);
      expect(fleet.desired).toBe(2);
      pool.request('b', 'job', 2);
      expect(fleet.desired).toBe(3);
      launchAndRegister(pool);
      // 5 slots allocated on 3 TaskManagers: still 3.
      expect(fleet.desired).toBe(3);
      pool.request('c', 'job', 4);
      expect(fleet.desired).toBe(5);
      pool.release('c');
      pool.release('a');
      expect(fleet.desired).toBe(2);
      pool.release('b');
      // The warm pool stays.
      expect(fleet.desired).toBe(2);
    });
  });

  describe('idle release', () => {
    it('releases a TaskManager idle for the timeout only while more workers live than desired', () => {
      const pool = startPool({ minWorkers: 1, slotsPerTaskManager: 1 });
      pool.request('a', 'job', 3);
      const taskIds = launchAndRegister(pool, 1);
      expect(taskIds).toHaveLength(3);
      clock.advance(TIMING.idleTimeoutMs * 2);
      expect(fleet.released).toEqual([]);

      pool.release('a');
      expect(fleet.desired).toBe(1);
      clock.advance(TIMING.idleTimeoutMs - 1);
      expect(fleet.released).toEqual([]);
      clock.advance(1);
      expect(fleet.released).toHaveLength(2);
      expect(fleet.live()).toHaveLength(1);
      expect(pool.workers().filter((status) => status.taskManager !== undefined)).toHaveLength(1);
      clock.advance(TIMING.idleTimeoutMs * 10);
      expect(fleet.released).toHaveLength(2);
    });

    it('releases a long-idle TaskManager as soon as the desired count drops below the live workers', () => {
      const pool = startPool({ minWorkers: 0, slotsPerTaskManager: 1 });
      pool.request('a', 'job', 1);
      pool.request('b', 'job', 1);
      const [first] = launchAndRegister(pool, 1);
      pool.release('a');
      // A gang of 2 cannot use the one free slot: 3 workers are desired, the idle one is kept.
      pool.request('d', 'job', 2);
      expect(fleet.desired).toBe(3);
      clock.advance(TIMING.idleTimeoutMs * 2);
      expect(fleet.released).toEqual([]);
      expect(pool.worker(first)?.taskManager?.slotsFree).toBe(1);

      pool.release('d');
      expect(fleet.desired).toBe(1);
      expect(fleet.released).toEqual([first]);
      expect(fleet.live()).toHaveLength(1);
    });
  });

  describe('liveness', () => {
    it('fails a launched worker that does not register in time', () => {
      const pool = startPool({ minWorkers: 2 });
      const [late, prompt] = fleet.launchAll();
      clock.advance(TIMING.registrationTimeoutMs - 1);
      pool.register(registration(prompt, 2));
      clock.advance(1);
      expect(fleet.failed).toEqual([late]);
      // The fleet replaced it; the replacement's clock starts at its own launch.
      const [replacement] = fleet.launchAll();
      clock.advance(TIMING.registrationTimeoutMs - 1);
      expect(fleet.failed).toEqual([late]);
      pool.register(registration(replacement, 2));
      clock.advance(TIMING.registrationTimeoutMs);
      expect(fleet.failed).toEqual([late]);
    });

    it('fails a silent TaskManager and withdraws its slots from their allocations', () => {
      const timing = { ...TIMING, heartbeatTimeoutMs: 50_000 };
      const pool = startPool({ minWorkers: 2, slotsPerTaskManager: 1, timing });
      const changed: string[][] = [];
      pool.onChange((event) => {
        if (event.kind === 'changed') changed.push([...event.taskIds]);
      });
      const handle = pool.request('a', 'job', 2);
      const [alive, silent] = launchAndRegister(pool, 1);
      expect(allocated(handle.status()).slots).toHaveLength(2);
      changed.length = 0;

      for (let elapsed = 0; elapsed < timing.heartbeatTimeoutMs; elapsed += timing.heartbeatIntervalMs) {
        clock.advance(timing.heartbeatIntervalMs);
        pool.heartbeat(alive, 'reg-1');
      }
      expect(fleet.failed).toEqual([silent]);
      expect(allocated(handle.status())).toMatchObject({ slots: [{ taskManagerId: alive }], withdrawn: [{ taskManagerId: silent, slotIndex: 0 }] });
      expect(changed.flat()).toContain(silent);
      expect(pool.worker(silent)?.taskManager).toBeUndefined();
      expect(pool.worker(silent)?.worker.history.map((change) => [change.state, change.detail])).toEqual([
        ['REGISTERED', `1 slot(s) at '${silent}.local:6122'`],
        ['LOST', 'no heartbeat for 50000 ms'],
      ]);
      expect(errorCode(() => pool.heartbeat(silent, 'reg-2'))).toBe(ResourceManagerErrorCode.UNKNOWN_REGISTRATION);
      // The withdrawn slot no longer counts: 1 allocated slot, 2 initial tasks.
      expect(fleet.desired).toBe(2);
    });

    it('unregisters the TaskManager of a worker the fleet released', () => {
      const pool = startPool();
      const handle = pool.request('a', 'job', 2);
      const [taskId] = launchAndRegister(pool);
      fleet.lose(taskId);
      expect(pool.worker(taskId)).toMatchObject({ worker: { state: 'Released' }, taskManager: undefined });
      expect(allocated(handle.status()).withdrawn).toHaveLength(2);
      expect(errorCode(() => pool.register(registration(taskId, 2)))).toBe(ResourceManagerErrorCode.NOT_LAUNCHED);
    });
  });

  it('refuses calls once closed and tells listeners', () => {
    const pool = startPool();
    const events: string[] = [];
    pool.onChange((event) => events.push(event.kind));
    expect(pool.state).toBe('running');
    pool.close();
    expect(pool.state).toBe('closed');
    expect(events).toEqual(['closed']);
    expect(errorCode(() => pool.request('a', 'job', 1))).toBe(ResourceManagerErrorCode.NOT_RUNNING);
    expect(clock.pending).toBe(0);
  });
});

import type { MesoflowConfig } from '@mesoflow/config';
import type { TaskManagerResources } from '@mesoflow/resourcemanager-client';
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { SYSTEM_CLOCK, type Clock, type WorkerView } from '../scheduler/worker-scheduler';
import { ResourceManagerError, ResourceManagerErrorCode } from './errors';
import type { WorkerFleet } from './worker-fleet';

/** Timeouts of the pool, from the `resourcemanager.*` and `heartbeat.*` options. */
export interface SlotPoolTiming {
  /** `resourcemanager.taskmanager-timeout`: idle time before a TaskManager above the desired count is released. */
  idleTimeoutMs: number;
  /** `resourcemanager.taskmanager-registration.timeout`: from launch to registration. */
  registrationTimeoutMs: number;
  /** `heartbeat.interval`: told to TaskManagers when they register. */
  heartbeatIntervalMs: number;
  /** `heartbeat.timeout`: silence after which a TaskManager is lost. */
  heartbeatTimeoutMs: number;
}

/** Options of {@link SlotPool}. */
export interface SlotPoolOptions {
  fleet: WorkerFleet;
  /** `mesos.initial-tasks`: workers kept even without demand (the warm pool). */
  minWorkers: number;
  /** `taskmanager.numberOfTaskSlots`: slots one worker is expected to bring. */
  slotsPerTaskManager: number;
  timing: SlotPoolTiming;
  /** @default SYSTEM_CLOCK */
  clock?: Clock;
  /** @default a silent logger */
  logger?: Logger;
  /** Makes registration IDs. @default randomUUID */
  newId?: () => string;
}

/** The options of {@link SlotPoolOptions} that come from the configuration. */
export function slotPoolSettings(config: MesoflowConfig): Pick<SlotPoolOptions, 'minWorkers' | 'slotsPerTaskManager' | 'timing'> {
  return {
    minWorkers: config.get('mesos.initial-tasks'),
    slotsPerTaskManager: config.get('taskmanager.numberOfTaskSlots'),
    timing: {
      idleTimeoutMs: config.get('resourcemanager.taskmanager-timeout').milliseconds,
      registrationTimeoutMs: config.get('resourcemanager.taskmanager-registration.timeout').milliseconds,
      heartbeatIntervalMs: config.get('heartbeat.interval').milliseconds,
      heartbeatTimeoutMs: config.get('heartbeat.timeout').milliseconds,
    },
  };
}

/** A slot in use that a registering TaskManager reports. */
export interface SlotInUse {
  slotIndex: number;
  allocationId: string;
  jobId: string;
}

/** A TaskManager's registration. */
export interface Registration {
  /** The Mesos task ID it runs as. */
  taskId: string;
  /** `host:port`. */
  rpcAddress: string;
  dataAddress: string;
  slots: number;
  resources: TaskManagerResources;
  /** Unique per process start. */
  instanceId: string;
  /** Adopted only when the pool holds no registration of the same instance (e.g. a new leader). */
  slotsInUse: readonly SlotInUse[];
}

/** The answer to a registration. */
export interface RegistrationResult {
  registrationId: string;
  /** The slots kept the allocations of an earlier registration of the same instance. */
  allocationsKept: boolean;
}

/** One slot of an allocation. */
export interface AllocatedSlot {
  taskManagerId: string;
  rpcAddress: string;
  dataAddress: string;
  slotIndex: number;
}

/** Slots granted to a request. */
export interface SlotAllocation {
  allocationId: string;
  jobId: string;
  /** The slots held. */
  slots: readonly AllocatedSlot[];
  /** Slots taken back because their TaskManager went away. */
  withdrawn: readonly AllocatedSlot[];
  allocatedAt: number;
}

/** Where a pending request stands. */
export interface SlotRequestProgress {
  slotsRequested: number;
  requestsAhead: number;
  freeSlots: number;
  registeredTaskManagers: number;
  workersPending: number;
  workersLaunched: number;
  desiredWorkers: number;
}

/** A request, pending or allocated. */
export type SlotRequestStatus =
  | { readonly kind: 'pending'; readonly progress: SlotRequestProgress }
  | { readonly kind: 'allocated'; readonly allocation: SlotAllocation };

/** A caller attached to a slot request. */
export interface SlotRequestHandle {
  readonly allocationId: string;
  /** The request's status; `undefined` once it was withdrawn or released. */
  status(): SlotRequestStatus | undefined;
  /** The caller stops waiting; a pending request that nobody waits for any more is withdrawn. */
  detach(): void;
}

/** The answer to a release. */
export interface ReleaseResult {
  releasedSlots: number;
  requestWithdrawn: boolean;
}

/** A registered TaskManager, as listed. */
export interface TaskManagerStatus {
  registrationId: string;
  instanceId: string;
  rpcAddress: string;
  dataAddress: string;
  slotsTotal: number;
  slotsFree: number;
  lastHeartbeatAgeMs: number;
  registeredAt: number;
  resources: TaskManagerResources;
}

/** A worker of the fleet with its TaskManager, when registered. */
export interface WorkerStatus {
  worker: WorkerView;
  taskManager: TaskManagerStatus | undefined;
}

/** What changed in the pool. */
export type SlotPoolEvent =
  /** Something changed; `taskIds` are the workers whose status did (possibly none). */
  | { readonly kind: 'changed'; readonly taskIds: readonly string[] }
  /** The pool closed; nothing more follows. */
  | { readonly kind: 'closed' };

/** Where the pool is in its life. */
export type SlotPoolState = 'idle' | 'running' | 'closed';

interface TaskManager {
  readonly taskId: string;
  readonly registrationId: string;
  readonly instanceId: string;
  readonly rpcAddress: string;
  readonly dataAddress: string;
  readonly resources: TaskManagerResources;
  /** The allocation ID holding each slot; `undefined` when free. */
  readonly slots: Array<string | undefined>;
  readonly registeredAt: number;
  lastHeartbeatAt: number;
  cancelHeartbeatTimer: () => void;
  /** Since when no slot is in use; `undefined` while one is. */
  idleSince: number | undefined;
  cancelIdleTimer: (() => void) | undefined;
}

interface Allocation {
  readonly id: string;
  readonly jobId: string;
  /** Slots asked for. */
  slots: number;
  state: PendingState | AllocatedState;
}

interface PendingState {
  readonly name: 'pending';
  /** Streams waiting on the request. */
  attached: number;
}

interface AllocatedState {
  readonly name: 'allocated';
  readonly at: number;
  readonly slots: AllocatedSlot[];
  readonly withdrawn: AllocatedSlot[];
  /** Rebuilt from TaskManagers' reports (after a leader change): a request for it takes it as it is. */
  readonly adopted: boolean;
}

/**
 * The resource manager's state (Flink's SlotManager): registered TaskManagers and their slots,
 * slot requests served as gangs in arrival order, and the demand for workers that it pushes to
 * the {@link WorkerFleet}: `max(mesos.initial-tasks, ceil((allocated + requested-but-unmet slots) /
 * taskmanager.numberOfTaskSlots))`.
 *
 * It releases a TaskManager idle for `idleTimeoutMs` while more workers live than desired, fails a
 * Launched worker that does not register within `registrationTimeoutMs` of its launch (or of the
 * pool's start, for workers launched by an earlier leader), and fails a TaskManager silent for
 * `heartbeatTimeoutMs`, withdrawing its slots from their allocations. Synchronous; listeners hear
 * of every change through {@link onChange}.
 */
export class SlotPool {
  private readonly fleet: WorkerFleet;
  private readonly minWorkers: number;
  private readonly slotsPerTaskManager: number;
  private readonly timing: SlotPoolTiming;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly newId: () => string;
  private currentState: SlotPoolState = 'idle';
  private startedAt = 0;
  /** By task ID, in registration order (the order slots are handed out in). */
  private readonly taskManagers = new Map<string, TaskManager>();
  /** By allocation ID, in request order (pending ones are served in this order). */
  private readonly allocations = new Map<string, Allocation>();
  private readonly registrationTimers = new Map<string, () => void>();
  /** Workers asked to stop as idle whose release the fleet has not reported yet. */
  private readonly releasing = new Set<string>();
  private readonly listeners = new Set<(event: SlotPoolEvent) => void>();
  private unsubscribeFleet: (() => void) | undefined;
  private desired: number | undefined;
  private settling = false;
  private dirty = false;
  private readonly touched = new Set<string>();

  constructor(options: SlotPoolOptions) {
    const whole = (name: string, value: number, min: number): void => {
      if (!Number.isSafeInteger(value) || value < min) {
        throw new ResourceManagerError(ResourceManagerErrorCode.INVALID_REQUEST, `${name} must be a whole number >= ${min}, got ${value}`);
      }
    };
    whole('The minimum worker count', options.minWorkers, 0);
    whole('The slots per TaskManager', options.slotsPerTaskManager, 1);
    this.fleet = options.fleet;
    this.minWorkers = options.minWorkers;
    this.slotsPerTaskManager = options.slotsPerTaskManager;
    this.timing = options.timing;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'slot-pool' });
    this.newId = options.newId ?? randomUUID;
  }

  get state(): SlotPoolState {
    return this.currentState;
  }

  /** The worker count last pushed to the fleet. */
  get desiredWorkers(): number {
    return this.desired ?? this.minWorkers;
  }

  /** Heartbeat interval and timeout told to TaskManagers. */
  get heartbeatTiming(): { intervalMs: number; timeoutMs: number } {
    return { intervalMs: this.timing.heartbeatIntervalMs, timeoutMs: this.timing.heartbeatTimeoutMs };
  }

  /** Follows the fleet, pushes the desired worker count and starts the registration clocks of Launched workers. */
  start(): void {
    if (this.currentState !== 'idle') {
      throw new ResourceManagerError(ResourceManagerErrorCode.NOT_RUNNING, `The slot pool cannot start from state ${this.currentState}`);
    }
    this.currentState = 'running';
    this.startedAt = this.clock.now();
    this.unsubscribeFleet = this.fleet.onWorkerChange((worker) => this.onWorkerChange(worker));
    for (const worker of this.fleet.workerViews()) {
      if (worker.state === 'Launched') this.awaitRegistration(worker);
    }
    this.settle([]);
  }

  /** Stops every clock and tells listeners; every later call is refused. */
  close(): void {
    if (this.currentState === 'closed') return;
    this.currentState = 'closed';
    this.unsubscribeFleet?.();
    for (const cancel of this.registrationTimers.values()) cancel();
    this.registrationTimers.clear();
    for (const taskManager of this.taskManagers.values()) {
      taskManager.cancelHeartbeatTimer();
      taskManager.cancelIdleTimer?.();
    }
    for (const listener of [...this.listeners]) listener({ kind: 'closed' });
    this.listeners.clear();
  }

  /** Calls `listener` after every change; returns a function that stops it. */
  onChange(listener: (event: SlotPoolEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---------------------------------------------------------------------------------------------
  // TaskManagers

  /**
   * Registers a TaskManager.
   * @throws ResourceManagerError `NOT_LAUNCHED` when its task is not a Launched worker,
   *   `INVALID_REQUEST` for a malformed registration.
   */
  register(registration: Registration): RegistrationResult {
    this.assertRunning();
    const { taskId } = registration;
    if (!Number.isSafeInteger(registration.slots) || registration.slots < 1) {
      throw invalid(`TaskManager '${taskId}' must offer at least 1 slot, got ${registration.slots}`);
    }
    if (!HOST_PORT.test(registration.rpcAddress)) {
      throw invalid(`TaskManager '${taskId}' has no valid RPC address (host:port), got '${registration.rpcAddress}'`);
    }
    if (registration.instanceId === '') throw invalid(`TaskManager '${taskId}' sent no instance ID`);
    this.assertWorkersLoaded();
    const worker = this.fleet.workerView(taskId);
    if (worker?.state !== 'Launched' || this.releasing.has(taskId)) {
      const what = worker === undefined ? 'is not a worker of this scheduler' : this.releasing.has(taskId) ? 'is being released' : `is ${worker.state}, not Launched`;
      throw new ResourceManagerError(ResourceManagerErrorCode.NOT_LAUNCHED, `TaskManager '${taskId}' cannot register: task '${taskId}' ${what}`);
    }
    const now = this.clock.now();
    const previous = this.taskManagers.get(taskId);
    const sameInstance =
      previous !== undefined &&
      previous.instanceId === registration.instanceId &&
      previous.slots.length === registration.slots &&
      previous.rpcAddress === registration.rpcAddress &&
      previous.dataAddress === registration.dataAddress;
    if (previous && !sameInstance) this.unregister(previous, `it registered again as a new instance '${registration.instanceId}'`);
    previous?.cancelHeartbeatTimer();
    const taskManager: TaskManager = {
      taskId,
      registrationId: this.newId(),
      instanceId: registration.instanceId,
      rpcAddress: registration.rpcAddress,
      dataAddress: registration.dataAddress,
      resources: registration.resources,
      slots: sameInstance ? previous.slots : new Array<string | undefined>(registration.slots).fill(undefined),
      registeredAt: sameInstance ? previous.registeredAt : now,
      lastHeartbeatAt: now,
      cancelHeartbeatTimer: () => undefined,
      idleSince: sameInstance ? previous.idleSince : undefined,
      cancelIdleTimer: sameInstance ? previous.cancelIdleTimer : undefined,
    };
    this.taskManagers.set(taskId, taskManager);
    this.registrationTimers.get(taskId)?.();
    this.registrationTimers.delete(taskId);
    this.watchHeartbeat(taskManager);
    const adopted = sameInstance ? 0 : this.adopt(taskManager, registration.slotsInUse);
    const how =
      `${registration.slots} slot(s) at '${registration.rpcAddress}'` +
      (sameInstance ? ', keeping its allocations' : adopted > 0 ? `, ${adopted} slot(s) in use adopted` : '');
    this.logger.info(`TaskManager '${taskId}' registered with ${how}`);
    this.fleet.recordTaskManagerChange(taskId, 'REGISTERED', previous && !sameInstance ? `${how}, as a restarted instance` : how);
    this.settle([taskId]);
    return { registrationId: taskManager.registrationId, allocationsKept: sameInstance };
  }

  /**
   * Notes that a TaskManager is alive.
   * @throws ResourceManagerError `UNKNOWN_REGISTRATION` when the pool holds no such registration.
   */
  heartbeat(taskId: string, registrationId: string): void {
    this.assertRunning();
    const taskManager = this.taskManagers.get(taskId);
    if (taskManager?.registrationId !== registrationId) {
      throw new ResourceManagerError(
        ResourceManagerErrorCode.UNKNOWN_REGISTRATION,
        `TaskManager '${taskId}' has no registration '${registrationId}'; it must register again`,
      );
    }
    taskManager.lastHeartbeatAt = this.clock.now();
    this.watchHeartbeat(taskManager);
  }

  /**
   * Every worker of the fleet, in task ID order, with its TaskManager when registered.
   * @throws ResourceManagerError `NOT_RUNNING` while the fleet loads its workers
   */
  workers(): WorkerStatus[] {
    this.assertWorkersLoaded();
    return [...this.fleet.workerViews()]
      .sort((a, b) => (a.taskId < b.taskId ? -1 : a.taskId > b.taskId ? 1 : 0))
      .map((worker) => this.workerStatus(worker));
  }

  /** One worker, or `undefined` when the fleet does not hold it. */
  worker(taskId: string): WorkerStatus | undefined {
    const worker = this.fleet.workerView(taskId);
    return worker && this.workerStatus(worker);
  }

  private workerStatus(worker: WorkerView): WorkerStatus {
    const taskManager = this.taskManagers.get(worker.taskId);
    return {
      worker,
      taskManager: taskManager && {
        registrationId: taskManager.registrationId,
        instanceId: taskManager.instanceId,
        rpcAddress: taskManager.rpcAddress,
        dataAddress: taskManager.dataAddress,
        slotsTotal: taskManager.slots.length,
        slotsFree: taskManager.slots.filter((slot) => slot === undefined).length,
        lastHeartbeatAgeMs: this.clock.now() - taskManager.lastHeartbeatAt,
        registeredAt: taskManager.registeredAt,
        resources: taskManager.resources,
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Slot requests

  /**
   * Requests `slots` slots as one gang, or attaches to the request or allocation already made
   * under `allocationId`.
   * @throws ResourceManagerError `INVALID_REQUEST`, or `ALLOCATION_CONFLICT` when `allocationId` is in
   *   use with another job or slot count.
   */
  request(allocationId: string, jobId: string, slots: number): SlotRequestHandle {
    this.assertRunning();
    if (allocationId === '') throw invalid('A slot request needs an allocation ID');
    if (jobId === '') throw invalid(`Slot request '${allocationId}' needs a job ID`);
    if (!Number.isSafeInteger(slots) || slots < 1) throw invalid(`Slot request '${allocationId}' must ask for at least 1 slot, got ${slots}`);
    let allocation = this.allocations.get(allocationId);
    if (allocation) {
      const adopted = allocation.state.name === 'allocated' && allocation.state.adopted;
      if (allocation.jobId !== jobId || (allocation.slots !== slots && !adopted)) {
        throw new ResourceManagerError(
          ResourceManagerErrorCode.ALLOCATION_CONFLICT,
          `Allocation '${allocationId}' is in use for ${allocation.slots} slot(s) of job '${allocation.jobId}', ` +
            `not ${slots} slot(s) of job '${jobId}'`,
        );
      }
      allocation.slots = slots;
      if (allocation.state.name === 'pending') allocation.state.attached++;
    } else {
      allocation = { id: allocationId, jobId, slots, state: { name: 'pending', attached: 1 } };
      this.allocations.set(allocationId, allocation);
      this.logger.info(`Job '${jobId}' requests ${slots} slot(s) as allocation '${allocationId}'`);
      this.settle([]);
    }
    const own = allocation;
    let attached = own.state.name === 'pending';
    return {
      allocationId,
      status: () => (this.allocations.get(allocationId) === own ? this.statusOf(own) : undefined),
      detach: () => {
        if (!attached) return;
        attached = false;
        if (own.state.name !== 'pending' || this.allocations.get(allocationId) !== own) return;
        own.state.attached--;
        if (own.state.attached > 0 || this.currentState !== 'running') return;
        this.allocations.delete(allocationId);
        this.logger.info(`Slot request '${allocationId}' of job '${jobId}' is withdrawn: nobody waits for it`);
        this.settle([]);
      },
    };
  }

  /** Frees an allocation's slots, or withdraws its pending request; nothing for an unknown ID. */
  release(allocationId: string): ReleaseResult {
    this.assertRunning();
    const allocation = this.allocations.get(allocationId);
    if (!allocation) return { releasedSlots: 0, requestWithdrawn: false };
    this.allocations.delete(allocationId);
    if (allocation.state.name === 'pending') {
      this.logger.info(`Slot request '${allocationId}' of job '${allocation.jobId}' is withdrawn`);
      this.settle([]);
      return { releasedSlots: 0, requestWithdrawn: true };
    }
    const touched: string[] = [];
    for (const slot of allocation.state.slots) {
      const taskManager = this.taskManagers.get(slot.taskManagerId);
      if (taskManager?.slots[slot.slotIndex] !== allocationId) continue;
      taskManager.slots[slot.slotIndex] = undefined;
      touched.push(slot.taskManagerId);
    }
    this.logger.info(`Allocation '${allocationId}' of job '${allocation.jobId}' released ${allocation.state.slots.length} slot(s)`);
    this.settle(touched);
    return { releasedSlots: allocation.state.slots.length, requestWithdrawn: false };
  }

  private statusOf(allocation: Allocation): SlotRequestStatus {
    const state = allocation.state;
    if (state.name === 'allocated') {
      return {
        kind: 'allocated',
        allocation: { allocationId: allocation.id, jobId: allocation.jobId, slots: [...state.slots], withdrawn: [...state.withdrawn], allocatedAt: state.at },
      };
    }
    let requestsAhead = 0;
    for (const other of this.allocations.values()) {
      if (other === allocation) break;
      if (other.state.name === 'pending') requestsAhead++;
    }
    const workers = this.fleet.workerViews();
    return {
      kind: 'pending',
      progress: {
        slotsRequested: allocation.slots,
        requestsAhead,
        freeSlots: this.freeSlots().length,
        registeredTaskManagers: this.taskManagers.size,
        workersPending: workers.filter((worker) => worker.state === 'New').length,
        workersLaunched: workers.filter((worker) => worker.state === 'Launched').length,
        desiredWorkers: this.desiredWorkers,
      },
    };
  }

  /** Free slots of TaskManagers not being released, in registration then slot order. */
  private freeSlots(): Array<{ taskManager: TaskManager; slotIndex: number }> {
    const free: Array<{ taskManager: TaskManager; slotIndex: number }> = [];
    for (const taskManager of this.taskManagers.values()) {
      if (this.releasing.has(taskManager.taskId)) continue;
      taskManager.slots.forEach((slot, slotIndex) => {
        if (slot === undefined) free.push({ taskManager, slotIndex });
      });
    }
    return free;
  }

  /** Allocates pending requests in order while the first one fits; a request that does not fit blocks later ones. */
  private serve(): void {
    for (const allocation of this.allocations.values()) {
      if (allocation.state.name !== 'pending') continue;
      const free = this.freeSlots();
      if (free.length < allocation.slots) return;
      const slots = free.slice(0, allocation.slots).map(({ taskManager, slotIndex }) => {
        taskManager.slots[slotIndex] = allocation.id;
        this.touched.add(taskManager.taskId);
        return slotOf(taskManager, slotIndex);
      });
      allocation.state = { name: 'allocated', at: this.clock.now(), slots, withdrawn: [], adopted: false };
      this.logger.info(
        `Allocation '${allocation.id}' of job '${allocation.jobId}' got ${slots.length} slot(s) on ` +
          [...new Set(slots.map((slot) => `'${slot.taskManagerId}'`))].join(', '),
      );
    }
  }

  /** Takes over the slots a TaskManager reports in use that the pool does not know; returns how many. */
  private adopt(taskManager: TaskManager, slotsInUse: readonly SlotInUse[]): number {
    let adopted = 0;
    for (const report of slotsInUse) {
      const { slotIndex, allocationId, jobId } = report;
      if (!Number.isInteger(slotIndex) || slotIndex < 0 || slotIndex >= taskManager.slots.length) continue;
      if (taskManager.slots[slotIndex] !== undefined || allocationId === '') continue;
      const allocation = this.allocations.get(allocationId);
      if (allocation === undefined) {
        this.allocations.set(allocationId, {
          id: allocationId,
          jobId,
          slots: 1,
          state: { name: 'allocated', at: this.clock.now(), slots: [slotOf(taskManager, slotIndex)], withdrawn: [], adopted: true },
        });
      } else if (allocation.state.name === 'allocated' && allocation.state.adopted && allocation.jobId === jobId) {
        allocation.state.slots.push(slotOf(taskManager, slotIndex));
        allocation.slots = Math.max(allocation.slots, allocation.state.slots.length);
      } else {
        // The pool already serves this ID (re-requested before the TaskManager came back): the slot is free.
        continue;
      }
      taskManager.slots[slotIndex] = allocationId;
      adopted++;
    }
    return adopted;
  }

  // ---------------------------------------------------------------------------------------------
  // Liveness

  private watchHeartbeat(taskManager: TaskManager): void {
    taskManager.cancelHeartbeatTimer();
    taskManager.cancelHeartbeatTimer = this.clock.setTimeout(() => {
      if (this.taskManagers.get(taskManager.taskId) !== taskManager) return;
      const reason = `TaskManager '${taskManager.taskId}' sent no heartbeat for ${this.timing.heartbeatTimeoutMs} ms`;
      this.logger.warn(`${reason}; its slots are withdrawn and its worker is failed`);
      this.fleet.recordTaskManagerChange(taskManager.taskId, 'LOST', `no heartbeat for ${this.timing.heartbeatTimeoutMs} ms`);
      this.unregister(taskManager, 'its heartbeats stopped');
      this.failWorker(taskManager.taskId, reason);
      this.settle([taskManager.taskId]);
    }, this.timing.heartbeatTimeoutMs);
  }

  /** Fails `worker` unless it registers in time; the clock starts at its launch, or at the pool's start if later. */
  private awaitRegistration(worker: WorkerView): void {
    const { taskId } = worker;
    if (this.registrationTimers.has(taskId) || this.taskManagers.has(taskId)) return;
    const since = Math.max(worker.launchedAt ?? this.clock.now(), this.startedAt);
    const delay = Math.max(0, since + this.timing.registrationTimeoutMs - this.clock.now());
    this.registrationTimers.set(
      taskId,
      this.clock.setTimeout(() => {
        this.registrationTimers.delete(taskId);
        const current = this.fleet.workerView(taskId);
        if (current?.state !== 'Launched' || this.taskManagers.has(taskId)) return;
        const reason = `TaskManager '${taskId}' did not register within ${this.timing.registrationTimeoutMs} ms of its launch`;
        this.logger.warn(`${reason}; its worker is failed`);
        this.failWorker(taskId, reason);
      }, delay),
    );
  }

  private failWorker(taskId: string, reason: string): void {
    this.fleet.failWorker(taskId, reason).catch((error: unknown) => {
      this.logger.error({ err: error }, `Worker '${taskId}' could not be failed: ${(error as Error).message}`);
    });
  }

  /** Forgets a TaskManager; its slots are withdrawn from their allocations. */
  private unregister(taskManager: TaskManager, why: string): void {
    taskManager.cancelHeartbeatTimer();
    taskManager.cancelIdleTimer?.();
    this.taskManagers.delete(taskManager.taskId);
    this.touched.add(taskManager.taskId);
    let withdrawn = 0;
    taskManager.slots.forEach((allocationId, slotIndex) => {
      const state = allocationId === undefined ? undefined : this.allocations.get(allocationId)?.state;
      if (state?.name !== 'allocated') return;
      const index = state.slots.findIndex((slot) => slot.taskManagerId === taskManager.taskId && slot.slotIndex === slotIndex);
      if (index < 0) return;
      state.withdrawn.push(...state.slots.splice(index, 1));
      withdrawn++;
    });
    this.logger.info(`TaskManager '${taskManager.taskId}' is unregistered (${why}); ${withdrawn} allocated slot(s) withdrawn`);
  }

  private onWorkerChange(worker: WorkerView): void {
    const { taskId } = worker;
    if (worker.state === 'Released') {
      this.registrationTimers.get(taskId)?.();
      this.registrationTimers.delete(taskId);
      this.releasing.delete(taskId);
      const taskManager = this.taskManagers.get(taskId);
      if (taskManager) this.unregister(taskManager, 'its worker was released');
    } else if (worker.state === 'Launched') {
      this.awaitRegistration(worker);
    }
    this.settle([taskId]);
  }

  // ---------------------------------------------------------------------------------------------
  // Demand

  /**
   * Brings everything in line after a change: serves requests, starts or stops idle clocks, pushes
   * the desired worker count, releases idle TaskManagers above it, then tells listeners. Changes
   * made meanwhile (the fleet may call back at once) are handled in the same loop.
   */
  private settle(taskIds: Iterable<string>): void {
    for (const taskId of taskIds) this.touched.add(taskId);
    this.dirty = true;
    if (this.settling || this.currentState !== 'running') return;
    this.settling = true;
    try {
      while (this.dirty) {
        this.dirty = false;
        this.serve();
        this.updateIdleClocks();
        this.pushDesired();
        this.releaseIdle();
        const changed = [...this.touched];
        this.touched.clear();
        for (const listener of [...this.listeners]) {
          try {
            listener({ kind: 'changed', taskIds: changed });
          } catch (error) {
            this.logger.error({ err: error }, `A slot pool listener failed: ${(error as Error).message}`);
          }
        }
      }
    } finally {
      this.settling = false;
    }
  }

  private updateIdleClocks(): void {
    for (const taskManager of this.taskManagers.values()) {
      const inUse = taskManager.slots.some((slot) => slot !== undefined);
      if (inUse) {
        taskManager.cancelIdleTimer?.();
        taskManager.cancelIdleTimer = undefined;
        taskManager.idleSince = undefined;
      } else if (taskManager.idleSince === undefined) {
        taskManager.idleSince = this.clock.now();
        taskManager.cancelIdleTimer = this.clock.setTimeout(() => {
          taskManager.cancelIdleTimer = undefined;
          this.settle([]);
        }, this.timing.idleTimeoutMs);
      }
    }
  }

  private pushDesired(): void {
    let slots = 0;
    for (const allocation of this.allocations.values()) {
      slots += allocation.state.name === 'allocated' ? allocation.state.slots.length : allocation.slots;
    }
    const desired = Math.max(this.minWorkers, Math.ceil(slots / this.slotsPerTaskManager));
    if (desired === this.desired) return;
    this.logger.info(`${slots} slot(s) allocated or requested: ${desired} worker(s) desired`);
    this.desired = desired;
    this.fleet.setDesiredWorkers(desired);
  }

  /** Releases the longest-idle TaskManagers past the idle timeout while more workers live than desired. */
  private releaseIdle(): void {
    const now = this.clock.now();
    const idle = [...this.taskManagers.values()]
      .filter((tm) => !this.releasing.has(tm.taskId) && tm.idleSince !== undefined && now - tm.idleSince >= this.timing.idleTimeoutMs)
      .sort((a, b) => (a.idleSince ?? 0) - (b.idleSince ?? 0));
    // Nothing to release: skip counting the fleet. `workerViews()` copies every worker, and this
    // runs on every worker change, which made a launch or a reconciliation of N workers O(N²)
    // (1,000 workers: ~1.5 s of CPU and ~60 MB of garbage in the old generation).
    if (idle.length === 0) return;
    const live = this.fleet.workerViews().filter((worker) => worker.state !== 'Released' && !this.releasing.has(worker.taskId)).length;
    let excess = live - this.desiredWorkers;
    if (excess <= 0) return;
    for (const taskManager of idle) {
      if (excess-- <= 0) return;
      const { taskId } = taskManager;
      this.releasing.add(taskId);
      this.touched.add(taskId);
      const reason = `TaskManager '${taskId}' was idle for ${now - (taskManager.idleSince ?? now)} ms with ${live} worker(s) live and ${this.desiredWorkers} desired`;
      this.logger.info(`${reason}; releasing it`);
      this.fleet.releaseWorker(taskId, reason).catch((error: unknown) => {
        this.logger.error({ err: error }, `Worker '${taskId}' could not be released: ${(error as Error).message}`);
        this.releasing.delete(taskId);
        this.settle([taskId]);
      });
    }
  }

  /** Answers "try again" rather than "not ours" while the workers are loading (a restart, a takeover). */
  private assertWorkersLoaded(): void {
    if (!this.fleet.workersLoaded) {
      throw new ResourceManagerError(ResourceManagerErrorCode.NOT_RUNNING, 'The resource manager is still loading its workers (it has just started or taken over); try again shortly');
    }
  }

  private assertRunning(): void {
    if (this.currentState !== 'running') {
      throw new ResourceManagerError(ResourceManagerErrorCode.NOT_RUNNING, `The resource manager is ${this.currentState === 'idle' ? 'not started yet' : 'closed'}`);
    }
  }
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):\d{1,5}$/;

function invalid(message: string): ResourceManagerError {
  return new ResourceManagerError(ResourceManagerErrorCode.INVALID_REQUEST, message);
}

function slotOf(taskManager: TaskManager, slotIndex: number): AllocatedSlot {
  return { taskManagerId: taskManager.taskId, rpcAddress: taskManager.rpcAddress, dataAddress: taskManager.dataAddress, slotIndex };
}

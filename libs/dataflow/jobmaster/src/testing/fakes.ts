// In-memory stand-ins for the job master's two collaborators in unit specs:
// - FakeSlotProvider stands in for the scheduler's resource manager (`SlotRequester` over gRPC),
//   which is tested for real in `@mesoflow/resourcemanager-client`'s int-specs;
// - FakeTaskManagers stands in for the TaskManagers' TaskExecutorService (`GrpcTaskDeployer`
//   over gRPC), which the TaskManager's int-specs run for real.
import type { ReleaseResult, RequestSlotsOptions, SlotAllocation, SlotRequest, AllocatedSlot, WorkerInfo, WorkerList } from '@mesoflow/resourcemanager-client';
import type { ExecutionAttemptId } from '../attempt-id';
import type { TaskDeploymentDescriptor } from '../execution-graph';
import type { DiscoveredTask, SlotProvider, TaskDeployer, TaskManagerLocation, TaskStateReport } from '../ports';

/** A TaskManager of the fake cluster. */
export interface FakeTaskManager {
  readonly id: string;
  readonly slots: number;
}

/** The default cluster: two TaskManagers with two slots each. */
export const TWO_BY_TWO: readonly FakeTaskManager[] = [
  { id: 'taskmanager-00001', slots: 2 },
  { id: 'taskmanager-00002', slots: 2 },
];

/**
 * Grants gang requests from a fixed set of TaskManagers: the first `n` of their slots taken by
 * slot index, last TaskManager first (tm2#0, tm1#0, tm2#1, ...), so that a small request spans
 * TaskManagers and the job master has to order the slots itself. `hold` keeps requests pending
 * until `grantPending()`; `failWith` rejects them.
 */
export class FakeSlotProvider implements SlotProvider {
  readonly requests: SlotRequest[] = [];
  readonly released: string[] = [];
  hold = false;
  /** When set, releases wait for it. */
  releaseGate: Promise<void> | undefined;
  failWith: Error | undefined;
  /** TaskManagers listed as launched workers whose TaskManager has not registered (yet), by id. */
  readonly unregistered = new Set<string>();
  private readonly pending: (() => void)[] = [];

  constructor(private readonly taskManagers: readonly FakeTaskManager[] = TWO_BY_TWO) {}

  requestSlots(request: SlotRequest, options: RequestSlotsOptions = {}): Promise<SlotAllocation> {
    this.requests.push(request);
    return new Promise<SlotAllocation>((resolve, reject) => {
      const signal = options.signal;
      if (signal?.aborted === true) return reject(new Error(`Slot request '${request.allocationId}' cancelled`));
      const cancel = (): void => reject(new Error(`Slot request '${request.allocationId}' cancelled`));
      // Removed once granted, as SlotRequester does: a job master passes one signal to every attempt's request.
      signal?.addEventListener('abort', cancel, { once: true });
      options.onUpdate?.({
        kind: 'progress',
        progress: { slotsRequested: request.slots, requestsAhead: 0, freeSlots: 0, registeredTaskManagers: this.taskManagers.length, workersPending: 0, workersLaunched: this.taskManagers.length, desiredWorkers: this.taskManagers.length },
      });
      const grant = (): void => {
        signal?.removeEventListener('abort', cancel);
        if (this.failWith !== undefined) return reject(this.failWith);
        resolve({ allocationId: request.allocationId, jobId: request.jobId, slots: this.slots().slice(0, request.slots), withdrawn: [], allocatedAtMs: 0 });
      };
      if (this.hold) this.pending.push(grant);
      else grant();
    });
  }

  async releaseSlots(allocationId: string): Promise<ReleaseResult> {
    this.released.push(allocationId);
    await this.releaseGate;
    return { releasedSlots: 0, requestWithdrawn: false };
  }

  /** Every TaskManager, registered but for those in {@link unregistered}. */
  listWorkers(): Promise<WorkerList> {
    const workers = this.taskManagers.map((tm, n): WorkerInfo => {
      const resources = { cpus: tm.slots, memMb: 1024, diskMb: 0, gpus: 0, networkMbps: 0 };
      const worker: WorkerInfo = {
        taskId: tm.id,
        state: 'Launched',
        taskState: 'TASK_RUNNING',
        agentId: `agent-${n + 1}`,
        hostname: `10.0.0.${n + 1}`,
        ports: [6121, 6122],
        resources,
        failureCount: 0,
        launchedAtMs: 0,
        taskManager: {
          rpcAddress: rpcAddressOf(n),
          dataAddress: dataAddressOf(n),
          slotsTotal: tm.slots,
          slotsFree: tm.slots,
          lastHeartbeatAgeMs: 0,
          registeredAtMs: 0,
          resources,
          instanceId: `instance-${n + 1}`,
        },
        history: [],
        frameworkId: 'framework-1',
      };
      return this.unregistered.has(tm.id) ? { ...worker, taskManager: undefined } : worker;
    });
    return Promise.resolve({ workers, desiredWorkers: workers.length });
  }

  /** Grants every held request. */
  grantPending(): void {
    this.hold = false;
    this.pending.splice(0).forEach((grant) => grant());
  }

  private slots(): AllocatedSlot[] {
    const all = this.taskManagers.flatMap((tm, n) =>
      Array.from({ length: tm.slots }, (_, slotIndex) => ({
        taskManagerId: tm.id,
        rpcAddress: rpcAddressOf(n),
        dataAddress: dataAddressOf(n),
        slotIndex,
      })),
    );
    return all.sort((a, b) => a.slotIndex - b.slotIndex || (a.taskManagerId < b.taskManagerId ? 1 : -1));
  }
}

const rpcAddressOf = (n: number): string => `10.0.0.${n + 1}:6122`;
const dataAddressOf = (n: number): string => `10.0.0.${n + 1}:6121`;

/**
 * Accepts every deployment (or refuses those `refuse` picks) and, when asked to cancel a task,
 * reports it CANCELED back to `report` (unless `answerCancels` is false). `discover` answers the
 * tasks `held` per TaskManager id, reporting their states first, as a TaskManager's replay does.
 */
export class FakeTaskManagers implements TaskDeployer {
  readonly deployed: TaskDeploymentDescriptor[] = [];
  readonly canceled: ExecutionAttemptId[] = [];
  /** The TaskManagers asked by `discover`. */
  readonly discovered: TaskManagerLocation[] = [];
  /** Tasks of earlier job masters, by TaskManager id. */
  readonly held = new Map<string, DiscoveredTask[]>();
  /** Where set, a TaskManager's answer to `discover` waits for it (one that never settles: a TaskManager that does not answer). */
  readonly answers = new Map<string, Promise<void>>();
  refuse: (descriptor: TaskDeploymentDescriptor) => boolean = () => false;
  answerCancels = true;
  report: (report: TaskStateReport) => void = () => undefined;

  async discover(taskManager: TaskManagerLocation, jobId: string): Promise<DiscoveredTask[]> {
    this.discovered.push(taskManager);
    const tasks = (this.held.get(taskManager.taskManagerId) ?? []).filter((task) => task.attemptId.jobId === jobId);
    for (const { attemptId, state } of tasks) {
      if (state !== 'DEPLOYING' && state !== 'CANCELING') this.report({ attemptId, state });
    }
    await this.answers.get(taskManager.taskManagerId);
    return tasks;
  }

  deploy(descriptor: TaskDeploymentDescriptor): Promise<void> {
    this.deployed.push(descriptor);
    if (this.refuse(descriptor)) return Promise.reject(new Error(`TaskManager '${descriptor.slot.taskManagerId}' refused the task`));
    return Promise.resolve();
  }

  cancel(attemptId: ExecutionAttemptId): Promise<void> {
    this.canceled.push(attemptId);
    if (this.answerCancels) queueMicrotask(() => this.report({ attemptId, state: 'CANCELED' }));
    return Promise.resolve();
  }

  /** The descriptors of job attempt `attempt`. */
  ofAttempt(attempt: number): TaskDeploymentDescriptor[] {
    return this.deployed.filter((d) => d.attemptId.attempt === attempt);
  }
}

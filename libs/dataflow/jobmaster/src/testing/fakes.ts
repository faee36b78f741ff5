// In-memory stand-ins for the job master's two collaborators in unit specs:
// - FakeSlotProvider stands in for the scheduler's resource manager (`SlotRequester` over gRPC),
//   which is tested for real in `@mesoflow/resourcemanager-client`'s int-specs;
// - FakeTaskManagers stands in for the TaskManagers' deploy RPC, which does not exist yet.
import type { ReleaseResult, RequestSlotsOptions, SlotAllocation, SlotRequest, AllocatedSlot } from '@mesoflow/resourcemanager-client';
import type { ExecutionAttemptId } from '../attempt-id';
import type { TaskDeploymentDescriptor } from '../execution-graph';
import type { SlotProvider, TaskDeployer, TaskStateReport } from '../ports';

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

  /** Grants every held request. */
  grantPending(): void {
    this.hold = false;
    this.pending.splice(0).forEach((grant) => grant());
  }

  private slots(): AllocatedSlot[] {
    const all = this.taskManagers.flatMap((tm, n) =>
      Array.from({ length: tm.slots }, (_, slotIndex) => ({
        taskManagerId: tm.id,
        rpcAddress: `10.0.0.${n + 1}:6122`,
        dataAddress: `10.0.0.${n + 1}:6121`,
        slotIndex,
      })),
    );
    return all.sort((a, b) => a.slotIndex - b.slotIndex || (a.taskManagerId < b.taskManagerId ? 1 : -1));
  }
}

/**
 * Accepts every deployment (or refuses those `refuse` picks) and, when asked to cancel a task,
 * reports it CANCELED back to `report` (unless `answerCancels` is false).
 */
export class FakeTaskManagers implements TaskDeployer {
  readonly deployed: TaskDeploymentDescriptor[] = [];
  readonly canceled: ExecutionAttemptId[] = [];
  refuse: (descriptor: TaskDeploymentDescriptor) => boolean = () => false;
  answerCancels = true;
  report: (report: TaskStateReport) => void = () => undefined;

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

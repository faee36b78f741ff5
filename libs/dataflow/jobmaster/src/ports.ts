// What the job master talks to, as interfaces: the scheduler's resource manager (the real one is
// `SlotRequester` of `@mesoflow/resourcemanager-client`) and the TaskManagers (a gRPC client of
// the TaskManager's deploy RPC: `GrpcTaskDeployer`).
import type { KeyValue } from '@mesoflow/dataflow-api';
import type { SlotRequester } from '@mesoflow/resourcemanager-client';
import type { ExecutionAttemptId } from './attempt-id';
import type { TaskDeploymentDescriptor } from './execution-graph';

/** The part of {@link SlotRequester} the job master uses; a `SlotRequester` is one. */
export type SlotProvider = Pick<SlotRequester, 'requestSlots' | 'releaseSlots'>;

/**
 * Deploys and cancels task attempts on TaskManagers (Flink's TaskExecutorGateway
 * `submitTask` / `cancelTask`). The TaskManager then reports the task's states back through
 * `JobMaster.reportTaskState`.
 */
export interface TaskDeployer {
  /**
   * Sends the task to `descriptor.slot.rpcAddress`. Resolves when the TaskManager accepted it
   * (the task is then DEPLOYING there); rejects when it refused or could not be reached, which
   * fails the task.
   */
  deploy(descriptor: TaskDeploymentDescriptor): Promise<void>;
  /**
   * Asks the TaskManager running `attemptId` to cancel it. Resolves when the request was
   * accepted; the task's CANCELED comes as a report. Rejects when the TaskManager cannot be
   * reached; the job master then counts the task as CANCELED.
   */
  cancel(attemptId: ExecutionAttemptId): Promise<void>;
  /**
   * Called once by the `JobMaster` constructor with the job master itself: where a deployer that
   * receives the TaskManagers' reports (e.g. `GrpcTaskDeployer` over WatchTasks) sends them.
   * Deployers whose reports reach the job master another way leave it out.
   */
  attach?(reporter: TaskStateReporter): void;
}

/** Takes a TaskManager's task state reports: a `JobMaster`. */
export interface TaskStateReporter {
  /** See `JobMaster.reportTaskState`: false for a task of another job or attempt. */
  reportTaskState(report: TaskStateReport): boolean;
}

/** Where and why a task failed, as its TaskManager reports it (from the runtime's `FailureLocation`). */
export interface TaskFailure {
  /** A sentence, e.g. the runtime's `Operator 'Map' (map-1) failed in subtask 1 (2/4) on key "a": boom`. */
  readonly message: string;
  readonly operatorId?: string;
  readonly operatorName?: string;
  /** The record's key when the failing operator is keyed. */
  readonly key?: KeyValue;
}

/** A task state change reported by the TaskManager running the task (Flink's updateTaskExecutionState). */
export interface TaskStateReport {
  readonly attemptId: ExecutionAttemptId;
  readonly state: 'RUNNING' | 'FINISHED' | 'FAILED' | 'CANCELED';
  /** With FAILED. */
  readonly failure?: TaskFailure;
}

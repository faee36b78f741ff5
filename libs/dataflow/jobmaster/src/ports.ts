// What the job master talks to, as interfaces: the scheduler's resource manager (the real one is
// `SlotRequester` of `@mesoflow/resourcemanager-client`) and the TaskManagers (a gRPC client of
// the TaskManager's deploy RPC: `GrpcTaskDeployer`).
import type { KeyValue } from '@mesoflow/dataflow-api';
import type { SlotRequester } from '@mesoflow/resourcemanager-client';
import type { ExecutionAttemptId } from './attempt-id';
import type { TaskDeploymentDescriptor } from './execution-graph';
import type { TaskState } from './states';

/**
 * The part of {@link SlotRequester} the job master uses; a `SlotRequester` is one. `listWorkers`,
 * where the registered TaskManagers are, only for `JobMasterOptions.adoptPreviousRun`.
 */
export type SlotProvider = Pick<SlotRequester, 'requestSlots' | 'releaseSlots'> & Partial<Pick<SlotRequester, 'listWorkers'>>;

/** A TaskManager's id and the `host:port` of its RPC endpoint. */
export interface TaskManagerLocation {
  readonly taskManagerId: string;
  readonly rpcAddress: string;
}

/** A task a TaskManager holds, as {@link TaskDeployer.discover} finds it. */
export interface DiscoveredTask {
  readonly attemptId: ExecutionAttemptId;
  readonly state: Exclude<TaskState, 'CREATED' | 'SCHEDULED'>;
  /** False when the TaskManager did not keep every record the task collected: its part of the job's result is lost. */
  readonly recordsComplete: boolean;
}

/**
 * Deploys and cancels task attempts on TaskManagers (Flink's TaskExecutorGateway
 * `submitTask` / `cancelTask`). The TaskManager then reports the task's states and record
 * counts back through `JobMaster.reportTaskState` and `JobMaster.reportTaskMetrics`.
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
   * Follows the tasks of job `jobId` on the TaskManager, whoever deployed them, and answers them
   * as they are. What they did before (collected records included) is reported before it
   * resolves, what they do next as it happens, and `cancel` works for them. Rejects when the
   * TaskManager cannot be reached or has not answered within `timeoutMs`. Needed for
   * `JobMasterOptions.adoptPreviousRun` only.
   */
  discover?(taskManager: TaskManagerLocation, jobId: string, timeoutMs: number): Promise<DiscoveredTask[]>;
  /**
   * Called once by the `JobMaster` constructor with the job master itself: where a deployer that
   * receives the TaskManagers' reports (e.g. `GrpcTaskDeployer` over WatchTasks) sends them.
   * Deployers whose reports reach the job master another way leave it out.
   */
  attach?(reporter: TaskStateReporter): void;
}

/** Takes a TaskManager's task reports, states and record counts: a `JobMaster`. */
export interface TaskStateReporter {
  /** See `JobMaster.reportTaskState`: false for a task of another job or attempt. */
  reportTaskState(report: TaskStateReport): boolean;
  /** See `JobMaster.reportTaskMetrics`: false for a task of another job or attempt. */
  reportTaskMetrics(report: TaskMetricsReport): boolean;
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

/** A running task's record counts, as its TaskManager reports them (about every second, and once at its end). */
export interface TaskMetricsReport {
  readonly attemptId: ExecutionAttemptId;
  /** Records the task took in so far: read from its inputs, or made by its source. */
  readonly recordsIn: number;
  /** Records it sent on so far: written to its outgoing edges, or by its sink. */
  readonly recordsOut: number;
  /** When the TaskManager counted them, on its clock (ms since the epoch). */
  readonly atMs: number;
}

/**
 * `@mesoflow/dataflow-jobmaster`: the job master's core (Flink's JobMaster, scheduler and
 * ExecutionGraph): deployment descriptors from a JobGraph and a slot allocation, the job and
 * task state machines, the fixed-delay restart strategy, and the {@link JobMaster} that drives a
 * job over a slot provider (`SlotRequester`) and a {@link TaskDeployer} (the TaskManagers; over
 * gRPC: {@link GrpcTaskDeployer}).
 */
export { firstAttemptOfRun, JobMaster } from './job-master';
export type { JobFailure, JobMasterEvent, JobMasterOptions, JobPhase, JobProgress, JobResult, PhaseChange, TaskSnapshot } from './job-master';
export type { DiscoveredTask, SlotProvider, TaskDeployer, TaskFailure, TaskManagerLocation, TaskMetricsReport, TaskStateReport, TaskStateReporter } from './ports';
export { GrpcTaskDeployer, TaskDeployError, TaskDeployErrorCode, isTaskDeployError, toDeploymentMessage } from './grpc-task-deployer';
export type { BundleLocation, CollectedRecord, GrpcTaskDeployerOptions } from './grpc-task-deployer';
export { buildDeploymentDescriptors, slotOrder, slotsNeeded } from './execution-graph';
export type {
  DeploymentInput,
  InputGateDescriptor,
  ProducerLocation,
  ResultPartitionDescriptor,
  TaskDeploymentDescriptor,
} from './execution-graph';
export { attemptKey, describeAttempt } from './attempt-id';
export type { ExecutionAttemptId, ResultPartitionId } from './attempt-id';
export {
  allowedJobTransitions,
  allowedTaskTransitions,
  isTerminalJobState,
  isTerminalTaskState,
  jobTransition,
  taskTransition,
} from './states';
export type { JobState, TaskState } from './states';
export { decideRestart, restartStrategyOf } from './restart-strategy';
export type { FixedDelayRestartStrategy, RestartDecision } from './restart-strategy';
export { JobMasterError, JobMasterErrorCode, isJobMasterError } from './errors';

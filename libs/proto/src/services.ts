/** One of Mesoflow's gRPC services: its `.proto` file (relative to `proto/`), package and name. */
export interface GrpcService {
  readonly protoFile: string;
  readonly packageName: string;
  readonly serviceName: string;
  /** `package.Service`, as grpc-js and protobufjs look it up. */
  readonly fullName: string;
}

function grpcService(protoFile: string, packageName: string, serviceName: string): GrpcService {
  return Object.freeze({ protoFile, packageName, serviceName, fullName: `${packageName}.${serviceName}` });
}

/** The artifact server's uploads and signed URLs (apps/artifact-server). */
export const ARTIFACTS_GRPC = grpcService('mesoflow/artifacts/v1/artifacts.proto', 'mesoflow.artifacts.v1', 'ArtifactService');
/** The configuration overlay's effective configuration and TaskManager specs (apps/config-overlay). */
export const CONFIG_OVERLAY_GRPC = grpcService('mesoflow/config/v1/config_overlay.proto', 'mesoflow.config.v1', 'ConfigOverlayService');
/** The scheduler's resource manager (apps/scheduler). */
export const RESOURCE_MANAGER_GRPC = grpcService(
  'mesoflow/resourcemanager/v1/resource_manager.proto',
  'mesoflow.resourcemanager.v1',
  'ResourceManagerService',
);
/** A TaskManager's deploy, cancel and task events (apps/taskmanager). */
export const TASK_EXECUTOR_GRPC = grpcService('mesoflow/dataflow/v1/task_executor.proto', 'mesoflow.dataflow.v1', 'TaskExecutorService');
/** The data exchange between TaskManagers (libs/dataflow/exchange). */
export const DATA_EXCHANGE_GRPC = grpcService('mesoflow/dataflow/v1/exchange.proto', 'mesoflow.dataflow.v1', 'DataExchangeService');
/** The dispatcher gateway's job submission, status and cancel (apps/dispatcher-gateway). */
export const JOB_SERVICE_GRPC = grpcService('mesoflow/dispatcher/v1/job_service.proto', 'mesoflow.dispatcher.v1', 'JobService');

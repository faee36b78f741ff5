/**
 * Generated protobuf types for everything under `proto/`: the Mesos v1 messages we use
 * (`mesos.v1`, `mesos.v1.scheduler`) and Mesoflow's own service contracts.
 *
 * Field names are the proto names (snake_case), matching Mesos' JSON mapping.
 */
// First: the generated module reads `util.Long` as it loads.
import './numbers-not-longs';
import { Root } from 'protobufjs';
import descriptor from './generated/protos.json';

export { mesos, mesoflow } from './generated/protos';

/** Reflection over the same protos, for mappings the static classes cannot express. */
export const protoRoot: Root = Root.fromJSON(descriptor);

export { GRPC_LOADER_OPTIONS, PROTO_ROOT, PROTO_ROOT_VARIABLE, resolveProtoRoot } from './loader-options';
export { grpcServiceClient } from './grpc-client';
export { ARTIFACTS_GRPC, CONFIG_OVERLAY_GRPC, DATA_EXCHANGE_GRPC, JOB_SERVICE_GRPC, RESOURCE_MANAGER_GRPC, TASK_EXECUTOR_GRPC } from './services';
export type { GrpcService } from './services';

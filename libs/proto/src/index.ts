/**
 * Generated protobuf types for everything under `proto/`: the Mesos v1 messages we use
 * (`mesos.v1`, `mesos.v1.scheduler`) and Mesoflow's own service contracts.
 *
 * Field names are the proto names (snake_case), matching Mesos' JSON mapping.
 */
import { configure, Root, util } from 'protobufjs';
import descriptor from './generated/protos.json';

// 64-bit integers are plain numbers everywhere (see tools/proto/generate.mjs). The generated
// decoders ask the reader for 64-bit values, which yields Long objects while the `long`
// package is installed; without it the reader converts to numbers.
util.Long = undefined as unknown as typeof util.Long;
configure();

export { mesos, mesoflow } from './generated/protos';

/** Reflection over the same protos, for mappings the static classes cannot express. */
export const protoRoot: Root = Root.fromJSON(descriptor);

export { GRPC_LOADER_OPTIONS, PROTO_ROOT, PROTO_ROOT_VARIABLE, resolveProtoRoot } from './loader-options';
export { grpcServiceClient } from './grpc-client';

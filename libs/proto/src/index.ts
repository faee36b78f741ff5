/**
 * Generated protobuf types for everything under `proto/`: the Mesos v1 messages we use
 * (`mesos.v1`, `mesos.v1.scheduler`) and Mesoflow's own service contracts.
 *
 * Field names are the proto names (snake_case), matching Mesos' JSON mapping.
 */
import { resolve } from 'node:path';
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

/** The folder holding every `.proto` source (`proto/` at the repository root). */
export const PROTO_ROOT: string = resolve(__dirname, '../../../proto');

/**
 * How gRPC services load `proto/**` at run time (@grpc/proto-loader, e.g. through NestJS's gRPC
 * transport). These mirror the generation flags in tools/proto/generate.mjs, so a message read
 * off the wire has exactly the shape of the generated types: proto field names (`--keep-case`),
 * 64-bit integers as numbers (`--force-number`), enums as their numbers, unset fields absent.
 */
export const GRPC_LOADER_OPTIONS = {
  keepCase: true,
  longs: Number,
  enums: Number,
  defaults: false,
  oneofs: true,
  includeDirs: [PROTO_ROOT],
} as const;

import { resolve } from 'node:path';

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

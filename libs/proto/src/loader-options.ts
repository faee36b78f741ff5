import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Overrides where the `.proto` sources are read from at run time (e.g. an installed distribution). */
export const PROTO_ROOT_VARIABLE = 'MESOFLOW_PROTO_ROOT';

/** A file every complete `proto/` folder holds: it tells the repository's folder from `libs/proto`. */
const MARKER = join('mesoflow', 'resourcemanager', 'v1', 'resource_manager.proto');

/**
 * The folder holding every `.proto` source: `$MESOFLOW_PROTO_ROOT` when set, otherwise the first
 * `proto/` holding them in this module's folder or above it. That is `proto/` at the repository
 * root when run from the sources (`libs/proto/src`), and `dist/<service>/proto/` (the bundle's
 * own copy) or else the repository's when run from a bundle (`dist/<service>/main.js`), whose
 * `__dirname` is the bundle's folder.
 */
export function resolveProtoRoot(env: NodeJS.ProcessEnv = process.env, from: string = __dirname): string {
  const configured = env[PROTO_ROOT_VARIABLE];
  if (configured !== undefined && configured !== '') return resolve(configured);
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, MARKER))) return candidate;
    if (dirname(dir) === dir) break;
  }
  // Nothing found: the repository layout, so that the loader's error names the expected path.
  return resolve(from, '../../../proto');
}

/** The folder holding every `.proto` source (see {@link resolveProtoRoot}). */
export const PROTO_ROOT: string = resolveProtoRoot();

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

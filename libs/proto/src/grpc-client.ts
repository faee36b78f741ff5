import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { GRPC_LOADER_OPTIONS } from './loader-options';
import type { GrpcService } from './services';

/**
 * The grpc-js client class of `service`, loaded from its `.proto` file with
 * {@link GRPC_LOADER_OPTIONS}, so that messages have the generated types' shape.
 * @throws Error naming the service when the file does not define it.
 */
export function grpcServiceClient({ protoFile, fullName: service }: GrpcService): ServiceClientConstructor {
  const definition = loadSync(protoFile, { ...GRPC_LOADER_OPTIONS, includeDirs: [...GRPC_LOADER_OPTIONS.includeDirs] });
  let node: GrpcObject[string] | undefined = loadPackageDefinition(definition);
  for (const part of service.split('.')) {
    node = node !== undefined && !('format' in node) && typeof node === 'object' ? node[part] : undefined;
  }
  if (typeof node !== 'function' || !('service' in node)) {
    throw new Error(`'${protoFile}' defines no gRPC service '${service}'`);
  }
  return node;
}

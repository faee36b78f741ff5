// The generated message types of mesoflow.dataflow.v1 as plain objects (the shape
// @grpc/proto-loader produces with GRPC_LOADER_OPTIONS), and where the service is defined.
import type { ServiceDefinition } from '@grpc/grpc-js';
import { DATA_EXCHANGE_GRPC, grpcServiceClient, type mesoflow } from '@mesoflow/proto';

export type ConsumerMessage = mesoflow.dataflow.v1.ConsumerMessage.$Properties;
export type ProducerMessage = mesoflow.dataflow.v1.ProducerMessage.$Properties;
export type ResultPartitionIdMessage = mesoflow.dataflow.v1.ResultPartitionId.$Properties;

/** The one method of the service. */
export const READ_SUBPARTITION = 'ReadSubpartition';

let definition: ServiceDefinition | undefined;

/** `mesoflow.dataflow.v1.DataExchangeService`, loaded once from the proto with GRPC_LOADER_OPTIONS. */
export function dataExchangeServiceDefinition(): ServiceDefinition {
  definition ??= grpcServiceClient(DATA_EXCHANGE_GRPC).service;
  return definition;
}

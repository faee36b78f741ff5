// The generated message types of mesoflow.config.v1, as plain objects (the shape
// @grpc/proto-loader produces with GRPC_LOADER_OPTIONS), and the handler interface the gRPC
// controller implements. protobufjs generates client stubs only, so the server side of the
// service is spelled out here in terms of the generated messages.
import type { mesoflow } from '@mesoflow/proto';

export type GetEffectiveConfigurationRequest = mesoflow.config.v1.GetEffectiveConfigurationRequest.$Properties;
export type GetEffectiveConfigurationResponse = mesoflow.config.v1.GetEffectiveConfigurationResponse.$Properties;
export type ConfigEntryMessage = mesoflow.config.v1.ConfigEntry.$Properties;
export type GetTaskManagerSpecRequest = mesoflow.config.v1.GetTaskManagerSpecRequest.$Properties;
export type PortAssignmentMessage = mesoflow.config.v1.PortAssignment.$Properties;
export type TaskManagerSpecMessage = mesoflow.config.v1.TaskManagerSpec.$Properties;
export type ShippedArtifactMessage = mesoflow.config.v1.ShippedArtifact.$Properties;

/** Server side of `mesoflow.config.v1.ConfigOverlayService`, one method per rpc. */
export interface ConfigOverlayServiceHandlers {
  getEffectiveConfiguration(request: GetEffectiveConfigurationRequest): GetEffectiveConfigurationResponse;
  getTaskManagerSpec(request: GetTaskManagerSpecRequest): Promise<TaskManagerSpecMessage>;
}

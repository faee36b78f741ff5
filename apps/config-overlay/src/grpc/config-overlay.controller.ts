import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { MesoflowConfig } from '@mesoflow/config';
import { CONFIG_OVERLAY_GRPC } from '@mesoflow/proto';
import type { Logger } from 'pino';
import { toRpcException } from '../overlays/overlay-error';
import { TaskManagerSpecBuilder } from '../spec/task-manager-spec-builder';
import { effectiveConfiguration } from './effective-configuration';
import {
  type ConfigOverlayServiceHandlers,
  type GetEffectiveConfigurationRequest,
  type GetEffectiveConfigurationResponse,
  type GetTaskManagerSpecRequest,
  type TaskManagerSpecMessage,
} from './messages';

/** Injection token of the controller's logger. */
export const CONFIG_OVERLAY_LOGGER = Symbol('CONFIG_OVERLAY_LOGGER');

/** `mesoflow.config.v1.ConfigOverlayService` over Nest's gRPC transport. */
@Controller()
export class ConfigOverlayController implements ConfigOverlayServiceHandlers {
  constructor(
    @Inject(MesoflowConfig) private readonly config: MesoflowConfig,
    @Inject(TaskManagerSpecBuilder) private readonly specs: TaskManagerSpecBuilder,
    @Inject(CONFIG_OVERLAY_LOGGER) private readonly logger: Logger,
  ) {}

  @GrpcMethod(CONFIG_OVERLAY_GRPC.serviceName, 'GetEffectiveConfiguration')
  getEffectiveConfiguration(request: GetEffectiveConfigurationRequest): GetEffectiveConfigurationResponse {
    return effectiveConfiguration(this.config, request.include_unset ?? false);
  }

  @GrpcMethod(CONFIG_OVERLAY_GRPC.serviceName, 'GetTaskManagerSpec')
  async getTaskManagerSpec(request: GetTaskManagerSpecRequest): Promise<TaskManagerSpecMessage> {
    try {
      const spec = await this.specs.build(request);
      this.logger.info({ taskId: spec.task_id, uris: spec.command?.uris?.length ?? 0 }, `Built the spec of TaskManager '${spec.task_id}'`);
      return spec;
    } catch (error) {
      this.logger.warn({ taskId: request.task_id, err: error }, `The spec of TaskManager '${request.task_id ?? ''}' could not be built`);
      throw toRpcException(error);
    }
  }
}

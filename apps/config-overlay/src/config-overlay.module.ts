import { Module, type DynamicModule } from '@nestjs/common';
import { MesoflowConfig } from '@mesoflow/config';
import type { Logger } from 'pino';
import type { ArtifactPublisher } from '@mesoflow/artifacts-client';
import { CONFIG_OVERLAY_LOGGER, ConfigOverlayController } from './grpc/config-overlay.controller';
import type { ConfigurationOverlay } from './overlays/overlay';
import { TaskManagerSpecBuilder } from './spec/task-manager-spec-builder';

/** What the module is made of; everything is built by the caller, so tests can swap the publisher. */
export interface ConfigOverlayModuleOptions {
  config: MesoflowConfig;
  publisher: ArtifactPublisher;
  overlays: readonly ConfigurationOverlay[];
  logger: Logger;
}

/** The config-overlay service: the gRPC controller and the spec builder. */
@Module({})
export class ConfigOverlayModule {
  static forOptions(options: ConfigOverlayModuleOptions): DynamicModule {
    return {
      module: ConfigOverlayModule,
      controllers: [ConfigOverlayController],
      providers: [
        { provide: MesoflowConfig, useValue: options.config },
        { provide: CONFIG_OVERLAY_LOGGER, useValue: options.logger.child({ component: 'ConfigOverlayController' }) },
        { provide: TaskManagerSpecBuilder, useValue: new TaskManagerSpecBuilder(options.config, options.publisher, options.overlays) },
      ],
    };
  }
}

import { Inject, Module, type DynamicModule, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { MesoflowConfig } from '@mesoflow/config';
import { ServiceLifecycle } from '@mesoflow/service';
import type { Logger } from 'pino';
import type { Clock } from '../scheduler/worker-scheduler';
import { RESOURCE_MANAGER_LOGGER, ResourceManagerController, WORKER_FLEET } from './resource-manager.controller';
import { SlotPool, slotPoolSettings } from './slot-pool';
import type { WorkerFleet } from './worker-fleet';

/** What the resource manager is built from. */
export interface ResourceManagerModuleOptions {
  /** The Mesos side: the WorkerScheduler. */
  fleet: WorkerFleet;
  /** Read for `mesos.initial-tasks`, `taskmanager.numberOfTaskSlots`, `resourcemanager.*` and `heartbeat.*`. */
  config: MesoflowConfig;
  logger: Logger;
  /** @default SYSTEM_CLOCK */
  clock?: Clock;
}

/**
 * The resource manager: `mesoflow.resourcemanager.v1.ResourceManagerService` over a {@link SlotPool}
 * (exported, for the rest of the scheduler). Mount it with `bootstrapService`, whose lifecycle it
 * follows: the pool starts with the module (it then follows the fleet and pushes the desired
 * worker count) and closes when the service begins to drain, so that open streams (WatchWorkers,
 * waiting RequestSlots) end with UNAVAILABLE instead of holding the drain up to its deadline.
 */
@Module({})
export class ResourceManagerModule implements OnModuleInit, OnModuleDestroy {
  constructor(
    @Inject(SlotPool) private readonly pool: SlotPool,
    @Inject(ServiceLifecycle) private readonly lifecycle: ServiceLifecycle,
  ) {}

  static forOptions(options: ResourceManagerModuleOptions): DynamicModule {
    const pool = new SlotPool({
      ...slotPoolSettings(options.config),
      fleet: options.fleet,
      logger: options.logger,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
    });
    return {
      module: ResourceManagerModule,
      controllers: [ResourceManagerController],
      providers: [
        { provide: SlotPool, useValue: pool },
        { provide: WORKER_FLEET, useValue: options.fleet },
        { provide: RESOURCE_MANAGER_LOGGER, useValue: options.logger.child({ component: 'ResourceManagerController' }) },
      ],
      exports: [SlotPool],
    };
  }

  onModuleInit(): void {
    this.pool.start();
    this.lifecycle.onDrain(() => this.pool.close());
  }

  onModuleDestroy(): void {
    this.pool.close();
  }
}

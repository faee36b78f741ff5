import type { MesoflowConfig } from '@mesoflow/config';
import { MesosSchedulerClient } from '@mesoflow/mesos-client';
import { PROTO_ROOT, RESOURCE_MANAGER_GRPC } from '@mesoflow/proto';
import { bootstrapService, createMetricsRegistry, createServiceLogger, type RunningService } from '@mesoflow/service';
import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ResourceManagerModule } from './resource-manager/resource-manager.module';
import { ConfigOverlayTaskSource } from './scheduler/config-overlay-task-source';
import { SchedulerError, SchedulerErrorCode } from './scheduler/errors';
import { credentialFromConfig, frameworkInfoFromConfig } from './scheduler/framework-info';
import { WorkerScheduler } from './scheduler/worker-scheduler';
import { commandTaskSource, workerTaskTemplate, type WorkerTaskSource } from './scheduler/worker-task';
import type { SchedulerSettings } from './settings';
import { openSchedulerStore, type SchedulerStore } from './worker-store-setup';

const STOP_SCHEDULER = Symbol('STOP_SCHEDULER');

/** Closes the Mesos side after Nest has drained the gRPC port (SIGTERM, or `close()`). */
class SchedulerShutdown implements OnApplicationShutdown {
  constructor(@Inject(STOP_SCHEDULER) private readonly stop: () => Promise<void>) {}

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }
}

@Module({})
class SchedulerModule {
  static forParts(resourceManager: DynamicModule, stop: () => Promise<void>): DynamicModule {
    return {
      module: SchedulerModule,
      imports: [resourceManager],
      providers: [{ provide: STOP_SCHEDULER, useValue: stop }, SchedulerShutdown],
    };
  }
}

/** How the process runs the scheduler, beyond its settings. */
export interface SchedulerRuntime {
  /** @default pino at info level on standard output */
  logger?: Logger;
  /** @default ['SIGTERM', 'SIGINT']; false for tests, which call `close()` */
  shutdownSignals?: NodeJS.Signals[] | false;
  /**
   * Called once when the scheduler gives up after it started (too many failed tasks, the
   * framework removed in `stop` mode, leadership lost, a deregistration that could not clear the
   * store); the process should then exit non-zero.
   */
  onFatalError?: (error: SchedulerError) => void;
  /**
   * Called once when a DeregisterApplication call has torn the framework down and the scheduler
   * has forgotten it (the application ended); the process should then close and exit 0.
   */
  onDeregistered?: () => void;
}

/** A started scheduler service. */
export interface RunningScheduler {
  readonly service: RunningService;
  readonly scheduler: WorkerScheduler;
  /** `host:port` TaskManagers and job masters call (`jobmanager.rpc.port`). */
  readonly grpcTarget: string;
  /** Drains the gRPC port, closes the Mesos connection and the store; the framework's tasks keep running. */
  close(): Promise<void>;
}

/**
 * Starts the scheduler: opens the worker store (in HA mode, after winning the leader election),
 * subscribes to Mesos with the stored framework ID, and serves the resource manager over gRPC on
 * `jobmanager.rpc.port` with `/metrics` and `/healthz` on `--http-port`.
 */
export async function startScheduler(config: MesoflowConfig, settings: SchedulerSettings, runtime: SchedulerRuntime = {}): Promise<RunningScheduler> {
  const logger = runtime.logger ?? createServiceLogger({ service: 'scheduler' });
  const master = config.get('mesos.master');
  if (master === undefined) throw new SchedulerError(SchedulerErrorCode.INVALID_CONFIGURATION, "'mesos.master' is not set");
  const host = settings.bindHost.includes(':') ? `[${settings.bindHost}]` : settings.bindHost;
  const grpcTarget = `${host}:${config.get('jobmanager.rpc.port')}`;
  const advertised = `${config.get('jobmanager.rpc.address')}:${config.get('jobmanager.rpc.port')}`;
  const opened: SchedulerStore = await openSchedulerStore(config, settings.storeDir, { id: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`, address: advertised }, logger);
  const template = workerTaskTemplate(config);
  const taskSource: WorkerTaskSource =
    settings.configOverlay === undefined ? commandTaskSource(template) : new ConfigOverlayTaskSource({ target: settings.configOverlay, template });
  logger.info(
    `Workers are kept in ${opened.location}; TaskInfos come from ${settings.configOverlay === undefined ? "'mesos.resourcemanager.tasks.taskmanager-cmd'" : `the configuration overlay at ${settings.configOverlay}`}`,
  );
  const credential = credentialFromConfig(config);
  const newClient = (frameworkId: string | undefined): MesosSchedulerClient =>
    new MesosSchedulerClient({
      master,
      mediaType: config.get('mesos.resourcemanager.api.encoding') === 'json' ? 'application/json' : 'application/x-protobuf',
      frameworkInfo: frameworkInfoFromConfig(config),
      ...(frameworkId === undefined ? {} : { frameworkId }),
      ...(credential === undefined ? {} : { credential }),
      logger,
    });
  const metrics = createMetricsRegistry();
  let fatal: ((error: SchedulerError) => void) | undefined = runtime.onFatalError;
  const scheduler = new WorkerScheduler({
    client: newClient(await opened.store.getFrameworkId()),
    store: opened.store,
    config,
    desiredWorkers: config.get('mesos.initial-tasks'),
    taskSource,
    metrics,
    logger,
    newFrameworkClient: () => newClient(undefined),
    onFatalError: (error) => fatal?.(error),
    onDeregistered: () => runtime.onDeregistered?.(),
  });
  let stopped: Promise<void> | undefined;
  const stopMesosSide = (): Promise<void> => {
    stopped ??= (async () => {
      fatal = undefined;
      await scheduler.close();
      taskSource.close();
      await opened.store.close();
      await opened.close();
    })();
    return stopped;
  };
  opened.leadership?.onLost((reason) => {
    // 'closed' is this scheduler stepping down as it stops.
    if (reason === 'closed') return;
    // The fence already refuses this scheduler's writes; stop acting at once.
    const error = new SchedulerError(SchedulerErrorCode.LEADERSHIP_LOST, `This scheduler lost the leadership (${reason}); it stops`);
    logger.error(error.message);
    fatal?.(error);
  });
  let service: RunningService;
  try {
    service = await bootstrapService({
      name: 'scheduler',
      module: SchedulerModule.forParts(ResourceManagerModule.forOptions({ fleet: scheduler, config, logger }), stopMesosSide),
      http: { port: settings.httpPort, host: settings.bindHost },
      grpc: { url: grpcTarget, package: RESOURCE_MANAGER_GRPC.packageName, protoPath: join(PROTO_ROOT, RESOURCE_MANAGER_GRPC.protoFile) },
      logger,
      metrics,
      ...(runtime.shutdownSignals === undefined ? {} : { shutdownSignals: runtime.shutdownSignals }),
    });
  } catch (error) {
    await stopMesosSide();
    throw error;
  }
  try {
    await scheduler.start();
  } catch (error) {
    // E.g. a FrameworkRemovedError in 'stop' mode.
    await service.close();
    throw error;
  }
  return { service, scheduler, grpcTarget, close: () => service.close() };
}

// The TaskManager service: TaskExecutorService on `taskmanager.rpc.port` (Nest gRPC through
// bootstrapService), the data exchange on `taskmanager.data.port` (a plain grpc-js server), health
// and metrics on `--http-port`, and its registration with the resource manager.
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { MesoflowConfig } from '@mesoflow/config';
import { addDataExchangeService, ExchangeClient, PartitionRegistry } from '@mesoflow/dataflow-exchange';
import { PROTO_ROOT, TASK_EXECUTOR_GRPC } from '@mesoflow/proto';
import { TaskManagerRegistration, type BackoffOptions, type RegistrationInfo } from '@mesoflow/resourcemanager-client';
import { bootstrapService, createMetricsRegistry, createServiceLogger, type RunningService } from '@mesoflow/service';
import { resourceManagerLocation } from '@mesoflow/zk-store';
import { Module, type DynamicModule } from '@nestjs/common';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { Counter, Gauge } from 'prom-client';
import { BundleFetcher } from './bundle';
import { messageOf, TaskManagerError, TaskManagerErrorCode } from './errors';
import { nodeModuleLoader, ProgramLoader, type ModuleLoader } from './program-loader';
import type { TaskManagerSettings } from './settings';
import { TASK_EXECUTOR_LOGGER, TaskExecutorController } from './task-executor.controller';
import { TaskExecutor } from './task-executor';


@Module({})
class TaskManagerModule {
  static forExecutor(executor: TaskExecutor, logger: Logger): DynamicModule {
    return {
      module: TaskManagerModule,
      controllers: [TaskExecutorController],
      providers: [
        { provide: TaskExecutor, useValue: executor },
        { provide: TASK_EXECUTOR_LOGGER, useValue: logger },
      ],
    };
  }
}

/** How the process runs the TaskManager, beyond its settings. */
export interface TaskManagerRuntime {
  /** @default pino at info level on standard output */
  logger?: Logger;
  /** Signals that cancel the subtasks, drain and exit 0. @default ['SIGTERM', 'SIGINT']; false for tests, which call `close()` */
  shutdownSignals?: NodeJS.Signals[] | false;
  /** Called once when the resource manager refuses the registration for good; the process should exit 1. */
  onFatalError?: (error: TaskManagerError) => void;
  /** How bundles are run. @default Node's require (import() for .mjs) */
  loadModule?: ModuleLoader;
  /** How long consumers wait for a producer's partition. @default 10 s */
  partitionRequestTimeoutMs?: number;
  /** Retries of the registration. */
  registrationBackoff?: BackoffOptions;
}

/** A started TaskManager. */
export interface RunningTaskManager {
  readonly taskId: string;
  readonly service: RunningService;
  readonly executor: TaskExecutor;
  readonly registration: TaskManagerRegistration;
  /** Resolves at the first registration; rejects when it is refused for good. */
  readonly registered: Promise<RegistrationInfo>;
  /** Advertised `host:port` of TaskExecutorService and of the data exchange. */
  readonly rpcAddress: string;
  readonly dataAddress: string;
  /** Cancels the subtasks, drains, deregisters (stops heartbeating) and closes every port. */
  close(): Promise<void>;
}

/** A free TCP port on `host` (for `0` ports: the gRPC transport of Nest does not report its bound port). */
async function freePortOn(host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function hostPort(host: string, port: number): string {
  return `${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

/**
 * Starts a TaskManager: the data exchange, the RPC port, health and metrics, and the
 * registration with the resource manager at `jobmanager.rpc.address:jobmanager.rpc.port`.
 * @throws TaskManagerError INVALID_CONFIGURATION, ServiceError when a port cannot be bound.
 */
export async function startTaskManager(config: MesoflowConfig, settings: TaskManagerSettings, runtime: TaskManagerRuntime = {}): Promise<RunningTaskManager> {
  const logger = (runtime.logger ?? createServiceLogger({ service: 'taskmanager' })).child({ taskManager: settings.taskId });
  const slots = config.get('taskmanager.numberOfTaskSlots');
  if (!Number.isInteger(slots) || slots < 1) {
    throw new TaskManagerError(TaskManagerErrorCode.INVALID_CONFIGURATION, `'taskmanager.numberOfTaskSlots' must be a whole number >= 1, not ${slots}`);
  }
  const scheduler = resourceManagerLocation(config);
  const jobManager = scheduler.description;
  const rpcPort = config.get('taskmanager.rpc.port') || (await freePortOn(settings.bindHost));

  // The data exchange first: its address goes into the registration.
  const registry = new PartitionRegistry();
  const dataServer = new Server();
  addDataExchangeService(dataServer, registry);
  let dataPort: number;
  try {
    dataPort = await new Promise<number>((resolve, reject) =>
      dataServer.bindAsync(hostPort(settings.bindHost, config.get('taskmanager.data.port')), ServerCredentials.createInsecure(), (error, port) =>
        error ? reject(error) : resolve(port),
      ),
    );
  } catch (error) {
    dataServer.forceShutdown();
    throw new TaskManagerError(TaskManagerErrorCode.INVALID_CONFIGURATION, `The data port 'taskmanager.data.port' (${config.get('taskmanager.data.port')}) could not be bound on '${settings.bindHost}': ${messageOf(error)}`, {
      cause: error,
    });
  }
  const rpcAddress = hostPort(settings.advertisedHost, rpcPort);
  const dataAddress = hostPort(settings.advertisedHost, dataPort);

  const metrics = createMetricsRegistry();
  // Fed from the subtasks' own counts as they report them (every second and at their end).
  const recordsIn = new Counter({ name: 'mesoflow_taskmanager_records_in_total', help: 'Records taken in by subtasks: read from input channels or made by sources', registers: [metrics] });
  const recordsOut = new Counter({ name: 'mesoflow_taskmanager_records_out_total', help: 'Records sent on by subtasks: written to outgoing edges or by sinks', registers: [metrics] });
  const exchange = new ExchangeClient();
  const executor = new TaskExecutor({
    taskManagerId: settings.taskId,
    slots,
    dataAddress,
    registry,
    exchange,
    bundles: new BundleFetcher(settings.workDir),
    programs: new ProgramLoader(runtime.loadModule ?? nodeModuleLoader),
    logger,
    jobMasterLostTimeoutMs: config.get('taskmanager.jobmaster-lost-timeout').milliseconds,
    ...(runtime.partitionRequestTimeoutMs === undefined ? {} : { partitionRequestTimeoutMs: runtime.partitionRequestTimeoutMs }),
    onRecords: (taken, sent) => {
      recordsIn.inc(taken);
      recordsOut.inc(sent);
    },
  });
  new Gauge({
    name: 'mesoflow_taskmanager_tasks',
    help: 'Subtasks on this TaskManager by state (ended ones as far as they are kept)',
    labelNames: ['state'],
    registers: [metrics],
    collect() {
      for (const [state, count] of executor.countByState()) this.set({ state }, count);
    },
  });
  new Gauge({
    name: 'mesoflow_taskmanager_slots_in_use',
    help: 'Slots running at least one subtask',
    registers: [metrics],
    collect() {
      this.set(executor.slotsInUse().length);
    },
  });

  let service: RunningService;
  try {
    service = await bootstrapService({
      name: 'taskmanager',
      module: TaskManagerModule.forExecutor(executor, logger),
      http: { port: settings.httpPort, host: settings.bindHost },
      grpc: { url: hostPort(settings.bindHost, rpcPort), package: TASK_EXECUTOR_GRPC.packageName, protoPath: join(PROTO_ROOT, TASK_EXECUTOR_GRPC.protoFile) },
      logger,
      metrics,
      // SIGTERM cancels the subtasks before draining: handled below, not by the bootstrap.
      shutdownSignals: false,
    });
  } catch (error) {
    dataServer.forceShutdown();
    exchange.close();
    throw error;
  }

  const registration = new TaskManagerRegistration({
    target: scheduler.target,
    taskId: settings.taskId,
    rpcAddress,
    dataAddress,
    slots,
    logger,
    ...(runtime.registrationBackoff === undefined ? {} : { backoff: runtime.registrationBackoff }),
  });
  let fatal = runtime.onFatalError;
  registration.on('fatal', (error) => {
    const failure = new TaskManagerError(
      TaskManagerErrorCode.REGISTRATION_FAILED,
      `TaskManager '${settings.taskId}' cannot register with the resource manager at '${jobManager}' (${error.code}): ${error.message}`,
      { cause: error },
    );
    logger.fatal({ code: error.code }, failure.message);
    const notify = fatal;
    fatal = undefined;
    notify?.(failure);
  });
  const registered = registration.start();

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      fatal = undefined;
      logger.info(`TaskManager '${settings.taskId}' stops: cancelling its subtasks, then draining`);
      await executor.shutdown();
      await service.close();
      await registration.close();
      await scheduler.close();
      exchange.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          dataServer.forceShutdown();
          resolve();
        }, 5_000);
        dataServer.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    })();
    return closing;
  };
  const signals = runtime.shutdownSignals === undefined ? (['SIGTERM', 'SIGINT'] as NodeJS.Signals[]) : runtime.shutdownSignals;
  if (signals !== false) {
    for (const signal of signals) {
      process.once(signal, () => {
        logger.info(`Received ${signal}`);
        close().then(
          () => process.exit(0),
          (error: unknown) => {
            logger.error({ err: error }, `The shutdown failed: ${messageOf(error)}`);
            process.exit(1);
          },
        );
      });
    }
  }
  logger.info({ rpcAddress, dataAddress, slots, jobManager }, `TaskManager '${settings.taskId}' serves RPC at '${rpcAddress}' and data at '${dataAddress}' with ${slots} slots`);
  return { taskId: settings.taskId, service, executor, registration, registered, rpcAddress, dataAddress, close };
}

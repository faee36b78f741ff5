// The scheduler process:
//   node --import tsx apps/scheduler/src/main.ts --store-dir /var/lib/mesoflow/scheduler --workers 3 \
//     -Dmesos.master=127.0.0.1:5050 -Dkey=value ...
// Mesoflow options come from conf/mesoflow-conf.yaml, MESOFLOW_* variables and -D arguments.
import { isConfigError, loadConfig, parseDynamicProperties } from '@mesoflow/config';
import { MesosSchedulerClient } from '@mesoflow/mesos-client';
import { createServiceLogger } from '@mesoflow/service';
import { openWorkerStore } from '@mesoflow/zk-store';
import { isSchedulerError, SchedulerError, SchedulerErrorCode } from './scheduler/errors';
import { credentialFromConfig, frameworkInfoFromConfig } from './scheduler/framework-info';
import { WorkerScheduler } from './scheduler/worker-scheduler';
import { parseSettings } from './settings';

const logger = createServiceLogger({ service: 'scheduler' });

async function main(): Promise<void> {
  const { properties, args } = parseDynamicProperties(process.argv.slice(2));
  const settings = parseSettings(args);
  const config = loadConfig({ dynamicProperties: properties, service: 'scheduler' });
  for (const warning of config.warnings) logger.warn(`Configuration warning: ${warning.message}`);
  if (config.get('high-availability') === 'zookeeper') {
    // The ZooKeeper store needs the leader latch first; until then only the file store is wired.
    throw new SchedulerError(
      SchedulerErrorCode.INVALID_CONFIGURATION,
      "'high-availability: zookeeper' is not supported by the scheduler yet; use NONE with --store-dir",
    );
  }
  const master = config.get('mesos.master');
  if (master === undefined) {
    throw new SchedulerError(SchedulerErrorCode.INVALID_CONFIGURATION, "'mesos.master' is not set");
  }
  const store = await openWorkerStore({ kind: 'file', folder: settings.storeDir });
  const frameworkId = await store.getFrameworkId();
  const credential = credentialFromConfig(config);
  const newClient = (id: string | undefined): MesosSchedulerClient =>
    new MesosSchedulerClient({
      master,
      frameworkInfo: frameworkInfoFromConfig(config),
      ...(id === undefined ? {} : { frameworkId: id }),
      ...(credential === undefined ? {} : { credential }),
      logger,
    });
  // The scheduler watches its client: a client that stops for good ends in onFatalError (or, for a
  // removed framework in 'register-anew' mode, in a new framework's client).
  const scheduler = new WorkerScheduler({
    client: newClient(frameworkId),
    store,
    config,
    desiredWorkers: settings.desiredWorkers,
    logger,
    newFrameworkClient: () => newClient(undefined),
    // The scheduler has logged the error.
    onFatalError: () => void stop(1),
  });
  let stopping: Promise<void> | undefined;
  const stop = (exitCode: number): Promise<void> => {
    stopping ??= (async () => {
      process.exitCode = exitCode;
      await scheduler.close();
      await store.close();
    })();
    return stopping;
  };
  process.once('SIGTERM', () => void stop(0));
  process.once('SIGINT', () => void stop(0));
  try {
    await scheduler.start();
  } catch (error) {
    // E.g. a FrameworkRemovedError in 'stop' mode: close the client and the store, then report it.
    await stop(1);
    throw error;
  }
}

main().catch((error: unknown) => {
  const known = isConfigError(error) || isSchedulerError(error);
  const message = known ? (error as Error).message : `The scheduler could not start: ${(error as Error).message}`;
  logger.fatal({ code: known ? (error as { code: string }).code : undefined }, message);
  process.exitCode = known ? 2 : 1;
});

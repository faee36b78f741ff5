// The scheduler process:
//   node --import tsx apps/scheduler/src/main.ts --store-dir /var/lib/mesoflow/scheduler \
//     [--http-port 0] [--bind-host 0.0.0.0] [--config-overlay host:6125] -Dmesos.master=host:5050 -Dkey=value ...
// Mesoflow options come from conf/mesoflow-conf.yaml, MESOFLOW_* variables and -D arguments.
import { isConfigError, loadConfig, parseDynamicProperties } from '@mesoflow/config';
import { createServiceLogger } from '@mesoflow/service';
import { isZkStoreError } from '@mesoflow/zk-store';
import { startScheduler } from './app';
import { isSchedulerError } from './scheduler/errors';
import { parseSettings } from './settings';

const logger = createServiceLogger({ service: 'scheduler' });

async function main(): Promise<void> {
  const { properties, args } = parseDynamicProperties(process.argv.slice(2));
  const settings = parseSettings(args);
  const config = loadConfig({ dynamicProperties: properties, service: 'scheduler' });
  for (const warning of config.warnings) logger.warn(`Configuration warning: ${warning.message}`);
  // Either the scheduler logged why it gives up (exit non-zero so a supervisor restarts it), or the
  // application ended and its framework is gone (exit 0: nothing is left to restart). Both drain
  // and close first; the DeregisterApplication call in flight is answered during the drain.
  let end: (exitCode: number) => void = () => undefined;
  const ended = new Promise<number>((resolve) => (end = resolve));
  const running = await startScheduler(config, settings, { logger, onFatalError: () => end(1), onDeregistered: () => end(0) });
  const exitCode = await ended;
  process.exitCode = exitCode;
  await running.close();
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  const known = isConfigError(error) || isSchedulerError(error) || isZkStoreError(error);
  const message = known ? (error as Error).message : `The scheduler could not start: ${(error as Error).message}`;
  logger.fatal({ code: known ? (error as { code: string }).code : undefined }, message);
  process.exitCode = known ? 2 : 1;
});

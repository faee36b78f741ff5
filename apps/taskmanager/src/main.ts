// The TaskManager process (bin/mesos-taskmanager.sh runs it in the Mesos sandbox):
//   node --import tsx apps/taskmanager/src/main.ts [--task-id id] [--http-port 0] [--bind-host 0.0.0.0] \
//     [--work-dir dir] -Dkey=value ...
// The task id comes from MESOFLOW_TASK_ID (else MESOS_EXECUTOR_ID), the advertised host from
// MESOFLOW_HOSTNAME (else the host name), and Mesoflow options from $MESOFLOW_CONF_DIR/mesoflow-conf.yaml,
// MESOFLOW_* variables and -D arguments (the config overlay writes the offered ports there).
import { isConfigError, loadConfig, parseDynamicProperties } from '@mesoflow/config';
import { createServiceLogger } from '@mesoflow/service';
import { startTaskManager } from './app';
import { isTaskManagerError } from './errors';
import { parseSettings } from './settings';

const logger = createServiceLogger({ service: 'taskmanager' });

async function main(): Promise<void> {
  const { properties, args } = parseDynamicProperties(process.argv.slice(2));
  const settings = parseSettings(args, process.env);
  const config = loadConfig({ dynamicProperties: properties, service: 'taskmanager' });
  for (const warning of config.warnings) logger.warn(`Configuration warning: ${warning.message}`);
  let giveUp: () => void = () => undefined;
  const fatal = new Promise<void>((resolve) => (giveUp = resolve));
  const running = await startTaskManager(config, settings, { logger, onFatalError: () => giveUp() });
  await fatal;
  // The registration was refused for good (the task is not a launched worker): stop with 1.
  process.exitCode = 1;
  await running.close();
  process.exit(1);
}

main().catch((error: unknown) => {
  const known = isConfigError(error) || isTaskManagerError(error);
  const message = known ? (error as Error).message : `The TaskManager could not start: ${(error as Error).message}`;
  logger.fatal({ code: known ? (error as { code: string }).code : undefined }, message);
  process.exitCode = known ? 2 : 1;
});

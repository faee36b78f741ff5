// The dispatcher-gateway process:
//   node --import tsx apps/dispatcher-gateway/src/main.ts [--grpc-port port] [--bind-host 0.0.0.0] \
//     [--token-file path] [--cluster name] [--job-concurrency n] [--job-lock-ms ms] [--web-ui-dir path] -Dkey=value ...
// Mesoflow options (rest.port, redis.url, redis.password, jobmanager.rpc.address/port,
// high-availability.cluster-id, dispatcher.*) come from conf/mesoflow-conf.yaml, MESOFLOW_*
// variables and -D; a flag overrides the dispatcher.* option of the same meaning. The web UI is
// served from --web-ui-dir, else from $MESOFLOW_HOME/dist/web-ui or the installation's.
import { isConfigError, loadConfig, parseDynamicProperties } from '@mesoflow/config';
import { createServiceLogger } from '@mesoflow/service';
import { startDispatcherGateway } from './app';
import { parseSettings } from './settings';

const logger = createServiceLogger({ service: 'dispatcher-gateway' });

async function main(): Promise<void> {
  const { properties, args } = parseDynamicProperties(process.argv.slice(2));
  const settings = parseSettings(args);
  const config = loadConfig({ dynamicProperties: properties, service: 'dispatcher-gateway' });
  for (const warning of config.warnings) logger.warn(`Configuration warning: ${warning.message}`);
  await startDispatcherGateway(config, settings, { logger, mesoflowHome: process.env['MESOFLOW_HOME'] });
}

main().catch((error: unknown) => {
  const message = isConfigError(error) ? error.message : `The dispatcher gateway could not start: ${(error as Error).message}`;
  logger.fatal({ code: isConfigError(error) ? error.code : undefined }, message);
  process.exitCode = isConfigError(error) ? 2 : 1;
});

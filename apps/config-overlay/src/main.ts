// The config-overlay process:
//   node --import tsx apps/config-overlay/src/main.ts --grpc-port 6125 --artifact-server host:6124 \
//     [--lib-dir lib] [--distribution-file path=source ...] -Dkey=value ...
// Mesoflow options come from conf/mesoflow-conf.yaml, MESOFLOW_* variables and -D arguments.
import { isConfigError, loadConfig, parseDynamicProperties } from '@mesoflow/config';
import { createServiceLogger } from '@mesoflow/service';
import { startConfigOverlay } from './app';
import { defaultDistributionFiles } from './distribution/default-distribution';
import { parseSettings } from './settings';

const logger = createServiceLogger({ service: 'config-overlay' });

async function main(): Promise<void> {
  const { properties, args } = parseDynamicProperties(process.argv.slice(2));
  const settings = parseSettings(args);
  const config = loadConfig({ dynamicProperties: properties, service: 'config-overlay' });
  for (const warning of config.warnings) logger.warn(`Configuration warning: ${warning.message}`);
  if (settings.distributionFiles.length === 0) settings.distributionFiles = await defaultDistributionFiles();
  await startConfigOverlay(config, settings, { logger });
}

main().catch((error: unknown) => {
  // A configuration error is the operator's to fix: its message lists every problem.
  const message = isConfigError(error) ? error.message : `The config-overlay service could not start: ${(error as Error).message}`;
  logger.fatal({ code: isConfigError(error) ? error.code : undefined }, message);
  process.exitCode = isConfigError(error) ? 2 : 1;
});

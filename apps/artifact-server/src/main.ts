// The artifact server process:
//   node --import tsx apps/artifact-server/src/main.ts -Dmesos.resourcemanager.artifactserver.grpc.port=6124 \
//     -Dmesos.resourcemanager.artifactserver.root=/srv/artifacts ...
// Options come from conf/mesoflow-conf.yaml, MESOFLOW_* variables and -D arguments.
import { ConfigError, ConfigErrorCode, isConfigError, loadConfig, parseDynamicProperties } from '@mesoflow/config';
import { createServiceLogger } from '@mesoflow/service';
import { startArtifactServer } from './app';

const logger = createServiceLogger({ service: 'artifact-server' });

async function main(): Promise<void> {
  const { properties, args } = parseDynamicProperties(process.argv.slice(2));
  if (args.length > 0) {
    throw new ConfigError(
      ConfigErrorCode.INVALID_DYNAMIC_PROPERTY,
      args.map((arg) => ({ kind: 'syntax', key: arg, message: `unexpected argument '${arg}'; the artifact server takes only -Dkey=value` })),
    );
  }
  const config = loadConfig({ dynamicProperties: properties, service: 'artifact-server' });
  for (const warning of config.warnings) logger.warn(`Configuration warning: ${warning.message}`);
  await startArtifactServer(config, { logger });
}

main().catch((error: unknown) => {
  // A configuration error is the operator's to fix: its message lists every problem.
  const message = isConfigError(error) ? error.message : `The artifact server could not start: ${(error as Error).message}`;
  logger.fatal({ code: isConfigError(error) ? error.code : undefined }, message);
  process.exitCode = isConfigError(error) ? 2 : 1;
});

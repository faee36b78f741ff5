// The artifact server process. Settings come as `-Dkey=value` arguments with the registry's
// keys (e.g. -Dmesos.resourcemanager.artifactserver.port=8082) until @mesoflow/config takes
// over parsing, the configuration file and validation.
import { createServiceLogger } from '@mesoflow/service';
import { startArtifactServer } from './app';
import type { ArtifactServerSettings } from './settings';

const NUMERIC = /\.(port|max-artifact-size|ttl|max-ttl)$/;

function parseDynamicProperties(argv: string[]): ArtifactServerSettings {
  const settings: Record<string, string | number | boolean> = {};
  for (const argument of argv) {
    const match = /^-D([^=]+)=(.*)$/.exec(argument);
    if (!match) throw new Error(`Unexpected argument '${argument}'; expected -Dkey=value`);
    const [, key = '', value = ''] = match;
    settings[key] = NUMERIC.test(key) ? Number(value) : key.endsWith('.enabled') ? value === 'true' : value;
  }
  return settings;
}

const logger = createServiceLogger({ service: 'artifact-server' });
startArtifactServer(parseDynamicProperties(process.argv.slice(2)), { logger }).catch((error: unknown) => {
  logger.fatal({ err: error }, `The artifact server could not start: ${(error as Error).message}`);
  process.exit(1);
});

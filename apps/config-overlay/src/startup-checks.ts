import { ConfigError, ConfigErrorCode, type ConfigKey, type ConfigProblem, type MesoflowConfig } from '@mesoflow/config';
import { accessSync, constants, statSync } from 'node:fs';
import type { DistributionFile } from './overlays/distribution-overlay';
import { isArtifactPath } from './overlays/overlay';

/** What the process ships, as far as it can be checked before the first TaskManager asks. */
export interface ShippedInputs {
  readonly distributionFiles: readonly DistributionFile[];
  readonly libDir: string | undefined;
}

function unreadable(path: string, folder: boolean): string | undefined {
  try {
    const stat = statSync(path);
    if (folder !== stat.isDirectory()) return folder ? 'is not a folder' : 'is not a file';
    accessSync(path, constants.R_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
  }
}

/**
 * Checks at startup that every file the overlays will ship can be read, so a wrong path fails
 * the process with the option, the value and what was expected instead of failing every
 * TaskManager launch later. Throws a {@link ConfigError} listing every problem.
 */
export function checkShippedInputs(config: MesoflowConfig, inputs: ShippedInputs): void {
  const problems: ConfigProblem[] = [];
  const file = (key: string, path: string | undefined, folder = false): void => {
    if (path === undefined || path === '') return;
    const why = unreadable(path, folder);
    const expected = folder ? 'a readable folder' : 'a readable file';
    if (why !== undefined) problems.push({ kind: 'invalid-value', key, value: path, expected, message: `${key}: '${path}' ${why} (expected ${expected})` });
  };
  const optionFiles: ConfigKey[] = ['security.kerberos.login.keytab', 'security.kerberos.krb5-conf.path'];
  if (config.get('security.ssl.internal.enabled')) optionFiles.push('security.ssl.internal.keystore', 'security.ssl.internal.truststore');
  for (const key of optionFiles) file(key, config.get(key) as string | undefined);
  if (config.get('mesos.resourcemanager.tasks.container.type') === 'mesos') {
    file('--lib-dir', inputs.libDir, true);
    for (const entry of inputs.distributionFiles) {
      if (!isArtifactPath(entry.path)) {
        const expected = 'a relative path of letters, digits and ._+@=,~-';
        problems.push({ kind: 'invalid-value', key: '--distribution-file', value: entry.path, expected, message: `--distribution-file: '${entry.path}' is not valid (expected ${expected})` });
      }
      file('--distribution-file', entry.source);
    }
  }
  if (problems.length > 0) throw new ConfigError(ConfigErrorCode.INVALID_CONFIGURATION, problems);
}

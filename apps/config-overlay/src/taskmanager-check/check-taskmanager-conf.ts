import type { ConfigKey, MesoflowConfig } from '@mesoflow/config';
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';

/** What the check found: lines for standard output, and problems that fail the task. */
export interface TaskManagerCheckReport {
  readonly lines: string[];
  readonly problems: string[];
}

const SHIPPED_FILE_KEYS: readonly ConfigKey[] = [
  'security.kerberos.login.keytab',
  'security.kerberos.krb5-conf.path',
  'security.ssl.internal.keystore',
  'security.ssl.internal.truststore',
];

/**
 * Checks a TaskManager's loaded configuration inside its sandbox (`workDir`): that it came from
 * a file and that the files it names (keytab, keystores) are there, and describes what it found.
 * Secrets are never printed.
 */
export function checkTaskManagerConf(config: MesoflowConfig, workDir: string): TaskManagerCheckReport {
  const problems: string[] = [];
  if (config.confFile === undefined) problems.push('No configuration file was found; MESOFLOW_CONF_DIR must name the folder holding mesoflow-conf.yaml');
  for (const key of SHIPPED_FILE_KEYS) {
    const path = config.get(key) as string | undefined;
    if (path && !existsSync(resolve(workDir, path))) problems.push(`${key} names '${path}', which is not in the sandbox`);
  }
  const libDir = resolve(workDir, 'lib');
  const libraries = existsSync(libDir) ? readdirSync(libDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort() : [];
  const lines = [
    `Configuration file: ${config.confFile ?? '(none)'}`,
    `Task slots: ${config.get('taskmanager.numberOfTaskSlots')}`,
    `JobManager RPC address: ${config.get('jobmanager.rpc.address')}:${config.get('jobmanager.rpc.port')}`,
    `TaskManager RPC port: ${config.get('taskmanager.rpc.port')}`,
    `TaskManager data port: ${config.get('taskmanager.data.port')}`,
    `Internal TLS: ${config.get('security.ssl.internal.enabled') ? `enabled (keystore ${config.get('security.ssl.internal.keystore') ?? '(none)'})` : 'disabled'}`,
    `Kerberos keytab: ${config.get('security.kerberos.login.keytab') ?? '(none)'}`,
    `User libraries: ${libraries.length === 0 ? '(none)' : libraries.join(', ')}`,
  ];
  return { lines, problems };
}

import { stringify } from 'yaml';
import { ConfigError, ConfigErrorCode, type ConfigProblem } from './config-error';
import type { MesoflowConfig } from './mesoflow-config';
import { CONFIG_KEYS, optionDefinition, type ConfigKey, type ConfigValues } from './registry';

/** The keys TaskManagers inherit: every option not marked master-only, in registry order. */
export const TASKMANAGER_INHERITED_KEYS: readonly ConfigKey[] = Object.freeze(
  CONFIG_KEYS.filter((key) => !optionDefinition(key).masterOnly),
);

/** The port options every TaskManager gets from its offer, before `tasks.port-assignments`. */
const ALWAYS_ASSIGNED_PORTS = ['taskmanager.rpc.port', 'taskmanager.data.port'] as const;

/**
 * The port options a TaskManager takes from its offer's `ports`, in order, without repeats: the
 * scheduler reserves one offered port per key and the configuration overlay writes each into the
 * TaskManager's configuration, so both must agree on this list.
 */
export function taskManagerPortKeys(config: MesoflowConfig): string[] {
  return [...new Set([...ALWAYS_ASSIGNED_PORTS, ...config.get('mesos.resourcemanager.tasks.port-assignments')])];
}

const HEADER = [
  '# Mesoflow TaskManager configuration, inherited from the application master.',
  '# Written by the configuration overlay; the TaskManager reads it as its mesoflow-conf.yaml.',
  '',
].join('\n');

/**
 * The TaskManager's configuration as conf-file text: every option TaskManagers inherit (not
 * master-only) that has a value, defaults included, with `overrides` applied (e.g. the ports
 * Mesos assigned to the task). The text holds the sensitive values TaskManagers need, such as
 * internal keystore passwords: ship it, never log it.
 *
 * Throws a {@link ConfigError} (`INVALID_VALUES`) when an override targets a master-only option
 * or is not a valid value.
 */
export function renderTaskManagerConf(config: MesoflowConfig, overrides: ConfigValues = {}): string {
  const given = overrides as Readonly<Record<string, unknown>>;
  const problems: ConfigProblem[] = [];
  const lines: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const definition = optionDefinition(key);
    const override = given[key];
    if (override !== undefined && definition.masterOnly) {
      problems.push({ kind: 'conflict', key, message: `${key}: is master-only; TaskManagers do not inherit it` });
      continue;
    }
    if (definition.masterOnly) continue;
    if (override === undefined) {
      if (config.has(key)) lines[key] = definition.type.format(config.get(key));
      continue;
    }
    const text = definition.type.format(override);
    const check = definition.type.parse(text, definition.sensitive ? 'the value' : `'${text}'`);
    if (check.ok) lines[key] = text;
    else problems.push({ kind: 'invalid-value', key, expected: definition.expected, message: `${key}: ${check.reason} (expected ${definition.expected})` });
  }
  if (problems.length > 0) throw new ConfigError(ConfigErrorCode.INVALID_VALUES, problems);
  return HEADER + stringify(lines, { lineWidth: 0, schema: 'failsafe' });
}

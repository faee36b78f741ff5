import type { RawSetting } from './config-source';
import { CONFIG_KEYS, envVariableName } from './registry';

const KEY_BY_VARIABLE: ReadonlyMap<string, string> = new Map(CONFIG_KEYS.map((key) => [envVariableName(key), key]));

/**
 * The settings given by environment variables: `MESOFLOW_` + the key upper-cased with `.` and
 * `-` turned into `_`. Only registry keys are recognised; other variables (including
 * `MESOFLOW_CONF_DIR`) are not settings.
 */
export function readEnvironment(env: Readonly<Record<string, string | undefined>>): RawSetting[] {
  const settings: RawSetting[] = [];
  for (const [variable, text] of Object.entries(env)) {
    const key = KEY_BY_VARIABLE.get(variable);
    if (key !== undefined && text !== undefined) settings.push({ key, text, source: { kind: 'environment', variable } });
  }
  return settings;
}

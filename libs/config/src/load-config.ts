import * as path from 'node:path';
import { readConfFile } from './conf-file';
import type { RawSetting } from './config-source';
import type { DynamicProperty } from './dynamic-properties';
import { readEnvironment } from './environment';
import type { MesoflowConfig } from './mesoflow-config';
import type { ConfigReader } from './option';
import { CONFIG_KEYS, optionDefinition, type ConfigValues } from './registry';
import { resolveSettings } from './resolve';

/** The environment variable naming the folder that holds `mesoflow-conf.yaml`. */
export const CONF_DIR_VARIABLE = 'MESOFLOW_CONF_DIR';

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * The `-D` properties, highest precedence (from {@link parseDynamicProperties}).
   * @default []
   */
  dynamicProperties?: readonly DynamicProperty[];
  /**
   * The environment to read `MESOFLOW_*` variables and `MESOFLOW_CONF_DIR` from. The config
   * library is the only code that reads `process.env`.
   * @default process.env
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * The folder holding `mesoflow-conf.yaml`.
   * @default env.MESOFLOW_CONF_DIR, else `conf` in the working directory
   */
  confDir?: string;
  /**
   * The process loading the configuration; options it requires (e.g. `mesos.master` for the
   * scheduler) must be set.
   */
  service?: ConfigReader;
}

/** The folder `loadConfig` reads `mesoflow-conf.yaml` from, given its options. */
export function resolveConfDir(options: Pick<LoadConfigOptions, 'env' | 'confDir'> = {}): string {
  const env = options.env ?? process.env;
  return path.resolve(options.confDir ?? env[CONF_DIR_VARIABLE] ?? 'conf');
}

/**
 * Loads the effective configuration. Sources, later wins: registry defaults <
 * `mesoflow-conf.yaml` < `MESOFLOW_*` environment variables < `-D` properties. Every value
 * keeps its source. Throws a {@link ConfigError} listing every problem at once; unknown keys
 * are warnings on the result.
 */
export function loadConfig(options: LoadConfigOptions = {}): MesoflowConfig {
  const env = options.env ?? process.env;
  const file = readConfFile(resolveConfDir({ env, ...(options.confDir === undefined ? {} : { confDir: options.confDir }) }));
  const dynamic: RawSetting[] = (options.dynamicProperties ?? []).map(({ key, value }) => ({
    key,
    text: value,
    source: { kind: 'dynamic-property' },
  }));
  return resolveSettings([...file.settings, ...readEnvironment(env), ...dynamic], {
    ...(options.service === undefined ? {} : { service: options.service }),
    ...(file.found ? { confFile: file.path } : {}),
  });
}

/** Options of {@link createConfig}. */
export interface CreateConfigOptions {
  /** The process the configuration is for; options it requires must be given. */
  service?: ConfigReader;
}

/**
 * A configuration from defaults and typed values only (no file, no environment), validated
 * like {@link loadConfig}; for tests and embedding. Sources of given values are `programmatic`.
 */
export function createConfig(values: ConfigValues = {}, options: CreateConfigOptions = {}): MesoflowConfig {
  const given = values as Readonly<Record<string, unknown>>;
  const settings: RawSetting[] = CONFIG_KEYS.flatMap((key) => {
    const value = given[key];
    if (value === undefined) return [];
    return [{ key, text: optionDefinition(key).type.format(value), source: { kind: 'programmatic' } }];
  });
  return resolveSettings(settings, options.service === undefined ? {} : { service: options.service });
}

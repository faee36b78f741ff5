import {
  DISPATCHER_OPTIONS,
  HIGH_AVAILABILITY_OPTIONS,
  INTERNAL_OPTIONS,
  JOBMANAGER_OPTIONS,
  REDIS_OPTIONS,
  REST_OPTIONS,
  TASKMANAGER_OPTIONS,
} from './cluster-options';
import { ARTIFACT_SERVER_OPTIONS, MESOS_OPTIONS, MESOS_TASK_OPTIONS } from './mesos-options';
import type { AnyOptionDefinition, OptionDefinition } from './option';
import { SECURITY_OPTIONS } from './security-options';

/**
 * Every option Mesoflow knows, by key. Keys and meanings follow Flink's where Flink has the
 * option, so `-Dmesos.master=…` and `flink-conf.yaml` habits carry over.
 */
export const CONFIG_OPTIONS = Object.freeze({
  ...MESOS_OPTIONS,
  ...MESOS_TASK_OPTIONS,
  ...ARTIFACT_SERVER_OPTIONS,
  ...JOBMANAGER_OPTIONS,
  ...TASKMANAGER_OPTIONS,
  ...REST_OPTIONS,
  ...DISPATCHER_OPTIONS,
  ...HIGH_AVAILABILITY_OPTIONS,
  ...REDIS_OPTIONS,
  ...SECURITY_OPTIONS,
  ...INTERNAL_OPTIONS,
});

/** The registry's type. */
export type ConfigRegistry = typeof CONFIG_OPTIONS;

/** A key of the registry, e.g. `'mesos.resourcemanager.tasks.cpus'`. */
export type ConfigKey = keyof ConfigRegistry;

/**
 * The typed value of option `K`: e.g. `number` for `mesos.resourcemanager.tasks.cpus`,
 * `string | undefined` for `mesos.master` (no default).
 */
export type ConfigValue<K extends ConfigKey> =
  ConfigRegistry[K] extends OptionDefinition<infer T, infer HasDefault> ? (HasDefault extends true ? T : T | undefined) : never;

/** A value of option `K` that is set (never `undefined`). */
export type ConfigSetValue<K extends ConfigKey> = Exclude<ConfigValue<K>, undefined>;

/** Values for some options, typed per key (programmatic values, TaskManager overrides). */
export type ConfigValues = { readonly [K in ConfigKey]?: ConfigSetValue<K> };

/** All keys, in registry order. */
export const CONFIG_KEYS: readonly ConfigKey[] = Object.freeze(Object.keys(CONFIG_OPTIONS) as ConfigKey[]);

const KEY_SET: ReadonlySet<string> = new Set(CONFIG_KEYS);

/** True when `key` is a registry key. */
export function isConfigKey(key: string): key is ConfigKey {
  return KEY_SET.has(key);
}

/** The definition of `key`, typed loosely for code that walks the registry. */
export function optionDefinition(key: ConfigKey): AnyOptionDefinition {
  const definition: AnyOptionDefinition = CONFIG_OPTIONS[key];
  return definition;
}

/** The prefix of environment variables that set options. */
export const ENV_PREFIX = 'MESOFLOW_';

/**
 * The environment variable that sets `key`: `MESOFLOW_` and the key upper-cased with `.` and
 * `-` turned into `_`, e.g. `MESOFLOW_MESOS_RESOURCEMANAGER_TASKS_CPUS`.
 */
export function envVariableName(key: string): string {
  return ENV_PREFIX + key.toUpperCase().replace(/[.-]/g, '_');
}

export { CONF_FILE_NAME, parseConfText, readConfFile, type ConfFile } from './conf-file';
export {
  ConfigError,
  ConfigErrorCode,
  formatProblems,
  isConfigError,
  type ConfigErrorOptions,
  type ConfigProblem,
  type ConfigProblemKind,
} from './config-error';
export { describeSource, type ConfigSource } from './config-source';
export { parseDynamicProperties, type DynamicProperty, type ParsedArguments } from './dynamic-properties';
export { Duration, type DurationUnit } from './duration';
export {
  CONF_DIR_VARIABLE,
  createConfig,
  loadConfig,
  resolveConfDir,
  type CreateConfigOptions,
  type LoadConfigOptions,
} from './load-config';
export { MemorySize, type MemoryUnit } from './memory-size';
export { MASK, MesoflowConfig, type ConfigDisplayEntry, type ResolvedValue } from './mesoflow-config';
export {
  CONFIG_GROUPS,
  CONFIG_READERS,
  type AnyOptionDefinition,
  type ConfigGroup,
  type ConfigReader,
  type OptionDefinition,
} from './option';
export { REGENERATE_DOCS_COMMAND, renderOptionReference } from './option-reference';
export type { KeyValue, OptionKind, OptionType, VolumeMode, VolumeSpec } from './option-types';
export {
  CONFIG_KEYS,
  CONFIG_OPTIONS,
  ENV_PREFIX,
  envVariableName,
  isConfigKey,
  optionDefinition,
  type ConfigKey,
  type ConfigRegistry,
  type ConfigSetValue,
  type ConfigValue,
  type ConfigValues,
} from './registry';
export { ProcessFlags } from './process-flags';
export { renderTaskManagerConf, TASKMANAGER_INHERITED_KEYS, taskManagerPortKeys } from './taskmanager-conf';

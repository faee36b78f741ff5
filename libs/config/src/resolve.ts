import { ConfigError, ConfigErrorCode, type ConfigProblem } from './config-error';
import { DEFAULT_SOURCE, type RawSetting } from './config-source';
import { MesoflowConfig, type ResolvedValue } from './mesoflow-config';
import type { ConfigReader } from './option';
import { CONFIG_KEYS, isConfigKey, optionDefinition, type ConfigKey, type ConfigValue } from './registry';
import { CROSS_FIELD_RULES, type RuleView } from './rules';
import { closestKey } from './suggest';

/** Options of {@link resolveSettings}. */
export interface ResolveOptions {
  /** The process loading the configuration; options it requires must be set. */
  service?: ConfigReader;
  /** The configuration file that was read, recorded on the result. */
  confFile?: string;
}

function unknownKeyWarning(setting: RawSetting): ConfigProblem {
  const suggestion = closestKey(setting.key, CONFIG_KEYS);
  const hint = suggestion === undefined ? '' : `; did you mean '${suggestion}'?`;
  return {
    kind: 'unknown-key',
    key: setting.key,
    source: setting.source,
    ...(suggestion === undefined ? {} : { suggestion }),
    message: `${setting.key}: unknown option, ignored${hint}`,
  };
}

/** Parses one effective setting; a problem never repeats a sensitive value. */
function parseSetting(key: ConfigKey, setting: RawSetting): { value: unknown } | { problem: ConfigProblem } {
  const definition = optionDefinition(key);
  const shown = definition.sensitive ? 'the value' : `'${setting.text}'`;
  const result = definition.type.parse(setting.text, shown);
  if (result.ok) return { value: result.value };
  const reason = definition.sensitive && setting.text !== '' && result.reason.includes(setting.text) ? 'the value is not valid' : result.reason;
  return {
    problem: {
      kind: 'invalid-value',
      key,
      ...(definition.sensitive ? {} : { value: setting.text }),
      expected: definition.expected,
      source: setting.source,
      message: `${key}: ${reason} (expected ${definition.expected})`,
    },
  };
}

/**
 * Turns raw settings (in precedence order, later wins) into a validated {@link MesoflowConfig}:
 * unknown keys become warnings, blank text resets an option to its default, every effective
 * value is parsed, then cross-field rules and the service's required options are checked.
 * Every problem is reported at once in one {@link ConfigError} (`INVALID_CONFIGURATION`).
 */
export function resolveSettings(settings: readonly RawSetting[], options: ResolveOptions = {}): MesoflowConfig {
  const warnings: ConfigProblem[] = [];
  const effective = new Map<ConfigKey, RawSetting>();
  for (const setting of settings) {
    if (!isConfigKey(setting.key)) warnings.push(unknownKeyWarning(setting));
    else if (setting.text.trim() === '') effective.delete(setting.key);
    else effective.set(setting.key, setting);
  }

  const problems: ConfigProblem[] = [];
  const invalid = new Set<ConfigKey>();
  const values = new Map<ConfigKey, ResolvedValue>();
  for (const key of CONFIG_KEYS) {
    const setting = effective.get(key);
    const definition = optionDefinition(key);
    if (setting === undefined) {
      if (definition.hasDefault) values.set(key, { value: definition.default, source: DEFAULT_SOURCE });
      continue;
    }
    const outcome = parseSetting(key, setting);
    if ('problem' in outcome) {
      problems.push(outcome.problem);
      invalid.add(key);
    } else values.set(key, { value: outcome.value, source: setting.source });
  }

  const view: RuleView = {
    get: <K extends ConfigKey>(key: K) => values.get(key)?.value as ConfigValue<K>,
    source: (key) => values.get(key)?.source,
    service: options.service,
  };
  for (const rule of CROSS_FIELD_RULES) {
    if (rule.keys.some((key) => invalid.has(key))) continue;
    problems.push(...rule.check(view));
  }

  const service = options.service;
  if (service !== undefined) {
    for (const key of CONFIG_KEYS) {
      const definition = optionDefinition(key);
      if (!definition.requiredBy.includes(service) || values.has(key) || invalid.has(key)) continue;
      problems.push({
        kind: 'missing',
        key,
        expected: definition.expected,
        message: `${key}: required by the ${service} (expected ${definition.expected})`,
      });
    }
  }

  if (problems.length > 0) throw new ConfigError(ConfigErrorCode.INVALID_CONFIGURATION, problems, { warnings });
  return new MesoflowConfig(values, warnings, options.confFile);
}

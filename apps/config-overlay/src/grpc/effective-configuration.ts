import type { MesoflowConfig } from '@mesoflow/config';
import type { GetEffectiveConfigurationResponse } from './messages';

/** The effective configuration for the UI: every option, secrets masked, each with its source. */
export function effectiveConfiguration(config: MesoflowConfig, includeUnset: boolean): GetEffectiveConfigurationResponse {
  const entries = config
    .toDisplay()
    .filter((entry) => includeUnset || entry.value !== undefined)
    .map((entry) => ({
      key: entry.key,
      value: entry.value ?? '',
      set: entry.value !== undefined,
      source: entry.sourceText,
      group: entry.group,
      kind: entry.kind,
      description: entry.description,
      sensitive: entry.sensitive,
      master_only: entry.masterOnly,
    }));
  return { entries, conf_file: config.confFile ?? '', warnings: config.warnings.map((warning) => warning.message) };
}

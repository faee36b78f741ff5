import type { MesoflowConfig } from '@mesoflow/config';
import type { ConfigEntryView } from '@mesoflow/web-api';

/**
 * The configuration page: every option of the registry with its effective value and source.
 * Values come from the configuration's masked display (a set sensitive option shows `******`),
 * so no secret can reach a browser from here.
 */
export function configEntryViews(config: MesoflowConfig): ConfigEntryView[] {
  return config.toDisplay().map((entry) => ({
    key: entry.key,
    ...(entry.value === undefined ? {} : { value: entry.value }),
    source: entry.source?.kind ?? 'unset',
    sourceText: entry.sourceText,
    sensitive: entry.sensitive,
    description: entry.description,
  }));
}

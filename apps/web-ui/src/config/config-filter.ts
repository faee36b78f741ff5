// The configuration page's filter.
import type { ConfigEntryView } from '@mesoflow/web-api';

/** The entries whose key, value, source or description contain `text`, any case. */
export function filterConfig(entries: readonly ConfigEntryView[], text: string): readonly ConfigEntryView[] {
  const needle = text.trim().toLowerCase();
  if (needle === '') return entries;
  return entries.filter((entry) =>
    [entry.key, entry.value ?? '', entry.source, entry.sourceText, entry.description].some((field) => field.toLowerCase().includes(needle)),
  );
}

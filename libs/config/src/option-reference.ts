import { CONFIG_GROUPS } from './option';
import { CONFIG_KEYS, optionDefinition, type ConfigKey } from './registry';

/** The command that regenerates `docs/config.md`, quoted in the file and by the test that checks it. */
export const REGENERATE_DOCS_COMMAND = 'node --import tsx tools/config/generate-docs.ts';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(text: string): string {
  return text.includes('`') ? `\`\` ${text} \`\`` : `\`${text}\``;
}

function defaultCell(key: ConfigKey): string {
  const definition = optionDefinition(key);
  if (!definition.hasDefault) return '(none)';
  const text = definition.type.format(definition.default);
  return text === '' ? '(empty)' : code(text);
}

function typeCell(key: ConfigKey): string {
  const { type } = optionDefinition(key);
  return type.bareUnitNote === undefined ? type.name : `${type.name}; ${type.bareUnitNote}`;
}

function descriptionCell(key: ConfigKey): string {
  const definition = optionDefinition(key);
  const required = definition.requiredBy.length > 0 ? ` Required by: ${definition.requiredBy.join(', ')}.` : '';
  return cell(definition.description + required);
}

/**
 * The option reference as Markdown: one table per group with key, type, default,
 * description, whether the value is sensitive, and which processes read it. Generated from the
 * registry; `docs/config.md` holds its output.
 */
export function renderOptionReference(): string {
  const out: string[] = [
    '# Configuration options',
    '',
    `<!-- Generated from libs/config/src (the option registry) by \`${REGENERATE_DOCS_COMMAND}\`. Do not edit. -->`,
    '',
    'Options are read, later sources winning, from: the defaults below < `conf/mesoflow-conf.yaml`',
    '(the folder is `$MESOFLOW_CONF_DIR`, else `conf` in the working directory) < environment variables',
    '(`MESOFLOW_` + the key upper-cased with `.` and `-` turned into `_`, e.g.',
    '`MESOFLOW_MESOS_RESOURCEMANAGER_TASKS_CPUS`) < `-Dkey=value` arguments. A blank value resets an',
    'option to its default.',
    '',
    'Durations are written `10 s`, `5000 ms`, `2 min`, `1h`, `7 d`; memory sizes `1024m`, `4g`, `3500mb`,',
    '`1 gb` (binary units). What a bare number means is given per option. Sensitive values are masked in',
    'every view and never repeated in error messages. Master-only options are not inherited by',
    'TaskManagers; every other option is shipped to them by the configuration overlay.',
    '',
  ];
  for (const group of CONFIG_GROUPS) {
    const keys = CONFIG_KEYS.filter((key) => optionDefinition(key).group === group);
    if (keys.length === 0) continue;
    out.push(`## ${group}`, '', '| Key | Type | Default | Description | Sensitive | Master only | Read by |', '|---|---|---|---|---|---|---|');
    for (const key of keys) {
      const definition = optionDefinition(key);
      out.push(
        `| ${code(key)} | ${cell(typeCell(key))} | ${cell(defaultCell(key))} | ${descriptionCell(key)} | ` +
          `${definition.sensitive ? 'yes' : 'no'} | ${definition.masterOnly ? 'yes' : 'no'} | ${definition.readers.join(', ')} |`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

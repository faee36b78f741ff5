import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { REGENERATE_DOCS_COMMAND, renderOptionReference } from './option-reference';
import { CONFIG_KEYS } from './registry';

const DOCS = path.resolve(__dirname, '../../../docs/config.md');

describe('docs/config.md', () => {
  it('is current with the registry', () => {
    let committed = '';
    try {
      committed = readFileSync(DOCS, 'utf8');
    } catch {
      // reported below
    }
    if (committed !== renderOptionReference()) {
      throw new Error(`docs/config.md is not current with the option registry; regenerate it with \`${REGENERATE_DOCS_COMMAND}\` (from the repository root).`);
    }
  });

  it('lists every option once, with type, default, description, sensitivity and readers', () => {
    const reference = renderOptionReference();
    for (const key of CONFIG_KEYS) expect(reference.split(`| \`${key}\` |`)).toHaveLength(2);
    expect(reference).toContain(
      '| `mesos.resourcemanager.tasks.mem` | memory size; a bare number is megabytes | `1g` |',
    );
    expect(reference).toContain('| `mesos.resourcemanager.framework.secret` | string | (none) | The secret that goes with the framework principal. | yes | yes | scheduler |');
    expect(reference).toContain('| `high-availability` | enum (NONE \\| zookeeper) | `NONE` |');
  });
});

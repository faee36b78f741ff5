// Writes docs/config.md, the option reference, from the registry in libs/config.
// Run from anywhere: `node --import tsx tools/config/generate-docs.ts`. A test in libs/config
// fails when the committed file differs from what this writes.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderOptionReference } from '../../libs/config/src/index';

const target = path.resolve(__dirname, '../../docs/config.md');
writeFileSync(target, renderOptionReference());
console.log(`Wrote ${path.relative(process.cwd(), target) || target}`);

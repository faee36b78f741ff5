// Adds up the Jest `--json` reports of every project into one line, `N passed, N failed`,
// so a run that executed no test is plain to see. Exits non-zero when a run failed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? 'reports/jest';
let passed = 0;
let failed = 0;
let broken = 0;
for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  // A suite that failed to load counts no test but still failed.
  broken += report.numRuntimeErrorTestSuites ?? 0;
}
if (broken > 0) console.log(`${broken} test suites failed to run`);
console.log(`${passed} passed, ${failed + broken} failed`);
process.exit(failed + broken > 0 ? 1 : 0);

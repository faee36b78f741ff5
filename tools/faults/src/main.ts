// `npm run faults [-- --short] [--scenario name ...] [--keep-logs]`: the fault suite of issue 8. Prints a row
// per scenario and ends with `BENCH {...}`; exits 1 when a job was lost or duplicated, a worker
// orphaned or duplicated, or a scenario did not recover. REPLAY_SEED=<seed> replays a run's
// fault timing and victims.
import { parseArgs } from 'node:util';
import { formatReport, runSuite } from './suite';

async function main(): Promise<number> {
  const { values } = parseArgs({ args: process.argv.slice(2), options: { short: { type: 'boolean', default: false }, scenario: { type: 'string', multiple: true }, 'keep-logs': { type: 'boolean', default: false } } });
  const replay = process.env['REPLAY_SEED'];
  const seed = replay ? Number(replay) : Math.floor(Math.random() * 2 ** 31);
  const report = await runSuite({ seed, short: values.short ?? false, keepLogs: values['keep-logs'] ?? false, ...(values.scenario ? { only: values.scenario } : {}), print: (line) => console.log(line) });
  for (const line of formatReport(report)) console.log(line);
  return report.failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(2);
  },
);

// The fault suite's short form, in `npm test`: one trial each of a TaskManager killed, Redis
// killed and restarted, the Mesos master failed over, and the leading application master killed
// for its standby to take over, on one real stack in HA mode. No job may be lost or run to
// completion twice, no worker orphaned or duplicated, and each must recover.
// Replay a failure with REPLAY_SEED=<seed printed below>.
import { formatReport, runSuite } from './suite';

describe('the fault suite, short form', () => {
  it('loses and duplicates nothing, and recovers from each fault', async () => {
    const seed = process.env['REPLAY_SEED'] ? Number(process.env['REPLAY_SEED']) : Math.floor(Math.random() * 2 ** 31);
    const lines: string[] = [];
    const report = await runSuite({ seed, short: true, print: (line) => lines.push(line) });
    const table = [...lines, ...formatReport(report)].join('\n');
    console.log(table);
    expect(report.rows.map((row) => row.scenario)).toEqual(['redis-restart', 'taskmanager-kill', 'mesos-master-restart', 'leader-kill-standby-takeover']);
    for (const row of report.rows) {
      expect({ scenario: row.scenario, error: row.error, recovered: row.recoveryS !== null, submittedAll: row.submitted === 3 }).toEqual({ scenario: row.scenario, error: undefined, recovered: true, submittedAll: true });
      expect(row.finishedCorrectly).toBe(row.submitted);
      expect(row.running).toBeGreaterThanOrEqual(row.desired);
    }
    expect({ lost: report.lost, duplicated: report.duplicated, orphans: report.orphans, duplicateWorkers: report.duplicateWorkers, seed }).toEqual({ lost: 0, duplicated: 0, orphans: 0, duplicateWorkers: 0, seed });
  }, 170_000);
});

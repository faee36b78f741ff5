// The TaskManager's configuration check, run by bin/mesos-taskmanager.sh inside a Mesos sandbox.
// It loads the configuration the way the TaskManager will (MESOFLOW_CONF_DIR, MESOFLOW_*
// variables, -D arguments), prints what it found and exits 0, or prints the problems and exits 1.
//
// This step stands in for the TaskManager until the TaskManager issue, which replaces it with
// the real process; it is shipped as one bundled file (see taskmanager-check-bundle.ts).
import { isConfigError, loadConfig, parseDynamicProperties } from '@mesoflow/config';
import { checkTaskManagerConf } from './check-taskmanager-conf';

function main(argv: readonly string[]): number {
  try {
    const { properties } = parseDynamicProperties(argv);
    const config = loadConfig({ dynamicProperties: properties, service: 'taskmanager' });
    const report = checkTaskManagerConf(config, process.cwd());
    for (const line of report.lines) process.stdout.write(`${line}\n`);
    for (const warning of config.warnings) process.stderr.write(`Warning: ${warning.message}\n`);
    for (const problem of report.problems) process.stderr.write(`Problem: ${problem}\n`);
    return report.problems.length === 0 ? 0 : 1;
  } catch (error) {
    process.stderr.write(`${isConfigError(error) ? error.message : String(error)}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));

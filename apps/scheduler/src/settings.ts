import { SchedulerError, SchedulerErrorCode } from './scheduler/errors';

/** The scheduler's own command-line flags (Mesoflow options come as `-D`). */
export interface SchedulerSettings {
  /** `--store-dir`: the file worker store's folder; no registry key fits it yet. */
  storeDir: string;
  /** `--workers`: how many TaskManagers to keep running. */
  desiredWorkers: number;
}

/**
 * Parses `--store-dir <path> --workers <n>` (also `--flag=value`).
 * @throws SchedulerError `INVALID_CONFIGURATION` naming every problem.
 */
export function parseSettings(args: readonly string[]): SchedulerSettings {
  const values = new Map<string, string>();
  const problems: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    const match = /^--(store-dir|workers)(?:=(.*))?$/.exec(arg);
    if (!match?.[1]) {
      problems.push(`unknown argument '${arg}'`);
      continue;
    }
    const value = match[2] ?? args[++i];
    if (value === undefined || value === '') problems.push(`--${match[1]} needs a value`);
    else values.set(match[1], value);
  }
  const storeDir = values.get('store-dir');
  if (storeDir === undefined) problems.push('--store-dir is required');
  const workersText = values.get('workers') ?? '1';
  const desiredWorkers = Number(workersText);
  if (!/^\d+$/.test(workersText) || !Number.isSafeInteger(desiredWorkers)) {
    problems.push(`--workers must be a whole number >= 0, got '${workersText}'`);
  }
  if (problems.length > 0 || storeDir === undefined) {
    throw new SchedulerError(SchedulerErrorCode.INVALID_CONFIGURATION, `Invalid arguments: ${problems.join('; ')}`);
  }
  return { storeDir, desiredWorkers };
}

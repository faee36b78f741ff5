import { join, resolve } from 'node:path';
import type { DistributionFile } from '../overlays/distribution-overlay';
import { bundleTaskManagerCheck, TASKMANAGER_CHECK_PATH } from './taskmanager-check-bundle';

/** The repository's `bin/mesos-taskmanager.sh`. */
export const ENTRY_SCRIPT_SOURCE = resolve(__dirname, '../../../../bin/mesos-taskmanager.sh');
export const ENTRY_SCRIPT_PATH = 'bin/mesos-taskmanager.sh';

/** Where the checkout's build output goes (`dist/`, not committed). */
const BUILD_DIR = resolve(__dirname, '../../../../dist/config-overlay');

/**
 * The distribution when none is configured, built from this checkout: the entry script and the
 * bundled TaskManager step, bundled into `dir` (the checkout's `dist/config-overlay` by
 * default, replaced on every start rather than piling up).
 */
export async function defaultDistributionFiles(dir: string = BUILD_DIR): Promise<DistributionFile[]> {
  const bundle = join(dir, 'verify-taskmanager-conf.js');
  await bundleTaskManagerCheck(bundle);
  return [
    { path: ENTRY_SCRIPT_PATH, source: ENTRY_SCRIPT_SOURCE },
    { path: TASKMANAGER_CHECK_PATH, source: bundle },
  ];
}

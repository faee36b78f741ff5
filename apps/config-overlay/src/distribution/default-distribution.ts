import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DistributionFile } from '../overlays/distribution-overlay';
import { bundleTaskManagerCheck, TASKMANAGER_CHECK_PATH } from './taskmanager-check-bundle';

/** The repository's `bin/mesos-taskmanager.sh`. */
export const ENTRY_SCRIPT_SOURCE = resolve(__dirname, '../../../../bin/mesos-taskmanager.sh');
export const ENTRY_SCRIPT_PATH = 'bin/mesos-taskmanager.sh';

/**
 * The distribution when none is configured, built from this checkout: the entry script and the
 * bundled TaskManager step. Bundles into a new folder under `workDir` (the system's temporary
 * folder by default).
 */
export async function defaultDistributionFiles(workDir: string = tmpdir()): Promise<DistributionFile[]> {
  const dir = await mkdtemp(join(workDir, 'mesoflow-distribution-'));
  const bundle = join(dir, 'verify-taskmanager-conf.js');
  await bundleTaskManagerCheck(bundle);
  return [
    { path: ENTRY_SCRIPT_PATH, source: ENTRY_SCRIPT_SOURCE },
    { path: TASKMANAGER_CHECK_PATH, source: bundle },
  ];
}

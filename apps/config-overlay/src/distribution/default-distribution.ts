import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { DistributionFile } from '../overlays/distribution-overlay';
import { bundleTaskManagerCheck, TASKMANAGER_CHECK_PATH } from './taskmanager-check-bundle';

const REPOSITORY = resolve(__dirname, '../../../..');

/** The repository's `bin/mesos-taskmanager.sh`. */
export const ENTRY_SCRIPT_SOURCE = join(REPOSITORY, 'bin/mesos-taskmanager.sh');
export const ENTRY_SCRIPT_PATH = 'bin/mesos-taskmanager.sh';
/** Where the TaskManager bundle and its `proto/` sit inside the distribution (the entry script runs it). */
export const TASKMANAGER_PATH = 'libexec/taskmanager';

/** Where the checkout's build output goes (`dist/`, not committed). */
const BUILD_DIR = join(REPOSITORY, 'dist/config-overlay');

/**
 * The distribution when none is configured, built from this checkout: the entry script, the
 * bundled configuration check, and the TaskManager bundled with the `.proto` files it loads
 * (`npm run bundle -- taskmanager`, rebuilt only when its sources changed), all under `dir`
 * (the checkout's `dist/config-overlay` by default).
 */
export async function defaultDistributionFiles(dir: string = BUILD_DIR): Promise<DistributionFile[]> {
  const check = join(dir, 'verify-taskmanager-conf.js');
  await bundleTaskManagerCheck(check);
  const taskManager = join(dir, 'taskmanager');
  // The bundler is the repository's build tool (an ES module); run it as the build would.
  await promisify(execFile)(process.execPath, [join(REPOSITORY, 'tools/build/bundle-service.mjs'), 'taskmanager', '--out-dir', taskManager, '--if-stale']);
  const shipped = ['main.js', ...(await filesUnder(join(taskManager, 'proto'))).map((file) => relative(taskManager, file))];
  return [
    { path: ENTRY_SCRIPT_PATH, source: ENTRY_SCRIPT_SOURCE },
    { path: TASKMANAGER_CHECK_PATH, source: check },
    ...shipped.map((file) => ({ path: `${TASKMANAGER_PATH}/${file}`, source: join(taskManager, file) })),
  ];
}

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? filesUnder(join(folder, entry.name)) : Promise.resolve([join(folder, entry.name)]))),
  );
  return nested.flat().sort();
}

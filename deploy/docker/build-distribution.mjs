// Lays out the TaskManager distribution in a folder, exactly as the configuration overlay ships it
// to Mesos sandboxes for container type `mesos` (apps/config-overlay's defaultDistributionFiles):
//   bin/mesos-taskmanager.sh, libexec/verify-taskmanager-conf.js, libexec/taskmanager/main.js + proto/
// Dockerfile.taskmanager runs it in its build stage so that the image holds the same files at
// MESOFLOW_HOME that a sandbox gets under $MESOS_SANDBOX/mesoflow; the deploy tests run it to start
// the entry script from that layout. Run from the repository root, with tsx loaded (the overlay's
// code is TypeScript):
//
//   node --import tsx deploy/docker/build-distribution.mjs <target-dir>
//
// The overlay's own function is called rather than re-stating its bundler calls here, so the
// image cannot drift from what `mesos` containers receive.
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const [target, ...extra] = process.argv.slice(2);
if (target === undefined || extra.length > 0) {
  console.error('Usage: node --import tsx deploy/docker/build-distribution.mjs <target-dir>');
  process.exit(2);
}

const { defaultDistributionFiles } = await import('../../apps/config-overlay/src/distribution/default-distribution.ts');
// The bundles are built in a scratch folder: the overlay's default (dist/config-overlay) belongs to
// the checkout's running services, and its `run` and source maps are not part of the distribution.
const scratch = mkdtempSync(join(tmpdir(), 'mesoflow-distribution-'));
try {
  const files = await defaultDistributionFiles(scratch);
  for (const { path, source } of files) {
    const destination = resolve(target, path);
    mkdirSync(dirname(destination), { recursive: true });
    cpSync(source, destination);
    // The archive the overlay builds keeps only "executable or not"; so does this copy.
    chmodSync(destination, (statSync(source).mode & 0o111) !== 0 ? 0o755 : 0o644);
  }
  console.log(`Wrote the TaskManager distribution (${files.length} files) to ${resolve(target)}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

import { build } from 'esbuild';
import { join, resolve } from 'node:path';

/** Where the check step sits inside the distribution. */
export const TASKMANAGER_CHECK_PATH = 'libexec/verify-taskmanager-conf.js';

const ENTRY = join(__dirname, '../taskmanager-check/verify-taskmanager-conf.ts');
const TSCONFIG = resolve(__dirname, '../../tsconfig.json');

/**
 * Bundles the TaskManager's configuration check and everything it imports into one JavaScript
 * file that needs only `node` on the agent: a sandbox has no node_modules. Deterministic for
 * the same sources, so the distribution's checksum changes only when they do.
 */
export async function bundleTaskManagerCheck(outFile: string): Promise<void> {
  await build({
    entryPoints: [ENTRY],
    outfile: outFile,
    tsconfig: TSCONFIG,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    legalComments: 'none',
    logLevel: 'silent',
  });
}

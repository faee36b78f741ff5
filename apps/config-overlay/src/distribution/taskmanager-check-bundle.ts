import { build } from 'esbuild';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

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
  const { outputFiles } = await build({
    entryPoints: [ENTRY],
    outfile: outFile,
    write: false,
    tsconfig: TSCONFIG,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const [output] = outputFiles;
  if (!output) throw new Error(`esbuild produced no output for ${ENTRY}`);
  // Several processes may bundle at once (tests, restarts): each writes its own file and
  // renames it into place, so a reader never sees half a bundle.
  await mkdir(dirname(outFile), { recursive: true });
  const partial = `${outFile}.${process.pid}.partial`;
  await writeFile(partial, output.contents);
  await rename(partial, outFile);
}

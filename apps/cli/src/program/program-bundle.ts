// A program as the TaskManagers run it: one CommonJS file with the program, the dataflow API and
// every other import inside, so a TaskManager needs nothing but Node to load it (Flink ships a
// fat jar for the same reason). esbuild bundles it; it also takes TypeScript programs as they are.
import { sha256Hex } from '@mesoflow/artifacts-client';
import { build, type Message } from 'esbuild';
import { basename, extname, join } from 'node:path';
import { CliError } from '../cli-error';

export interface ProgramBundle {
  /** The program file the user named. */
  readonly program: string;
  readonly content: Buffer;
  readonly sha256: string;
  /** Where it is published on the artifact server: content-addressed, so a re-run reuses it. */
  readonly artifactPath: string;
}

/**
 * Bundles `program` for Node 20. `@mesoflow/*` imports resolve to this installation's libraries
 * (through `mesoflowHome`'s tsconfig paths), so a program outside the repository can use them.
 * @throws CliError with the first build error and where it is.
 */
export async function bundleProgram(program: string, mesoflowHome: string): Promise<ProgramBundle> {
  let output: Uint8Array | undefined;
  try {
    const result = await build({
      entryPoints: [program],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      // Less than half the bytes to upload and for each TaskManager to parse; names are kept, as
      // function names can name operators and show in error messages.
      minify: true,
      keepNames: true,
      tsconfig: join(mesoflowHome, 'tsconfig.base.json'),
      absWorkingDir: mesoflowHome,
      logLevel: 'silent',
    });
    output = result.outputFiles[0]?.contents;
  } catch (error) {
    const first = (error as { errors?: Message[] }).errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line}:${first.location.column})` : '';
    throw new CliError(`The program '${program}' could not be bundled: ${first?.text ?? (error as Error).message}${where}`, { cause: error });
  }
  if (output === undefined) throw new CliError(`The program '${program}' could not be bundled: esbuild produced no output`);
  const content = Buffer.from(output);
  const sha256 = sha256Hex(content);
  const name = basename(program, extname(program)).replace(/[^A-Za-z0-9._-]/g, '_') || 'program';
  return { program, content, sha256, artifactPath: `bundles/${sha256.slice(0, 16)}/${name}.js` };
}

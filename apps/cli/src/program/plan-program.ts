// Plan mode: the CLI runs the bundled program up to `env.execute()` to get its JobGraph, exactly
// as a TaskManager will load the same bytes (see libs/dataflow/api/src/execution-context.ts).
import { isDataflowError, planProgram, type JobExecutionResult, type JobPlan } from '@mesoflow/dataflow-api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError } from '../cli-error';
import type { ProgramBundle } from './program-bundle';

export interface PlanBundleOptions {
  /** The program's own arguments (its `process.argv.slice(2)`). */
  args: readonly string[];
  /** `parallelism.default`. */
  defaultParallelism: number;
  /** An attached run: what `execute()` resolves with. */
  attach?: (plan: JobPlan) => Promise<JobExecutionResult>;
}

/**
 * Loads the bundle with the program's arguments and returns its plan.
 * @throws CliError when the program throws, never calls `execute()` or builds an invalid graph.
 */
export async function planBundle(bundle: ProgramBundle, options: PlanBundleOptions): Promise<JobPlan> {
  const folder = mkdtempSync(join(tmpdir(), 'mesoflow-plan-'));
  const file = join(folder, 'program.js');
  writeFileSync(file, bundle.content);
  // The program reads its arguments at load time, as it will on the TaskManagers.
  const argv = process.argv;
  process.argv = [argv[0] ?? process.execPath, bundle.program, ...options.args];
  try {
    // The bundle is CommonJS, loaded as the TaskManager's loader does.
    return await planProgram(() => createRequire(__filename)(file) as unknown, {
      bundle: { path: bundle.artifactPath, sha256: bundle.sha256 },
      defaultParallelism: options.defaultParallelism,
      ...(options.attach === undefined ? {} : { attach: options.attach }),
    });
  } catch (error) {
    if (!isDataflowError(error)) throw error;
    const problems = error.problems.map((problem) => problem.message).join('; ');
    throw new CliError(`The program '${bundle.program}' cannot be run: ${error.message}${problems === '' ? '' : ` (${problems})`}`, { cause: error });
  } finally {
    process.argv = argv;
    rmSync(folder, { recursive: true, force: true });
  }
}

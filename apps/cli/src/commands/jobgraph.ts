// `mesoflow jobgraph program [args] -o job.graph`: the job as one file for a per-job cluster
// (`bin/mesos-appmaster-job.sh -Dinternal.jobgraph-path=job.graph`), like Flink's serialized
// JobGraph for per-job mode; the bundle is inside, so the file alone is the job.
import { encodeJobGraph } from '@mesoflow/dataflow-api';
import { mesoflow } from '@mesoflow/proto';
import { writeFileSync } from 'node:fs';
import { CliError } from '../cli-error';
import { planBundle } from '../program/plan-program';
import { bundleProgram } from '../program/program-bundle';

export interface JobGraphOptions {
  program: string;
  args: readonly string[];
  output: string;
  defaultParallelism: number;
  mesoflowHome: string;
}

/** Writes the file and returns a line saying what it holds. */
export async function writeJobGraph(options: JobGraphOptions): Promise<string> {
  const bundle = await bundleProgram(options.program, options.mesoflowHome);
  const plan = await planBundle(bundle, { args: options.args, defaultParallelism: options.defaultParallelism });
  const file = mesoflow.dispatcher.v1.JobGraphFile.encode({ job_graph: encodeJobGraph(plan.graph), bundle: bundle.content, program_args: [...options.args] }).finish();
  try {
    writeFileSync(options.output, file);
  } catch (error) {
    throw new CliError(`Cannot write the job graph to '${options.output}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
  const vertices = plan.graph.vertices.length;
  return `Wrote job '${plan.jobName}' (${vertices} vertices, bundle ${(bundle.content.length / 1024).toFixed(0)} KiB) to ${options.output}`;
}

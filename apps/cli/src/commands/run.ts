// `mesoflow run [--detached] program [args]`: bundle, plan, upload, submit, then (attached)
// follow the job to its end and hand its result back to the program, as Flink's `flink run`.
import { status } from '@grpc/grpc-js';
import { GrpcArtifactPublisher } from '@mesoflow/artifacts-client';
import { encodeJobGraph, type JobExecutionResult, type JobPlan } from '@mesoflow/dataflow-api';
import { randomUUID } from 'node:crypto';
import { CliError } from '../cli-error';
import type { ClusterEndpoints } from '../cluster-endpoints';
import { describeJob, Progress } from '../output/progress';
import { planBundle } from '../program/plan-program';
import { bundleProgram, type ProgramBundle } from '../program/program-bundle';
import { isEnded, JobServiceClient, JobState, stateName, type JobMessage } from '../remote/job-service-client';

export interface RunOptions {
  program: string;
  args: readonly string[];
  detached: boolean;
  defaultParallelism: number;
  /** The `-D` options passed on to the job. */
  jobConfig: Record<string, string>;
  endpoints: ClusterEndpoints;
  mesoflowHome: string;
  out: NodeJS.WritableStream & { isTTY?: boolean };
}

/** What `run` ends with: the job's id and final state (undefined for a detached run). */
export interface RunOutcome {
  jobId: string;
  state: JobMessage['state'] | undefined;
}

export async function runProgram(options: RunOptions): Promise<RunOutcome> {
  const progress = new Progress(options.out);
  progress.update(`Bundling ${options.program}`);
  const bundle = await bundleProgram(options.program, options.mesoflowHome);
  const client = JobServiceClient.forCluster(options.endpoints);
  try {
    let followed: Promise<RunOutcome> | undefined;
    progress.update(`Planning ${options.program}`);
    const plan = await planBundle(bundle, {
      args: options.args,
      defaultParallelism: options.defaultParallelism,
      ...(options.detached
        ? {}
        : {
            attach: (planned: JobPlan) => {
              const result = submitAndFollow(planned);
              followed = result.outcome;
              return result.executionResult;
            },
          }),
    });
    if (options.detached) {
      const jobId = await submit(plan);
      progress.finish(`Job '${plan.jobName}' has been submitted with JobID ${jobId}`);
      return { jobId, state: undefined };
    }
    if (followed === undefined) throw new CliError(`The program '${options.program}' did not hand its job over`);
    return await followed;

    function submitAndFollow(planned: JobPlan): { outcome: Promise<RunOutcome>; executionResult: Promise<JobExecutionResult> } {
      const outcome = (async (): Promise<RunOutcome & { end: JobMessage }> => {
        const jobId = await submit(planned);
        progress.log(`Job '${planned.jobName}' has been submitted with JobID ${jobId}`);
        let last: JobMessage | undefined;
        for await (const job of client.watch(jobId, (reason) => progress.log(`Lost the job's progress stream (${reason}); reconnecting`))) {
          last = job;
          progress.update(describeJob(job));
        }
        if (last === undefined || !isEnded(last)) throw new CliError(`The progress of job ${jobId} ended before the job did; see \`mesoflow info ${jobId}\``);
        progress.finish(summary(last));
        return { jobId, state: last.state ?? undefined, end: last };
      })();
      // Only the job's own end reaches the program; when the CLI cannot submit or follow the
      // job it reports that itself and exits, leaving the program stopped at execute().
      const executionResult = outcome.then(
        ({ end }) => executionResultOf(end),
        () => new Promise<never>(() => undefined),
      );
      return { outcome, executionResult };
    }
  } finally {
    progress.finish();
    client.close();
  }

  async function submit(plan: JobPlan): Promise<string> {
    const bundleUri = await publish(bundle, options, progress);
    progress.update(`Submitting job '${plan.jobName}' to ${options.endpoints.gateway}`);
    const response = await client.submit(
      {
        submission_id: `cli-${randomUUID()}`,
        job_name: plan.jobName,
        job_graph: encodeJobGraph(plan.graph),
        bundle: { uri: bundleUri, sha256: bundle.sha256 },
        config: options.jobConfig,
        program_args: [...options.args],
      },
      (error, attempt) => progress.update(`Submitting job '${plan.jobName}': ${options.endpoints.gateway} answered ${status[error.grpcCode ?? status.UNKNOWN]}; retry ${attempt}`),
    );
    return response.job_id ?? '';
  }
}

/**
 * Uploads the bundle to the cluster's artifact server; TaskManagers fetch it from the URL. The
 * upload is plaintext even with `security.ssl.rest.enabled`: the artifact server's gRPC port
 * has no TLS yet.
 */
async function publish(bundle: ProgramBundle, options: RunOptions, progress: Progress): Promise<string> {
  const target = options.endpoints.artifactServer;
  if (target === undefined) {
    throw new CliError(
      'Cannot upload the program: the artifact server is not configured. Set -Dmesos.resourcemanager.artifactserver.grpc.port=<port> ' +
        '(in conf/mesoflow-conf.yaml or on the command line), as the session cluster was started with.',
    );
  }
  progress.update(`Uploading the program bundle (${(bundle.content.length / 1024).toFixed(0)} KiB) to ${target}`);
  const publisher = new GrpcArtifactPublisher({ target });
  try {
    return (await publisher.publish({ path: bundle.artifactPath, content: bundle.content, secret: false })).url;
  } catch (error) {
    throw new CliError(`Cannot upload the program bundle: ${(error as Error).message}. Is the session cluster's artifact server running?`, { cause: error });
  } finally {
    publisher.close();
  }
}

function summary(job: JobMessage): string {
  const seconds = job.ended_at_ms && job.started_at_ms ? ` in ${((Number(job.ended_at_ms) - Number(job.started_at_ms)) / 1000).toFixed(1)} s` : '';
  const why = job.failure ? `: ${job.failure}` : '';
  return `Job '${job.job_name}' (${job.job_id}) ${stateName(job.state)}${seconds}${why}`;
}

/** The job's end as the program sees it: collected records, or the failure as an error. */
function executionResultOf(job: JobMessage): JobExecutionResult {
  if (job.state !== JobState.FINISHED) throw new JobEndedError(summary(job));
  const collected = new Map<string, unknown[]>();
  for (const result of job.results ?? []) collected.set(result.operator_id ?? '', (result.records_json ?? []).map((json) => JSON.parse(json) as unknown));
  return { jobName: job.job_name ?? '', collected };
}

/** The job failed or was canceled on the cluster: a local stack trace would only mislead. */
class JobEndedError extends Error {
  override readonly name = 'JobExecutionException';

  constructor(message: string) {
    super(message);
    this.stack = `${this.name}: ${message}`;
  }
}

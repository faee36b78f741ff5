// Per-job mode (bin/mesos-appmaster-job.sh): the cluster exists for one job, read from the job
// graph file `bin/mesoflow jobgraph` wrote (Flink's `internal.jobgraph-path`). There is no queue:
// the job master runs the job once, and the scheduler is told to deregister the application when
// it ends, which tears the Mesos framework down with the cluster.
import { GrpcArtifactPublisher, sha256Hex } from '@mesoflow/artifacts-client';
import { decodeJobGraph, validateJobGraph } from '@mesoflow/dataflow-api';
import type { JsonValue, RunContext } from '@mesoflow/dispatcher-submissions';
import { mesoflow } from '@mesoflow/proto';
import type { ApplicationStatus, SlotRequester } from '@mesoflow/resourcemanager-client';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { JobExecution } from '../execution/job-master-execution';
import { PROGRAM_ARGS_KEY } from '../jobs/submit-request';

/** A job graph file, read and checked. */
export interface JobGraphFileContents {
  readonly jobId: string;
  readonly jobName: string;
  readonly jobGraph: Uint8Array;
  readonly bundle: Buffer;
  readonly programArgs: string[];
}

/**
 * Reads a JobGraphFile. The job id is derived from the file's content, as Flink's per-job
 * cluster takes it from the serialized JobGraph: the same file is the same job.
 * @throws Error naming the file and what is wrong with it.
 */
export function readJobGraphFile(path: string): JobGraphFileContents {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new Error(`internal.jobgraph-path: '${path}' cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); expected a file written by 'bin/mesoflow jobgraph'`, { cause: error });
  }
  let file: mesoflow.dispatcher.v1.JobGraphFile;
  try {
    file = mesoflow.dispatcher.v1.JobGraphFile.decode(bytes);
  } catch (error) {
    throw new Error(`internal.jobgraph-path: '${path}' is not a job graph file (${(error as Error).message}); write one with 'bin/mesoflow jobgraph'`, { cause: error });
  }
  const graph = decodeJobGraph(file.job_graph);
  validateJobGraph(graph);
  const bundle = Buffer.from(file.bundle);
  if (bundle.length === 0 || graph.bundle?.sha256 !== sha256Hex(bundle)) {
    throw new Error(`internal.jobgraph-path: '${path}' holds no program bundle matching its job graph; write it again with 'bin/mesoflow jobgraph'`);
  }
  return { jobId: sha256Hex(bytes).slice(0, 32), jobName: graph.job_name ?? '', jobGraph: file.job_graph, bundle, programArgs: [...file.program_args] };
}

export interface RunJobGraphOptions {
  job: JobGraphFileContents;
  /** Where the bundle is published for the TaskManagers' fetch. */
  publisher: Pick<GrpcArtifactPublisher, 'publish'>;
  execution: JobExecution;
  /** The scheduler's resource manager, told when the application ends. */
  slots: Pick<SlotRequester, 'deregisterApplication'>;
  logger: Logger;
  /** Aborted on SIGTERM: the job is canceled, and the application deregistered as CANCELED. */
  signal: AbortSignal;
}

/** How the job ended, for the process exit code. */
export interface JobClusterOutcome {
  status: ApplicationStatus;
  result?: JsonValue;
}

/** Publishes the bundle, runs the job once, then deregisters the application with its outcome. */
export async function runJobGraph(options: RunJobGraphOptions): Promise<JobClusterOutcome> {
  const { job, logger } = options;
  const bundleUri = await publishWithRetry(options);
  const context: RunContext = {
    jobId: job.jobId,
    submission: {
      submissionId: `job-cluster-${job.jobId}`,
      jobName: job.jobName,
      jobGraph: job.jobGraph,
      bundle: { uri: bundleUri, sha256: sha256Hex(job.bundle) },
      config: job.programArgs.length > 0 ? { [PROGRAM_ARGS_KEY]: JSON.stringify(job.programArgs) } : {},
    },
    attempt: 1,
    signal: options.signal,
    progress: (progress) => {
      logger.info({ jobId: job.jobId, progress }, `Job '${job.jobName}' (${job.jobId}): ${JSON.stringify(progress)}`);
      return Promise.resolve();
    },
  };
  logger.info(`Running job '${job.jobName}' (${job.jobId}) of this per-job cluster`);
  let outcome: JobClusterOutcome;
  let diagnostics: string;
  try {
    const result = await options.execution.run(context);
    outcome = { status: 'SUCCEEDED', result };
    diagnostics = `Job '${job.jobName}' (${job.jobId}) finished`;
    logger.info({ jobId: job.jobId, result }, diagnostics);
  } catch (error) {
    outcome = { status: options.signal.aborted ? 'CANCELED' : 'FAILED' };
    diagnostics = `Job '${job.jobName}' (${job.jobId}) ${outcome.status === 'CANCELED' ? 'was canceled' : `failed: ${(error as Error).message}`}`;
    logger.error(diagnostics);
  }
  // The requester logs the answer: whether the framework was torn down.
  await options.slots.deregisterApplication({ status: outcome.status, diagnostics });
  return outcome;
}

/** The artifact server starts beside this process; its gRPC port may not be open yet. */
async function publishWithRetry(options: RunJobGraphOptions): Promise<string> {
  const path = `bundles/${sha256Hex(options.job.bundle).slice(0, 16)}/${options.job.jobId}.js`;
  for (let attempt = 1; ; attempt++) {
    try {
      return (await options.publisher.publish({ path, content: options.job.bundle, secret: false })).url;
    } catch (error) {
      if (attempt >= 30 || options.signal.aborted) throw error;
      options.logger.warn(`The program bundle could not be published yet (${(error as Error).message}); retrying`);
      await sleep(1_000);
    }
  }
}

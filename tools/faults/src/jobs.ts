// The suite's jobs: one CountedSums graph planned by `bin/mesoflow jobgraph`, its bundle published
// to the cluster's artifact server, then submitted many times through the gateway's gRPC
// JobService, each with its own tag (program arguments) and a submission id retried as a user's
// client retries it: the same id, so a retry is never a second job.
import * as grpc from '@grpc/grpc-js';
import { GrpcArtifactPublisher, sha256Hex } from '@mesoflow/artifacts-client';
import { grpcServiceClient, JOB_SERVICE_GRPC, mesoflow } from '@mesoflow/proto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

type JobMessage = mesoflow.dispatcher.v1.Job.$Properties;
type SubmitRequest = mesoflow.dispatcher.v1.SubmitJobRequest.$Properties;
type SubmitResponse = mesoflow.dispatcher.v1.SubmitJobResponse.$Properties;
type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

/** The dispatcher's job states. */
export const JobState = mesoflow.dispatcher.v1.JobState;

interface RawJobService extends grpc.Client {
  SubmitJob(request: SubmitRequest, options: grpc.CallOptions, callback: Callback<SubmitResponse>): void;
  GetJob(request: { job_id: string }, options: grpc.CallOptions, callback: Callback<JobMessage>): void;
  ListJobs(request: { limit: number }, options: grpc.CallOptions, callback: Callback<{ jobs?: JobMessage[] }>): void;
}

/** The program every scenario submits. */
export const PROGRAM = join(__dirname, 'programs/counted-sums.ts');

/** How big each job is: `records` numbers, `recordMs` each in the slow map (parallelism 2). */
export interface JobSize {
  readonly records: number;
  readonly recordMs: number;
}

/** The sums a correct run collects, as the JSON records the gateway returns, sorted. */
export function expectedSums({ records }: JobSize): string[] {
  const sums = [0, 0, 0, 0];
  for (let n = 0; n < records; n++) sums[n % 4] = (sums[n % 4] ?? 0) + n;
  return sums.map((sum, key) => JSON.stringify([key, sum])).sort();
}

/** The planned job: its graph and bundle, read from the file `bin/mesoflow jobgraph` wrote. */
export interface PlannedJob {
  readonly name: string;
  readonly graph: Uint8Array;
  readonly bundle: Buffer;
  readonly size: JobSize;
}

/** The program's arguments for one submission. */
export function programArgs(size: JobSize, tag: string, effectsDir: string): string[] {
  return ['--tag', tag, '--effects', effectsDir, '--records', String(size.records), '--record-ms', String(size.recordMs)];
}

/** Reads a JobGraphFile. */
export function readPlannedJob(path: string, size: JobSize): PlannedJob {
  const file = mesoflow.dispatcher.v1.JobGraphFile.decode(readFileSync(path));
  const graph = mesoflow.dataflow.v1.JobGraph.decode(file.job_graph);
  return { name: graph.job_name, graph: file.job_graph, bundle: Buffer.from(file.bundle), size };
}

/** Publishes the bundle to the artifact server at `target` (gRPC) and returns its URL. */
export async function publishBundle(target: string, job: PlannedJob): Promise<{ uri: string; sha256: string }> {
  const publisher = new GrpcArtifactPublisher({ target });
  try {
    const sha256 = sha256Hex(job.bundle);
    const { url } = await publisher.publish({ path: `bundles/${sha256.slice(0, 16)}/counted-sums.js`, content: job.bundle, secret: false });
    return { uri: url, sha256 };
  } finally {
    publisher.close();
  }
}

const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.INTERNAL, grpc.status.UNKNOWN]);

/**
 * The gateways' JobService, as a client that waits out a gateway restarting. Given several
 * gateways (`host:port` each), grpc-js' pick-first goes to the first that answers, and to another
 * when that one dies, as a client behind a list of masters does.
 */
export class JobServiceClient {
  private readonly client: RawJobService;

  constructor(targets: readonly string[]) {
    const Client = grpcServiceClient(JOB_SERVICE_GRPC);
    const target = targets.length === 1 ? (targets[0] ?? '') : `ipv4:${targets.join(',')}`;
    this.client = new Client(target, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': 64 * 1024 * 1024 }) as unknown as RawJobService;
  }

  /**
   * Submits with the same submission id until the gateway accepts it or `giveUpMs` passes. Some
   * failures (INTERNAL, UNKNOWN: Redis went away mid-call) leave it unknown whether the job was
   * queued; resending the same id is what makes that safe.
   */
  async submit(request: SubmitRequest, giveUpMs: number): Promise<string> {
    const giveUpAt = Date.now() + giveUpMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await this.unary<SubmitResponse>((options, callback) => this.client.SubmitJob(request, options, callback));
        return response.job_id ?? '';
      } catch (error) {
        const code = (error as grpc.ServiceError).code;
        if (!RETRYABLE.has(code) || Date.now() >= giveUpAt) throw error;
        await sleep(Math.min(200 * 2 ** attempt, 2_000));
      }
    }
  }

  get(jobId: string): Promise<JobMessage> {
    return this.unary((options, callback) => this.client.GetJob({ job_id: jobId }, options, callback));
  }

  async list(limit: number): Promise<JobMessage[]> {
    return (await this.unary<{ jobs?: JobMessage[] }>((options, callback) => this.client.ListJobs({ limit }, options, callback))).jobs ?? [];
  }

  close(): void {
    this.client.close();
  }

  private unary<T>(call: (options: grpc.CallOptions, callback: Callback<T>) => void): Promise<T> {
    return new Promise((resolve, reject) =>
      call({ deadline: new Date(Date.now() + 5_000) }, (error, value) => (error || value === undefined ? reject(error ?? new Error('empty answer')) : resolve(value))),
    );
  }
}

/** True once the job can no longer change. */
export function hasEnded(job: JobMessage): boolean {
  return job.state === JobState.FINISHED || job.state === JobState.FAILED || job.state === JobState.CANCELED;
}

/** The collected records of a FINISHED job, sorted. */
export function collectedRecords(job: JobMessage): string[] {
  return (job.results ?? []).flatMap((result) => result.records_json ?? []).sort();
}

export type { JobMessage };

// The JobService as a client sees it (grpc-js, plain-object messages) and a small valid
// submission: a WordCount graph planned the way the CLI plans one.
import * as grpc from '@grpc/grpc-js';
import { compileJobGraph, encodeJobGraph, StreamExecutionEnvironment } from '@mesoflow/dataflow-api';
import { grpcServiceClient, JOB_SERVICE_GRPC } from '@mesoflow/proto';
import type { JobMessage, ListJobsResponse, SubmitJobResponse } from '../grpc/messages';

/** The bundle digest the test graphs are planned with. */
export const SHA = 'a'.repeat(64);

type Unary<Req, Res> = (request: Req, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: Res) => void) => void;

export interface JobServiceClient extends grpc.Client {
  SubmitJob: Unary<object, SubmitJobResponse>;
  GetJob: Unary<object, JobMessage>;
  ListJobs: Unary<object, ListJobsResponse>;
  CancelJob: Unary<object, JobMessage>;
  WatchJob(request: object, options?: grpc.CallOptions): grpc.ClientReadableStream<JobMessage>;
}

export function jobServiceClient(target: string, options: grpc.ChannelOptions = {}): JobServiceClient {
  const JobService = grpcServiceClient(JOB_SERVICE_GRPC);
  return new JobService(target, grpc.credentials.createInsecure(), options) as unknown as JobServiceClient;
}

export function call<Res>(client: JobServiceClient, method: Unary<object, Res>, request: object, token?: string, deadlineMs = 10_000): Promise<Res> {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return new Promise((resolve, reject) =>
    method.call(client, request, metadata, { deadline: new Date(Date.now() + deadlineMs) }, (error, response) => (error ? reject(error) : resolve(response as Res))),
  );
}

export function wordCountGraph(sha256 = SHA): Uint8Array {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
  env
    .fromCollection(['to be or not to be'])
    .flatMap((line: string) => line.split(' ').map((word): [string, number] => [word, 1]))
    .keyBy(([word]) => word)
    .sum(1)
    .collect();
  return encodeJobGraph(compileJobGraph(env, 'WordCount', { bundle: { path: 'jobs/wordcount.js', sha256 } }));
}

/** The encoded WordCount graph, planned with {@link SHA}. */
export const GRAPH = wordCountGraph();

/** A SubmitJobRequest of the WordCount graph; `overrides` replace fields. */
export function submitRequest(submissionId: string, overrides: object = {}): object {
  return { submission_id: submissionId, job_name: 'WordCount', job_graph: GRAPH, bundle: { uri: 'http://127.0.0.1:1/jobs/wordcount.js', sha256: SHA }, config: { 'parallelism.default': '2' }, ...overrides };
}

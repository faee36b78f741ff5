import type { Metadata } from '@grpc/grpc-js';
import { JOB_SERVICE_GRPC } from '@mesoflow/proto';
import { Controller, Inject } from '@nestjs/common';
import { GrpcMethod, RpcException } from '@nestjs/microservices';
import { Observable } from 'rxjs';
import { TokenAuth } from '../auth/token-auth';
import { grpcStatusOf, toGatewayError } from '../errors';
import { JobGateway } from '../jobs/job-gateway';
import { jobMessage, jobStateNumber, type JobMessage } from '../jobs/job-view';
import type { CancelJobRequest, GetJobRequest, ListJobsRequest, ListJobsResponse, SubmitJobRequest, SubmitJobResponse, WatchJobRequest } from './messages';

const SERVICE = JOB_SERVICE_GRPC.serviceName;

function rpcError(error: unknown): RpcException {
  const refused = toGatewayError(error);
  return new RpcException({ code: grpcStatusOf(refused.code), message: refused.message });
}

function authorizationOf(metadata: Metadata | undefined): string | undefined {
  const value = metadata?.get('authorization')[0];
  return typeof value === 'string' ? value : undefined;
}

/** `mesoflow.dispatcher.v1.JobService` over Nest's gRPC transport. */
@Controller()
export class JobServiceController {
  constructor(
    @Inject(JobGateway) private readonly gateway: JobGateway,
    @Inject(TokenAuth) private readonly auth: TokenAuth,
  ) {}

  @GrpcMethod(SERVICE, 'SubmitJob')
  async submitJob(request: SubmitJobRequest, metadata?: Metadata): Promise<SubmitJobResponse> {
    try {
      this.auth.check(authorizationOf(metadata));
      const bundle = request.bundle ?? undefined;
      const result = await this.gateway.submit({
        submissionId: request.submission_id ?? '',
        jobName: request.job_name ?? '',
        jobGraph: request.job_graph ?? new Uint8Array(),
        bundle: bundle && (bundle.uri || bundle.sha256) ? { uri: bundle.uri ?? '', sha256: bundle.sha256 ?? '' } : undefined,
        config: { ...(request.config ?? {}) },
        programArgs: request.program_args ?? [],
      });
      return { job_id: result.jobId, duplicate: result.duplicate, state: jobStateNumber(result.state) };
    } catch (error) {
      throw rpcError(error);
    }
  }

  @GrpcMethod(SERVICE, 'GetJob')
  async getJob(request: GetJobRequest): Promise<JobMessage> {
    try {
      return jobMessage(await this.gateway.get(request.job_id ?? ''));
    } catch (error) {
      throw rpcError(error);
    }
  }

  @GrpcMethod(SERVICE, 'ListJobs')
  async listJobs(request: ListJobsRequest): Promise<ListJobsResponse> {
    try {
      return { jobs: (await this.gateway.list(request.limit ?? 0)).map(jobMessage) };
    } catch (error) {
      throw rpcError(error);
    }
  }

  @GrpcMethod(SERVICE, 'CancelJob')
  async cancelJob(request: CancelJobRequest, metadata?: Metadata): Promise<JobMessage> {
    try {
      this.auth.check(authorizationOf(metadata));
      return jobMessage(await this.gateway.cancel(request.job_id ?? ''));
    } catch (error) {
      throw rpcError(error);
    }
  }

  @GrpcMethod(SERVICE, 'WatchJob')
  watchJob(request: WatchJobRequest): Observable<JobMessage> {
    return new Observable<JobMessage>((subscriber) => {
      const stop = new AbortController();
      const pump = async (): Promise<void> => {
        for await (const record of this.gateway.watch(request.job_id ?? '', stop.signal)) subscriber.next(jobMessage(record));
        subscriber.complete();
      };
      pump().catch((error: unknown) => subscriber.error(rpcError(error)));
      // The client went away (or the call ended): stop watching.
      return () => stop.abort();
    });
  }
}

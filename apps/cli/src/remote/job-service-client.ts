// A promise-shaped client of the dispatcher gateway's JobService (proto/mesoflow/dispatcher/v1).
import * as grpc from '@grpc/grpc-js';
import { grpcServiceClient, JOB_SERVICE_GRPC, mesoflow } from '@mesoflow/proto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli-error';
import type { ClusterEndpoints } from '../cluster-endpoints';
import type { GatewayTls } from './gateway-tls';

export type JobMessage = mesoflow.dispatcher.v1.Job.$Properties;
export type SubmitJobRequest = mesoflow.dispatcher.v1.SubmitJobRequest.$Properties;
export type SubmitJobResponse = mesoflow.dispatcher.v1.SubmitJobResponse.$Properties;
export const JobState = mesoflow.dispatcher.v1.JobState;

type Callback<T> = (error: grpc.ServiceError | null, value?: T) => void;

interface RawClient extends grpc.Client {
  SubmitJob(request: SubmitJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<SubmitJobResponse>): void;
  GetJob(request: { job_id: string }, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<JobMessage>): void;
  ListJobs(request: { limit: number }, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<{ jobs?: JobMessage[] }>): void;
  CancelJob(request: { job_id: string }, metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<JobMessage>): void;
  WatchJob(request: { job_id: string }, metadata: grpc.Metadata): grpc.ClientReadableStream<JobMessage>;
}

/** Where the gateway is and how to call it. */
export interface JobServiceClientOptions {
  /** `host:port` of JobService. */
  target: string;
  /** Talk TLS, trusting these certificates. @default plaintext */
  tls?: GatewayTls;
  /** The bearer token for SubmitJob and CancelJob, when the gateway requires one. */
  token?: string;
  /** Deadline of one unary call. @default 10_000 */
  deadlineMs?: number;
  /** How long a submission is retried while the gateway is unreachable. @default 30_000 */
  submitRetryMs?: number;
}

/** Retrying the same submission id is safe: the gateway answers a repeat with the same job. */
const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED]);

export class JobServiceClient {
  private readonly client: RawClient;
  private readonly deadlineMs: number;

  /** The client of the cluster's gateway, with its TLS and token. */
  static forCluster(endpoints: ClusterEndpoints): JobServiceClient {
    return new JobServiceClient({ target: endpoints.gateway, tls: endpoints.gatewayTls, ...(endpoints.token === undefined ? {} : { token: endpoints.token }) });
  }

  constructor(private readonly options: JobServiceClientOptions) {
    const Client = grpcServiceClient(JOB_SERVICE_GRPC);
    const credentials = options.tls ? grpc.credentials.createSsl(options.tls.trustedCertificates ?? null) : grpc.credentials.createInsecure();
    this.client = new Client(options.target, credentials, { 'grpc.max_send_message_length': 64 * 1024 * 1024 }) as unknown as RawClient;
    this.deadlineMs = options.deadlineMs ?? 10_000;
  }

  /** Submits, retrying with the same submission id while the gateway is unreachable or restarting. */
  async submit(request: SubmitJobRequest, onRetry?: (error: CliError, attempt: number) => void): Promise<SubmitJobResponse> {
    const giveUpAt = Date.now() + (this.options.submitRetryMs ?? 30_000);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.unary<SubmitJobResponse>('submit the job', (metadata, options, callback) => this.client.SubmitJob(request, metadata, options, callback), true);
      } catch (error) {
        const code = (error as CliError).grpcCode;
        if (code === undefined || !RETRYABLE.has(code) || Date.now() >= giveUpAt) throw error;
        onRetry?.(error as CliError, attempt);
        await sleep(Math.min(200 * 2 ** Math.min(attempt, 4), 3_000));
      }
    }
  }

  get(jobId: string): Promise<JobMessage> {
    return this.unary('get the job', (metadata, options, callback) => this.client.GetJob({ job_id: jobId }, metadata, options, callback));
  }

  async list(limit: number): Promise<JobMessage[]> {
    const response = await this.unary<{ jobs?: JobMessage[] }>('list the jobs', (metadata, options, callback) => this.client.ListJobs({ limit }, metadata, options, callback));
    return response.jobs ?? [];
  }

  cancel(jobId: string): Promise<JobMessage> {
    return this.unary('cancel the job', (metadata, options, callback) => this.client.CancelJob({ job_id: jobId }, metadata, options, callback), true);
  }

  /**
   * The job now and on every change until it ends. A stream broken while the job runs (the
   * gateway restarted) is opened again; a job that did not end then is still followed.
   */
  async *watch(jobId: string, onReconnect?: (reason: string) => void): AsyncGenerator<JobMessage> {
    const reconnectUntil = () => Date.now() + (this.options.submitRetryMs ?? 30_000);
    let giveUpAt = reconnectUntil();
    for (;;) {
      let last: JobMessage | undefined;
      try {
        for await (const job of this.client.WatchJob({ job_id: jobId }, new grpc.Metadata()) as AsyncIterable<JobMessage>) {
          last = job;
          giveUpAt = reconnectUntil();
          yield job;
        }
        if (last !== undefined && isEnded(last)) return;
        onReconnect?.('the gateway closed the stream');
      } catch (error) {
        const failure = this.describe(error as grpc.ServiceError, 'follow the job');
        if (failure.grpcCode === undefined || !RETRYABLE.has(failure.grpcCode) || Date.now() >= giveUpAt) throw failure;
        onReconnect?.(failure.message);
      }
      await sleep(500);
    }
  }

  close(): void {
    this.client.close();
  }

  /** One paragraph: what failed, where, and what to do about it. */
  private describe(error: grpc.ServiceError, what: string): CliError {
    const tls = tlsProblem(error, this.options.tls !== undefined);
    const message = `Could not ${what}: the dispatcher gateway at ${this.options.target} answered ${grpc.status[error.code] ?? error.code}: ${error.details || error.message}.`;
    // A refused TLS handshake is a setting to fix, not a gateway to wait for: without a gRPC
    // status, neither submit nor watch retries it.
    if (tls !== undefined) return new CliError(`${message} ${TLS_HINTS[tls]}`, { cause: error });
    return new CliError(`${message}${hint(error, this.options.tls !== undefined)}`, { grpcCode: error.code, cause: error });
  }

  private unary<T>(what: string, call: (metadata: grpc.Metadata, options: grpc.CallOptions, callback: Callback<T>) => void, authorized = false): Promise<T> {
    const metadata = new grpc.Metadata();
    if (authorized && this.options.token !== undefined) metadata.set('authorization', `Bearer ${this.options.token}`);
    return new Promise<T>((resolve, reject) =>
      call(metadata, { deadline: Date.now() + this.deadlineMs }, (error, value) => {
        if (error) reject(this.describe(error, what));
        else if (value === undefined) reject(new CliError(`The dispatcher gateway at ${this.options.target} gave no answer to ${what}`));
        else resolve(value);
      }),
    );
  }
}

export function isEnded(job: JobMessage): boolean {
  return job.state === JobState.FINISHED || job.state === JobState.FAILED || job.state === JobState.CANCELED;
}

export function stateName(state: number | null | undefined): string {
  return JobState[state ?? 0] ?? `UNKNOWN(${state})`;
}

/** OpenSSL's words for a certificate the client does not accept (untrusted, expired, for another host). */
const CERTIFICATE_REJECTED = /certificate|unable to (get|verify)|altnames|CERT_/i;
/** OpenSSL's words for a TLS client that reached a plaintext port. */
const NOT_TLS = /wrong version number|packet length too long|before secure TLS connection/i;

type TlsProblem = 'untrusted' | 'not-tls';

const TLS_HINTS: Readonly<Record<TlsProblem, string>> = {
  untrusted:
    "The gateway's TLS certificate is not trusted: pass -Dsecurity.ssl.rest.truststore=<PKCS#12 file with the CA that signed it> " +
    '(and -Dsecurity.ssl.rest.truststore-password=…), or connect with a host name the certificate names.',
  'not-tls': 'The gateway does not speak TLS there: set security.ssl.rest.enabled as the session cluster has it.',
};

function tlsProblem(error: grpc.ServiceError, tls: boolean): TlsProblem | undefined {
  if (!tls || error.code !== grpc.status.UNAVAILABLE) return undefined;
  const details = error.details || error.message;
  if (CERTIFICATE_REJECTED.test(details)) return 'untrusted';
  return NOT_TLS.test(details) ? 'not-tls' : undefined;
}

function hint(error: grpc.ServiceError, tls: boolean): string {
  if (error.code === grpc.status.UNAUTHENTICATED) return ' The gateway requires a token: put it in a file and pass -Ddispatcher.auth.token-file=<path>.';
  if (error.code !== grpc.status.UNAVAILABLE) return '';
  return (
    ' Is the session cluster running? Start one with bin/mesos-appmaster.sh, or point the CLI at its gateway with -m host:port (or -Drest.address=… -Ddispatcher.grpc.port=…)' +
    (tls ? '.' : '; if the cluster serves TLS, pass -Dsecurity.ssl.rest.enabled=true.')
  );
}

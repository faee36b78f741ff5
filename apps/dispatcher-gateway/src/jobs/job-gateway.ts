import type { JobRecord, SubmissionQueue, SubmitResult } from '@mesoflow/dispatcher-submissions';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { GatewayError, GatewayErrorCode, toGatewayError } from '../errors';
import { toSubmission, type SubmitInput } from './submit-request';

/** The part of {@link SubmissionQueue} the gateway uses. */
export type JobQueue = Pick<SubmissionQueue, 'submit' | 'get' | 'list' | 'cancel' | 'watch'>;

const MAX_LIST_LIMIT = 1_000;

/** Keeps a job's bundle where every application master finds it, before the job is acknowledged (high availability). */
export interface BundleKeeper {
  keep(bundle: { readonly uri: string; readonly sha256: string }): Promise<void>;
}

/**
 * The gateway's logic, shared by gRPC and REST: validates, then hands to the durable queue.
 * Every error it throws is a {@link GatewayError}. Once {@link stopAccepting} is called (SIGTERM),
 * submits are refused with UNAVAILABLE and watches end, so clients go to another gateway.
 */
export class JobGateway {
  private readonly submissions: Counter<'outcome'>;
  private readonly draining = new AbortController();

  constructor(
    private readonly queue: JobQueue,
    metrics: Registry,
    private readonly logger: Logger,
    private readonly bundles?: BundleKeeper,
  ) {
    this.submissions = new Counter({
      name: 'mesoflow_dispatcher_submissions_total',
      help: 'Job submissions answered by this gateway, by outcome: accepted (new job), duplicate (a retried submit), rejected',
      labelNames: ['outcome'],
      registers: [metrics],
    });
    for (const outcome of ['accepted', 'duplicate', 'rejected']) this.submissions.inc({ outcome }, 0);
  }

  /** Refuses new submissions and ends running watches from now on. */
  stopAccepting(): void {
    if (this.draining.signal.aborted) return;
    this.logger.info('The gateway takes no new submissions: it is shutting down');
    this.draining.abort();
  }

  /**
   * Queues the job; resolves once it is durable in Redis. `input` may be a function that reads
   * the request, so that a request that cannot be read counts as rejected too.
   */
  async submit(input: SubmitInput | (() => SubmitInput)): Promise<SubmitResult> {
    let submissionId = '';
    try {
      if (this.draining.signal.aborted) throw shuttingDown();
      const read = typeof input === 'function' ? input() : input;
      submissionId = read.submissionId;
      const submission = toSubmission(read);
      if (submission.bundle !== undefined) await this.bundles?.keep(submission.bundle);
      const result = await this.queue.submit(submission);
      this.submissions.inc({ outcome: result.duplicate ? 'duplicate' : 'accepted' });
      this.logger.info(
        { jobId: result.jobId, submissionId: submission.submissionId },
        `Submission '${submission.submissionId}' is job '${result.jobId}' (${result.duplicate ? `a repeat, ${result.state}` : 'accepted'})`,
      );
      return result;
    } catch (error) {
      const refused = toGatewayError(error);
      this.submissions.inc({ outcome: 'rejected' });
      this.logRefusal(`Submission ${JSON.stringify(submissionId)}`, refused);
      throw refused;
    }
  }

  /** The job, or NOT_FOUND. */
  async get(jobId: string): Promise<JobRecord> {
    let record: JobRecord | undefined;
    try {
      record = await this.queue.get(jobId);
    } catch (error) {
      throw this.refused(`Reading job '${jobId}'`, error);
    }
    if (record === undefined) throw notFound(jobId);
    return record;
  }

  /** The newest jobs first; `limit` 0 means the queue's default. */
  async list(limit: number): Promise<JobRecord[]> {
    if (!Number.isInteger(limit) || limit < 0 || limit > MAX_LIST_LIMIT) {
      throw new GatewayError(GatewayErrorCode.INVALID_ARGUMENT, `List limit ${limit} is invalid: expected 1 to ${MAX_LIST_LIMIT} (0 for the default)`);
    }
    try {
      return await this.queue.list(limit === 0 ? {} : { limit });
    } catch (error) {
      throw this.refused('Listing jobs', error);
    }
  }

  /** Requests the cancellation; NOT_FOUND or FAILED_PRECONDITION (already ended). */
  async cancel(jobId: string): Promise<JobRecord> {
    try {
      const record = await this.queue.cancel(jobId);
      this.logger.info({ jobId }, `Cancellation of job '${jobId}' requested; it is ${record.state}`);
      return record;
    } catch (error) {
      throw this.refused(`Canceling job '${jobId}'`, error);
    }
  }

  /**
   * The job's snapshots until it ends. NOT_FOUND for an unknown job; ends with UNAVAILABLE when
   * the gateway shuts down first (the client watches again elsewhere).
   */
  async *watch(jobId: string, signal?: AbortSignal): AsyncGenerator<JobRecord, void, undefined> {
    await this.get(jobId);
    const snapshots = this.queue.watch(jobId);
    const stop = AbortSignal.any(signal === undefined ? [this.draining.signal] : [this.draining.signal, signal]);
    const stopped = new Promise<'stopped'>((resolve) => {
      if (stop.aborted) resolve('stopped');
      stop.addEventListener('abort', () => resolve('stopped'), { once: true });
    });
    try {
      for (;;) {
        const next = await Promise.race([snapshots.next(), stopped]);
        if (next === 'stopped') {
          if (this.draining.signal.aborted) throw shuttingDown();
          return;
        }
        if (next.done === true) return;
        yield next.value;
      }
    } catch (error) {
      throw this.refused(`Watching job '${jobId}'`, error);
    } finally {
      // Releases the queue's listener; a pending next() settles at the queue's next poll.
      void snapshots.return(undefined).catch(() => undefined);
    }
  }

  private refused(what: string, error: unknown): GatewayError {
    const refused = toGatewayError(error);
    this.logRefusal(what, refused);
    return refused;
  }

  private logRefusal(what: string, error: GatewayError): void {
    if (error.code === GatewayErrorCode.INTERNAL) this.logger.error({ err: error.cause ?? error }, `${what} failed`);
    else this.logger.info({ code: error.code }, `${what} was refused: ${error.message}`);
  }
}

function notFound(jobId: string): GatewayError {
  return new GatewayError(GatewayErrorCode.NOT_FOUND, `There is no job '${jobId}'`);
}

function shuttingDown(): GatewayError {
  return new GatewayError(GatewayErrorCode.UNAVAILABLE, 'This dispatcher gateway is shutting down; try another one');
}

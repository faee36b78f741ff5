import { Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { SubmissionError, SubmissionErrorCode } from './errors';
import { bullConnectionOf, clusterKeys, KEY_PREFIX, redisOptionsOf, type ClusterKeys, type RedisLocation } from './redis';
import { decodeSubmission, type JsonValue, type Submission } from './submission';

/** What a runner's `run` function gets for one attempt of a job. */
export interface RunContext {
  jobId: string;
  submission: Submission;
  /** 1 for the first run; more when the job is restarted after its runner died. */
  attempt: number;
  /** Aborted when the job is canceled, or when the runner closes with `running: 'abort'`. */
  signal: AbortSignal;
  /** Reports progress (any JSON but null); watchers see it. */
  progress(progress: Exclude<JsonValue, null>): Promise<void>;
}

/** Runs one attempt of a job and resolves with its (small, JSON) result; a rejection fails the job. */
export type RunFunction = (context: RunContext) => Promise<JsonValue | undefined>;

/** Options of {@link JobRunner.start}. */
export type JobRunnerOptions = RedisLocation & {
  cluster: string;
  run: RunFunction;
  /** Jobs run at once. @default 1 */
  concurrency?: number;
  /**
   * How long a job stays claimed without its runner renewing the claim: after a runner dies its
   * jobs are restarted elsewhere within about this plus `stalledIntervalMs`.
   * @default 30000
   */
  lockDurationMs?: number;
  /** How often this runner looks for jobs whose runner died. @default half of `lockDurationMs` */
  stalledIntervalMs?: number;
  /** How many times a job is restarted after its runner died before it is failed. @default 1 */
  maxRestarts?: number;
  /** How often running jobs' cancel requests are re-read, in case an announcement was missed. @default 1000 */
  cancelPollMs?: number;
  /** @default a silent logger */
  logger?: Logger;
};

/** Options of {@link JobRunner.close}. */
export interface CloseOptions {
  /**
   * `wait`: let running jobs end. `abort`: abort their signals and leave them claimed, so that
   * another runner restarts them once the claim expires, as after a crash.
   * @default 'wait'
   */
  running?: 'wait' | 'abort';
}

type RunnerState = 'running' | 'closing' | 'abandoning' | 'closed';

/**
 * Takes submitted jobs from the cluster's queue and runs them (the job masters' side). A job
 * whose runner dies (SIGKILL, lost host) is restarted by another runner through BullMQ's stalled
 * job recovery; `attempt` tells the run. A run that throws fails the job: BullMQ retries are off,
 * since restarting a failed job is the job's restart strategy, not the queue's.
 */
export class JobRunner {
  private state: RunnerState = 'running';
  private closing: Promise<void> | undefined;
  private readonly running = new Set<string>();
  private readonly cancelPoll: NodeJS.Timeout;

  private constructor(
    private readonly worker: Worker,
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly keys: ClusterKeys,
    private readonly logger: Logger,
    cancelPollMs: number,
  ) {
    this.cancelPoll = setInterval(() => void this.pollCancelRequests(), cancelPollMs);
    this.cancelPoll.unref();
  }

  /** Connects and starts taking jobs. */
  static async start(options: JobRunnerOptions): Promise<JobRunner> {
    const keys = clusterKeys(options.cluster);
    const connection = redisOptionsOf(options);
    const lockDuration = options.lockDurationMs ?? 30_000;
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new SubmissionError(SubmissionErrorCode.INVALID_ARGUMENT, `Concurrency ${concurrency} is invalid: expected a positive integer`);
    }
    const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'JobRunner', cluster: options.cluster });
    // Like the worker's: a run must not fail because Redis restarted while it read a flag.
    const redis = new Redis({ ...connection, lazyConnect: true, maxRetriesPerRequest: null });
    const subscriber = new Redis({ ...connection, lazyConnect: true, maxRetriesPerRequest: null });
    for (const client of [redis, subscriber]) {
      client.on('error', (error) => logger.warn({ err: error }, `Redis connection of cluster '${options.cluster}' reports an error`));
    }
    await Promise.all([redis.connect(), subscriber.connect()]);
    // The worker needs the processor and the runner needs the worker: the processor finds the
    // runner here once it exists (no job is taken before `run()` below).
    const started: { runner?: JobRunner } = {};
    // The processor declares the third parameter: BullMQ only makes an AbortSignal for processors
    // that take one (it checks `processor.length`).
    const worker = new Worker(
      keys.queueName,
      (job: Job, token: string | undefined, signal: AbortSignal | undefined) => {
        if (!started.runner) throw new SubmissionError(SubmissionErrorCode.CLOSED, 'The runner is not started yet');
        return started.runner.process(job, token, signal, options.run);
      },
      {
        // Workers block on Redis: their commands must wait out a Redis restart, not fail.
        connection: bullConnectionOf(connection, { maxRetriesPerRequest: null }),
        prefix: KEY_PREFIX,
        concurrency,
        lockDuration,
        stalledInterval: options.stalledIntervalMs ?? Math.max(Math.floor(lockDuration / 2), 100),
        maxStalledCount: options.maxRestarts ?? 1,
        autorun: false,
      },
    );
    worker.on('error', (error) => logger.warn({ err: error }, `Runner of cluster '${options.cluster}' reports an error`));
    const runner = new JobRunner(worker, redis, subscriber, keys, logger, options.cancelPollMs ?? 1_000);
    started.runner = runner;
    subscriber.on('message', (_channel: string, jobId: string) => runner.abortIfRunning(jobId));
    await subscriber.subscribe(keys.cancelChannel);
    await worker.waitUntilReady();
    void worker.run().catch((error: unknown) => logger.error({ err: error }, 'The runner stopped taking jobs'));
    logger.info(`Runner of cluster '${options.cluster}' takes up to ${concurrency} jobs at once`);
    return runner;
  }

  /** Jobs this runner is running now. */
  get runningJobs(): string[] {
    return [...this.running];
  }

  /**
   * Stops taking jobs, then waits for the running ones to end or aborts them (see
   * {@link CloseOptions}), and closes the connections.
   */
  close({ running = 'wait' }: CloseOptions = {}): Promise<void> {
    this.closing ??= (async () => {
      clearInterval(this.cancelPoll);
      if (running === 'abort') {
        this.state = 'abandoning';
        this.worker.cancelAllJobs('The runner is closing');
        await this.worker.close(true);
      } else {
        this.state = 'closing';
        await this.worker.close();
      }
      await Promise.allSettled([this.subscriber.quit(), this.redis.quit()]);
      this.state = 'closed';
      this.logger.info('Runner closed');
    })();
    return this.closing;
  }

  private async process(job: Job, _token: string | undefined, signal: AbortSignal | undefined, run: RunFunction): Promise<JsonValue> {
    const jobId = job.id ?? '';
    const stored = decodeSubmission(job.data, jobId);
    const attempt = job.attemptsStarted;
    // Registered (BullMQ tracks the job before calling us) before the flag is read: a cancel
    // sets the flag, then announces, so one of the two reaches this attempt.
    this.running.add(jobId);
    try {
      if ((await this.redis.hexists(this.keys.cancelRequests, jobId)) === 1) {
        this.logger.info(`Job '${jobId}' was canceled before it started; not running it`);
        throw new SubmissionError(SubmissionErrorCode.CANCELED, `Job '${jobId}' was canceled before it started`, { jobId });
      }
      this.logger.info(`Job '${jobId}' (submission '${stored.submissionId}') is RUNNING, attempt ${attempt}`);
      const controller = new AbortController();
      signal?.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
      try {
        const result = await run({
          jobId,
          submission: stored.submission,
          attempt,
          signal: controller.signal,
          progress: (progress) => job.updateProgress(progress),
        });
        await this.unlessAbandoning();
        this.logger.info(`Job '${jobId}' FINISHED`);
        return result ?? null;
      } catch (error) {
        await this.unlessAbandoning();
        if (controller.signal.aborted && (await this.redis.hexists(this.keys.cancelRequests, jobId)) === 1) {
          this.logger.info(`Job '${jobId}' is CANCELED`);
          throw new SubmissionError(SubmissionErrorCode.CANCELED, `Job '${jobId}' was canceled while running`, { jobId, cause: error });
        }
        this.logger.info(`Job '${jobId}' FAILED: ${error instanceof Error ? error.message : String(error)}`);
        throw error instanceof Error ? error : new Error(String(error));
      }
    } finally {
      this.running.delete(jobId);
    }
  }

  /**
   * When the runner closes with `running: 'abort'`, a run's outcome must not reach Redis: the job
   * stays claimed until the claim expires and another runner restarts it. Never settling keeps
   * BullMQ from completing or failing it.
   */
  private async unlessAbandoning(): Promise<void> {
    if (this.state === 'abandoning') await new Promise<never>(() => undefined);
  }

  private abortIfRunning(jobId: string): void {
    if (this.running.has(jobId) && this.worker.cancelJob(jobId, 'The job was canceled')) {
      this.logger.info(`Aborting job '${jobId}': its cancellation was requested`);
    }
  }

  private async pollCancelRequests(): Promise<void> {
    const jobIds = [...this.running];
    if (jobIds.length === 0 || this.state !== 'running') return;
    try {
      const requested = await this.redis.hmget(this.keys.cancelRequests, ...jobIds);
      jobIds.forEach((jobId, i) => {
        if (requested[i] !== null) this.abortIfRunning(jobId);
      });
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not read cancel requests');
    }
  }
}

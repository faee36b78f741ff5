import { Queue, QueueEvents, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { SubmissionError, SubmissionErrorCode } from './errors';
import { isTerminal, stateOf, type JobRecord, type JobState, type QueuedJobView } from './job-record';
import { bullConnectionOf, clusterKeys, KEY_PREFIX, redisOptionsOf, type ClusterKeys, type RedisLocation } from './redis';
import {
  decodeSubmission,
  storedSubmissionOf,
  encodeSubmission,
  isJobId,
  jobIdOf,
  validateSubmissionId,
  type JsonValue,
  type Submission,
} from './submission';

/** The BullMQ job name of every submission (the Flink job name is in the data). */
export const SUBMISSION_JOB_NAME = 'submission';

/** Options of {@link SubmissionQueue.open}. */
export type SubmissionQueueOptions = RedisLocation & {
  /** The Mesoflow cluster whose queue this is; clusters sharing a Redis do not see each other's jobs. */
  cluster: string;
  /** @default a silent logger */
  logger?: Logger;
  /**
   * How often a `watch` re-reads its job even without an event: events are not kept across a
   * Redis restart, and a cancel of a queued job in another process emits none.
   * @default 1000
   */
  watchPollMs?: number;
};

/** What {@link SubmissionQueue.submit} acknowledges: the job is in Redis. */
export interface SubmitResult {
  jobId: string;
  /** True when the job already existed (a retried or repeated submit); it is not run again. */
  duplicate: boolean;
  state: JobState;
}

/** Options of {@link SubmissionQueue.list}. */
export interface ListOptions {
  /** @default 50 */
  limit?: number;
}

// Index first (NX, so a re-submit keeps its place), so that every job that reaches the queue is
// listed even if the gateway dies right after adding it.
const INDEX_SCRIPT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), ARGV[1])
return 1`;

// The cancel flag is only set on a job that has not ended, checked in the same script, so a job
// that finishes or fails while being canceled keeps its real outcome.
const CANCEL_SCRIPT = `
if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
redis.call('HSETNX', KEYS[3], ARGV[1], ARGV[2])
return 1`;

const WATCHED_EVENTS = ['waiting', 'active', 'progress', 'completed', 'failed', 'stalled', 'removed'] as const;

/**
 * Durable submissions of one cluster: `submit` resolves only once the job is in a BullMQ queue
 * on Redis, and the job id derives from the client's submission id, so a retried submit finds
 * the job it (maybe) created before instead of making a second one.
 */
export class SubmissionQueue {
  private readonly logger: Logger;
  private readonly watchers = new Map<string, Set<() => void>>();
  private events: Promise<QueueEvents> | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly queue: Queue,
    private readonly redis: Redis,
    private readonly keys: ClusterKeys,
    private readonly options: SubmissionQueueOptions,
    logger: Logger,
  ) {
    this.logger = logger;
  }

  /** Connects to Redis and opens the cluster's queue. */
  static async open(options: SubmissionQueueOptions): Promise<SubmissionQueue> {
    const keys = clusterKeys(options.cluster);
    const connection = redisOptionsOf(options);
    const logger = (options.logger ?? pino({ level: 'silent' })).child({ component: 'SubmissionQueue', cluster: options.cluster });
    const queue = new Queue(keys.queueName, { connection: bullConnectionOf(connection), prefix: KEY_PREFIX });
    queue.on('error', (error) => logger.warn({ err: error }, `Submission queue of cluster '${options.cluster}' reports an error`));
    const redis = new Redis({ ...connection, lazyConnect: true });
    redis.on('error', (error) => logger.warn({ err: error }, `Redis connection of cluster '${options.cluster}' reports an error`));
    try {
      await Promise.all([queue.waitUntilReady(), redis.connect()]);
    } catch (error) {
      await queue.close().catch(() => undefined);
      redis.disconnect();
      throw error;
    }
    return new SubmissionQueue(queue, redis, keys, options, logger);
  }

  /**
   * Adds the submission to the queue and resolves once Redis has it. The same submission id
   * with the same payload again resolves with the existing job (`duplicate: true`) whatever its
   * state, so a client may retry until it gets an answer; with a different payload it fails
   * with {@link SubmissionErrorCode.SUBMISSION_CONFLICT}.
   */
  async submit(submission: Submission): Promise<SubmitResult> {
    this.assertOpen();
    validateSubmission(submission);
    const jobId = jobIdOf(submission.submissionId);
    const nonce = randomUUID();
    const data = encodeSubmission(submission, nonce, Date.now());
    await this.redis.eval(INDEX_SCRIPT, 2, this.keys.submitted, this.keys.sequence, jobId);
    // An existing job id makes BullMQ's add a no-op that returns a Job built from *our* data, so
    // what is really stored is read back to tell a repeat from a conflict. Jobs are kept when
    // they end (no removeOnComplete/removeOnFail), so the id stays taken and a re-add never runs.
    // No BullMQ retries: restarting a failed job is the job's restart strategy, not the queue's.
    await this.queue.add(SUBMISSION_JOB_NAME, data, { jobId, attempts: 1, removeOnComplete: false, removeOnFail: false });
    const job = await this.queue.getJob(jobId);
    if (!job) {
      throw new SubmissionError(SubmissionErrorCode.UNKNOWN_JOB, `Job '${jobId}' vanished right after it was added`, { jobId });
    }
    const stored = storedSubmissionOf(job.data, jobId);
    if (stored.submissionId !== submission.submissionId || stored.digest !== data.digest) {
      throw new SubmissionError(
        SubmissionErrorCode.SUBMISSION_CONFLICT,
        `Submission '${submission.submissionId}' was already submitted with a different payload (job '${jobId}')`,
        { jobId },
      );
    }
    const duplicate = stored.submitNonce !== nonce;
    // Only a repeat needs its state read (two more round trips, a third of a submit's time): a
    // job this call created was queued by it just now, so it is ACCEPTED, even if a runner has
    // already taken it meanwhile.
    const state = duplicate ? ((await this.get(jobId))?.state ?? 'ACCEPTED') : 'ACCEPTED';
    // Debug: the caller (the gateway) logs every answered submission at info already.
    this.logger.debug(
      `Submission '${submission.submissionId}' is job '${jobId}' (${duplicate ? `already submitted, ${state}` : 'accepted'})`,
    );
    return { jobId, duplicate, state };
  }

  /** The job's record, or undefined when there is no such job. */
  async get(jobId: string): Promise<JobRecord | undefined> {
    this.assertOpen();
    if (!isJobId(jobId)) return undefined;
    // State before fields: a job seen active may have ended by the time its hash is read, never
    // the other way round, so the record never shows an end without its end time and result.
    const bullState = await this.queue.getJobState(jobId);
    const [job, cancelAt] = await Promise.all([this.queue.getJob(jobId), this.redis.hget(this.keys.cancelRequests, jobId)]);
    if (!job || bullState === 'unknown') return undefined;
    return recordOf(job, bullState, cancelAt === null ? undefined : Number(cancelAt));
  }

  /** What was submitted as the job (its graph, bundle and config), or undefined when there is no such job. */
  async submission(jobId: string): Promise<Submission | undefined> {
    this.assertOpen();
    if (!isJobId(jobId)) return undefined;
    const job = await this.queue.getJob(jobId);
    return job ? decodeSubmission(job.data, jobId).submission : undefined;
  }

  /** The newest jobs first (by submission order). */
  async list({ limit = 50 }: ListOptions = {}): Promise<JobRecord[]> {
    this.assertOpen();
    if (!Number.isInteger(limit) || limit < 1) {
      throw new SubmissionError(SubmissionErrorCode.INVALID_ARGUMENT, `List limit ${limit} is invalid: expected a positive integer`);
    }
    const jobIds = await this.redis.zrevrange(this.keys.submitted, 0, limit - 1);
    const records = await Promise.all(jobIds.map((jobId) => this.get(jobId)));
    // An indexed id without a job: a gateway died between indexing and adding, never acknowledged.
    return records.filter((record): record is JobRecord => record !== undefined);
  }

  /**
   * Requests the job's cancellation. A queued job is `CANCELED` at once and never runs (a runner
   * that takes it checks the request first); a running one has its run's `AbortSignal` aborted,
   * in whatever process it runs, and ends `CANCELED`. Fails with
   * {@link SubmissionErrorCode.UNKNOWN_JOB} or {@link SubmissionErrorCode.ALREADY_ENDED}.
   */
  async cancel(jobId: string): Promise<JobRecord> {
    const before = await this.get(jobId);
    if (!before) throw new SubmissionError(SubmissionErrorCode.UNKNOWN_JOB, `There is no job '${jobId}'`, { jobId });
    if (isTerminal(before.state)) {
      throw new SubmissionError(SubmissionErrorCode.ALREADY_ENDED, `Job '${jobId}' has already ended: it is ${before.state}`, { jobId });
    }
    // The flag first, then the announcement: a runner that takes the job registers before it
    // reads the flag, so it either sees the flag or gets the message.
    const requested = await this.redis.eval(
      CANCEL_SCRIPT,
      3,
      this.queue.toKey('completed'),
      this.queue.toKey('failed'),
      this.keys.cancelRequests,
      jobId,
      String(Date.now()),
    );
    if (requested === 0) {
      const now = await this.get(jobId);
      throw new SubmissionError(SubmissionErrorCode.ALREADY_ENDED, `Job '${jobId}' has already ended: it is ${now?.state ?? 'gone'}`, { jobId });
    }
    await this.redis.publish(this.keys.cancelChannel, jobId);
    this.logger.info(`Cancellation of job '${jobId}' requested (it was ${before.state})`);
    this.notify(jobId);
    const after = await this.get(jobId);
    return after ?? { ...before, cancelRequested: true };
  }

  /**
   * Snapshots of the job on every change of state or progress, starting with the current one,
   * until it ends. Stopping the iteration (`break`) releases everything it holds.
   */
  async *watch(jobId: string): AsyncGenerator<JobRecord, void, undefined> {
    this.assertOpen();
    await this.queueEvents();
    let wake: (() => void) | undefined;
    const listener = () => wake?.();
    const listeners = this.watchers.get(jobId) ?? new Set();
    listeners.add(listener);
    this.watchers.set(jobId, listeners);
    try {
      let last: string | undefined;
      for (;;) {
        // Armed before reading, so an event that arrives while reading is not lost.
        const woken = new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.watchPollMs ?? 1_000);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        if (this.closing) return;
        const record = await this.get(jobId);
        if (!record) throw new SubmissionError(SubmissionErrorCode.UNKNOWN_JOB, `There is no job '${jobId}'`, { jobId });
        const snapshot = JSON.stringify(record);
        if (snapshot !== last) {
          last = snapshot;
          yield record;
        }
        if (isTerminal(record.state)) return;
        await woken;
      }
    } finally {
      wake?.();
      listeners.delete(listener);
      if (listeners.size === 0) this.watchers.delete(jobId);
    }
  }

  /** Closes the queue and its connections; running watches end. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const listeners of this.watchers.values()) for (const listener of listeners) listener();
      const events = this.events;
      await Promise.allSettled([events?.then((queueEvents) => queueEvents.close()), this.queue.close()]);
      await this.redis.quit().catch(() => this.redis.disconnect());
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new SubmissionError(SubmissionErrorCode.CLOSED, `The submission queue of cluster '${this.options.cluster}' is closed`);
  }

  private notify(jobId: string): void {
    for (const listener of this.watchers.get(jobId) ?? []) listener();
  }

  /** One QueueEvents (one blocking connection) per queue, shared by all watches, opened on first use. */
  private queueEvents(): Promise<QueueEvents> {
    this.events ??= (async () => {
      const events = new QueueEvents(this.keys.queueName, { connection: bullConnectionOf(redisOptionsOf(this.options)), prefix: KEY_PREFIX });
      events.on('error', (error) => this.logger.warn({ err: error }, 'Queue events report an error'));
      for (const name of WATCHED_EVENTS) events.on(name, ({ jobId }: { jobId: string }) => this.notify(jobId));
      await events.waitUntilReady();
      return events;
    })();
    return this.events;
  }
}

function validateSubmission(submission: Submission): void {
  validateSubmissionId(submission.submissionId);
  const invalid = (what: string) =>
    new SubmissionError(SubmissionErrorCode.INVALID_ARGUMENT, `Submission '${submission.submissionId}' is invalid: ${what}`);
  if (typeof submission.jobName !== 'string' || submission.jobName.length === 0) throw invalid('expected a non-empty job name');
  if (!(submission.jobGraph instanceof Uint8Array)) throw invalid('expected the job graph as a Uint8Array');
  if (typeof submission.config !== 'object' || submission.config === null) throw invalid('expected a config object');
  for (const [key, value] of Object.entries(submission.config)) {
    if (typeof value !== 'string') throw invalid(`config '${key}' is not a string`);
  }
  if (submission.bundle && (typeof submission.bundle.uri !== 'string' || !/^[0-9a-f]{64}$/.test(submission.bundle.sha256))) {
    throw invalid('expected a bundle with a uri and a 64-character lower-case hex sha256');
  }
}

/** A {@link JobRecord} from a BullMQ job, its state and the time of its cancel request. */
export function recordOf(job: Job, bullState: QueuedJobView['bullState'], cancelAt: number | undefined): JobRecord {
  const stored = storedSubmissionOf(job.data, job.id ?? '');
  const cancelRequested = cancelAt !== undefined;
  let state = stateOf({ bullState }, cancelRequested);
  // A job canceled while queued is briefly active when a runner takes it only to discard it.
  if (state === 'RUNNING' && cancelAt !== undefined && job.processedOn !== undefined && cancelAt <= job.processedOn) {
    state = 'CANCELED';
  }
  const ended = state === 'FINISHED' || state === 'FAILED' || state === 'CANCELED';
  const endedAt = ended ? (job.finishedOn ?? cancelAt) : undefined;
  const progress = job.progress as JsonValue | undefined;
  return {
    jobId: job.id ?? '',
    submissionId: stored.submissionId,
    jobName: stored.jobName,
    state: state ?? 'ACCEPTED',
    submittedAt: stored.submittedAt,
    ...(job.processedOn !== undefined ? { startedAt: job.processedOn } : {}),
    ...(endedAt !== undefined ? { endedAt } : {}),
    attempts: job.attemptsStarted ?? 0,
    ...(state === 'FAILED' || state === 'CANCELED' ? (job.failedReason ? { failure: job.failedReason } : {}) : {}),
    cancelRequested,
    ...(progress !== undefined && progress !== 0 ? { progress } : {}),
    ...(state === 'FINISHED' ? { result: (job.returnvalue ?? null) as JsonValue } : {}),
  };
}

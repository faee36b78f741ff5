// SubmissionQueue and JobRunner against a REAL Redis on loopback (@mesoflow/testing), one
// cluster name per test so jobs never leak between tests.
import { rejectionOf, startRedis, type TestRedis, waitFor } from '@mesoflow/testing';
import { randomUUID } from 'node:crypto';
import { SubmissionErrorCode, type SubmissionError } from './errors';
import type { JobRecord } from './job-record';
import { JobRunner, type JobRunnerOptions, type RunContext } from './job-runner';
import type { JsonValue, Submission } from './submission';
import { SubmissionQueue } from './submission-queue';

function submission(submissionId: string, overrides: Partial<Submission> = {}): Submission {
  return { submissionId, jobName: 'word-count', jobGraph: new Uint8Array([8, 1, 16, 2]), config: { 'parallelism.default': '2' }, ...overrides };
}

/** A run function the test releases by hand, recording every call. */
function gatedRun() {
  const calls: RunContext[] = [];
  const gates = new Map<string, () => void>();
  const run = (context: RunContext): Promise<JsonValue> => {
    calls.push(context);
    return new Promise((resolve, reject) => {
      gates.set(context.submission.submissionId, () => resolve({ words: context.submission.submissionId.length }));
      context.signal.addEventListener('abort', () => reject(new Error(`aborted: ${String(context.signal.reason)}`)));
    });
  };
  const release = (submissionId: string) => waitFor(() => gates.get(submissionId), { description: `run of '${submissionId}'` }).then((open) => open());
  return { run, calls, release };
}

describe('SubmissionQueue and JobRunner', () => {
  let redis: TestRedis;
  let cluster: string;
  const queues: SubmissionQueue[] = [];
  const runners: JobRunner[] = [];

  beforeAll(async () => {
    redis = await startRedis();
  }, 60_000);

  beforeEach(() => {
    cluster = `test-${randomUUID()}`;
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.close({ running: 'abort' })));
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
  });

  afterAll(async () => {
    await redis?.stop();
  });

  async function open(): Promise<SubmissionQueue> {
    const queue = await SubmissionQueue.open({ redisUrl: redis.url, cluster, watchPollMs: 200 });
    queues.push(queue);
    return queue;
  }

  async function runner(run: JobRunnerOptions['run'], options: Partial<JobRunnerOptions> = {}): Promise<JobRunner> {
    const started = await JobRunner.start({ redisUrl: redis.url, cluster, run, concurrency: 4, lockDurationMs: 1_000, cancelPollMs: 200, ...options } as JobRunnerOptions);
    runners.push(started);
    return started;
  }

  function ended(queue: SubmissionQueue, jobId: string): Promise<JobRecord> {
    return waitFor(async () => {
      const record = await queue.get(jobId);
      return record && ['FINISHED', 'FAILED', 'CANCELED'].includes(record.state) ? record : undefined;
    }, { description: `job '${jobId}' to end` });
  }

  it('runs a submitted job to FINISHED with its result', async () => {
    const queue = await open();
    const accepted = await queue.submit(submission('s-1'));
    expect(accepted).toEqual({ jobId: expect.stringMatching(/^[0-9a-f]{32}$/), duplicate: false, state: 'ACCEPTED' });
    expect((await queue.get(accepted.jobId))?.state).toBe('ACCEPTED');

    const seen: Submission[] = [];
    await runner(async ({ submission: s, progress }) => {
      seen.push(s);
      await progress({ done: 1 });
      return { words: 42 };
    });
    const record = await ended(queue, accepted.jobId);
    expect(record).toMatchObject({ state: 'FINISHED', submissionId: 's-1', jobName: 'word-count', attempts: 1, result: { words: 42 }, cancelRequested: false, progress: { done: 1 } });
    expect(record.endedAt).toBeGreaterThanOrEqual(record.startedAt!);
    expect(seen).toEqual([submission('s-1')]);
  });

  it('answers a repeated submit with the same job and never runs it twice, also after it finished', async () => {
    const queue = await open();
    let runs = 0;
    await runner(async () => ++runs);
    const first = await queue.submit(submission('s-dup'));
    const again = await queue.submit(submission('s-dup', { config: { 'parallelism.default': '2' } }));
    expect(again).toMatchObject({ jobId: first.jobId, duplicate: true });
    await ended(queue, first.jobId);
    const afterEnd = await queue.submit(submission('s-dup'));
    expect(afterEnd).toEqual({ jobId: first.jobId, duplicate: true, state: 'FINISHED' });
    // Another job through the same runner: had the repeat been queued, it would have run by now.
    await ended(queue, (await queue.submit(submission('s-other'))).jobId);
    expect(runs).toBe(2);
    expect((await queue.get(first.jobId))?.result).toBe(1);
  });

  it('refuses the same submission id with a different payload', async () => {
    const queue = await open();
    const { jobId } = await queue.submit(submission('s-c'));
    const error = await rejectionOf<SubmissionError>(queue.submit(submission('s-c', { jobName: 'other' })));
    expect(error).toMatchObject({ code: SubmissionErrorCode.SUBMISSION_CONFLICT, jobId });
    expect((await queue.get(jobId))?.jobName).toBe('word-count');
  });

  it('gives back what was submitted as a job, and nothing for an unknown or malformed job id', async () => {
    const queue = await open();
    const submitted = submission('s-graph', { bundle: { uri: 'http://artifacts/bundles/p.js', sha256: 'a'.repeat(64) } });
    const { jobId } = await queue.submit(submitted);
    const stored = await queue.submission(jobId);
    expect({ ...stored, jobGraph: Array.from(stored?.jobGraph ?? []) }).toEqual({ ...submitted, jobGraph: Array.from(submitted.jobGraph) });
    expect(await queue.submission('0'.repeat(32))).toBeUndefined();
    expect(await queue.submission('not-a-job-id')).toBeUndefined();
  });

  it('lists the newest submissions first', async () => {
    const queue = await open();
    for (const id of ['a', 'b', 'c', 'd']) await queue.submit(submission(id));
    await queue.submit(submission('b'));
    expect((await queue.list()).map((record) => record.submissionId)).toEqual(['d', 'c', 'b', 'a']);
    expect((await queue.list({ limit: 2 })).map((record) => record.submissionId)).toEqual(['d', 'c']);
    expect(await queue.get('0'.repeat(32))).toBeUndefined();
  });

  it('cancels a queued job without ever running it', async () => {
    const queue = await open();
    const { jobId } = await queue.submit(submission('s-q'));
    const canceled = await queue.cancel(jobId);
    expect(canceled).toMatchObject({ state: 'CANCELED', cancelRequested: true });
    const { run, calls } = gatedRun();
    await runner(run);
    // Once the runner has taken and discarded it, it is still CANCELED and the run never started.
    await waitFor(async () => (await queue.get(jobId))?.endedAt !== undefined && (await queue.get(jobId))?.attempts === 1);
    expect(await queue.get(jobId)).toMatchObject({ state: 'CANCELED', failure: expect.stringContaining('before it started') });
    expect(calls).toHaveLength(0);
    expect(await rejectionOf<SubmissionError>(queue.cancel(jobId))).toMatchObject({ code: SubmissionErrorCode.ALREADY_ENDED });
    expect(await rejectionOf<SubmissionError>(queue.cancel('f'.repeat(32)))).toMatchObject({ code: SubmissionErrorCode.UNKNOWN_JOB });
  });

  it("cancels a running job by aborting its run's signal", async () => {
    const queue = await open();
    const { run, calls } = gatedRun();
    await runner(run);
    const { jobId } = await queue.submit(submission('s-r'));
    await waitFor(async () => (await queue.get(jobId))?.state === 'RUNNING');
    await queue.cancel(jobId);
    const record = await ended(queue, jobId);
    expect(record).toMatchObject({ state: 'CANCELED', cancelRequested: true, failure: expect.stringContaining('canceled while running') });
    expect(calls[0]?.signal.aborted).toBe(true);
  });

  it('watches a job from ACCEPTED through RUNNING to FINISHED', async () => {
    const queue = await open();
    const { jobId } = await queue.submit(submission('s-w'));
    const states: string[] = [];
    const watching = (async () => {
      for await (const record of queue.watch(jobId)) states.push(`${record.state}${record.progress === undefined ? '' : ` ${JSON.stringify(record.progress)}`}`);
    })();
    await waitFor(() => states.length > 0);
    let release: () => void = () => undefined;
    await runner(async ({ progress }) => {
      await progress(50);
      await new Promise<void>((resolve) => (release = resolve));
      return 'ok';
    });
    await waitFor(() => states.includes('RUNNING 50'));
    release();
    await watching;
    expect(states[0]).toBe('ACCEPTED');
    expect(states.at(-1)).toBe('FINISHED 50');
    expect(states.filter((state) => state.startsWith('RUNNING')).length).toBeGreaterThan(0);
  });

  it('stops watching cleanly when the consumer stops iterating', async () => {
    const queue = await open();
    const { jobId } = await queue.submit(submission('s-stop'));
    for await (const record of queue.watch(jobId)) {
      expect(record.state).toBe('ACCEPTED');
      break;
    }
    await queue.close();
    await expect(queue.get(jobId)).rejects.toMatchObject({ code: SubmissionErrorCode.CLOSED });
  });

  it('fails a job whose run throws, with its message and without retrying', async () => {
    const queue = await open();
    let runs = 0;
    await runner(async () => {
      runs++;
      throw new Error('operator exploded');
    });
    const { jobId } = await queue.submit(submission('s-f'));
    expect(await ended(queue, jobId)).toMatchObject({ state: 'FAILED', failure: 'operator exploded', attempts: 1 });
    expect(runs).toBe(1);
  });

  it('closes by waiting for running jobs, or by aborting them so another runner restarts them', async () => {
    const queue = await open();
    const first = gatedRun();
    const waiting = await runner(first.run);
    const a = await queue.submit(submission('s-a'));
    await waitFor(() => first.calls.length === 1);
    const closed = waiting.close();
    await first.release('s-a');
    await closed;
    expect(await queue.get(a.jobId)).toMatchObject({ state: 'FINISHED', attempts: 1 });

    const second = gatedRun();
    const aborting = await runner(second.run);
    const b = await queue.submit(submission('s-b'));
    await waitFor(() => second.calls.length === 1);
    await aborting.close({ running: 'abort' });
    expect(second.calls[0].signal.aborted).toBe(true);
    expect((await queue.get(b.jobId))?.state).toBe('RUNNING');

    const third = gatedRun();
    await runner(third.run, { lockDurationMs: 1_000 });
    await waitFor(() => third.calls.length === 1, { description: 'the abandoned job to be restarted' });
    expect(third.calls[0].attempt).toBe(2);
    await third.release('s-b');
    expect(await ended(queue, b.jobId)).toMatchObject({ state: 'FINISHED', attempts: 2 });
  });
});

// The gateway booted as in production (Nest, gRPC transport, REST, bootstrapService) against a
// REAL Redis, called with a real gRPC client and real HTTP on loopback. Jobs run through the real
// JobRunner with a simple execution the test releases (GatedExecution); running job graphs on
// TaskManagers is covered in the unit spec of JobMasterExecution (TaskManagers live in
// apps/taskmanager, which an app cannot import).
import * as grpc from '@grpc/grpc-js';
import { createConfig } from '@mesoflow/config';
import { SubmissionQueue } from '@mesoflow/dispatcher-submissions';
import { mesoflow } from '@mesoflow/proto';
import { freePort, rejectionOf, startRedis, waitFor, type TestRedis } from '@mesoflow/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { startDispatcherGateway, type RunningDispatcherGateway } from './app';
import type { JobMessage } from './grpc/messages';
import { parseSettings } from './settings';
import { GatedExecution } from './testing/gated-execution';
import { call, GRAPH, jobServiceClient, SHA, submitRequest, type JobServiceClient as Client } from './testing/job-service-client';
import { GatewayErrorCode } from './errors';
import { JobGateway } from './jobs/job-gateway';

const JobState = mesoflow.dispatcher.v1.JobState;

/** A WatchJob stream: the snapshots so far, and all of them once it ends. */
function watch(client: Client, jobId: string): { snapshots: JobMessage[]; ended: Promise<JobMessage[]> } {
  const snapshots: JobMessage[] = [];
  const ended = new Promise<JobMessage[]>((resolve, reject) => {
    const stream = client.WatchJob({ job_id: jobId }, { deadline: new Date(Date.now() + 30_000) });
    stream.on('data', (job: JobMessage) => snapshots.push(job));
    stream.on('end', () => resolve(snapshots));
    stream.on('error', reject);
  });
  return { snapshots, ended };
}

function watchAll(client: Client, jobId: string): Promise<JobMessage[]> {
  return watch(client, jobId).ended;
}

describe('the dispatcher gateway over gRPC and REST', () => {
  let redis: TestRedis;
  let dir: string;
  const started: Array<{ gateway: RunningDispatcherGateway; client: Client }> = [];
  const queues: SubmissionQueue[] = [];

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(join(tmpdir(), 'dispatcher-gateway-'));
  }, 60_000);

  afterEach(async () => {
    for (const { gateway, client } of started.splice(0)) {
      client.close();
      await gateway.close();
    }
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
  });

  afterAll(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  interface StartOptions {
    cluster?: string;
    execution?: GatedExecution;
    concurrency?: number;
    token?: string;
    lockMs?: number;
  }

  async function start(options: StartOptions = {}): Promise<{ gateway: RunningDispatcherGateway; client: Client; rest: string; cluster: string }> {
    const cluster = options.cluster ?? `test-${randomUUID()}`;
    const args = ['--grpc-port', String(await freePort()), '--bind-host=127.0.0.1', `--cluster=${cluster}`, `--job-concurrency=${options.concurrency ?? 0}`, `--job-lock-ms=${options.lockMs ?? 1_000}`];
    if (options.token !== undefined) {
      const tokenFile = join(dir, `token-${randomUUID()}`);
      writeFileSync(tokenFile, `${options.token}\n`, { mode: 0o600 });
      args.push(`--token-file=${tokenFile}`);
    }
    const config = createConfig({ 'rest.port': await freePort(), 'redis.url': redis.url });
    const gateway = await startDispatcherGateway(config, parseSettings(args), {
      logger: pino({ level: process.env['GATEWAY_TEST_LOG'] ?? 'silent' }),
      shutdownSignals: false,
      execution: options.execution ?? new GatedExecution(),
      pollMs: 100,
    });
    const client = jobServiceClient(gateway.grpcTarget);
    started.push({ gateway, client });
    return { gateway, client, rest: gateway.restUrl, cluster };
  }

  async function openQueue(cluster: string): Promise<SubmissionQueue> {
    const queue = await SubmissionQueue.open({ redisUrl: redis.url, cluster });
    queues.push(queue);
    return queue;
  }

  it('acknowledges a submit once the job is durable, idempotently, and refuses a conflicting one', async () => {
    const { client, cluster } = await start();
    const first = await call(client, client.SubmitJob, submitRequest('wc-1'));
    expect(first).toMatchObject({ job_id: expect.stringMatching(/^[0-9a-f]{32}$/), duplicate: false, state: JobState.ACCEPTED });

    // Another queue instance (another gateway) sees it in Redis.
    const seen = await (await openQueue(cluster)).get(first.job_id ?? '');
    expect(seen).toMatchObject({ submissionId: 'wc-1', jobName: 'WordCount', state: 'ACCEPTED' });

    const again = await call(client, client.SubmitJob, submitRequest('wc-1'));
    expect(again).toEqual({ job_id: first.job_id, duplicate: true, state: JobState.ACCEPTED });

    const conflict = await rejectionOf(call(client, client.SubmitJob, submitRequest('wc-1', { config: { 'parallelism.default': '4' } })));
    expect(conflict).toMatchObject({ code: grpc.status.ALREADY_EXISTS, details: expect.stringContaining("'wc-1'") });

    await call(client, client.SubmitJob, submitRequest('wc-2'));
    const listed = await call(client, client.ListJobs, {});
    expect(listed.jobs?.map((job) => job.submission_id)).toEqual(['wc-2', 'wc-1']);
    expect((await call(client, client.ListJobs, { limit: 1 })).jobs).toHaveLength(1);

    const job = await call(client, client.GetJob, { job_id: first.job_id });
    expect(job).toMatchObject({ job_id: first.job_id, submission_id: 'wc-1', job_name: 'WordCount', state: JobState.ACCEPTED, attempts: 0, cancel_requested: false });
    expect(job.submitted_at_ms).toBeGreaterThan(0);
  });

  it('answers INVALID_ARGUMENT naming what is wrong, and NOT_FOUND for unknown jobs', async () => {
    const { client } = await start();
    const refusal = (request: object) => rejectionOf(call(client, client.SubmitJob, request));
    expect(await refusal(submitRequest('bad id!'))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('Submission id "bad id!" is invalid') });
    expect(await refusal(submitRequest('s-1', { job_graph: Buffer.from([0xff, 0xff, 0xff]) }))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('are not a mesoflow.dataflow.v1.JobGraph'),
    });
    const empty = mesoflow.dataflow.v1.JobGraph.encode({ job_name: 'Empty' }).finish();
    expect(await refusal(submitRequest('s-2', { job_graph: empty }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining("Job graph 'Empty' is invalid") });
    expect(await refusal(submitRequest('s-3', { job_graph: Buffer.alloc(0) }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('job graph is missing') });
    expect(await refusal(submitRequest('s-4', { bundle: { uri: 'http://x/b.js', sha256: 'b'.repeat(64) } }))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
      details: expect.stringContaining('not the one the job graph was planned with'),
    });
    expect(await refusal(submitRequest('s-5', { bundle: undefined }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringContaining('has no bundle uri') });
    expect(await rejectionOf(call(client, client.ListJobs, { limit: 5_000 }))).toMatchObject({ code: grpc.status.INVALID_ARGUMENT });

    const unknown = '0'.repeat(32);
    expect(await rejectionOf(call(client, client.GetJob, { job_id: unknown }))).toMatchObject({ code: grpc.status.NOT_FOUND, details: `There is no job '${unknown}'` });
    expect(await rejectionOf(call(client, client.CancelJob, { job_id: 'nope' }))).toMatchObject({ code: grpc.status.NOT_FOUND });
    expect(await rejectionOf(watchAll(client, unknown))).toMatchObject({ code: grpc.status.NOT_FOUND });
  });

  it('runs a job and streams its snapshots to the end, with its results', async () => {
    const execution = new GatedExecution();
    const { client } = await start({ execution, concurrency: 1 });
    const jobId = (await call(client, client.SubmitJob, submitRequest('run-1', { program_args: ['--input', 'words.txt'] }))).job_id ?? '';
    const watched = watch(client, jobId);
    await waitFor(() => watched.snapshots.some((job) => job.state === JobState.RUNNING), { description: 'a RUNNING snapshot' });
    await execution.release('run-1');
    const snapshots = await watched.ended;

    const states = snapshots.map((job) => job.state);
    expect(states.at(-1)).toBe(JobState.FINISHED);
    expect(states).toContain(JobState.RUNNING);
    const last = snapshots.at(-1);
    expect(last).toMatchObject({ attempts: 1, failure: '', results: [{ operator_id: 'sink', records_json: ['["be",2]', '["to",2]'] }] });
    expect(JSON.parse(last?.progress_json ?? '')).toEqual({ phase: 'running', attempt: 1 });
    expect(last?.ended_at_ms).toBeGreaterThanOrEqual(last?.started_at_ms ?? Infinity);
    // The run got the submission as queued, program arguments included.
    expect(execution.started[0]?.submission.config['$internal.application.program-args']).toBe('["--input","words.txt"]');

    const failedId = (await call(client, client.SubmitJob, submitRequest('run-2'))).job_id ?? '';
    await execution.release('run-2', 'fail');
    const failed = (await watchAll(client, failedId)).at(-1);
    expect(failed).toMatchObject({ state: JobState.FAILED, failure: expect.stringContaining("Operator 'Map' failed") });
  });

  it('cancels a running job, and refuses to cancel one that has ended', async () => {
    const execution = new GatedExecution();
    const { client } = await start({ execution, concurrency: 1 });
    const jobId = (await call(client, client.SubmitJob, submitRequest('cancel-1'))).job_id ?? '';
    await execution.running('cancel-1');
    const canceled = await call(client, client.CancelJob, { job_id: jobId });
    expect(canceled).toMatchObject({ cancel_requested: true });
    const end = (await watchAll(client, jobId)).at(-1);
    expect(end?.state).toBe(JobState.CANCELED);
    expect(execution.started[0]?.signal.aborted).toBe(true);
    expect(await rejectionOf(call(client, client.CancelJob, { job_id: jobId }))).toMatchObject({
      code: grpc.status.FAILED_PRECONDITION,
      details: expect.stringContaining('has already ended: it is CANCELED'),
    });
  });

  it('serves the same over REST, with Marathon health, errors as {error, message}, and metrics', async () => {
    const { rest } = await start();
    const root = await fetch(`${rest}/`);
    expect(root.status).toBe(200);
    expect((await fetch(`${rest}/healthz`)).status).toBe(200);

    const post = (body: unknown, path = '/jobs') => fetch(`${rest}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const body = { submissionId: 'rest-1', jobName: 'WordCount', jobGraph: Buffer.from(GRAPH).toString('base64'), bundle: { uri: 'http://127.0.0.1:1/b.js', sha256: SHA }, config: { a: '1' } };
    const accepted = await post(body);
    expect(accepted.status).toBe(202);
    const { jobId } = (await accepted.json()) as { jobId: string };
    expect(await (await post(body)).json()).toEqual({ jobId, duplicate: true, state: 'ACCEPTED' });

    const conflict = await post({ ...body, config: { a: '2' } });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toEqual({ error: 'ALREADY_EXISTS', message: expect.stringContaining("'rest-1'") });
    const invalid = await post({ ...body, submissionId: 'rest-2', jobGraph: '////' });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({ error: 'INVALID_ARGUMENT', message: expect.stringContaining('job graph is not usable') });
    const notJson = await post({ ...body, submissionId: 'rest-3', config: { a: 1 } });
    expect(await notJson.json()).toEqual({ error: 'INVALID_ARGUMENT', message: "Field 'config.a' must be a string" });

    const listed = (await (await fetch(`${rest}/jobs`)).json()) as { jobs: Array<{ jobId: string; state: string }> };
    expect(listed.jobs).toEqual([expect.objectContaining({ jobId, state: 'ACCEPTED', submissionId: 'rest-1' })]);
    expect(await (await fetch(`${rest}/jobs/${jobId}`)).json()).toMatchObject({ jobId, jobName: 'WordCount', state: 'ACCEPTED', attempts: 0 });
    const missing = await fetch(`${rest}/jobs/${'f'.repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: 'NOT_FOUND', message: `There is no job '${'f'.repeat(32)}'` });
    expect((await fetch(`${rest}/jobs?limit=x`)).status).toBe(400);

    const canceled = await post({}, `/jobs/${jobId}/cancel`);
    expect(canceled.status).toBe(202);
    expect(await canceled.json()).toMatchObject({ jobId, state: 'CANCELED', cancelRequested: true });
    const again = await fetch(`${rest}/jobs/${jobId}`, { method: 'DELETE' });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: 'FAILED_PRECONDITION' });

    const metrics = await (await fetch(`${rest}/metrics`)).text();
    expect(metrics).toContain('mesoflow_dispatcher_submissions_total{outcome="accepted"} 1');
    expect(metrics).toContain('mesoflow_dispatcher_submissions_total{outcome="duplicate"} 1');
    expect(metrics).toContain('mesoflow_dispatcher_submissions_total{outcome="rejected"} 3');
    expect(metrics).toContain('mesoflow_dispatcher_jobs_running 0');
  });

  it('requires the bearer token for submit and cancel when one is configured', async () => {
    const { client, rest } = await start({ token: 's3cret-token' });
    expect(await rejectionOf(call(client, client.SubmitJob, submitRequest('auth-1')))).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(await rejectionOf(call(client, client.SubmitJob, submitRequest('auth-1'), 'wrong'))).toMatchObject({ code: grpc.status.UNAUTHENTICATED, details: 'The bearer token is not valid' });
    const { job_id: jobId } = await call(client, client.SubmitJob, submitRequest('auth-1'), 's3cret-token');
    // Reading needs no token.
    expect(await call(client, client.GetJob, { job_id: jobId })).toMatchObject({ submission_id: 'auth-1' });
    expect(await rejectionOf(call(client, client.CancelJob, { job_id: jobId }))).toMatchObject({ code: grpc.status.UNAUTHENTICATED });

    const cancel = (authorization?: string) => fetch(`${rest}/jobs/${jobId}/cancel`, { method: 'POST', headers: authorization ? { authorization } : {} });
    const refused = await cancel();
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'UNAUTHENTICATED', message: expect.stringContaining('Bearer') });
    expect((await cancel('Bearer nope')).status).toBe(401);
    expect((await cancel('Bearer s3cret-token')).status).toBe(202);
  });

  it('while draining refuses submits with UNAVAILABLE and ends watches, so clients go to another gateway', async () => {
    const cluster = `test-${randomUUID()}`;
    const queue = await openQueue(cluster);
    const gateway = new JobGateway(queue, new Registry(), pino({ level: 'silent' }));
    const { jobId } = await gateway.submit({ submissionId: 'drain-1', jobName: '', jobGraph: GRAPH, bundle: { uri: 'http://x/b.js', sha256: SHA }, config: {}, programArgs: [] });
    const snapshots = gateway.watch(jobId);
    expect((await snapshots.next()).value).toMatchObject({ jobId, jobName: 'WordCount', state: 'ACCEPTED' });
    const next = snapshots.next();
    gateway.stopAccepting();
    await expect(next).rejects.toMatchObject({ code: GatewayErrorCode.UNAVAILABLE });
    await expect(gateway.submit({ submissionId: 'drain-2', jobName: 'x', jobGraph: GRAPH, bundle: undefined, config: {}, programArgs: [] })).rejects.toMatchObject({
      code: GatewayErrorCode.UNAVAILABLE,
      message: expect.stringContaining('shutting down'),
    });
    // Reads still work while draining.
    expect(await gateway.get(jobId)).toMatchObject({ submissionId: 'drain-1' });
  });

  it('on shutdown aborts its running job and leaves it claimed, so another gateway restarts it', async () => {
    const firstExecution = new GatedExecution();
    const first = await start({ execution: firstExecution, concurrency: 1, lockMs: 1_000 });
    const jobId = (await call(first.client, first.client.SubmitJob, submitRequest('handover-1'))).job_id ?? '';
    await firstExecution.running('handover-1');

    await first.gateway.close();
    expect(firstExecution.started[0]?.signal.aborted).toBe(true);

    // The job is still claimed by the closed gateway; the next one restarts it when the claim expires.
    const secondExecution = new GatedExecution();
    const second = await start({ cluster: first.cluster, execution: secondExecution, concurrency: 1, lockMs: 1_000 });
    await secondExecution.release('handover-1');
    const end = await waitFor(
      async () => {
        const job = await call(second.client, second.client.GetJob, { job_id: jobId });
        return job.state === JobState.FINISHED ? job : undefined;
      },
      { timeoutMs: 20_000, description: 'the job to finish on the second gateway' },
    );
    expect(end.attempts).toBe(2);
  }, 40_000);
});

// A job end to end and real: the local Mesos stand-in, the scheduler as a process launching two
// REAL TaskManager processes (apps/taskmanager/src/main.ts) on it, Redis, and the gateway whose
// runner runs the submitted job with a job master: slots from the scheduler's resource manager
// (`jobmanager.rpc.address:port`), tasks deployed to the TaskManagers with the submission's
// bundle. The client side plans the program and submits over gRPC, then watches it to the end.
import * as grpc from '@grpc/grpc-js';
import { createConfig } from '@mesoflow/config';
import { encodeJobGraph, planProgram } from '@mesoflow/dataflow-api';
import { startLocalMesos, type LocalMesos } from '@mesoflow/mesos-local';
import { grpcServiceClient, JOB_SERVICE_GRPC, mesoflow } from '@mesoflow/proto';
import { SlotRequester } from '@mesoflow/resourcemanager-client';
import { freePort, REPOSITORY_ROOT, SchedulerProcess, startRedis, waitFor, type TestRedis } from '@mesoflow/testing';
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startDispatcherGateway, type RunningDispatcherGateway } from './app';
import type { JobMessage, SubmitJobResponse } from './grpc/messages';
import { parseSettings } from './settings';

const PROGRAM = join(__dirname, 'testing/word-count-program.ts');
const JobState = mesoflow.dispatcher.v1.JobState;

interface Client extends grpc.Client {
  SubmitJob(request: object, callback: (error: grpc.ServiceError | null, response?: SubmitJobResponse) => void): void;
  CancelJob(request: object, callback: (error: grpc.ServiceError | null, response?: JobMessage) => void): void;
  WatchJob(request: object): grpc.ClientReadableStream<JobMessage>;
}

function unary<Res>(method: (request: object, callback: (error: grpc.ServiceError | null, response?: Res) => void) => void, client: Client, request: object): Promise<Res> {
  return new Promise((resolve, reject) => method.call(client, request, (error, response) => (error || !response ? reject(error ?? new Error('no response')) : resolve(response))));
}

/** Plans the program as the CLI does, with `args` as its process arguments. */
async function plan(sha256: string, args: readonly string[]): Promise<Uint8Array> {
  const saved = process.argv;
  process.argv = [saved[0] ?? process.execPath, PROGRAM, ...args];
  try {
    const { graph } = await planProgram(
      () =>
        jest.isolateModules(() => {
          jest.requireActual<object>(PROGRAM);
        }),
      { bundle: { path: 'jobs/word-count-program.ts', sha256 }, defaultParallelism: 2 },
    );
    return encodeJobGraph(graph);
  } finally {
    process.argv = saved;
  }
}

/** A WatchJob stream: the snapshots so far, and all of them once it ends. */
function watch(client: Client, jobId: string): { snapshots: JobMessage[]; ended: Promise<JobMessage[]> } {
  const snapshots: JobMessage[] = [];
  const ended = new Promise<JobMessage[]>((resolve, reject) => {
    const stream = client.WatchJob({ job_id: jobId });
    stream.on('data', (job: JobMessage) => snapshots.push(job));
    stream.on('end', () => resolve(snapshots));
    stream.on('error', reject);
  });
  return { snapshots, ended };
}

describe('a submitted job runs on real TaskManagers launched on the local Mesos stand-in', () => {
  let folder: string;
  let local: LocalMesos;
  let scheduler: SchedulerProcess;
  let redis: TestRedis;
  let gateway: RunningDispatcherGateway;
  let client: Client;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'gateway-e2e-'));
    await mkdir(join(folder, 'conf'));
    redis = await startRedis();
    local = await startLocalMesos({ port: 0, agents: 2, resources: 'cpus:2;mem:2048;disk:1000;ports:[31000-31100]', workDir: join(folder, 'mesos'), allocationIntervalMs: 100 });
    const rpcPort = await freePort();
    const taskManager = [
      `cd '${REPOSITORY_ROOT}' &&`,
      `MESOFLOW_CONF_DIR='${join(folder, 'conf')}' MESOFLOW_HOSTNAME=127.0.0.1`,
      `exec '${process.execPath}' --import tsx apps/taskmanager/src/main.ts --bind-host=127.0.0.1`,
      `-Djobmanager.rpc.address=127.0.0.1 -Djobmanager.rpc.port=${rpcPort}`,
      '-Dtaskmanager.numberOfTaskSlots=2 -Dtaskmanager.rpc.port=0 -Dtaskmanager.data.port=0',
    ].join(' ');
    scheduler = SchedulerProcess.start({
      storeDir: join(folder, 'store'),
      workers: 2,
      logFile: join(folder, 'scheduler.log'),
      properties: {
        'mesos.master': local.url,
        'jobmanager.rpc.port': rpcPort,
        'taskmanager.numberOfTaskSlots': 2,
        'mesos.resourcemanager.framework.name': 'gateway-e2e',
        'mesos.resourcemanager.tasks.cpus': 0.2,
        'mesos.resourcemanager.tasks.mem': '128m',
        'mesos.resourcemanager.tasks.taskmanager-cmd': taskManager,
        'mesos.resourcemanager.declined-offer-refuse-duration': '200ms',
      },
    });
    // Both TaskManagers registered: their slots are what the job master asks for.
    const requester = new SlotRequester({ target: `127.0.0.1:${rpcPort}`, backoff: { initialMs: 50, maxMs: 300 } });
    try {
      await waitFor(async () => (await requester.listWorkers({ timeoutMs: 60_000 })).workers.filter((worker) => worker.taskManager !== undefined).length === 2, {
        timeoutMs: 90_000,
        intervalMs: 200,
        description: `two registered TaskManagers (see ${folder})`,
      });
    } finally {
      requester.close();
    }
    const config = createConfig({ 'rest.port': await freePort(), 'redis.url': redis.url, 'jobmanager.rpc.address': '127.0.0.1', 'jobmanager.rpc.port': rpcPort });
    gateway = await startDispatcherGateway(config, parseSettings(['--grpc-port', String(await freePort()), '--bind-host=127.0.0.1', `--cluster=e2e-${randomUUID()}`, '--job-concurrency=1']), {
      logger: pino({ level: process.env['GATEWAY_TEST_LOG'] ?? 'silent' }),
      shutdownSignals: false,
      pollMs: 200,
    });
    const JobService = grpcServiceClient(JOB_SERVICE_GRPC);
    client = new JobService(gateway.grpcTarget, grpc.credentials.createInsecure()) as unknown as Client;
  }, 150_000);

  afterAll(async () => {
    client?.close();
    await gateway?.close();
    await scheduler?.stop();
    await local?.stop();
    await redis?.stop();
    await rm(folder, { recursive: true, force: true });
  }, 60_000);

  it('runs WordCount to FINISHED and reports what its collect sink gathered', async () => {
    const sha256 = createHash('sha256').update(await readFile(PROGRAM)).digest('hex');
    const submitted = await unary(client.SubmitJob, client, { submission_id: 'wordcount-e2e', job_graph: await plan(sha256, []), bundle: { uri: PROGRAM, sha256 } });
    // ACCEPTED, or already RUNNING: this gateway's runner takes it at once.
    expect(submitted).toMatchObject({ duplicate: false, state: expect.any(Number) });
    expect([JobState.ACCEPTED, JobState.RUNNING]).toContain(submitted.state);

    const snapshots = await watch(client, submitted.job_id ?? '').ended;
    const end = snapshots.at(-1);
    expect(end).toMatchObject({ state: JobState.FINISHED, job_name: 'WordCount', attempts: 1, failure: '' });
    expect(snapshots.some((job) => job.state === JobState.RUNNING && job.progress_json !== '')).toBe(true);
    const records = (end?.results ?? []).flatMap((result) => result.records_json ?? []).map((json) => JSON.parse(json) as [string, number]);
    expect(Object.fromEntries(records)).toEqual({ to: 2, be: 2, or: 1, not: 1, that: 1, is: 1, the: 1, question: 1 });
  }, 90_000);

  it('cancels a running unbounded job on the TaskManagers, its program arguments passed on', async () => {
    const sha256 = createHash('sha256').update(await readFile(PROGRAM)).digest('hex');
    const args = ['--mode', 'unbounded'];
    const submitted = await unary(client.SubmitJob, client, { submission_id: 'unbounded-e2e', job_graph: await plan(sha256, args), bundle: { uri: PROGRAM, sha256 }, program_args: args });
    const jobId = submitted.job_id ?? '';
    const watched = watch(client, jobId);
    // Every task RUNNING on the TaskManagers (the job master's progress), so the arguments reached them.
    await waitFor(
      () =>
        watched.snapshots.some((job) => {
          const progress = job.progress_json ? (JSON.parse(job.progress_json) as { tasks?: Record<string, number> }) : {};
          return job.state === JobState.RUNNING && (progress.tasks?.['RUNNING'] ?? 0) > 0 && Object.keys(progress.tasks ?? {}).every((state) => state === 'RUNNING');
        }),
      { timeoutMs: 30_000, description: 'every task RUNNING' },
    );
    expect(await unary(client.CancelJob, client, { job_id: jobId })).toMatchObject({ cancel_requested: true });
    const end = (await watched.ended).at(-1);
    expect(end).toMatchObject({ state: JobState.CANCELED, job_name: 'Unbounded' });
  }, 60_000);
});

// `npm run bench -- submit`: SubmitJob acceptance (not execution) by the dispatcher gateway,
// against the floor for a durable gRPC acknowledgement on this machine, in the same run.
//   latency     after a warm-up, 1,000 SubmitJob calls one after another from one client, each
//               with its own submission id; p50 and p99 of the round trip.
//   throughput  32 clients, each on its own channel and HTTP/2 connection, submitting back to
//               back until 4,000 submissions have been answered; per_s = 4,000 / wall time.
// Targets: p99 <= 15 ms, per_s >= 1,000.
//
//   ours  apps/dispatcher-gateway as production runs it: the esbuild bundle through its `run`
//         launcher, `--job-concurrency 0` (it only takes submissions), its own cluster name,
//         logging at info level to a file.
//   peer  a bare grpc-js server (this file with --peer-server, its own process) serving the same
//         JobService definition; its SubmitJob handler does one Redis SET of the submission
//         (job graph as base64, as ours stores it) and answers. No validation, no queue.
// Both write to the same Redis, started as production would run it: append-only, fsync every
// second. Both get byte-identical requests from the same client code. Rounds alternate which
// server goes first; the figures are medians over rounds, ratios are ours / peer.
import * as grpc from '@grpc/grpc-js';
import { compileJobGraph, encodeJobGraph, StreamExecutionEnvironment } from '@mesoflow/dataflow-api';
import { grpcServiceClient, JOB_SERVICE_GRPC, mesoflow } from '@mesoflow/proto';
import { freePort, REPOSITORY_ROOT, startRedis, waitFor, type TestRedis } from '@mesoflow/testing';
import { Redis } from 'ioredis';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { processTreeCpuSeconds } from './support/process-cpu';

const TARGET_P99_MS = 15;
const TARGET_PER_S = 1_000;
const SHA = 'a'.repeat(64);
const ACCEPTED = mesoflow.dispatcher.v1.JobState.ACCEPTED;

type SubmitJobRequest = mesoflow.dispatcher.v1.SubmitJobRequest.$Properties;
type SubmitJobResponse = mesoflow.dispatcher.v1.SubmitJobResponse.$Properties;

interface JobServiceClient extends grpc.Client {
  SubmitJob(
    request: SubmitJobRequest,
    metadata: grpc.Metadata,
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: SubmitJobResponse) => void,
  ): grpc.ClientUnaryCall;
}

function log(line: string): void {
  process.stderr.write(`[bench submit] ${line}\n`);
}

// ---------------------------------------------------------------------------------------------
// The peer: its own process, so it has an event loop to itself as the gateway does.
// ---------------------------------------------------------------------------------------------

async function peerServerMain(port: number, redisUrl: string): Promise<void> {
  const Service = grpcServiceClient(JOB_SERVICE_GRPC);
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  const server = new grpc.Server();
  const submitJob: grpc.handleUnaryCall<SubmitJobRequest, SubmitJobResponse> = (call, callback) => {
    const request = call.request;
    const submissionId = request.submission_id ?? '';
    // The same job id ours derives (first 16 bytes of the SHA-256 of the submission id).
    const jobId = createHash('sha256').update(submissionId, 'utf8').digest('hex').slice(0, 32);
    const data = JSON.stringify({
      submissionId,
      jobName: request.job_name ?? '',
      jobGraph: Buffer.from(request.job_graph ?? []).toString('base64'),
      bundle: request.bundle,
      config: request.config,
      programArgs: request.program_args,
      submittedAt: Date.now(),
    });
    redis.set(`bench-peer:${jobId}`, data).then(
      () => callback(null, { job_id: jobId, duplicate: false, state: ACCEPTED }),
      (error: Error) => callback({ code: grpc.status.UNAVAILABLE, details: error.message }),
    );
  };
  server.addService(Service.service, { SubmitJob: submitJob });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())),
  );
  process.once('SIGTERM', () => {
    server.forceShutdown();
    redis.disconnect();
  });
  process.stdout.write('ready\n');
}

// ---------------------------------------------------------------------------------------------
// The two servers, started and stopped by the orchestration.
// ---------------------------------------------------------------------------------------------

interface ServerProcess {
  readonly name: 'ours' | 'peer';
  readonly target: string;
  readonly pid: number;
  stop(): Promise<void>;
}

function stopper(name: string, child: ChildProcess, exited: Promise<unknown>): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    if (child.exitCode !== 0 && child.signalCode !== 'SIGTERM') log(`${name} exited with ${child.exitCode ?? child.signalCode}`);
  };
}

/**
 * Waits until `isReady` holds, or fails as soon as the process has exited: waitFor retries a
 * check that throws until its timeout, so the exit ends the wait instead and is reported after.
 */
async function readyUnlessExited(
  what: string,
  exited: Promise<unknown>,
  logFile: string,
  isReady: () => boolean | Promise<boolean>,
  intervalMs: number,
): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  await waitFor(async () => gone || (await isReady()), { timeoutMs: 60_000, intervalMs, description: `${what} (log: ${logFile})` });
  if (gone) throw new Error(`${what} failed: the process exited; see ${logFile}`);
}

const GATEWAY_LAUNCHER = join(REPOSITORY_ROOT, 'dist/dispatcher-gateway/run');

/**
 * The bundle's launcher, as an operator runs it; with `--cpu-prof DIR`, node with the launcher's
 * own V8 flags plus --cpu-prof (which NODE_OPTIONS may not carry), writing the profile into DIR
 * when the gateway exits.
 */
function gatewayCommand(cpuProfDir: string | undefined): [string, string[]] {
  if (cpuProfDir === undefined) return [GATEWAY_LAUNCHER, []];
  const flags = /^exec node (.*) "\$\(dirname "\$0"\)\/main\.js" "\$@"$/m.exec(readFileSync(GATEWAY_LAUNCHER, 'utf8'))?.[1];
  if (flags === undefined) throw new Error(`Cannot read the node flags of ${GATEWAY_LAUNCHER}`);
  return [process.execPath, [...flags.split(' '), '--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, join(REPOSITORY_ROOT, 'dist/dispatcher-gateway/main.js')]];
}

async function startGateway(workDir: string, redisUrl: string, cpuProfDir: string | undefined): Promise<ServerProcess> {
  const grpcPort = await freePort();
  const restPort = await freePort();
  const cluster = `bench-${randomBytes(4).toString('hex')}`;
  const logFile = join(workDir, 'dispatcher-gateway.log');
  const [command, nodeArgs] = gatewayCommand(cpuProfDir);
  const child = spawn(
    command,
    [
      ...nodeArgs,
      '--grpc-port',
      String(grpcPort),
      '--bind-host',
      '127.0.0.1',
      '--job-concurrency',
      '0',
      '--cluster',
      cluster,
      `-Drest.port=${restPort}`,
      `-Dredis.url=${redisUrl}`,
    ],
    { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = createWriteStream(logFile);
  child.stdout.pipe(output);
  child.stderr.pipe(output);
  const exited = once(child, 'exit');
  const stop = stopper('the dispatcher gateway', child, exited);
  try {
    await readyUnlessExited(
      'the dispatcher gateway to be ready',
      exited,
      logFile,
      async () => (await fetch(`http://127.0.0.1:${restPort}/healthz`).catch(() => undefined))?.status === 200,
      100,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: 'ours', target: `127.0.0.1:${grpcPort}`, pid: child.pid!, stop };
}

async function startPeer(workDir: string, redisUrl: string): Promise<ServerProcess> {
  const port = await freePort();
  const logFile = join(workDir, 'peer.log');
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--peer-server', String(port), redisUrl], {
    cwd: REPOSITORY_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let ready = false;
  child.stdout.on('data', (chunk: Buffer) => (ready ||= chunk.toString('utf8').includes('ready')));
  child.stderr.pipe(createWriteStream(logFile));
  const exited = once(child, 'exit');
  const stop = stopper('the peer', child, exited);
  try {
    await readyUnlessExited('the peer to listen', exited, logFile, () => ready, 50);
  } catch (error) {
    await stop();
    throw error;
  }
  return { name: 'peer', target: `127.0.0.1:${port}`, pid: child.pid!, stop };
}

// ---------------------------------------------------------------------------------------------
// The load: the same client code and request bytes for both servers.
// ---------------------------------------------------------------------------------------------

/** The small job the gateway's integration test submits: WordCount over one line. */
function smallJobGraph(): Uint8Array {
  const env = StreamExecutionEnvironment.getExecutionEnvironment().setParallelism(2);
  env
    .fromCollection(['to be or not to be'])
    .flatMap((line: string) => line.split(' ').map((word): [string, number] => [word, 1]))
    .keyBy(([word]) => word)
    .sum(1)
    .collect();
  return encodeJobGraph(compileJobGraph(env, 'WordCount', { bundle: { path: 'jobs/wordcount.js', sha256: SHA } }));
}

const GRAPH = smallJobGraph();

function submitRequest(submissionId: string): SubmitJobRequest {
  return {
    submission_id: submissionId,
    job_name: 'WordCount',
    job_graph: GRAPH,
    bundle: { uri: 'http://127.0.0.1:1/jobs/wordcount.js', sha256: SHA },
    config: { 'parallelism.default': '2' },
  };
}

const JobService = grpcServiceClient(JOB_SERVICE_GRPC);

/**
 * A client on its own channel. `grpc.use_local_subchannel_pool` gives the channel its own
 * subchannel: without it, grpc-js shares one subchannel (one HTTP/2 connection) between every
 * channel to the same target with the same options, and 32 "clients" would be one connection.
 */
async function connectedClient(target: string): Promise<JobServiceClient> {
  const client = new JobService(target, grpc.credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 }) as unknown as JobServiceClient;
  await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 10_000, (error) => (error ? reject(error) : resolve())));
  return client;
}

function submit(client: JobServiceClient, submissionId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.SubmitJob(submitRequest(submissionId), new grpc.Metadata(), { deadline: Date.now() + 10_000 }, (error, response) => {
      if (error) return reject(error);
      if (response?.job_id === undefined || response.duplicate === true || response.state !== ACCEPTED) {
        return reject(new Error(`Submission '${submissionId}' was answered with ${JSON.stringify(response)}, expected a new ACCEPTED job`));
      }
      resolve();
    });
  });
}

/** Submission ids never repeat within a run, so every call creates a job. */
let sequence = 0;
const RUN = randomBytes(3).toString('hex');
const nextId = (): string => `bench-${RUN}-${(sequence += 1)}`;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function latency(target: string, submissions: number): Promise<{ p50: number; p99: number }> {
  const client = await connectedClient(target);
  try {
    const times: number[] = [];
    for (let i = 0; i < submissions; i++) {
      const started = performance.now();
      await submit(client, nextId());
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    return { p50: percentile(times, 50), p99: percentile(times, 99) };
  } finally {
    client.close();
  }
}

/** Closed loop: each client sends its next submission when the last is answered. */
async function throughput(server: ServerProcess, clients: number, total: number): Promise<{ perSecond: number; cpuMsPerSubmit: number }> {
  const connected = await Promise.all(Array.from({ length: clients }, () => connectedClient(server.target)));
  try {
    let issued = 0;
    const cpuBefore = processTreeCpuSeconds(server.pid);
    const started = performance.now();
    await Promise.all(
      connected.map(async (client) => {
        while (issued < total) {
          issued += 1;
          await submit(client, nextId());
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpuSeconds = processTreeCpuSeconds(server.pid) - cpuBefore;
    return { perSecond: total / seconds, cpuMsPerSubmit: (cpuSeconds * 1000) / total };
  } finally {
    for (const client of connected) client.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Orchestration.
// ---------------------------------------------------------------------------------------------

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const round2 = (value: number): number => Number(value.toFixed(2));
const round3 = (value: number): number => Number(value.toFixed(3));

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '3' },
      submissions: { type: 'string', default: '1000' },
      clients: { type: 'string', default: '32' },
      total: { type: 'string', default: '4000' },
      'cpu-prof': { type: 'string' },
    },
  });
  const rounds = Number(values.rounds);
  const submissions = Number(values.submissions);
  const clients = Number(values.clients);
  const total = Number(values.total);

  log('bundling the dispatcher gateway (tools/build/bundle-service.mjs, if stale)');
  execFileSync(process.execPath, [join(REPOSITORY_ROOT, 'tools/build/bundle-service.mjs'), 'dispatcher-gateway', '--if-stale'], {
    cwd: REPOSITORY_ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });

  const workDir = mkdtempSync(join(tmpdir(), 'mesoflow-bench-submit-'));
  let redis: TestRedis | undefined;
  const servers: ServerProcess[] = [];
  // Ctrl-C or a kill of the bench still stops what it started.
  const stopAll = async (): Promise<void> => {
    await Promise.allSettled(servers.splice(0).map((server) => server.stop()));
    await redis?.stop();
    redis = undefined;
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    log(`${signal}: stopping the servers`);
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let failed = true;
  try {
    redis = await startRedis({ appendfsync: 'everysec' });
    servers.push(await startGateway(workDir, redis.url, values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof'])));
    servers.push(await startPeer(workDir, redis.url));
    const byName = { ours: servers[0], peer: servers[1] };
    log(`ours (bundle) on ${byName.ours.target}, peer on ${byName.peer.target}, Redis ${redis.url} (appendonly, everysec); ${availableParallelism()} CPUs`);

    // Warm-up: connections, JIT, Redis' first allocations, for both.
    for (const server of servers) {
      await latency(server.target, 300);
      await throughput(server, clients, 1_000);
    }

    const figures = {
      ours: { p50: [] as number[], p99: [] as number[], perSecond: [] as number[], cpu: [] as number[] },
      peer: { p50: [] as number[], p99: [] as number[], perSecond: [] as number[], cpu: [] as number[] },
    };
    for (let round = 0; round < rounds; round++) {
      const order: Array<'ours' | 'peer'> = round % 2 === 0 ? ['ours', 'peer'] : ['peer', 'ours'];
      for (const name of order) {
        const { p50, p99 } = await latency(byName[name].target, submissions);
        figures[name].p50.push(p50);
        figures[name].p99.push(p99);
      }
      for (const name of order) {
        const { perSecond, cpuMsPerSubmit } = await throughput(byName[name], clients, total);
        figures[name].perSecond.push(perSecond);
        figures[name].cpu.push(cpuMsPerSubmit);
      }
      const at = (name: 'ours' | 'peer'): string =>
        `p50 ${figures[name].p50.at(-1)!.toFixed(2)} ms, p99 ${figures[name].p99.at(-1)!.toFixed(2)} ms, ` +
        `${figures[name].perSecond.at(-1)!.toFixed(0)}/s (${figures[name].cpu.at(-1)!.toFixed(2)} CPU ms each)`;
      log(`round ${round + 1}/${rounds}: ours ${at('ours')}; peer ${at('peer')}`);
    }

    const ours = { p50: median(figures.ours.p50), p99: median(figures.ours.p99), perSecond: median(figures.ours.perSecond), cpu: median(figures.ours.cpu) };
    const peer = { p50: median(figures.peer.p50), p99: median(figures.peer.p99), perSecond: median(figures.peer.perSecond), cpu: median(figures.peer.cpu) };
    const result = {
      p50_ms: round2(ours.p50),
      p99_ms: round2(ours.p99),
      per_s: Math.round(ours.perSecond),
      peer_p50_ms: round2(peer.p50),
      peer_p99_ms: round2(peer.p99),
      peer_per_s: Math.round(peer.perSecond),
      p50_ratio: round3(ours.p50 / peer.p50),
      p99_ratio: round3(ours.p99 / peer.p99),
      per_s_ratio: round3(ours.perSecond / peer.perSecond),
      cpu_ms_per_submit: round3(ours.cpu),
      peer_cpu_ms_per_submit: round3(peer.cpu),
      target_p99_ms: TARGET_P99_MS,
      target_per_s: TARGET_PER_S,
      meets_targets: ours.p99 <= TARGET_P99_MS && ours.perSecond >= TARGET_PER_S,
      submissions,
      clients,
      throughput_total: total,
      rounds,
      cpus: availableParallelism(),
    };
    log(
      result.meets_targets
        ? `p99 ${result.p99_ms} ms and ${result.per_s}/s meet the targets (p99 <= ${TARGET_P99_MS} ms, >= ${TARGET_PER_S}/s)`
        : `below target: p99 ${result.p99_ms} ms (target <= ${TARGET_P99_MS}), ${result.per_s}/s (target >= ${TARGET_PER_S})`,
    );
    process.stdout.write(`BENCH ${JSON.stringify(result)}\n`);
    failed = false;
  } finally {
    const redisDir = redis?.dir;
    await stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // The logs stay when the run failed, to see why.
    if (failed) log(`logs kept in ${workDir} and ${redisDir ?? 'no Redis folder'}`);
    else for (const dir of [workDir, redisDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--peer-server') {
  peerServerMain(Number(process.argv[3]), process.argv[4] ?? '').catch((error: unknown) => {
    process.stderr.write(`The peer could not start: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  });
} else {
  main().catch((error: unknown) => {
    log(`failed: ${(error as Error).stack ?? String(error)}`);
    process.exit(1);
  });
}

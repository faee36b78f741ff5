// Fault test: "every acknowledged submission runs exactly once". The real gateway process
// (main.ts with --job-concurrency 0: it only takes submissions) is SIGKILLed at two seeded random
// moments while 16 clients submit 1,000 jobs, and restarted on the same ports; Redis (appendfsync
// always) is SIGKILLed and restarted once in between. Each client retries the SAME submission id
// until it is acknowledged, as the contract allows. A JobRunner in this process runs the jobs and
// counts every run. Replay a failure with REPLAY_SEED=<seed printed below>.
import { status, type ServiceError } from '@grpc/grpc-js';
import { JobRunner } from '@mesoflow/dispatcher-submissions';
import { mesoflow } from '@mesoflow/proto';
import { freePort, REPOSITORY_ROOT, seededRandom, startRedis, waitFor, type TestRedis } from '@mesoflow/testing';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import type { JobMessage, SubmitJobResponse } from './grpc/messages';
import { call, jobServiceClient, submitRequest, type JobServiceClient } from './testing/job-service-client';

const COUNT = 1_000;
const LANES = 16;
const MAIN = join(REPOSITORY_ROOT, 'apps/dispatcher-gateway/src/main.ts');
const JobState = mesoflow.dispatcher.v1.JobState;
/** Everything, setup included, must be settled by then, so that a hang prints diagnostics before Jest's timeout. */
const BUDGET_MS = 80_000;
/** Answers a retry cannot change: for a valid submission retried unchanged, each is a bug. */
const FINAL = new Set<status>([status.INVALID_ARGUMENT, status.ALREADY_EXISTS, status.NOT_FOUND, status.FAILED_PRECONDITION, status.UNAUTHENTICATED, status.PERMISSION_DENIED]);

// A gateway left behind by a crashed test run would hold its ports and Redis connections.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The gateway as Marathon runs it, restartable with the same arguments; all its output goes to one log file. */
class GatewayProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** Its last output lines, and its last warnings and errors (which the info lines would push out), for diagnostics. */
  readonly tail: string[] = [];
  readonly problems: string[] = [];

  constructor(
    private readonly args: readonly string[],
    private readonly healthUrl: string,
    readonly logFile: string,
  ) {}

  async start(timeoutMs: number): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...this.args], { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    this.child = child;
    const log = createWriteStream(this.logFile, { flags: 'a' });
    for (const output of [child.stdout, child.stderr]) {
      createInterface({ input: output }).on('line', (line) => {
        log.write(`${line}\n`);
        keepLast(this.tail, line, 10);
        if (output === child.stderr || !/^\{"level":[23]0,/.test(line)) keepLast(this.problems, line, 20);
      });
    }
    let exit: string | undefined;
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        exit = `exited with ${signal ?? `code ${code}`}`;
        live.delete(child);
        log.end();
        resolve();
      }),
    );
    await waitFor(
      async () => {
        if (exit !== undefined) throw new Error(`The gateway ${exit}; see ${this.logFile}`);
        const response = await fetch(this.healthUrl, { signal: AbortSignal.timeout(1_000) });
        await response.text();
        return response.status === 200;
      },
      { timeoutMs, intervalMs: 50, description: `the dispatcher gateway to answer 200 on ${this.healthUrl}` },
    );
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child) return;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await this.exited;
  }
}

function keepLast(lines: string[], line: string, count: number): void {
  lines.push(line);
  if (lines.length > count) lines.shift();
}

/** What a job's run returned, as the gateway reports it in `results`. */
interface RunReport {
  submissionId: string;
  run: number;
}

describe('the dispatcher gateway under faults', () => {
  const stopping = new AbortController();
  let dir: string | undefined;
  let redis: TestRedis | undefined;
  let gateway: GatewayProcess | undefined;
  let runner: JobRunner | undefined;
  let client: JobServiceClient | undefined;
  let passed = false;

  afterAll(async () => {
    stopping.abort();
    client?.close();
    await gateway?.kill();
    await runner?.close({ running: 'abort' });
    await redis?.stop();
    // On failure the gateway log and Redis' files stay for the diagnostics that point at them.
    if (passed) for (const folder of [dir, redis?.dir]) if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
  });

  it('runs every acknowledged submission exactly once while the gateway is SIGKILLed twice and Redis restarts', async () => {
    const seed = process.env['REPLAY_SEED'] ? Number(process.env['REPLAY_SEED']) : Math.floor(Math.random() * 2 ** 31);
    console.log(`gateway fault test seed: ${seed} (replay with REPLAY_SEED=${seed})`);
    const random = seededRandom(seed);
    const between = (min: number, max: number) => min + Math.floor(random() * (max - min));
    // The faults strike when this many submissions are acknowledged, so each hits mid-flight.
    const firstKillAt = between(100, 300);
    const redisRestartAt = between(firstKillAt + 150, 600);
    const secondKillAt = between(redisRestartAt + 150, 900);
    const started = Date.now();
    const remaining = () => Math.max(started + BUDGET_MS - Date.now(), 1);
    const timings: string[] = [];
    const mark = (what: string) => timings.push(`${Date.now() - started} ms ${what}`);

    dir = mkdtempSync(join(tmpdir(), 'gateway-faults-'));
    const redisServer = await startRedis({ appendfsync: 'always' });
    redis = redisServer;
    const cluster = `faults-${randomUUID()}`;
    const grpcPort = await freePort();
    let restPort = await freePort();
    while (restPort === grpcPort) restPort = await freePort();
    gateway = new GatewayProcess(
      ['--grpc-port', String(grpcPort), '--bind-host', '127.0.0.1', '--cluster', cluster, '--job-concurrency', '0', `-Drest.port=${restPort}`, `-Dredis.url=${redisServer.url}`],
      `http://127.0.0.1:${restPort}/healthz`,
      join(dir, 'gateway.log'),
    );
    const gatewayProcess = gateway;

    const runs = new Map<string, number>();
    runner = await JobRunner.start({
      redisUrl: redisServer.url,
      cluster,
      concurrency: 8,
      // Far longer than Redis is down, so no running job's claim lapses during the restart; a job
      // whose activation reply died with Redis waits this long before it is taken again.
      lockDurationMs: 5_000,
      stalledIntervalMs: 1_000,
      run: async ({ submission }) => {
        const submissionId = submission.submissionId;
        const run = (runs.get(submissionId) ?? 0) + 1;
        runs.set(submissionId, run);
        // A few milliseconds of work, so that runs are in flight when Redis dies.
        await delay(1 + (Number(submissionId.slice(-1)) || 0));
        const report: RunReport = { submissionId, run };
        return { collected: { runs: [JSON.stringify(report)] } };
      },
    });
    const jobService = jobServiceClient(`127.0.0.1:${grpcPort}`, {
      // grpc-js backs off up to 2 minutes by default; a restarted gateway is back within seconds.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1_000,
    });
    client = jobService;

    const ids = Array.from({ length: COUNT }, (_, i) => `fault-${String(i).padStart(4, '0')}`);
    const acks = new Map<string, SubmitJobResponse>();
    const retried = new Map<string, number>();
    const refusals: string[] = [];
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < ids.length && !stopping.signal.aborted) {
        const submissionId = ids[next++] ?? '';
        for (let attempt = 0; !stopping.signal.aborted; attempt++) {
          try {
            acks.set(submissionId, await call(jobService, jobService.SubmitJob, submitRequest(submissionId), undefined, 5_000));
            break;
          } catch (error) {
            const code = (error as Partial<ServiceError>).code ?? status.UNKNOWN;
            retried.set(status[code], (retried.get(status[code]) ?? 0) + 1);
            if (FINAL.has(code)) {
              refusals.push(`${submissionId}: ${status[code]} ${(error as Error).message}`);
              break;
            }
            await delay(Math.min(50 * 2 ** attempt, 1_000));
          }
        }
      }
    };

    const counts = () => [
      `seed ${seed}: faults at ${firstKillAt}, ${redisRestartAt} and ${secondKillAt} acknowledgements`,
      // A duplicate acknowledgement is a retry whose first reply died with the gateway.
      `${acks.size} acknowledged (${[...acks.values()].filter((ack) => ack.duplicate === true).length} as duplicates), ${refusals.length} refused; failed calls retried: ${JSON.stringify(Object.fromEntries(retried))}`,
      `${runs.size} submissions ran, ${[...runs.values()].filter((count) => count > 1).length} of them more than once`,
    ];
    const diagnostics = async (): Promise<string> => {
      const lines = [...counts(), ...timings];
      try {
        const jobs = (await call(jobService, jobService.ListJobs, { limit: COUNT }, undefined, 5_000)).jobs ?? [];
        const byState = new Map<string, number>();
        for (const job of jobs) {
          const state = JobState[job.state ?? 0] ?? String(job.state);
          byState.set(state, (byState.get(state) ?? 0) + 1);
        }
        lines.push(`jobs by state: ${JSON.stringify(Object.fromEntries(byState))}`);
      } catch (error) {
        lines.push(`jobs by state: unknown (${(error as Error).message})`);
      }
      lines.push(
        `gateway log ${gatewayProcess.logFile}, Redis log ${join(redisServer.dir, 'redis.log')}`,
        "the gateway's last warnings and errors:",
        ...gatewayProcess.problems,
        "the gateway's last lines:",
        ...gatewayProcess.tail,
      );
      return lines.join('\n');
    };

    try {
      await gatewayProcess.start(remaining());
      mark('runner and gateway started');
      let submitted = false;
      const submitting = Promise.all(Array.from({ length: LANES }, lane)).then(() => {
        submitted = true;
      });
      const acknowledged = (count: number, before: string) =>
        waitFor(() => acks.size >= count || refusals.length > 0, { timeoutMs: remaining(), intervalMs: 5, description: `${count} acknowledged submissions before ${before}` });

      await acknowledged(firstKillAt, 'the first gateway kill');
      await gatewayProcess.kill();
      mark(`gateway SIGKILLed at ${acks.size} acks`);
      await gatewayProcess.start(remaining());
      mark(`gateway restarted at ${acks.size} acks`);

      await acknowledged(redisRestartAt, 'the Redis restart');
      await redisServer.restart();
      mark(`Redis SIGKILLed and restarted at ${acks.size} acks`);

      await acknowledged(secondKillAt, 'the second gateway kill');
      await gatewayProcess.kill();
      mark(`gateway SIGKILLed at ${acks.size} acks`);
      await gatewayProcess.start(remaining());
      mark(`gateway restarted at ${acks.size} acks`);

      await waitFor(() => submitted, { timeoutMs: remaining(), intervalMs: 50, description: 'every submission to be acknowledged' });
      await submitting;
      mark('every submission acknowledged');
      expect(refusals).toEqual([]);
      expect(acks.size).toBe(COUNT);

      const ended = new Set<number>([JobState.FINISHED, JobState.FAILED, JobState.CANCELED]);
      await waitFor(
        async () => {
          const jobs = (await call(jobService, jobService.ListJobs, { limit: COUNT }, undefined, 5_000)).jobs ?? [];
          return jobs.length === COUNT && jobs.every((job) => ended.has(job.state ?? 0));
        },
        // A job whose activation died with Redis is taken again after its claim lapses (5 s + 1 s).
        { timeoutMs: Math.min(remaining(), 30_000), intervalMs: 250, description: 'every job to end' },
      );
      mark('every job ended');

      // Each acknowledged job as the gateway reports it, by the job id of its acknowledgement.
      const reported = new Map<string, JobMessage>();
      const acked = [...acks];
      const read = async (): Promise<void> => {
        for (let entry = acked.pop(); entry !== undefined; entry = acked.pop()) {
          reported.set(entry[0], await call(jobService, jobService.GetJob, { job_id: entry[1].job_id }, undefined, 5_000));
        }
      };
      await Promise.all(Array.from({ length: LANES }, read));

      const notFinished = ids.filter((id) => reported.get(id)?.state !== JobState.FINISHED).map((id) => `${id}: ${JobState[reported.get(id)?.state ?? 0]}`);
      const notRunOnce = ids.filter((id) => runs.get(id) !== 1).map((id) => `${id}: ran ${runs.get(id) ?? 0} times`);
      // The outcome the gateway reports is that of the one run, under the job's own submission.
      const wrongOutcomes = ids.filter((id) => {
        const records = reported.get(id)?.results?.find((result) => result.operator_id === 'runs')?.records_json ?? [];
        const reports = records.map((record) => JSON.parse(record) as RunReport);
        return !(reports.length === 1 && reports[0]?.submissionId === id && reports[0].run === 1);
      });
      expect({ notFinished, notRunOnce, wrongOutcomes, unknownRuns: runs.size - COUNT }).toEqual({ notFinished: [], notRunOnce: [], wrongOutcomes: [], unknownRuns: 0 });

      const retaken = [...reported.values()].filter((job) => (job.attempts ?? 0) > 1).length;
      console.log([...counts(), `${retaken} jobs taken again after their activation died with Redis`, ...timings].join('\n'));
      passed = true;
    } catch (error) {
      console.error(`gateway fault test failed (replay with REPLAY_SEED=${seed})\n${await diagnostics()}`);
      throw error;
    }
  }, BUDGET_MS + 20_000);
});

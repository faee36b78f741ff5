// Two TaskManagers in this process, registered with the REAL scheduler (a child process on the
// local Mesos stand-in) as its two launched workers, and the test as their job master: it plans
// a program, deploys every subtask over both TaskManagers through TaskExecutorService, and
// follows WatchTasks. Records cross the real data exchange (remote and local channels).
import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { loadConfig } from '@mesoflow/config';
import { planProgram, type BundleReference } from '@mesoflow/dataflow-api';
import { runJobLocally } from '@mesoflow/dataflow-runtime';
import { startLocalMesos, type LocalMesos } from '@mesoflow/mesos-local';
import { mesoflow } from '@mesoflow/proto';
import { SlotRequester } from '@mesoflow/resourcemanager-client';
import { freePort, SchedulerProcess, waitFor } from '@mesoflow/testing';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { startTaskManager, type RunningTaskManager } from './app';
import { sha256Of } from './bundle';
import { ProgramLoader, withProgramArgs, type ModuleLoader } from './program-loader';
import { deployJob, lastStates, TaskExecutorClient, type JobRun } from './testing/job-master';

const { TaskState } = mesoflow.dataflow.v1;
const PROGRAM = join(__dirname, 'testing/programs.ts');
const BUNDLE_PATH = 'jobs/programs.ts';
const FAST_BACKOFF = { initialMs: 50, maxMs: 300 };

/** Runs the program module afresh, as a TaskManager runs a bundle (under Jest: its module registry). */
const loadModule: ModuleLoader = (path) =>
  jest.isolateModules(() => {
    jest.requireActual<object>(path);
  });

describe('TaskManagers registered with the real scheduler run a job deployed over both', () => {
  let folder: string;
  let local: LocalMesos;
  let scheduler: SchedulerProcess;
  let requester: SlotRequester;
  let rpcPort: number;
  let sha256: string;
  const taskManagers: RunningTaskManager[] = [];
  const clients: TaskExecutorClient[] = [];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'taskmanager-'));
    await mkdir(join(folder, 'conf'));
    sha256 = sha256Of(await readFile(PROGRAM));
    local = await startLocalMesos({
      port: 0,
      agents: 2,
      resources: 'cpus:2;mem:2048;disk:1000;ports:[31000-31100]',
      workDir: join(folder, 'mesos'),
      allocationIntervalMs: 100,
    });
    rpcPort = await freePort();
    scheduler = SchedulerProcess.start({
      storeDir: join(folder, 'store'),
      workers: 2,
      logFile: join(folder, 'scheduler.log'),
      properties: {
        'mesos.master': local.url,
        'jobmanager.rpc.port': rpcPort,
        'taskmanager.numberOfTaskSlots': 2,
        'mesos.initial-tasks': 2,
        'mesos.resourcemanager.framework.name': 'taskmanager-test',
        'mesos.resourcemanager.tasks.cpus': 0.2,
        'mesos.resourcemanager.tasks.mem': '32m',
        'mesos.resourcemanager.tasks.taskmanager-cmd': 'exec sleep 600',
        'mesos.resourcemanager.declined-offer-refuse-duration': '200ms',
        'resourcemanager.taskmanager-registration.timeout': '1h',
      },
    });
    requester = new SlotRequester({ target: `127.0.0.1:${rpcPort}`, backoff: FAST_BACKOFF });
    let launched: string[] = [];
    await waitFor(
      async () => {
        launched = (await requester.listWorkers({ timeoutMs: 60_000 })).workers.filter((worker) => worker.state === 'Launched').map((worker) => worker.taskId);
        return launched.length === 2;
      },
      { timeoutMs: 60_000, description: 'two Launched workers' },
    );
    const logger = pino({ level: process.env['TASKMANAGER_TEST_LOG'] ?? 'silent' });
    for (const taskId of launched.sort()) {
      const config = loadConfig({
        env: {},
        confDir: join(folder, 'conf'),
        service: 'taskmanager',
        dynamicProperties: [
          { key: 'jobmanager.rpc.address', value: '127.0.0.1' },
          { key: 'jobmanager.rpc.port', value: String(rpcPort) },
          { key: 'taskmanager.numberOfTaskSlots', value: '2' },
          { key: 'taskmanager.rpc.port', value: '0' },
          { key: 'taskmanager.data.port', value: '0' },
        ],
      });
      const taskManager = await startTaskManager(
        config,
        { taskId, advertisedHost: '127.0.0.1', bindHost: '127.0.0.1', httpPort: 0, workDir: folder },
        { logger, shutdownSignals: false, loadModule, registrationBackoff: FAST_BACKOFF },
      );
      taskManagers.push(taskManager);
      clients.push(new TaskExecutorClient(taskManager.rpcAddress));
    }
    // Real registration: the scheduler takes them as its workers.
    await Promise.all(taskManagers.map((taskManager) => taskManager.registered));
    const workers = (await requester.listWorkers()).workers;
    expect(workers.map((worker) => worker.taskManager?.dataAddress).sort()).toEqual(taskManagers.map((taskManager) => taskManager.dataAddress).sort());
  }, 120_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const taskManager of taskManagers) await taskManager.close();
    requester?.close();
    await scheduler?.stop();
    await local?.stop();
    await rm(folder, { recursive: true, force: true });
  }, 60_000);

  const bundleReference = (): BundleReference => ({ path: BUNDLE_PATH, sha256 });

  function plan(args: readonly string[]): Promise<mesoflow.dataflow.v1.JobGraph> {
    return withProgramArgs(PROGRAM, args, () => planProgram(() => loadModule(PROGRAM), { bundle: bundleReference(), defaultParallelism: 2 })).then((planned) => planned.graph);
  }

  async function deploy(jobId: string, args: readonly string[], bundle = { url: PROGRAM, sha256 }): Promise<JobRun> {
    const graph = await plan(args);
    const { run, streams } = await deployJob({
      jobId,
      graph,
      bundle,
      args,
      taskManagers: taskManagers.map((taskManager) => ({ rpcAddress: taskManager.rpcAddress, dataAddress: taskManager.dataAddress })),
      clients,
    });
    cleanups.push(() => streams.forEach((stream) => stream.cancel()));
    return run;
  }

  const cleanups: Array<() => void> = [];
  afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

  const ENDED = new Set<number>([TaskState.TASK_STATE_FINISHED, TaskState.TASK_STATE_FAILED, TaskState.TASK_STATE_CANCELED]);
  const allEnded = (run: JobRun): boolean => [...lastStates(run).values()].every((state) => state !== undefined && ENDED.has(state));

  it('runs WordCount at parallelism 2 over both TaskManagers and collects what the local executor collects', async () => {
    const args = ['--mode', 'word-count'];
    const run = await deploy('word-count', args);
    await waitFor(() => allEnded(run), { timeoutMs: 30_000, description: 'every subtask ended' });
    expect([...lastStates(run).values()].every((state) => state === TaskState.TASK_STATE_FINISHED)).toBe(true);
    expect(run.failures).toEqual([]);
    for (const states of run.states.values()) {
      expect(states).toEqual([TaskState.TASK_STATE_DEPLOYING, TaskState.TASK_STATE_RUNNING, TaskState.TASK_STATE_FINISHED]);
    }
    // Source (1) + tokenizer (2) + count/sink (2) subtasks, or however the graph chains them.
    expect(run.attempts.length).toBeGreaterThanOrEqual(3);

    const reference = await new ProgramLoader(loadModule).load({ path: PROGRAM, sha256, args, bundle: bundleReference(), defaultParallelism: 2 });
    const expected = await runJobLocally(reference.graph, reference.functions);
    expect(expected.status).toBe('FINISHED');
    const sorted = (values: readonly string[]): string[] => [...values].sort();
    expect([...run.collected.keys()]).toEqual([...expected.collected.keys()]);
    for (const [operatorId, values] of expected.collected) {
      expect(sorted(run.collected.get(operatorId) ?? [])).toEqual(sorted(values.map((value) => JSON.stringify(value))));
    }
    // The last count of "to" is its total.
    const counts = [...run.collected.values()].flat().map((json) => JSON.parse(json) as [string, number]);
    expect(Math.max(...counts.filter(([word]) => word === 'to').map(([, count]) => count))).toBe(7);
  }, 60_000);

  it('reports a user function that throws as FAILED with its operator and key', async () => {
    const run = await deploy('failing', ['--mode', 'failing']);
    await waitFor(() => run.failures.some((failure) => failure.operator_name === 'Explode'), { timeoutMs: 30_000, description: 'the failure of Explode' });
    const failure = run.failures.find((candidate) => candidate.operator_name === 'Explode');
    expect(failure).toMatchObject({ key_json: '"to"', operator_id: expect.stringMatching(/.+/) });
    expect(failure?.message).toMatch(/Operator 'Explode' \(.+\) failed in subtask \d \(\d\/2\) on key "to": cannot count 'to'/);
    await waitFor(() => allEnded(run), { timeoutMs: 30_000, description: 'every subtask ended' });
    expect([...lastStates(run).values()]).toContain(TaskState.TASK_STATE_FAILED);
  }, 60_000);

  it('cancels a running unbounded job (CANCELED everywhere) and refuses another job in its busy slot', async () => {
    const run = await deploy('unbounded', ['--mode', 'unbounded']);
    await waitFor(() => [...lastStates(run).values()].every((state) => state === TaskState.TASK_STATE_RUNNING) && [...run.collected.values()].flat().length >= 20, {
      timeoutMs: 30_000,
      description: 'every subtask RUNNING and records collected',
    });
    const other = await plan(['--mode', 'unbounded']);
    const refusal = await clients[0]
      .deploy({
        attempt: { job_id: 'other', vertex_id: other.vertices[0].id, subtask_index: 0, attempt: 0 },
        job_graph: other,
        bundle: { url: PROGRAM, sha256 },
        slot_index: 0,
      })
      .then(
        () => undefined,
        (error: ServiceError) => error,
      );
    expect(refusal).toMatchObject({ code: status.RESOURCE_EXHAUSTED, details: expect.stringMatching(/taken by job 'unbounded'/) });

    await Promise.all(
      run.attempts.map((key) => {
        const [vertexId, subtask] = key.split('/');
        const index = Number(subtask) % clients.length;
        return clients[index].cancel({ job_id: 'unbounded', vertex_id: vertexId, subtask_index: Number(subtask), attempt: 0 });
      }),
    );
    await waitFor(() => allEnded(run), { timeoutMs: 20_000, description: 'every subtask ended' });
    expect(new Set(lastStates(run).values())).toEqual(new Set([TaskState.TASK_STATE_CANCELED]));
    for (const states of run.states.values()) expect(states).toContain(TaskState.TASK_STATE_CANCELING);
  }, 60_000);

  it('fails a deployment whose bundle does not have the expected SHA-256, naming both digests', async () => {
    const wrong = '0'.repeat(64);
    const run = await deploy('wrong-bundle', ['--mode', 'word-count'], { url: PROGRAM, sha256: wrong });
    await waitFor(() => allEnded(run), { timeoutMs: 30_000, description: 'every subtask ended' });
    expect(new Set(lastStates(run).values())).toEqual(new Set([TaskState.TASK_STATE_FAILED]));
    expect(run.failures.length).toBeGreaterThan(0);
    expect(run.failures.some((failure) => (failure.message ?? '').includes(`has SHA-256 ${sha256}, not the expected ${wrong}`))).toBe(true);
  }, 60_000);

  it('answers INVALID_ARGUMENT for a descriptor that does not fit its graph', async () => {
    const graph = await plan(['--mode', 'word-count']);
    const error = await clients[0]
      .deploy({ attempt: { job_id: 'bad', vertex_id: 'no-such-vertex', subtask_index: 0, attempt: 0 }, job_graph: graph, bundle: { url: PROGRAM, sha256 } })
      .then(
        () => undefined,
        (caught: ServiceError) => caught,
      );
    expect(error).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringMatching(/no vertex 'no-such-vertex'/) });
  });

  it('stops the process with exit code 1 and a clear log when the resource manager refuses the registration (not a launched worker)', async () => {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', join(__dirname, 'main.ts'), '--bind-host', '127.0.0.1', '-Djobmanager.rpc.address=127.0.0.1', `-Djobmanager.rpc.port=${rpcPort}`],
        {
          cwd: join(__dirname, '../../..'),
          env: { ...process.env, MESOFLOW_TASK_ID: 'taskmanager-99999', MESOFLOW_HOSTNAME: '127.0.0.1', MESOFLOW_CONF_DIR: join(folder, 'conf') },
          timeout: 60_000,
        },
        (_error, stdout, stderr) => resolve({ code: child.exitCode, output: `${stdout}${stderr}` }),
      );
    });
    expect(output).toMatch(/TaskManager 'taskmanager-99999' cannot register with the resource manager at '127\.0\.0\.1:\d+' \(NOT_LAUNCHED\)/);
    expect(code).toBe(1);
  }, 70_000);

  it('serves /healthz and /metrics with tasks per state', async () => {
    const health = await fetch(`${taskManagers[0].service.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${taskManagers[0].service.httpUrl}/metrics`)).text();
    expect(metrics).toMatch(/mesoflow_taskmanager_tasks\{state="FINISHED"\} [1-9]/);
    expect(metrics).toMatch(/mesoflow_taskmanager_records_out_total [1-9]/);
  });
});

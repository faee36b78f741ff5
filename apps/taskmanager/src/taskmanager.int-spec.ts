// Two TaskManagers in this process, registered with the REAL scheduler (a child process on the
// local Mesos stand-in) as its two launched workers, and the REAL job master driving jobs over
// them: `JobMaster` requests slots from the scheduler (`SlotRequester`) and deploys through
// `GrpcTaskDeployer` (TaskExecutorService: DeployTask, CancelTask, WatchTasks). Records cross
// the real data exchange (remote and local channels), and the TaskManagers' record counts reach
// the job master over WatchTasks. A job master that dies leaves its subtasks running until
// `taskmanager.jobmaster-lost-timeout`; one that takes over in time adopts them.
import { status } from '@grpc/grpc-js';
import { loadConfig } from '@mesoflow/config';
import { planProgram, type BundleReference } from '@mesoflow/dataflow-api';
import {
  buildDeploymentDescriptors,
  firstAttemptOfRun,
  GrpcTaskDeployer,
  isTaskDeployError,
  JobMaster,
  TaskDeployErrorCode,
  type BundleLocation,
  type CollectedRecord,
  type FixedDelayRestartStrategy,
  type JobMasterEvent,
  type JobResult,
  type TaskDeployer,
  type TaskDeploymentDescriptor,
} from '@mesoflow/dataflow-jobmaster';
import { runJobLocally, type LocalJobResult } from '@mesoflow/dataflow-runtime';
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

const PROGRAM = join(__dirname, 'testing/programs.ts');
const BUNDLE_PATH = 'jobs/programs.ts';
const FAST_BACKOFF = { initialMs: 50, maxMs: 300 };
/** `taskmanager.jobmaster-lost-timeout` of both TaskManagers. */
const JOB_MASTER_LOST_TIMEOUT_MS = 2_000;

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
          { key: 'taskmanager.jobmaster-lost-timeout', value: `${JOB_MASTER_LOST_TIMEOUT_MS} ms` },
        ],
      });
      const taskManager = await startTaskManager(
        config,
        { taskId, advertisedHost: '127.0.0.1', bindHost: '127.0.0.1', httpPort: 0, workDir: folder },
        { logger, shutdownSignals: false, loadModule, registrationBackoff: FAST_BACKOFF },
      );
      taskManagers.push(taskManager);
    }
    // Real registration: the scheduler takes them as its workers.
    await Promise.all(taskManagers.map((taskManager) => taskManager.registered));
    const workers = (await requester.listWorkers()).workers;
    expect(workers.map((worker) => worker.taskManager?.dataAddress).sort()).toEqual(taskManagers.map((taskManager) => taskManager.dataAddress).sort());
  }, 120_000);

  afterAll(async () => {
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

  /** The local executor's run of `args`: the reference for what a job collects and counts. */
  async function runLocally(args: readonly string[]): Promise<LocalJobResult> {
    const reference = await new ProgramLoader(loadModule).load({ path: PROGRAM, sha256, args, bundle: bundleReference(), defaultParallelism: 2 });
    const expected = await runJobLocally(reference.graph, reference.functions);
    expect(expected.status).toBe('FINISHED');
    return expected;
  }

  /** What the local executor collects for `args`, per operator id, as JSON. */
  async function collectLocally(args: readonly string[]): Promise<Map<string, string[]>> {
    const expected = await runLocally(args);
    return new Map([...expected.collected].map(([operatorId, values]) => [operatorId, values.map((value) => JSON.stringify(value))]));
  }

  interface JobRun {
    readonly master: JobMaster;
    readonly deployer: GrpcTaskDeployer;
    readonly result: Promise<JobResult>;
    readonly records: CollectedRecord[];
    readonly events: JobMasterEvent[];
    /** Every descriptor the job master deployed. */
    readonly descriptors: TaskDeploymentDescriptor[];
  }

  /** Plans the program and runs it with the real job master over the scheduler's slots and both TaskManagers. */
  async function startJob(
    jobId: string,
    args: readonly string[],
    options: { readonly bundle?: BundleLocation; readonly restartStrategy?: FixedDelayRestartStrategy } = {},
  ): Promise<JobRun> {
    const graph = await plan(args);
    const records: CollectedRecord[] = [];
    const events: JobMasterEvent[] = [];
    const descriptors: TaskDeploymentDescriptor[] = [];
    const deployer = new GrpcTaskDeployer({ bundle: options.bundle ?? { url: PROGRAM, sha256 }, programArgs: args, onCollected: (record) => records.push(record) });
    const recording: TaskDeployer = {
      deploy: (descriptor) => {
        descriptors.push(descriptor);
        return deployer.deploy(descriptor);
      },
      cancel: (attemptId) => deployer.cancel(attemptId),
      attach: (reporter) => deployer.attach(reporter),
    };
    // A long cancel timeout: a CANCELED within the test's time came from the TaskManagers.
    const master = new JobMaster({ jobId, graph, slots: requester, deployer: recording, restartStrategy: options.restartStrategy, cancelTimeoutMs: 120_000 });
    master.onEvent((event) => events.push(event));
    const result = master.run();
    cleanups.push(async () => {
      master.cancel();
      await result;
      await deployer.close();
    });
    return { master, deployer, result, records, events, descriptors };
  }

  /** The records of the job's last attempt (the one that ended it), per operator id. */
  function collectedOf(run: Pick<JobRun, 'records'>, attempt: number): Map<string, string[]> {
    const collected = new Map<string, string[]>();
    for (const record of run.records) {
      if (record.attemptId.attempt === attempt) collected.set(record.operatorId, [...(collected.get(record.operatorId) ?? []), record.json]);
    }
    return collected;
  }

  function expectSameCollected(actual: Map<string, string[]>, expected: Map<string, string[]>): void {
    const sorted = (values: readonly string[]): string[] => [...values].sort();
    expect([...actual.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [operatorId, values] of expected) expect(sorted(actual.get(operatorId) ?? [])).toEqual(sorted(values));
  }

  /** Every slot of both TaskManagers is free again. */
  async function expectSlotsReleased(): Promise<void> {
    const workers = (await requester.listWorkers()).workers.filter((worker) => worker.taskManager !== undefined);
    expect(workers).toHaveLength(2);
    for (const worker of workers) expect(worker.taskManager?.slotsFree).toBe(worker.taskManager?.slotsTotal);
  }

  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  const NO_RESTART: FixedDelayRestartStrategy = { attempts: 0, delayMs: 0 };

  it('runs WordCount at parallelism 2 over both TaskManagers to FINISHED and collects what the local executor collects', async () => {
    // One slot held by another job first: the resource manager fills TaskManagers in order, so
    // the job's two slots are on different TaskManagers and records cross remote channels.
    const blocker = await requester.requestSlots({ allocationId: 'blocker-attempt-0', jobId: 'blocker', slots: 1 });
    const args = ['--mode', 'word-count'];
    const run = await startJob('word-count', args, { restartStrategy: NO_RESTART });
    const result = await run.result;
    await requester.releaseSlots(blocker.allocationId);
    expect(result).toMatchObject({ jobId: 'word-count', state: 'FINISHED', restarts: 0, failure: undefined });
    expect(run.master.tasks().map((task) => task.state)).toEqual(run.master.tasks().map(() => 'FINISHED'));
    // Both TaskManagers ran subtasks.
    expect(new Set(run.master.tasks().map((task) => task.taskManagerId)).size).toBe(2);
    const collected = collectedOf(run, 0);
    expectSameCollected(collected, await collectLocally(args));
    // The last count of "to" is its total.
    const counts = [...collected.values()].flat().map((json) => JSON.parse(json) as [string, number]);
    expect(Math.max(...counts.filter(([word]) => word === 'to').map(([, count]) => count))).toBe(7);
    await expectSlotsReleased();
  }, 60_000);

  it('brings the record counts of every task to the job master: the source took in every line, each edge carried what its consumers took in, the sink wrote what was collected', async () => {
    const args = ['--mode', 'word-count'];
    const run = await startJob('counted', args, { restartStrategy: NO_RESTART });
    const result = await run.result;
    expect(result.state).toBe('FINISHED');
    expect(run.events.some((event) => event.kind === 'task-metrics')).toBe(true);
    const sums = new Map<string, { recordsIn: number; recordsOut: number }>();
    for (const task of run.master.tasks()) {
      expect(task).toMatchObject({ recordsIn: expect.any(Number), recordsOut: expect.any(Number) });
      const sum = sums.get(task.attemptId.vertexId) ?? { recordsIn: 0, recordsOut: 0 };
      sums.set(task.attemptId.vertexId, { recordsIn: sum.recordsIn + (task.recordsIn ?? 0), recordsOut: sum.recordsOut + (task.recordsOut ?? 0) });
    }
    const graph = run.descriptors[0].graph;
    const vertexIds = (graph.vertices ?? []).map((vertex) => vertex.id ?? '');
    // The six lines of testing/programs.ts.
    expect(sums.get(vertexIds[0])?.recordsIn).toBe(6);
    for (const edge of graph.edges ?? []) expect(sums.get(edge.source_vertex_id ?? '')?.recordsOut).toBe(sums.get(edge.target_vertex_id ?? '')?.recordsIn);
    expect(sums.get(vertexIds[vertexIds.length - 1])?.recordsOut).toBe([...collectedOf(run, 0).values()].flat().length);
    const local = await runLocally(args);
    for (const [vertexId, subtasks] of local.counters) {
      expect(sums.get(vertexId)).toEqual({ recordsIn: subtasks.reduce((n, c) => n + c.recordsIn, 0), recordsOut: subtasks.reduce((n, c) => n + c.recordsOut, 0) });
    }
    await expectSlotsReleased();
  }, 60_000);

  it('restarts a job whose user function fails on its first attempt only and finishes with the undisturbed output', async () => {
    const markers = await mkdtemp(join(folder, 'markers-'));
    const args = ['--mode', 'fail-once', '--marker', markers];
    const run = await startJob('fail-once', args, { restartStrategy: { attempts: 1, delayMs: 200 } });
    const result = await run.result;
    expect(result).toMatchObject({ state: 'FINISHED', restarts: 1 });
    expect(result.failure).toMatchObject({ attempt: 0, operatorName: 'Tokenizer' });
    expect(result.failure?.message).toMatch(/the first attempt fails once/);
    const jobStates = run.events.flatMap((event) => (event.kind === 'job-state' ? [event.to] : []));
    expect(jobStates).toEqual(['RUNNING', 'FAILING', 'RESTARTING', 'RUNNING', 'FINISHED']);
    const restart = run.events.find((event) => event.kind === 'progress' && event.progress.phase === 'restarting');
    expect(restart).toMatchObject({ progress: { nextAttempt: 1, delayMs: 200 } });
    // Every task of attempt 1 was deployed anew.
    expect(new Set(run.descriptors.map((descriptor) => descriptor.attemptId.attempt))).toEqual(new Set([0, 1]));
    // The marker exists now, so the local run is the undisturbed one.
    expectSameCollected(collectedOf(run, 1), await collectLocally(args));
    await expectSlotsReleased();
  }, 60_000);

  it('fails a job whose user function throws, with its operator and key', async () => {
    const run = await startJob('failing', ['--mode', 'failing'], { restartStrategy: NO_RESTART });
    const result = await run.result;
    expect(result.state).toBe('FAILED');
    expect(result.failure).toMatchObject({ operatorName: 'Explode', key: 'to', operatorId: expect.stringMatching(/.+/), attempt: 0 });
    expect(result.failure?.message).toMatch(/Operator 'Explode' \(.+\) failed in subtask \d \(\d\/2\) on key "to": cannot count 'to'/);
    await expectSlotsReleased();
  }, 60_000);

  it('cancels a running unbounded job (CANCELED by the TaskManagers, slots released) and refuses another job in its busy slot', async () => {
    const run = await startJob('unbounded', ['--mode', 'unbounded'], { restartStrategy: NO_RESTART });
    await waitFor(() => run.master.tasks().every((task) => task.state === 'RUNNING') && run.records.length >= 20, {
      timeoutMs: 30_000,
      description: 'every subtask RUNNING and records collected',
    });
    expect(run.master.state).toBe('RUNNING');

    // Another job's subtask in a slot the job holds: refused, naming the task and the TaskManager.
    const busy = run.descriptors[0];
    const other = new GrpcTaskDeployer({ bundle: { url: PROGRAM, sha256 }, programArgs: ['--mode', 'unbounded'] });
    cleanups.push(() => other.close());
    const refusal = await other.deploy({ ...busy, attemptId: { ...busy.attemptId, jobId: 'other' } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isTaskDeployError(refusal, TaskDeployErrorCode.REFUSED)).toBe(true);
    expect(refusal).toMatchObject({ grpcCode: status.RESOURCE_EXHAUSTED, rpcAddress: busy.slot.rpcAddress });
    expect((refusal as Error).message).toMatch(/^Deploying vertex '.+' subtask 0 attempt 0 of job 'other' to TaskManager '.+' \(127\.0\.0\.1:\d+\) was refused \(RESOURCE_EXHAUSTED\): .*taken by job 'unbounded'/);

    const startedAt = Date.now();
    run.master.cancel();
    const result = await run.result;
    expect(result.state).toBe('CANCELED');
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    const canceled = run.events.flatMap((event) => (event.kind === 'task-state' && event.to === 'CANCELED' ? [event.from] : []));
    expect(canceled).toEqual(run.master.tasks().map(() => 'CANCELING'));
    await expectSlotsReleased();
  }, 60_000);

  /** Subtasks CANCELED on both TaskManagers, as far as they keep them. */
  const canceledOnTaskManagers = (): number => taskManagers.reduce((sum, taskManager) => sum + (taskManager.executor.countByState().get('CANCELED') ?? 0), 0);

  it('cancels the subtasks of a job master that died once taskmanager.jobmaster-lost-timeout has passed, not before', async () => {
    const run = await startJob('orphaned', ['--mode', 'unbounded'], { restartStrategy: NO_RESTART });
    await waitFor(() => run.master.tasks().every((task) => task.state === 'RUNNING'), { timeoutMs: 30_000, description: 'every subtask RUNNING' });
    const before = canceledOnTaskManagers();
    // The job master dies: its watch streams end, and no cancel comes.
    await run.deployer.close();
    const lostAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, JOB_MASTER_LOST_TIMEOUT_MS - 500));
    expect(canceledOnTaskManagers()).toBe(before);
    await waitFor(() => canceledOnTaskManagers() === before + run.master.tasks().length, { timeoutMs: 10_000, description: 'the orphaned subtasks CANCELED' });
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(JOB_MASTER_LOST_TIMEOUT_MS);
  }, 60_000);

  it('lets a job master that takes over adopt the running attempt of one that died: no new deployment, and the result is what the local executor collects', async () => {
    const args = ['--mode', 'paced'];
    const dead = await startJob('taken-over', args, { restartStrategy: NO_RESTART });
    await waitFor(() => dead.master.tasks().every((task) => task.state === 'RUNNING') && dead.records.length > 0, {
      timeoutMs: 30_000,
      description: 'every subtask RUNNING and records collected',
    });
    await dead.deployer.close();

    const graph = dead.descriptors[0].graph;
    const records: CollectedRecord[] = [];
    const deployed: TaskDeploymentDescriptor[] = [];
    const deployer = new GrpcTaskDeployer({ bundle: { url: PROGRAM, sha256 }, programArgs: args, onCollected: (record) => records.push(record) });
    const recording: TaskDeployer = {
      deploy: (descriptor) => {
        deployed.push(descriptor);
        return deployer.deploy(descriptor);
      },
      cancel: (attemptId) => deployer.cancel(attemptId),
      attach: (reporter) => deployer.attach(reporter),
      discover: (taskManager, jobId, timeoutMs) => deployer.discover(taskManager, jobId, timeoutMs),
    };
    const master = new JobMaster({ jobId: 'taken-over', graph, slots: requester, deployer: recording, firstAttempt: firstAttemptOfRun(2, graph), adoptPreviousRun: true });
    const result = master.run();
    cleanups.push(async () => {
      master.cancel();
      await result;
      await deployer.close();
    });
    await expect(result).resolves.toMatchObject({ state: 'FINISHED', restarts: 0, lastAttempt: 0 });
    expect(deployed).toEqual([]);
    expect(master.timeline()).toContainEqual(expect.objectContaining({ phase: 'taking-over', detail: `Adopts attempt 0 found on 2 TaskManager(s): ${master.tasks().length} of ${master.tasks().length} task(s) live or finished with all their records` }));
    expect(master.tasks().map((task) => task.state)).toEqual(master.tasks().map(() => 'FINISHED'));
    expectSameCollected(collectedOf({ records }, 0), await collectLocally(args));
    // The dead job master's allocation went with the adopted attempt.
    await expectSlotsReleased();
  }, 60_000);

  it('fails a job whose bundle does not have the expected SHA-256, naming both digests', async () => {
    const wrong = '0'.repeat(64);
    const run = await startJob('wrong-bundle', ['--mode', 'word-count'], { bundle: { url: PROGRAM, sha256: wrong }, restartStrategy: NO_RESTART });
    const result = await run.result;
    expect(result.state).toBe('FAILED');
    expect(result.failure?.message).toContain(`has SHA-256 ${sha256}, not the expected ${wrong}`);
    await expectSlotsReleased();
  }, 60_000);

  describe('GrpcTaskDeployer errors', () => {
    let deployer: GrpcTaskDeployer;
    beforeEach(() => {
      deployer = new GrpcTaskDeployer({ bundle: { url: PROGRAM, sha256 }, programArgs: ['--mode', 'word-count'], callTimeoutMs: 2_000 });
    });
    afterEach(() => deployer.close());

    async function descriptorFor(rpcAddress: string): Promise<TaskDeploymentDescriptor> {
      const graph = await plan(['--mode', 'word-count']);
      const slots = [0, 1].map((slotIndex) => ({ taskManagerId: 'tm-under-test', rpcAddress, dataAddress: taskManagers[0].dataAddress, slotIndex }));
      const [first] = buildDeploymentDescriptors({ jobId: 'bad', graph, attempt: 0, allocation: { allocationId: 'bad-attempt-0', jobId: 'bad', slots, withdrawn: [], allocatedAtMs: 0 } });
      return first;
    }

    it('rejects a descriptor that does not fit its graph as REFUSED (INVALID_ARGUMENT)', async () => {
      const descriptor = await descriptorFor(taskManagers[0].rpcAddress);
      const error = await deployer.deploy({ ...descriptor, attemptId: { ...descriptor.attemptId, vertexId: 'no-such-vertex' } }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isTaskDeployError(error, TaskDeployErrorCode.REFUSED)).toBe(true);
      expect(error).toMatchObject({ grpcCode: status.INVALID_ARGUMENT, message: expect.stringMatching(/vertex 'no-such-vertex' subtask 0 attempt 0 of job 'bad' to TaskManager 'tm-under-test'.*no vertex 'no-such-vertex'/) });
    });

    it('rejects a deployment to a TaskManager that cannot be reached as UNREACHABLE', async () => {
      const address = `127.0.0.1:${await freePort()}`;
      const error = await deployer.deploy(await descriptorFor(address)).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(isTaskDeployError(error, TaskDeployErrorCode.UNREACHABLE)).toBe(true);
      expect(error).toMatchObject({ rpcAddress: address, message: expect.stringContaining(`to TaskManager 'tm-under-test' (${address}) failed: the TaskManager cannot be reached`) });
    }, 10_000);
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

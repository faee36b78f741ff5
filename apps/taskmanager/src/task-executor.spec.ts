// One TaskExecutor runs every subtask of a job, its records crossing local channels (no network):
// the record counts it reports while the subtasks run and once at their end.
import { planProgram } from '@mesoflow/dataflow-api';
import { ExchangeClient, PartitionRegistry } from '@mesoflow/dataflow-exchange';
import { buildDeploymentDescriptors, toDeploymentMessage } from '@mesoflow/dataflow-jobmaster';
import { runJobLocally } from '@mesoflow/dataflow-runtime';
import { mesoflow } from '@mesoflow/proto';
import { waitFor } from '@mesoflow/testing';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { BundleFetcher, sha256Of } from './bundle';
import { ProgramLoader, withProgramArgs, type ModuleLoader } from './program-loader';
import { TaskExecutor, type TaskEvent } from './task-executor';

const { TaskState } = mesoflow.dataflow.v1;
const PROGRAM = join(__dirname, 'testing/programs.ts');
const BUNDLE_PATH = 'jobs/programs.ts';
const DATA_ADDRESS = '127.0.0.1:6121';

/** Runs the program module afresh, as a TaskManager runs a bundle (under Jest: its module registry). */
const loadModule: ModuleLoader = (path) =>
  jest.isolateModules(() => {
    jest.requireActual<object>(path);
  });

describe('TaskExecutor record counts', () => {
  let folder: string;
  let sha256: string;
  let exchange: ExchangeClient;
  let executor: TaskExecutor;
  const events: TaskEvent[] = [];
  const told = { recordsIn: 0, recordsOut: 0 };

  beforeEach(async () => {
    folder = await mkdtemp(join(tmpdir(), 'task-executor-'));
    sha256 = sha256Of(await readFile(PROGRAM));
    events.length = 0;
    told.recordsIn = 0;
    told.recordsOut = 0;
    exchange = new ExchangeClient();
    executor = new TaskExecutor({
      taskManagerId: 'tm-1',
      slots: 2,
      dataAddress: DATA_ADDRESS,
      registry: new PartitionRegistry(),
      exchange,
      bundles: new BundleFetcher(folder),
      programs: new ProgramLoader(loadModule),
      logger: pino({ level: 'silent' }),
      metricsIntervalMs: 20,
      jobMasterLostTimeoutMs: 300,
      onRecords: (recordsIn, recordsOut) => {
        told.recordsIn += recordsIn;
        told.recordsOut += recordsOut;
      },
    });
  });

  afterEach(async () => {
    await executor.shutdown(5_000);
    exchange.close();
    await rm(folder, { recursive: true, force: true });
  });

  /** Deploys every subtask of the program run with `args` to the executor, in both slots, watching them as a job master does. */
  async function deployJob(jobId: string, args: readonly string[]): Promise<mesoflow.dataflow.v1.JobGraph & { unwatch: () => void }> {
    const bundle = { path: BUNDLE_PATH, sha256 };
    const { graph } = await withProgramArgs(PROGRAM, args, () => planProgram(() => loadModule(PROGRAM), { bundle, defaultParallelism: 2 }));
    const slots = [0, 1].map((slotIndex) => ({ taskManagerId: 'tm-1', rpcAddress: '127.0.0.1:6122', dataAddress: DATA_ADDRESS, slotIndex }));
    const descriptors = buildDeploymentDescriptors({ jobId, graph, attempt: 0, allocation: { allocationId: `${jobId}-attempt-0`, jobId, slots, withdrawn: [], allocatedAtMs: 0 } });
    const unwatch = executor.watch(jobId, (event) => events.push(event));
    for (const descriptor of descriptors) executor.deploy(toDeploymentMessage(descriptor, { url: PROGRAM, sha256 }, args));
    return Object.assign(graph, { unwatch });
  }

  const inState = (jobId: string, state: mesoflow.dataflow.v1.TaskState): number => events.filter((event) => event.attempt?.job_id === jobId && event.state === state).length;

  it("cancels a job's running subtasks once no job master has watched them for the timeout, not before", async () => {
    // A job master that reconnects within the timeout keeps its subtasks.
    const kept = await deployJob('kept', ['--mode', 'unbounded']);
    const tasks = (kept.vertices ?? []).reduce((sum, vertex) => sum + (vertex.parallelism ?? 1), 0);
    await waitFor(() => inState('kept', TaskState.TASK_STATE_RUNNING) === tasks, { timeoutMs: 20_000, description: "'kept' RUNNING" });
    kept.unwatch();
    const rewatch = executor.watch('kept', (event) => events.push(event));
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(inState('kept', TaskState.TASK_STATE_CANCELED)).toBe(0);
    // Its job master cancels it; the slots are free for the next job.
    for (const event of events.filter((candidate) => candidate.attempt?.job_id === 'kept' && candidate.state === TaskState.TASK_STATE_RUNNING)) executor.cancel(event.attempt);
    await waitFor(() => inState('kept', TaskState.TASK_STATE_CANCELED) === tasks, { timeoutMs: 5_000, description: "'kept' CANCELED" });
    rewatch();

    // A job master that is gone: its subtasks are canceled after the timeout.
    const orphaned = await deployJob('orphaned', ['--mode', 'unbounded']);
    await waitFor(() => inState('orphaned', TaskState.TASK_STATE_RUNNING) === tasks, { timeoutMs: 20_000, description: "'orphaned' RUNNING" });
    const lostAt = Date.now();
    orphaned.unwatch();
    await waitFor(() => executor.countByState().get('CANCELED') === 2 * tasks, { timeoutMs: 5_000, description: "every subtask of 'orphaned' CANCELED" });
    expect(Date.now() - lostAt).toBeGreaterThanOrEqual(300);
  });

  const keyOf = (event: TaskEvent): string => `${event.attempt?.vertex_id ?? ''}/${event.attempt?.subtask_index ?? 0}`;

  it('reports the final counts of each subtask before its FINISHED, matching what the local executor counts', async () => {
    const args = ['--mode', 'word-count'];
    const graph = await deployJob('counted', args);
    const tasks = (graph.vertices ?? []).reduce((sum, vertex) => sum + (vertex.parallelism ?? 1), 0);
    await waitFor(() => events.filter((event) => event.state === TaskState.TASK_STATE_FINISHED).length === tasks, { timeoutMs: 20_000, description: 'every subtask FINISHED' });

    const finals = new Map<string, { recordsIn: number; recordsOut: number }>();
    events.forEach((event, index) => {
      if (event.state !== TaskState.TASK_STATE_FINISHED) return;
      const own = events.slice(0, index).filter((earlier) => keyOf(earlier) === keyOf(event));
      const last = own.at(-1);
      // The final counts come right before the final state.
      expect(last?.metrics).toBeDefined();
      finals.set(keyOf(event), { recordsIn: Number(last?.metrics?.records_in), recordsOut: Number(last?.metrics?.records_out) });
    });

    const reference = await new ProgramLoader(loadModule).load({ path: PROGRAM, sha256, args, bundle: { path: BUNDLE_PATH, sha256 }, defaultParallelism: 2 });
    const local = await runJobLocally(reference.graph, reference.functions);
    const perVertex = (counts: Iterable<[string, { recordsIn: number; recordsOut: number }]>): Record<string, [number, number]> => {
      const sums: Record<string, [number, number]> = {};
      for (const [key, { recordsIn, recordsOut }] of counts) {
        const vertexId = key.slice(0, key.lastIndexOf('/'));
        const sum = (sums[vertexId] ??= [0, 0]);
        sum[0] += recordsIn;
        sum[1] += recordsOut;
      }
      return sums;
    };
    const expected = perVertex([...local.counters].flatMap(([vertexId, subtasks]) => subtasks.map((counters, subtask): [string, { recordsIn: number; recordsOut: number }] => [`${vertexId}/${subtask}`, counters])));
    expect(perVertex(finals)).toEqual(expected);
    expect(Object.values(expected).every(([recordsIn]) => recordsIn > 0)).toBe(true);
    // The TaskManager's totals (its Prometheus counters) are the subtasks' counts.
    const totals = [...finals.values()].reduce((sum, counts) => ({ recordsIn: sum.recordsIn + counts.recordsIn, recordsOut: sum.recordsOut + counts.recordsOut }), { recordsIn: 0, recordsOut: 0 });
    expect(told).toEqual(totals);
  });

  it('reports growing counts with their time while subtasks run, and the last ones before CANCELED', async () => {
    await deployJob('unbounded', ['--mode', 'unbounded']);
    const reports = (): TaskEvent[] => events.filter((event) => event.metrics !== undefined && event.metrics !== null);
    const sourceKey = await waitFor(
      () => {
        const counts = new Map<string, number[]>();
        for (const event of reports()) counts.set(keyOf(event), [...(counts.get(keyOf(event)) ?? []), Number(event.metrics?.records_in)]);
        // A subtask with three reports whose counts went up.
        return [...counts].find(([, recordsIn]) => recordsIn.length >= 3 && (recordsIn.at(-1) ?? 0) > recordsIn[0])?.[0];
      },
      { timeoutMs: 20_000, description: 'three reports of growing counts' },
    );
    const times = reports()
      .filter((event) => keyOf(event) === sourceKey)
      .map((event) => Number(event.metrics?.at_ms));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.every((time) => Math.abs(time - Date.now()) < 60_000)).toBe(true);

    const running = events.filter((candidate) => candidate.state === TaskState.TASK_STATE_RUNNING);
    for (const event of running) executor.cancel(event.attempt);
    await waitFor(() => executor.countByState().get('CANCELED') === running.length, { timeoutMs: 10_000, description: 'every subtask CANCELED' });
    for (const event of running) {
      const own = events.filter((candidate) => keyOf(candidate) === keyOf(event));
      expect(own.at(-1)?.state).toBe(TaskState.TASK_STATE_CANCELED);
      expect(own.at(-2)?.metrics).toBeDefined();
    }
  });
});

// One TaskExecutor runs every subtask of a job, its records crossing local channels (no network):
// the record counts it reports while the subtasks run and once at their end, what it replays to a
// watcher that comes later, and how it cancels the subtasks of a job nobody watches.
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
    executor = createExecutor();
  });

  function createExecutor(keptRecordsBudget?: number): TaskExecutor {
    return new TaskExecutor({
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
      ...(keptRecordsBudget === undefined ? {} : { keptRecordsBudget }),
    });
  }

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

  /** The events of `jobId` in `from`, per subtask, in order. */
  const perTask = (from: readonly TaskEvent[], jobId: string): Map<string, TaskEvent[]> => {
    const tasks = new Map<string, TaskEvent[]>();
    for (const event of from) {
      if (event.attempt?.job_id === jobId) tasks.set(keyOf(event), [...(tasks.get(keyOf(event)) ?? []), event]);
    }
    return tasks;
  };

  /** What a subtask's replay is made of, from a watcher that saw all its events: its collected records, its last counts, its failure, its state. */
  const expectedReplay = (own: readonly TaskEvent[]): TaskEvent[] => {
    const attempt = own[0].attempt;
    const metrics = own.filter((event) => event.metrics).at(-1);
    const failure = own.find((event) => event.failure);
    const state = own.filter((event) => event.state !== undefined && event.state !== null).at(-1);
    return [
      ...own.filter((event) => event.collected),
      ...(metrics === undefined ? [] : [metrics]),
      ...(failure === undefined ? [] : [failure]),
      { attempt, state: state?.state },
    ];
  };

  const allFinished = (jobId: string, tasks: number): Promise<boolean> =>
    waitFor(() => events.filter((event) => event.attempt?.job_id === jobId && event.state === TaskState.TASK_STATE_FINISHED).length === tasks, {
      timeoutMs: 20_000,
      description: `every subtask of '${jobId}' FINISHED`,
    });

  it("replays to a late watcher each ended subtask's collected records, last counts and state, in order, then replay_end; other jobs' subtasks stay out", async () => {
    const graph = await deployJob('finished', ['--mode', 'word-count']);
    const tasks = (graph.vertices ?? []).reduce((sum, vertex) => sum + (vertex.parallelism ?? 1), 0);
    await allFinished('finished', tasks);
    const other = await deployJob('other', ['--mode', 'word-count']);
    await allFinished('other', tasks);
    other.unwatch();

    const late: TaskEvent[] = [];
    const unwatch = executor.watch('finished', (event) => late.push(event));
    unwatch();
    expect(late.at(-1)).toEqual({ replay_end: { incomplete: [] } });
    const replayed = perTask(late, 'finished');
    const seen = perTask(events, 'finished');
    expect([...replayed.keys()].sort()).toEqual([...seen.keys()].sort());
    for (const [key, own] of seen) expect(replayed.get(key)).toEqual(expectedReplay(own));
    expect(late.filter((event) => event.collected).length).toBeGreaterThan(0);
    expect(late.filter((event) => event.attempt?.job_id === 'other')).toEqual([]);
  });

  it("replays a failed subtask's failure before its FAILED state", async () => {
    await deployJob('failing', ['--mode', 'failing']);
    await waitFor(() => inState('failing', TaskState.TASK_STATE_FAILED) > 0, { timeoutMs: 20_000, description: 'a FAILED subtask' });
    const late: TaskEvent[] = [];
    executor.watch('failing', (event) => late.push(event))();
    const failed = late.find((event) => event.state === TaskState.TASK_STATE_FAILED);
    if (failed === undefined) throw new Error('no FAILED subtask replayed');
    const own = late.filter((event) => keyOf(event) === keyOf(failed));
    expect(own.at(-2)?.failure).toMatchObject({ message: expect.stringContaining("cannot count 'to'"), operator_name: 'Explode', key_json: '"to"' });
    expect(own.at(-1)).toBe(failed);
  });

  it('gives a watcher that comes while the subtasks run a replay, then the live events: in the end it saw what a watcher from the start saw', async () => {
    const graph = await deployJob('running', ['--mode', 'unbounded']);
    const tasks = (graph.vertices ?? []).reduce((sum, vertex) => sum + (vertex.parallelism ?? 1), 0);
    await waitFor(() => inState('running', TaskState.TASK_STATE_RUNNING) === tasks && events.filter((event) => event.collected).length >= 10, {
      timeoutMs: 20_000,
      description: 'RUNNING subtasks and collected records',
    });
    const late: TaskEvent[] = [];
    executor.watch('running', (event) => late.push(event));
    const replayEnd = late.findIndex((event) => event.replay_end);
    expect(replayEnd).toBe(late.length - 1);
    expect(late.filter((event) => event.state === TaskState.TASK_STATE_RUNNING)).toHaveLength(tasks);
    await waitFor(() => late.slice(replayEnd).filter((event) => event.collected).length >= 10, { timeoutMs: 20_000, description: 'live records after the replay' });

    for (const event of events.filter((candidate) => candidate.state === TaskState.TASK_STATE_RUNNING)) executor.cancel(event.attempt);
    await waitFor(() => inState('running', TaskState.TASK_STATE_CANCELED) === tasks, { timeoutMs: 10_000, description: 'every subtask CANCELED' });
    const collected = (from: readonly TaskEvent[]): Map<string, string[]> =>
      new Map([...perTask(from, 'running')].map(([key, own]) => [key, own.flatMap((event) => (event.collected ? [event.collected.json ?? ''] : []))]));
    expect(collected(late)).toEqual(collected(events));
  });

  it('keeps collected records within its budget: the first subtask to collect loses them all and is named incomplete, the others replay all of theirs', async () => {
    // What each sink subtask of the job collects, measured on a first run.
    const graph = await deployJob('measured', ['--mode', 'word-count']);
    const tasks = (graph.vertices ?? []).reduce((sum, vertex) => sum + (vertex.parallelism ?? 1), 0);
    await allFinished('measured', tasks);
    const sizes = [...perTask(events, 'measured').values()]
      .map((own) => own.reduce((size, event) => size + (event.collected?.operator_id ?? '').length + (event.collected?.json ?? '').length, 0))
      .filter((size) => size > 0);
    expect(sizes).toHaveLength(2);

    // The larger sink's records fit, both do not.
    await executor.shutdown(5_000);
    executor = createExecutor(Math.max(...sizes));
    events.length = 0;
    await deployJob('budget', ['--mode', 'word-count']);
    await allFinished('budget', tasks);
    const late: TaskEvent[] = [];
    executor.watch('budget', (event) => late.push(event))();
    const incomplete = late.at(-1)?.replay_end?.incomplete ?? [];
    expect(incomplete).toHaveLength(1);
    const seen = perTask(events, 'budget');
    const replayed = perTask(late, 'budget');
    const firstToCollect = events.find((event) => event.collected);
    expect(incomplete[0]).toEqual(firstToCollect?.attempt);
    for (const [key, own] of seen) {
      const dropped = key === keyOf({ attempt: incomplete[0] });
      const expected = expectedReplay(own).filter((event) => !(dropped && event.collected));
      expect(replayed.get(key)).toEqual(expected);
    }
  });

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

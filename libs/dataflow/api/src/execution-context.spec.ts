import { mesoflow } from '@mesoflow/proto';
import { encodeJobGraph } from './codec';
import { StreamExecutionEnvironment } from './environment';
import { DataflowErrorCode, JobGraphProblemCode } from './errors';
import { TumblingEventTimeWindows } from './windows';
import { setExecutionContext, type JobExecutionResult, type JobPlan, type RuntimeProgram } from './execution-context';

const { OperatorKind: Kind } = mesoflow.dataflow.v1;
const BUNDLE = { path: 'jobs/word-count.js', sha256: 'b'.repeat(64) };

/** Loads the program file afresh, as a host does after setting the context. */
function loadProgram(): { finished: Promise<readonly [string, number][]> } {
  let loaded: { finished: Promise<readonly [string, number][]> } | undefined;
  jest.isolateModules(() => {
    loaded = jest.requireActual<{ finished: Promise<readonly [string, number][]> }>('./test-programs/word-count.program');
  });
  return loaded!;
}

/** Whether a promise settles within a few turns of the event loop. */
async function settles(promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const timeout = new Promise((resolve) => setTimeout(() => resolve(marker), 20));
  return (await Promise.race([promise.then(() => true, () => true), timeout])) !== marker;
}

function operatorId(graph: mesoflow.dataflow.v1.JobGraph, kind: mesoflow.dataflow.v1.OperatorKind): string {
  const op = graph.vertices.flatMap((v) => v.operators!).find((o) => o.kind === kind);
  return op!.id!;
}

afterEach(() => setExecutionContext(undefined));

describe('plan mode', () => {
  it('hands the validated graph to the host and stops the program at execute()', async () => {
    const plans: JobPlan[] = [];
    setExecutionContext({ mode: 'plan', bundle: BUNDLE, requireBundle: true, defaultParallelism: 3, onPlan: (plan) => void plans.push(plan) });
    const { finished } = loadProgram();
    expect(plans).toHaveLength(1);
    expect(plans[0].jobName).toBe('WordCount');
    expect(plans[0].graph.bundle).toEqual(BUNDLE);
    expect(plans[0].graph.config?.default_parallelism).toBe(3);
    expect(await settles(finished)).toBe(false);
  });

  it('lets an attached run continue with the job result and the collected records', async () => {
    setExecutionContext({
      mode: 'plan',
      onPlan: (plan): Promise<JobExecutionResult> =>
        Promise.resolve({
          jobName: plan.jobName,
          collected: new Map([[operatorId(plan.graph, Kind.SINK_COLLECT), [['be', 2]]]]),
        }),
    });
    await expect(loadProgram().finished).resolves.toEqual([['be', 2]]);
  });

  it('fails with MISSING_BUNDLE when the host requires a bundle and gives none', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1]).print();
    setExecutionContext({ mode: 'plan', requireBundle: true, onPlan: () => undefined });
    await expect(env.execute('job')).rejects.toMatchObject({
      code: DataflowErrorCode.INVALID_JOB_GRAPH,
      problems: [expect.objectContaining({ code: JobGraphProblemCode.MISSING_BUNDLE })],
    });
  });
});

describe('runtime mode', () => {
  it('rebuilds the same graph and hands the host each user function by operator id', async () => {
    let planned: JobPlan | undefined;
    setExecutionContext({ mode: 'plan', bundle: BUNDLE, onPlan: (plan) => void (planned = plan) });
    loadProgram();

    let program: RuntimeProgram | undefined;
    setExecutionContext({
      mode: 'runtime',
      bundle: BUNDLE,
      defaultParallelism: planned!.graph.config!.default_parallelism!,
      onProgram: (p) => void (program = p),
    });
    const { finished } = loadProgram();
    expect(Buffer.from(encodeJobGraph(program!.graph)).equals(Buffer.from(encodeJobGraph(planned!.graph)))).toBe(true);

    const flatMap = program!.functions.get(operatorId(planned!.graph, Kind.FLAT_MAP));
    const keyBy = program!.functions.get(operatorId(planned!.graph, Kind.KEY_BY));
    expect(flatMap?.kind).toBe('FLAT_MAP');
    expect(keyBy?.kind).toBe('KEY_BY');
    if (flatMap?.kind !== 'FLAT_MAP' || keyBy?.kind !== 'KEY_BY') return;
    expect([...flatMap.fn('to be')]).toEqual([['to', 1], ['be', 1]]);
    expect(keyBy.fn(['to', 1])).toBe('to');
    // Sources from collections, field sums and sinks have no function.
    expect([...program!.functions.values()].map((f) => f.kind).sort()).toEqual(['FLAT_MAP', 'KEY_BY']);
    expect(await settles(finished)).toBe(false);
  });

  it('registers selectors, reducers, window functions, join functions and timestamp extractors', () => {
    let program: RuntimeProgram | undefined;
    setExecutionContext({ mode: 'runtime', onProgram: (p) => void (program = p) });
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const a = env.generate((i) => ({ k: `k${i}`, v: i, t: i }), { count: 10 }).assignTimestampsAndWatermarks({ timestamp: (r) => r.t });
    a.keyBy((r) => r.k).reduce((x, y) => ({ ...x, v: x.v + y.v })).print();
    a.keyBy((r) => r.k).sum((r) => r.v).print();
    a.join(a).where((r) => r.k).equalTo((r) => r.k).window(TumblingEventTimeWindows.of(10)).apply((l, r) => l.v + r.v).print();
    void env.execute('job');
    const kinds = [...program!.functions.values()].map((f) => f.kind).sort();
    expect(kinds).toEqual(['KEY_BY', 'KEY_BY', 'KEY_BY', 'KEY_BY', 'REDUCE', 'SOURCE_GENERATE', 'SUM', 'TIMESTAMPS_WATERMARKS', 'WINDOW_JOIN']);
    const join = [...program!.functions.values()].find((f) => f.kind === 'WINDOW_JOIN');
    expect(join?.kind === 'WINDOW_JOIN' && join.fn({ v: 1 }, { v: 2 })).toBe(3);
  });
});

describe('without a host', () => {
  it('rejects execute() with NO_EXECUTION_CONTEXT', async () => {
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.fromCollection([1]).print();
    await expect(env.execute('Lonely')).rejects.toMatchObject({
      code: DataflowErrorCode.NO_EXECUTION_CONTEXT,
      message: "Job 'Lonely' was executed without a host; run the program with 'bin/mesoflow run' (or set an execution context first)",
    });
  });

  it('rejects a second execute() of one environment and collected values before a run', async () => {
    setExecutionContext({ mode: 'plan', onPlan: () => undefined });
    const env = StreamExecutionEnvironment.getExecutionEnvironment();
    const sink = env.fromCollection([1]).collect();
    void env.execute('job');
    await expect(env.execute('job')).rejects.toMatchObject({ code: DataflowErrorCode.ILLEGAL_STATE });
    expect(() => sink.values()).toThrow("Collected values of 'Sink: Collect' are not available: await env.execute() in an attached run first");
  });
});

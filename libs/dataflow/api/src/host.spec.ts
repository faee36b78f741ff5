import { mesoflow } from '@mesoflow/proto';
import { StreamExecutionEnvironment } from './environment';
import { DataflowErrorCode, JobGraphProblemCode } from './errors';
import { getExecutionContext, setExecutionContext } from './execution-context';
import { loadRuntimeProgram, planProgram } from './host';

const BUNDLE = { path: 'jobs/word-count.js', sha256: 'e'.repeat(64) };

/** Loads the program file afresh, with its own copy of the library, as a bundle would. */
function loadWordCount(): void {
  jest.isolateModules(() => {
    jest.requireActual('./test-programs/word-count.program');
  });
}

afterEach(() => setExecutionContext(undefined));

describe('planProgram and loadRuntimeProgram', () => {
  it('capture the plan, then the same operators with their functions, and clear the context', async () => {
    const plan = await planProgram(loadWordCount, { bundle: BUNDLE, defaultParallelism: 2 });
    expect(getExecutionContext()).toBeUndefined();
    expect(plan.graph.bundle).toEqual(BUNDLE);
    const runtime = await loadRuntimeProgram(loadWordCount, { bundle: BUNDLE, defaultParallelism: plan.graph.config!.default_parallelism! });
    const { JobGraph } = mesoflow.dataflow.v1;
    expect(Buffer.from(JobGraph.encode(runtime.graph).finish()).equals(Buffer.from(JobGraph.encode(plan.graph).finish()))).toBe(true);
    expect(runtime.functions.size).toBe(2);
  });

  it('in an attached run, hand the program the job result and its collect() records after the plan', async () => {
    let program: { collected: () => readonly number[]; done: Promise<string> } | undefined;
    const run = (): void => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      const sink = env.fromCollection([1, 2]).map((n: number) => n * 10).collect();
      program = { collected: () => sink.values(), done: env.execute('Attached').then((result) => result.jobName) };
    };
    let attachedWith: string | undefined;
    const plan = await planProgram(run, {
      attach: (planned) => {
        attachedWith = planned.jobName;
        const sinkId = planned.graph.vertices.at(-1)?.operators?.at(-1)?.id ?? '';
        return Promise.resolve({ jobName: planned.jobName, collected: new Map([[sinkId, [10, 20]]]) });
      },
    });
    expect(plan.jobName).toBe('Attached');
    expect(attachedWith).toBe('Attached');
    await expect(program?.done).resolves.toBe('Attached');
    expect(program?.collected()).toEqual([10, 20]);
  });

  it('in an attached run, reject execute() when the job fails', async () => {
    let done: Promise<unknown> | undefined;
    await planProgram(
      () => {
        const env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromCollection([1]).collect();
        done = env.execute('Failing');
      },
      { attach: () => Promise.reject(new Error("Job 'Failing' FAILED")) },
    );
    await expect(done).rejects.toThrow("Job 'Failing' FAILED");
  });

  it('reject with INVALID_PROGRAM when the program throws before execute()', async () => {
    await expect(
      planProgram(() => {
        throw new Error('config file missing');
      }),
    ).rejects.toMatchObject({
      code: DataflowErrorCode.INVALID_PROGRAM,
      message: 'The program failed before execute() (plan): config file missing',
    });
    await expect(planProgram(() => Promise.reject(new Error('async boom')))).rejects.toMatchObject({
      message: 'The program failed before execute() (plan): async boom',
    });
  });

  it('reject when the program never reaches execute()', async () => {
    await expect(planProgram(() => undefined, { timeoutMs: 10 })).rejects.toMatchObject({
      code: DataflowErrorCode.INVALID_PROGRAM,
      message: 'The program did not call execute() within 10 ms (plan)',
    });
    expect(getExecutionContext()).toBeUndefined();
  });

  it('pass on the invalid graph error even when the program ignores execute()’s rejection', async () => {
    const program = (): void => {
      const env = StreamExecutionEnvironment.getExecutionEnvironment();
      env.fromCollection([1]).map((n) => n);
      env.execute('No sink').catch(() => undefined);
    };
    await expect(planProgram(program)).rejects.toMatchObject({
      code: DataflowErrorCode.INVALID_JOB_GRAPH,
      problems: [expect.objectContaining({ code: JobGraphProblemCode.NO_SINK })],
    });
  });

  it('refuse to load while another context is set', async () => {
    setExecutionContext({ mode: 'plan', onPlan: () => undefined });
    await expect(planProgram(loadWordCount)).rejects.toMatchObject({ code: DataflowErrorCode.ILLEGAL_STATE });
  });
});

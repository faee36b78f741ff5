import { isDeepStrictEqual } from 'node:util';
import { mesoflow } from '@mesoflow/proto';
import { compileNodes, type BundleReference, type CompiledProgram, type RuntimeExecutionMode } from './compile';
import { SingleOutputStreamOperator } from './data-stream';
import { DataflowError, DataflowErrorCode } from './errors';
import { getExecutionContext, type JobExecutionResult } from './execution-context';
import { checkParallelism, MAX_MAX_PARALLELISM, StreamGraphBuilder, type GenerateBound, type StreamNode } from './transformation';

const { OperatorKind } = mesoflow.dataflow.v1;

/** Flink's default max parallelism for small jobs. */
const DEFAULT_MAX_PARALLELISM = 128;

/** Fixed-delay restarts of the whole job. */
export interface RestartStrategyOptions {
  /** 0: the job fails on its first failure. */
  readonly attempts: number;
  readonly delayMs: number;
}

/** Options of {@link compileJobGraph}. */
export interface CompileOptions {
  /** Written into the graph for TaskManagers to load. */
  readonly bundle?: BundleReference;
  /** Fail when `bundle` is missing. @default false */
  readonly requireBundle?: boolean;
}

function wholeMs(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DataflowError(DataflowErrorCode.INVALID_ARGUMENT, `${what} must be a whole number >= 0, got ${String(value)}`);
  }
  return value;
}

/**
 * Where a program declares its sources and runs its job. Get one with
 * `StreamExecutionEnvironment.getExecutionEnvironment()`; declaring operators runs nothing,
 * `execute()` hands the job to the host (see `setExecutionContext`).
 */
export class StreamExecutionEnvironment {
  private readonly builder = new StreamGraphBuilder();
  private parallelism: number;
  private maxParallelism = DEFAULT_MAX_PARALLELISM;
  private restart: RestartStrategyOptions = { attempts: 0, delayMs: 0 };
  private runtimeMode: RuntimeExecutionMode = 'STREAMING';
  private executed = false;

  private constructor(defaultParallelism: number) {
    this.parallelism = defaultParallelism;
  }

  /** A new environment; its default parallelism is the host's (`parallelism.default`), else 1. */
  static getExecutionEnvironment(): StreamExecutionEnvironment {
    return new StreamExecutionEnvironment(getExecutionContext()?.defaultParallelism ?? 1);
  }

  /** The parallelism of operators that do not set their own. */
  setParallelism(parallelism: number): this {
    this.parallelism = checkParallelism('Default parallelism', parallelism);
    return this;
  }

  getParallelism(): number {
    return this.parallelism;
  }

  /** The upper bound of any operator's parallelism, and the number of key groups. @default 128 */
  setMaxParallelism(maxParallelism: number): this {
    this.maxParallelism = checkParallelism('Max parallelism', maxParallelism, MAX_MAX_PARALLELISM);
    return this;
  }

  /** How often and after how long the job restarts after a failure. @default no restarts */
  setRestartStrategy(strategy: RestartStrategyOptions): this {
    this.restart = { attempts: wholeMs('Restart attempts', strategy.attempts), delayMs: wholeMs('Restart delay (ms)', strategy.delayMs) };
    return this;
  }

  /**
   * STREAMING (the default): keyed aggregates emit every update. BATCH, for bounded input: they
   * emit each key's final value once the input ends, and are pre-aggregated before the exchange.
   * AUTOMATIC: BATCH when every source is bounded. Flink's `execution.runtime-mode`.
   */
  setRuntimeMode(mode: RuntimeExecutionMode): this {
    const modes: readonly string[] = ['STREAMING', 'BATCH', 'AUTOMATIC'];
    const name = typeof mode === 'string' ? mode.toUpperCase() : mode;
    if (typeof name !== 'string' || !modes.includes(name)) {
      throw new DataflowError(DataflowErrorCode.INVALID_ARGUMENT, `The runtime mode must be one of ${modes.join(', ')}, got '${String(mode)}'`);
    }
    this.runtimeMode = name as RuntimeExecutionMode;
    return this;
  }

  /** A non-parallel source of the given items; they travel in the graph, so they must be JSON values. */
  fromCollection<T>(items: readonly T[]): SingleOutputStreamOperator<T> {
    if (!Array.isArray(items)) {
      throw new DataflowError(DataflowErrorCode.INVALID_ARGUMENT, `fromCollection takes an array, got ${typeof items}`);
    }
    const itemsJson = JSON.stringify(items);
    const parsed = JSON.parse(itemsJson) as unknown[];
    const bad = items.findIndex((item, index) => !isDeepStrictEqual(parsed[index], item));
    if (bad >= 0) {
      throw new DataflowError(
        DataflowErrorCode.INVALID_ARGUMENT,
        `fromCollection item ${bad} (${String(items[bad])}) is not a JSON value; the job graph carries items as JSON, ` +
          'so use strings, numbers, booleans, null, arrays and plain objects',
      );
    }
    return this.source<T>(OperatorKind.SOURCE_COLLECTION, 'Source: Collection', undefined, { itemsJson }, 1);
  }

  /** One record per line of a text file, read on the TaskManagers. */
  readTextFile(path: string): SingleOutputStreamOperator<string> {
    if (typeof path !== 'string' || path.trim() === '') {
      throw new DataflowError(DataflowErrorCode.INVALID_ARGUMENT, `readTextFile needs a file path, got '${String(path)}'`);
    }
    return this.source<string>(OperatorKind.SOURCE_TEXT_FILE, 'Source: Text File', undefined, { path });
  }

  /**
   * Records made by `fn` from sequence numbers 0, 1, 2, ...: `{ count }` records (bounded, paced
   * by an optional `ratePerSecond`) or `{ ratePerSecond }` records per second forever
   * (unbounded). Subtasks share the numbers.
   */
  generate<T>(fn: (index: number) => T, bound: GenerateBound): SingleOutputStreamOperator<T> {
    if (typeof fn !== 'function') {
      throw new DataflowError(DataflowErrorCode.INVALID_ARGUMENT, `generate takes a function of the sequence number, got ${typeof fn}`);
    }
    const positiveRate = (rate: unknown): rate is number => typeof rate === 'number' && Number.isFinite(rate) && rate > 0;
    let generate: GenerateBound;
    if ('count' in bound) {
      const count = wholeMs('generate count', bound.count);
      if (bound.ratePerSecond !== undefined && !positiveRate(bound.ratePerSecond)) {
        throw new DataflowError(DataflowErrorCode.INVALID_ARGUMENT, `generate ratePerSecond must be a number > 0, got ${String(bound.ratePerSecond)}`);
      }
      generate = bound.ratePerSecond === undefined ? { count } : { count, ratePerSecond: bound.ratePerSecond };
    } else if (positiveRate(bound.ratePerSecond)) {
      generate = { ratePerSecond: bound.ratePerSecond };
    } else {
      throw new DataflowError(
        DataflowErrorCode.INVALID_ARGUMENT,
        `generate needs { count } (a whole number >= 0) or { ratePerSecond } (> 0), got ${JSON.stringify(bound)}`,
      );
    }
    return this.source<T>(OperatorKind.SOURCE_GENERATE, 'Source: Generator', { kind: 'SOURCE_GENERATE', fn }, { generate });
  }

  /**
   * Hands the job to the host: in plan mode the client gets the JobGraph, in runtime mode a
   * TaskManager gets the user functions by operator id (see `setExecutionContext`). Resolves
   * only in an attached plan-mode run, with the job's result; otherwise it never settles, so
   * the program stops here. Rejects with `NO_EXECUTION_CONTEXT` when no host set a context and
   * `INVALID_JOB_GRAPH` / `INVALID_PROGRAM` when the program cannot run.
   */
  async execute(jobName = 'Mesoflow Streaming Job'): Promise<JobExecutionResult> {
    const context = getExecutionContext();
    if (context === undefined) {
      throw new DataflowError(
        DataflowErrorCode.NO_EXECUTION_CONTEXT,
        `Job '${jobName}' was executed without a host; run the program with 'bin/mesoflow run' (or set an execution context first)`,
      );
    }
    if (this.executed) {
      throw new DataflowError(DataflowErrorCode.ILLEGAL_STATE, `Job '${jobName}': this environment has already been executed; create a new one for another job`);
    }
    this.executed = true;
    let compiled: CompiledProgram;
    try {
      compiled = this.compile(jobName, {
        bundle: context.bundle,
        requireBundle: context.mode === 'plan' && context.requireBundle === true,
      });
    } catch (error) {
      context.onFailure?.(error);
      throw error;
    }
    switch (context.mode) {
      case 'plan': {
        const pending = context.onPlan({ jobName, graph: compiled.graph });
        if (pending === undefined) return stopHere();
        const result = await pending;
        this.deliver(compiled, result);
        return result;
      }
      case 'runtime':
        context.onProgram({ jobName, graph: compiled.graph, functions: compiled.functions });
        return stopHere();
    }
  }

  /** @internal Compiles what has been declared so far. */
  compile(jobName: string, options: CompileOptions = {}): CompiledProgram {
    return compileNodes(
      jobName,
      this.builder.nodes,
      {
        defaultParallelism: this.parallelism,
        maxParallelism: this.maxParallelism,
        restartAttempts: this.restart.attempts,
        restartDelayMs: this.restart.delayMs,
        runtimeMode: this.runtimeMode,
      },
      options.bundle,
      options.requireBundle,
    );
  }

  private deliver(compiled: CompiledProgram, result: JobExecutionResult): void {
    for (const collector of this.builder.collectors) {
      collector.deliver(result.collected.get(compiled.operatorIds.get(collector.node) ?? '') ?? []);
    }
  }

  private source<T>(
    kind: mesoflow.dataflow.v1.OperatorKind,
    name: string,
    fn: { kind: 'SOURCE_GENERATE'; fn: (index: number) => unknown } | undefined,
    parameters: StreamNode['parameters'],
    maxParallelism?: number,
  ): SingleOutputStreamOperator<T> {
    const node = this.builder.add({ kind, name, inputs: [], fn, parameters, maxParallelism });
    return new SingleOutputStreamOperator<T>(this.builder, node);
  }
}

/** A promise that never settles: the program's code after `await env.execute()` must not run. */
function stopHere(): Promise<never> {
  return new Promise<never>(() => undefined);
}

/**
 * Compiles what `env` has declared into a validated JobGraph (the `mesoflow.dataflow.v1`
 * message), without running anything. `execute()` does the same and hands the graph to the host.
 */
export function compileJobGraph(env: StreamExecutionEnvironment, jobName: string, options: CompileOptions = {}): mesoflow.dataflow.v1.JobGraph {
  return env.compile(jobName, options).graph;
}



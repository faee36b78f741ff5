/**
 * The DataStream API of Mesoflow (Flink's, in TypeScript) and the JobGraph it compiles to.
 *
 * A program declares sources, operators and sinks on a `StreamExecutionEnvironment` and calls
 * `await env.execute(name)`. What `execute()` does is chosen by the host that loads the program,
 * through `setExecutionContext`: in plan mode (the client) it hands over the validated
 * `mesoflow.dataflow.v1.JobGraph` and nothing runs; in runtime mode (a TaskManager) it hands over
 * the user functions by stable operator id. This library runs no records and imports no
 * runtime or network code.
 */
export { StreamExecutionEnvironment, compileJobGraph } from './environment';
export type { CompileOptions, RestartStrategyOptions } from './environment';
export type { GenerateBound } from './transformation';
export {
  CollectSink,
  DataStream,
  DataStreamSink,
  JoinEqualTo,
  JoinWhere,
  JoinWindowed,
  JoinedStreams,
  KeyedStream,
  SingleOutputStreamOperator,
  WindowedStream,
} from './data-stream';
export type { NumericField, WatermarkStrategy, WindowFunction } from './data-stream';
export {
  SlidingEventTimeWindows,
  SlidingProcessingTimeWindows,
  TumblingEventTimeWindows,
  TumblingProcessingTimeWindows,
} from './windows';
export type { TimeWindow, WindowAssigner } from './windows';
export { getExecutionContext, setExecutionContext } from './execution-context';
export type {
  ExecutionContext,
  JobExecutionResult,
  JobPlan,
  PlanContext,
  RuntimeContext,
  RuntimeProgram,
} from './execution-context';
export type { BundleReference, RuntimeExecutionMode } from './compile';
export type { FunctionRegistry, KeyValue, UserFunction } from './functions';
export { jobGraphProblems, validateJobGraph } from './validate';
export type { ValidateOptions } from './validate';
export { decodeJobGraph, encodeJobGraph } from './codec';
export { DataflowError, DataflowErrorCode, JobGraphProblemCode, isDataflowError } from './errors';
export type { JobGraphProblem } from './errors';
export { loadRuntimeProgram, planProgram } from './host';
export type { LoadOptions, PlanOptions } from './host';

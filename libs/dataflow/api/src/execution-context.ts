// How one program file serves both the client and the TaskManagers.
//
// A Mesoflow program is an ordinary module that builds a pipeline and calls
// `await env.execute(name)`. The program does not choose what `execute()` does; the host that
// loads it does, by setting an execution context before it imports (or runs) the program:
//
//   plan mode (the client, `bin/mesoflow run` / `bin/mesoflow jobgraph`): `execute()` compiles
//     and validates the JobGraph and hands it to `onPlan`. Nothing runs. If `onPlan` returns
//     nothing, `execute()` never settles, so the program stops there (its code after
//     `await env.execute()` does not run). If it returns a promise of a JobExecutionResult (an
//     attached run: the host submitted the job and followed it to the end), `execute()`
//     resolves with it and `collect()` sinks get their records.
//
//   runtime mode (a TaskManager that loaded the program bundle named in the graph):
//     `execute()` compiles the same graph and hands `onProgram` the graph and the registry of
//     user functions by operator id, then never settles. Operator ids depend only on the
//     program's structure and uids (operator-ids.ts), so they match the submitted graph's.
//
// The context lives on `globalThis` under a registered symbol rather than in a module variable,
// so it still reaches a program whose bundle carries its own copy of this library. This module
// imports no runtime or network code: the host owns all of that.
import type { mesoflow } from '@mesoflow/proto';
import type { BundleReference } from './compile';
import type { FunctionRegistry } from './functions';

const CONTEXT_KEY = Symbol.for('mesoflow.dataflow.executionContext');

/** What the plan host gets from `execute()`. */
export interface JobPlan {
  readonly jobName: string;
  /** Validated; encode it with `encodeJobGraph` to submit or write it. */
  readonly graph: mesoflow.dataflow.v1.JobGraph;
}

/** What an attached run reports back when the job has ended. */
export interface JobExecutionResult {
  readonly jobName: string;
  /** Records of each `collect()` sink, by the sink's operator id. */
  readonly collected: ReadonlyMap<string, readonly unknown[]>;
}

/** What the runtime host gets from `execute()`. */
export interface RuntimeProgram {
  readonly jobName: string;
  /** The graph as this process compiled it; its operator ids are the submitted graph's. */
  readonly graph: mesoflow.dataflow.v1.JobGraph;
  /** The user function of every operator that has one, by operator id. */
  readonly functions: FunctionRegistry;
}

/** Settings both modes share. */
interface ContextBase {
  /** The parallelism of operators without their own (`parallelism.default`, `-p`). @default 1 */
  readonly defaultParallelism?: number;
  /** The bundle reference written into the graph. */
  readonly bundle?: BundleReference;
  /**
   * Told when `execute()` fails (an invalid program or graph) before `execute()` rejects, since a
   * program may not handle that rejection where the host can see it.
   */
  onFailure?(error: unknown): void;
}

/** The client's context: compile, hand over the graph, do not run. */
export interface PlanContext extends ContextBase {
  readonly mode: 'plan';
  /** Fail `execute()` when the graph has no bundle reference. @default false */
  readonly requireBundle?: boolean;
  /**
   * Receives the graph. Return nothing to stop the program at `execute()`; return a promise of
   * the job's result (attached run) to let the program continue with it.
   */
  onPlan(plan: JobPlan): Promise<JobExecutionResult> | void;
}

/** A TaskManager's context: compile, hand over the functions, do not continue. */
export interface RuntimeContext extends ContextBase {
  readonly mode: 'runtime';
  onProgram(program: RuntimeProgram): void;
}

/** What the host sets before it loads a program. */
export type ExecutionContext = PlanContext | RuntimeContext;

type ContextHolder = { [CONTEXT_KEY]?: ExecutionContext };

/**
 * Sets (or with `undefined`, clears) the execution context for programs loaded from now on.
 * Call it before importing the program module; `getExecutionEnvironment()` and `execute()` read it.
 */
export function setExecutionContext(context: ExecutionContext | undefined): void {
  const holder = globalThis as ContextHolder;
  if (context === undefined) delete holder[CONTEXT_KEY];
  else holder[CONTEXT_KEY] = context;
}

/** The context a host set, if any. */
export function getExecutionContext(): ExecutionContext | undefined {
  return (globalThis as ContextHolder)[CONTEXT_KEY];
}

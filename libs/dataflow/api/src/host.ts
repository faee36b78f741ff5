// Helpers for hosts (the CLI, the TaskManager) that load a program and wait for its
// `execute()`. They only set the execution context around the host's own `load` function (for
// example `() => import(bundlePath)`), so this library still loads no code by itself.
import { DataflowError, DataflowErrorCode, isDataflowError } from './errors';
import { getExecutionContext, setExecutionContext, type ExecutionContext, type JobExecutionResult, type JobPlan, type RuntimeProgram } from './execution-context';
import type { BundleReference } from './compile';

/** How a host loads a program. */
export interface LoadOptions {
  /** Written into the graph. */
  readonly bundle?: BundleReference;
  /** The parallelism of operators without their own. @default 1 */
  readonly defaultParallelism?: number;
  /** How long the program may take to reach `execute()`. @default 30_000 */
  readonly timeoutMs?: number;
}

/** How a client plans a program. */
export interface PlanOptions extends LoadOptions {
  /**
   * An attached run: called with the plan when the program calls `execute()`, which then
   * resolves or rejects as the returned promise does, so the program goes on with the job's
   * result. Without it the program stops at `execute()`.
   */
  readonly attach?: (plan: JobPlan) => Promise<JobExecutionResult>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

function capture<R>(
  what: string,
  load: () => unknown,
  options: LoadOptions,
  context: (deliver: (result: R) => void) => ExecutionContext,
): Promise<R> {
  // The context is process-wide (globalThis), so two programs loading at once would take each
  // other's graphs.
  if (getExecutionContext() !== undefined) {
    return Promise.reject(
      new DataflowError(DataflowErrorCode.ILLEGAL_STATE, `Cannot load a program for ${what}: another execution context is set`),
    );
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      setExecutionContext(undefined);
      outcome();
    };
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(new DataflowError(DataflowErrorCode.INVALID_PROGRAM, `The program did not call execute() within ${timeoutMs} ms (${what})`)),
        ),
      timeoutMs,
    );
    // A DataflowError comes from execute() itself (an invalid program or graph): pass it on as is.
    const failed = (cause: unknown): void =>
      finish(() => {
        if (isDataflowError(cause)) return reject(cause);
        const reason = cause instanceof Error ? cause.message : String(cause);
        reject(
          new DataflowError(DataflowErrorCode.INVALID_PROGRAM, `The program failed before execute() (${what}): ${reason}`, [], {
            cause,
          }),
        );
      });
    setExecutionContext({ ...context((result) => finish(() => resolve(result))), onFailure: failed });
    try {
      // Not awaited for success: a program's top-level `await env.execute()` never settles.
      Promise.resolve(load()).catch(failed);
    } catch (cause) {
      failed(cause);
    }
  });
}

/**
 * Plan mode for a client: sets the context, calls `load` (which imports or runs the program),
 * and resolves with the validated graph when the program calls `execute()`. Rejects with
 * `INVALID_PROGRAM` when the program throws or does not reach `execute()` in time, and with
 * `INVALID_JOB_GRAPH` when the graph is invalid (a bundle is required when `bundle` is given).
 */
export function planProgram(load: () => unknown, options: PlanOptions = {}): Promise<JobPlan> {
  return capture<JobPlan>('plan', load, options, (deliver) => ({
    mode: 'plan',
    bundle: options.bundle,
    requireBundle: options.bundle !== undefined,
    defaultParallelism: options.defaultParallelism,
    onPlan: (plan) => {
      deliver(plan);
      return options.attach?.(plan);
    },
  }));
}

/**
 * Runtime mode for a TaskManager: like {@link planProgram}, but resolves with the graph and the
 * user functions by operator id. Pass the submitted graph's `bundle` and
 * `config.default_parallelism` so the rebuilt graph equals the submitted one.
 */
export function loadRuntimeProgram(load: () => unknown, options: LoadOptions = {}): Promise<RuntimeProgram> {
  return capture<RuntimeProgram>('runtime', load, options, (deliver) => ({
    mode: 'runtime',
    bundle: options.bundle,
    defaultParallelism: options.defaultParallelism,
    onProgram: deliver,
  }));
}

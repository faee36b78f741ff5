/** Why a {@link DataflowError} was raised. */
export enum DataflowErrorCode {
  /** An API call got a value it cannot use (a parallelism of 0, an empty path, a negative window size, ...). */
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  /** The program as a whole cannot be compiled (two operators with one uid, an event-time window without timestamps, ...). */
  INVALID_PROGRAM = 'INVALID_PROGRAM',
  /** A job graph failed validation; `problems` lists every problem found. */
  INVALID_JOB_GRAPH = 'INVALID_JOB_GRAPH',
  /** `execute()` ran but no host set an execution context (see `setExecutionContext`). */
  NO_EXECUTION_CONTEXT = 'NO_EXECUTION_CONTEXT',
  /** A call at the wrong time: `execute()` twice on one environment, collected values before the job ended. */
  ILLEGAL_STATE = 'ILLEGAL_STATE',
  /** Bytes that are not an encoded job graph. */
  DECODE_FAILED = 'DECODE_FAILED',
}

/** What is wrong with a job graph, one code per rule of `validateJobGraph`. */
export enum JobGraphProblemCode {
  /** The edges form a cycle. */
  CYCLE = 'CYCLE',
  /** A parallelism or max parallelism outside 1..max parallelism (max parallelism within 1..32768). */
  PARALLELISM_OUT_OF_RANGE = 'PARALLELISM_OUT_OF_RANGE',
  /** An operator whose kind is unspecified or not one this version knows. */
  UNKNOWN_OPERATOR_KIND = 'UNKNOWN_OPERATOR_KIND',
  /** An edge whose partitioning is unspecified or unknown. */
  UNKNOWN_PARTITIONING = 'UNKNOWN_PARTITIONING',
  /** An edge from or to a vertex that is not in the graph. */
  MISSING_VERTEX = 'MISSING_VERTEX',
  /** A HASH edge without a key selector, or whose key selector is not the KEY_BY operator ending the source vertex. */
  HASH_WITHOUT_KEY_SELECTOR = 'HASH_WITHOUT_KEY_SELECTOR',
  /** A window join without exactly one LEFT and one RIGHT input. */
  JOIN_INPUTS = 'JOIN_INPUTS',
  /** No bundle reference (path and sha256) where one is required. */
  MISSING_BUNDLE = 'MISSING_BUNDLE',
  /** No sink: the job would compute and throw everything away. */
  NO_SINK = 'NO_SINK',
  /** Two vertices or two operators with the same id, or an empty id. */
  DUPLICATE_ID = 'DUPLICATE_ID',
  /** A vertex with no operators. */
  EMPTY_VERTEX = 'EMPTY_VERTEX',
  /** An operator whose parameters do not fit its kind (a window of 0 ms, a text file without a path, ...). */
  INVALID_PARAMETERS = 'INVALID_PARAMETERS',
}

/** One problem found by `validateJobGraph`. */
export interface JobGraphProblem {
  readonly code: JobGraphProblemCode;
  /** A sentence naming the vertex, edge or operator, the value and what was expected. */
  readonly message: string;
}

/** The one error type of `@mesoflow/dataflow-api`. */
export class DataflowError extends Error {
  override readonly name = 'DataflowError';

  /**
   * @param code what went wrong.
   * @param message a sentence naming the thing, the value and what was expected.
   * @param problems for `INVALID_JOB_GRAPH`: every problem found; empty otherwise.
   */
  constructor(
    readonly code: DataflowErrorCode,
    message: string,
    readonly problems: readonly JobGraphProblem[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * True when `error` is a {@link DataflowError}, optionally with the given code. Also true for one
 * thrown by another copy of this library (a program bundle may carry its own), by name and code.
 */
export function isDataflowError(error: unknown, code?: DataflowErrorCode): error is DataflowError {
  const isOne =
    error instanceof DataflowError ||
    (error instanceof Error && error.name === 'DataflowError' && typeof (error as { code?: unknown }).code === 'string');
  return isOne && (code === undefined || (error as DataflowError).code === code);
}

import type { KeyValue } from '@mesoflow/dataflow-api';

/** Why a {@link RuntimeError} was raised. */
export enum RuntimeErrorCode {
  /** A user function (or a record it was given) failed; see `operatorId`, `subtaskIndex`, `key`. */
  USER_FUNCTION_FAILED = 'USER_FUNCTION_FAILED',
  /** The graph cannot run here: an unknown vertex, an operator without its function, a bad parameter. */
  INVALID_JOB = 'INVALID_JOB',
  /** Bytes that are not an encoded record. */
  DECODE_FAILED = 'DECODE_FAILED',
  /** The input broke its contract (a record after end of input, input closed without end). */
  ILLEGAL_STATE = 'ILLEGAL_STATE',
}

/** Where a user function failed, Flink-style: operator, subtask and (in a keyed stream) key. */
export interface FailureLocation {
  readonly operatorId: string;
  readonly operatorName: string;
  readonly subtaskIndex: number;
  readonly parallelism: number;
  /** The record's key when the stream is keyed. */
  readonly key?: KeyValue;
}

/** The one error type of `@mesoflow/dataflow-runtime`. */
export class RuntimeError extends Error {
  override readonly name = 'RuntimeError';

  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
    readonly location?: FailureLocation,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True when `error` is a {@link RuntimeError}, optionally with the given code. */
export function isRuntimeError(error: unknown, code?: RuntimeErrorCode): error is RuntimeError {
  return error instanceof RuntimeError && (code === undefined || error.code === code);
}

/** The failure of a user function at `location`, with the original error as cause. */
export function userFunctionFailed(location: FailureLocation, cause: unknown): RuntimeError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  // Subtasks are shown 1-based as `(2/4)` like Flink's task names, with the 0-based index too
  // because that is what the job graph and the TaskManager logs use.
  const key = location.key === undefined ? '' : ` on key ${JSON.stringify(location.key)}`;
  return new RuntimeError(
    RuntimeErrorCode.USER_FUNCTION_FAILED,
    `Operator '${location.operatorName}' (${location.operatorId}) failed in subtask ${location.subtaskIndex} ` +
      `(${location.subtaskIndex + 1}/${location.parallelism})${key}: ${reason}`,
    location,
    { cause },
  );
}

import { status } from '@grpc/grpc-js';
import { isSubmissionError, SubmissionErrorCode } from '@mesoflow/dispatcher-submissions';

/** Why the gateway refused a call. */
export enum GatewayErrorCode {
  /** The request is wrong: a bad submission id, a job graph that does not decode or is invalid, a bad bundle. */
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  /** No such job. */
  NOT_FOUND = 'NOT_FOUND',
  /** The submission id is already taken by a different submission. */
  ALREADY_EXISTS = 'ALREADY_EXISTS',
  /** The job has already ended, so it cannot be canceled. */
  FAILED_PRECONDITION = 'FAILED_PRECONDITION',
  /** No or a wrong token where one is required. */
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** The gateway is shutting down, or Redis cannot be reached; try again (another gateway). */
  UNAVAILABLE = 'UNAVAILABLE',
  /** Anything else; details are in the gateway's log only. */
  INTERNAL = 'INTERNAL',
}

/** The one error type of the gateway; translated once at each boundary (gRPC status, HTTP status). */
export class GatewayError extends Error {
  override readonly name = 'GatewayError';

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The gRPC status of a {@link GatewayErrorCode}. */
export function grpcStatusOf(code: GatewayErrorCode): status {
  switch (code) {
    case GatewayErrorCode.INVALID_ARGUMENT:
      return status.INVALID_ARGUMENT;
    case GatewayErrorCode.NOT_FOUND:
      return status.NOT_FOUND;
    case GatewayErrorCode.ALREADY_EXISTS:
      return status.ALREADY_EXISTS;
    case GatewayErrorCode.FAILED_PRECONDITION:
      return status.FAILED_PRECONDITION;
    case GatewayErrorCode.UNAUTHENTICATED:
      return status.UNAUTHENTICATED;
    case GatewayErrorCode.UNAVAILABLE:
      return status.UNAVAILABLE;
    case GatewayErrorCode.INTERNAL:
      return status.INTERNAL;
  }
}

/** The HTTP status of a {@link GatewayErrorCode}. */
export function httpStatusOf(code: GatewayErrorCode): number {
  switch (code) {
    case GatewayErrorCode.INVALID_ARGUMENT:
      return 400;
    case GatewayErrorCode.NOT_FOUND:
      return 404;
    case GatewayErrorCode.ALREADY_EXISTS:
      return 409;
    case GatewayErrorCode.FAILED_PRECONDITION:
      return 409;
    case GatewayErrorCode.UNAUTHENTICATED:
      return 401;
    case GatewayErrorCode.UNAVAILABLE:
      return 503;
    case GatewayErrorCode.INTERNAL:
      return 500;
  }
}

function codeOfSubmissionError(code: SubmissionErrorCode): GatewayErrorCode {
  switch (code) {
    case SubmissionErrorCode.INVALID_ARGUMENT:
      return GatewayErrorCode.INVALID_ARGUMENT;
    case SubmissionErrorCode.SUBMISSION_CONFLICT:
      return GatewayErrorCode.ALREADY_EXISTS;
    case SubmissionErrorCode.UNKNOWN_JOB:
      return GatewayErrorCode.NOT_FOUND;
    case SubmissionErrorCode.ALREADY_ENDED:
      return GatewayErrorCode.FAILED_PRECONDITION;
    case SubmissionErrorCode.CLOSED:
      return GatewayErrorCode.UNAVAILABLE;
    case SubmissionErrorCode.CANCELED:
    case SubmissionErrorCode.CORRUPT_JOB:
      return GatewayErrorCode.INTERNAL;
  }
}

/**
 * Any error as a {@link GatewayError}: submission errors by their code, anything else (Redis
 * down, a bug) as INTERNAL with a message that says nothing about internals.
 */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (isSubmissionError(error)) {
    const code = codeOfSubmissionError(error.code);
    return new GatewayError(code, code === GatewayErrorCode.INTERNAL ? 'The job could not be read; see the dispatcher gateway log' : error.message, { cause: error });
  }
  return new GatewayError(GatewayErrorCode.INTERNAL, 'The request failed; see the dispatcher gateway log', { cause: error });
}

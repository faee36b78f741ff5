import { status, type ServiceError } from '@grpc/grpc-js';

/** What went wrong in the data exchange; see {@link ExchangeError}. */
export enum ExchangeErrorCode {
  /** An option or argument is out of range (a subpartition index, a buffer size, ...). */
  INVALID_ARGUMENT = 'INVALID_ARGUMENT',
  /** A call that the object's state does not allow (a write after finish, two writes at once). */
  ILLEGAL_STATE = 'ILLEGAL_STATE',
  /** A partition with the same ID is already registered. */
  ALREADY_REGISTERED = 'ALREADY_REGISTERED',
  /** The partition was not registered within the consumer's partition request timeout. */
  PARTITION_NOT_FOUND = 'PARTITION_NOT_FOUND',
  /** The subpartition is already being read (a pipelined subpartition is read once). */
  SUBPARTITION_IN_USE = 'SUBPARTITION_IN_USE',
  /** The producer failed, was cancelled or went away; the consumer cannot go on. */
  PRODUCER_FAILED = 'PRODUCER_FAILED',
  /** A consumer failed, was cancelled or went away before the end of its subpartition. */
  CONSUMER_FAILED = 'CONSUMER_FAILED',
  /** This side was cancelled by its own task. */
  CANCELLED = 'CANCELLED',
  /** Bytes on the wire that are not valid frames, or a lost buffer. */
  FRAMING = 'FRAMING',
}

/** The one error type of the data exchange: a code and a message naming the tasks involved. */
export class ExchangeError extends Error {
  override readonly name = 'ExchangeError';

  constructor(
    readonly code: ExchangeErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for an {@link ExchangeError}, optionally of the given code. */
export function isExchangeError(error: unknown, code?: ExchangeErrorCode): error is ExchangeError {
  return error instanceof ExchangeError && (code === undefined || error.code === code);
}

/** True for an error that grpc-js reports for a call (it carries a status code). */
export function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number';
}

/** The gRPC status a producer ends a ReadSubpartition call with for `error`. */
export function toGrpcStatus(error: ExchangeError): { code: status; details: string } {
  switch (error.code) {
    case ExchangeErrorCode.INVALID_ARGUMENT:
      return { code: status.INVALID_ARGUMENT, details: error.message };
    case ExchangeErrorCode.PARTITION_NOT_FOUND:
      return { code: status.NOT_FOUND, details: error.message };
    case ExchangeErrorCode.SUBPARTITION_IN_USE:
    case ExchangeErrorCode.ILLEGAL_STATE:
    case ExchangeErrorCode.ALREADY_REGISTERED:
      return { code: status.FAILED_PRECONDITION, details: error.message };
    case ExchangeErrorCode.PRODUCER_FAILED:
    case ExchangeErrorCode.CONSUMER_FAILED:
    case ExchangeErrorCode.CANCELLED:
    case ExchangeErrorCode.FRAMING:
      return { code: status.ABORTED, details: error.message };
  }
}

import { status, type ServiceError } from '@grpc/grpc-js';

/** Why a {@link ResourceManagerClientError} was raised. */
export enum ResourceManagerClientErrorCode {
  /** An option of the client is missing or out of range; the message names it. */
  INVALID_OPTION = 'INVALID_OPTION',
  /** The request is malformed (checked locally, or refused with `INVALID_ARGUMENT`). */
  INVALID_REQUEST = 'INVALID_REQUEST',
  /**
   * `FAILED_PRECONDITION`: the TaskManager's task is not a Launched worker of the scheduler
   * (unknown, not launched yet, or released). Permanent: the TaskManager should exit.
   */
  NOT_LAUNCHED = 'NOT_LAUNCHED',
  /** `NOT_FOUND`: the resource manager holds no such registration (expired, replaced, or from an earlier leader). */
  UNKNOWN_REGISTRATION = 'UNKNOWN_REGISTRATION',
  /** `ALREADY_EXISTS`: the allocation ID is in use with another job ID or slot count. */
  ALLOCATION_CONFLICT = 'ALLOCATION_CONFLICT',
  /** `ABORTED`: the pending slot request was withdrawn by a `ReleaseSlots` while this call waited for it. */
  REQUEST_WITHDRAWN = 'REQUEST_WITHDRAWN',
  /** `UNAVAILABLE`: the scheduler cannot be reached, or its resource manager is stopping. Retryable. */
  UNAVAILABLE = 'UNAVAILABLE',
  /** The call's deadline passed before an answer. Retryable for a single call; final for the whole operation's `timeoutMs`. */
  DEADLINE_EXCEEDED = 'DEADLINE_EXCEEDED',
  /** The server failed (`INTERNAL`, `UNKNOWN`, `RESOURCE_EXHAUSTED`, `DATA_LOSS`). Retryable. */
  SERVER_ERROR = 'SERVER_ERROR',
  /** Any other refusal (`UNIMPLEMENTED`, `UNAUTHENTICATED`, `PERMISSION_DENIED`, …): not the service expected, or not allowed. */
  CALL_REJECTED = 'CALL_REJECTED',
  /** The caller aborted the operation (its `AbortSignal`). */
  CANCELLED = 'CANCELLED',
  /** The client was closed; the operation cannot proceed. */
  CLOSED = 'CLOSED',
}

const RETRYABLE: ReadonlySet<ResourceManagerClientErrorCode> = new Set([
  ResourceManagerClientErrorCode.UNAVAILABLE,
  ResourceManagerClientErrorCode.DEADLINE_EXCEEDED,
  ResourceManagerClientErrorCode.SERVER_ERROR,
]);

/** The one error type of `@mesoflow/resourcemanager-client`: a {@link ResourceManagerClientErrorCode}, plus the gRPC status when the server answered. */
export class ResourceManagerClientError extends Error {
  override readonly name = 'ResourceManagerClientError';

  /**
   * @param code what went wrong.
   * @param message a sentence describing it.
   * @param grpcCode the gRPC status of the failed call, when the error comes from one.
   * @param cause the underlying error.
   */
  constructor(
    readonly code: ResourceManagerClientErrorCode,
    message: string,
    readonly grpcCode: status | undefined = undefined,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
  }

  /** True when trying again later may succeed (the scheduler unreachable, a deadline, a server failure). */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/** True when `error` is a {@link ResourceManagerClientError}, optionally with the given code. */
export function isResourceManagerClientError(error: unknown, code?: ResourceManagerClientErrorCode): error is ResourceManagerClientError {
  return error instanceof ResourceManagerClientError && (code === undefined || error.code === code);
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'metadata' in error;
}

/** The client code of a gRPC status. */
export function codeOfStatus(code: status): ResourceManagerClientErrorCode {
  switch (code) {
    case status.INVALID_ARGUMENT:
      return ResourceManagerClientErrorCode.INVALID_REQUEST;
    case status.FAILED_PRECONDITION:
      return ResourceManagerClientErrorCode.NOT_LAUNCHED;
    case status.NOT_FOUND:
      return ResourceManagerClientErrorCode.UNKNOWN_REGISTRATION;
    case status.ALREADY_EXISTS:
      return ResourceManagerClientErrorCode.ALLOCATION_CONFLICT;
    case status.ABORTED:
      return ResourceManagerClientErrorCode.REQUEST_WITHDRAWN;
    case status.UNAVAILABLE:
      return ResourceManagerClientErrorCode.UNAVAILABLE;
    case status.DEADLINE_EXCEEDED:
      return ResourceManagerClientErrorCode.DEADLINE_EXCEEDED;
    case status.CANCELLED:
      return ResourceManagerClientErrorCode.CANCELLED;
    case status.INTERNAL:
    case status.UNKNOWN:
    case status.RESOURCE_EXHAUSTED:
    case status.DATA_LOSS:
      return ResourceManagerClientErrorCode.SERVER_ERROR;
    case status.OK:
    case status.OUT_OF_RANGE:
    case status.UNIMPLEMENTED:
    case status.PERMISSION_DENIED:
    case status.UNAUTHENTICATED:
      return ResourceManagerClientErrorCode.CALL_REJECTED;
  }
}

/**
 * Translates what a call failed with (a grpc-js `ServiceError`, or anything else) into a
 * {@link ResourceManagerClientError}; one already translated is returned as it is.
 * @param what the call, for the message, e.g. `RegisterTaskManager of 'taskmanager-00003'`.
 */
export function toClientError(error: unknown, what: string): ResourceManagerClientError {
  if (isResourceManagerClientError(error)) return error;
  if (isServiceError(error)) {
    const grpcCode = error.code;
    const details = error.details === '' ? status[grpcCode] : error.details;
    return new ResourceManagerClientError(codeOfStatus(grpcCode), `${what} failed with ${status[grpcCode]}: ${details}`, grpcCode, error);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ResourceManagerClientError(ResourceManagerClientErrorCode.SERVER_ERROR, `${what} failed: ${message}`, undefined, error);
}

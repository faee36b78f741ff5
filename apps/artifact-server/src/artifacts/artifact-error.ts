import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';

/** Why the artifact server refused a request or could not complete it. */
export enum ArtifactErrorCode {
  /** A path is not a valid artifact path (charset, `.`/`..` segments, length). */
  INVALID_PATH = 'INVALID_PATH',
  /** A request is malformed: missing metadata, a chunk before it, a bad digest format. */
  INVALID_REQUEST = 'INVALID_REQUEST',
  /** The received size or SHA-256 differs from the declared one; nothing was published. */
  CONTENT_MISMATCH = 'CONTENT_MISMATCH',
  /** The artifact is larger than the server's limit. */
  TOO_LARGE = 'TOO_LARGE',
  /** No artifact is published under the path. */
  NOT_FOUND = 'NOT_FOUND',
  /** A local file is outside the folders the server may publish from, or unreadable. */
  LOCAL_FILE_DENIED = 'LOCAL_FILE_DENIED',
  /** The client went away or the upload was cut. */
  ABORTED = 'ABORTED',
  /** The server is stopping. */
  UNAVAILABLE = 'UNAVAILABLE',
}

/** A failure of the artifact server; `code` says which kind. */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';

  /**
   * @param code what went wrong.
   * @param message a sentence naming the offending value and what was expected.
   */
  constructor(
    readonly code: ArtifactErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The gRPC status each error code becomes at the gRPC boundary. */
export function grpcStatusOf(code: ArtifactErrorCode): status {
  switch (code) {
    case ArtifactErrorCode.INVALID_PATH:
    case ArtifactErrorCode.INVALID_REQUEST:
    case ArtifactErrorCode.CONTENT_MISMATCH:
      return status.INVALID_ARGUMENT;
    case ArtifactErrorCode.TOO_LARGE:
      return status.RESOURCE_EXHAUSTED;
    case ArtifactErrorCode.NOT_FOUND:
      return status.NOT_FOUND;
    case ArtifactErrorCode.LOCAL_FILE_DENIED:
      return status.PERMISSION_DENIED;
    case ArtifactErrorCode.ABORTED:
      return status.ABORTED;
    case ArtifactErrorCode.UNAVAILABLE:
      return status.UNAVAILABLE;
  }
}

/** An error as Nest's gRPC transport sends it: `ArtifactError` → its status, anything else → INTERNAL. */
export function toRpcException(error: unknown): RpcException {
  if (error instanceof ArtifactError) return new RpcException({ code: grpcStatusOf(error.code), message: error.message });
  return new RpcException({ code: status.INTERNAL, message: 'The artifact server failed; see its log' });
}

/** The same translation for handlers that answer through grpc-js' callback themselves. */
export function toGrpcError(error: unknown): Partial<ServiceError> {
  const exception = toRpcException(error).getError() as { code: status; message: string };
  return { code: exception.code, details: exception.message, message: exception.message, metadata: new Metadata() };
}

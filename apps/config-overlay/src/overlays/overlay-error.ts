import { status } from '@grpc/grpc-js';
import { ArtifactPublishError } from '@mesoflow/artifacts-client';
import { RpcException } from '@nestjs/microservices';

/** Why building a TaskManager spec failed. */
export enum OverlayErrorCode {
  /** The request is wrong: a task ID the artifact server cannot name, or bad port assignments. */
  INVALID_REQUEST = 'INVALID_REQUEST',
  /** A file to ship cannot be read, or has a name the artifact server does not accept. */
  UNSHIPPABLE_FILE = 'UNSHIPPABLE_FILE',
}

/** The one error type of the configuration overlays. */
export class OverlayError extends Error {
  override readonly name = 'OverlayError';

  constructor(
    readonly code: OverlayErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The gRPC status an {@link OverlayError} code maps to. */
export function grpcStatusOf(code: OverlayErrorCode): status {
  switch (code) {
    case OverlayErrorCode.INVALID_REQUEST:
      return status.INVALID_ARGUMENT;
    case OverlayErrorCode.UNSHIPPABLE_FILE:
      return status.FAILED_PRECONDITION;
  }
}

/** Translates any error at the gRPC boundary; unexpected ones become INTERNAL without details. */
export function toRpcException(error: unknown): RpcException {
  if (error instanceof OverlayError) return new RpcException({ code: grpcStatusOf(error.code), message: error.message });
  // The artifact server could not take an upload: the caller may retry once it is back.
  if (error instanceof ArtifactPublishError) return new RpcException({ code: status.UNAVAILABLE, message: error.message });
  return new RpcException({ code: status.INTERNAL, message: 'The TaskManager spec could not be built; see the config-overlay log' });
}

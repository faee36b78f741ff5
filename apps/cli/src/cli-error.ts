import type { status } from '@grpc/grpc-js';

/**
 * An error the CLI reports as one paragraph, without a stack trace: bad input, an unreachable
 * cluster, a program that cannot be planned. Anything else is a bug and is printed in full.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  /** The gRPC status when a call to the cluster failed. */
  readonly grpcCode: status | undefined;
  /** The process exit code. @default 2 */
  readonly exitCode: number;

  constructor(message: string, options: { grpcCode?: status; exitCode?: number; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.grpcCode = options.grpcCode;
    this.exitCode = options.exitCode ?? 2;
  }
}

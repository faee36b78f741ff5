/** Why a {@link SupervisorError} was raised. */
export enum SupervisorErrorCode {
  /** The options name no child, repeat a child name, or hold a value the supervisor cannot use. */
  INVALID_OPTIONS = 'INVALID_OPTIONS',
  /** A child's `readyUrl` did not answer within `readyTimeoutMs`; every child was stopped. */
  NOT_READY = 'NOT_READY',
}

/** The one error type of `@mesoflow/process-supervisor`: a {@link SupervisorErrorCode} and the child concerned. */
export class SupervisorError extends Error {
  override readonly name = 'SupervisorError';

  /**
   * @param code what went wrong.
   * @param message a sentence describing it.
   * @param child the child concerned, when there is one.
   */
  constructor(
    readonly code: SupervisorErrorCode,
    message: string,
    readonly child?: string,
  ) {
    super(message);
  }
}

/** True when `error` is a {@link SupervisorError}, optionally with the given code. */
export function isSupervisorError(error: unknown, code?: SupervisorErrorCode): error is SupervisorError {
  return error instanceof SupervisorError && (code === undefined || error.code === code);
}

/** Why a service could not be set up or started. */
export enum ServiceErrorCode {
  /** A bootstrap option has a value of the wrong shape or range. */
  INVALID_OPTION = 'INVALID_OPTION',
  /** The HTTP or gRPC port could not be bound. */
  LISTEN_FAILED = 'LISTEN_FAILED',
  /** A PKCS#12 keystore is not one, or holds no private key with its certificate. */
  INVALID_KEYSTORE = 'INVALID_KEYSTORE',
  /** A PKCS#12 keystore does not open with the password given. */
  WRONG_KEYSTORE_PASSWORD = 'WRONG_KEYSTORE_PASSWORD',
}

/** A failure of the service bootstrap; `code` says which kind. */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';

  /**
   * @param code what went wrong.
   * @param message a sentence naming the offending value and what was expected.
   * @param options the underlying error, if any.
   */
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

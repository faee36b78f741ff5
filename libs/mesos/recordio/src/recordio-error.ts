/** Why a RecordIO stream could not be decoded. */
export enum RecordIoErrorCode {
  /** The length prefix is empty, holds a byte other than an ASCII digit, or has too many digits. */
  INVALID_LENGTH = 'INVALID_LENGTH',
  /** The length prefix declares more bytes than `maxRecordBytes`. */
  RECORD_TOO_LARGE = 'RECORD_TOO_LARGE',
  /** The stream ended inside a record (its length prefix or its data). */
  TRUNCATED = 'TRUNCATED',
}

/**
 * A RecordIO stream is malformed. The stream cannot be resynchronised after this: the decoder
 * that threw it stays failed.
 */
export class RecordIoError extends Error {
  override readonly name = 'RecordIoError';

  /**
   * @param code what went wrong.
   * @param offset absolute byte offset in the stream (0 = first byte ever written) of the problem:
   *   the offending byte for {@link RecordIoErrorCode.INVALID_LENGTH}, the first byte of the
   *   length prefix for {@link RecordIoErrorCode.RECORD_TOO_LARGE}, and the end of the stream (the
   *   number of bytes received) for {@link RecordIoErrorCode.TRUNCATED}.
   * @param message a sentence naming the offset and what was found or expected.
   */
  constructor(
    readonly code: RecordIoErrorCode,
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

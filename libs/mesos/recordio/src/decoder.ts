import { constants } from 'node:buffer';
import { RecordIoError, RecordIoErrorCode } from './recordio-error';

/** Options of {@link RecordIoDecoder} and {@link decodeRecordStream}. */
export interface RecordIoDecoderOptions {
  /**
   * The largest record accepted, in bytes. A length prefix that declares more fails the stream
   * with {@link RecordIoErrorCode.RECORD_TOO_LARGE} before any of the record is buffered.
   * An integer from 0 to `buffer.constants.MAX_LENGTH`.
   * @default 67108864 (64 MiB, {@link DEFAULT_MAX_RECORD_BYTES})
   */
  maxRecordBytes?: number;
}

/** The default {@link RecordIoDecoderOptions.maxRecordBytes}: 64 MiB. */
export const DEFAULT_MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** Mesos parses the length as a uint64, which has at most 20 decimal digits. */
const MAX_LENGTH_DIGITS = 20;
const LF = 0x0a;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const EMPTY_RECORD = Buffer.alloc(0);

/**
 * What the decoder reads next. The state lives in plain fields rather than in a union of state
 * objects so that decoding allocates nothing per record beyond the record itself.
 */
enum ReadState {
  /** Digits of a length prefix, up to its `\n`. */
  LENGTH,
  /** The `recordLength` bytes of a record. */
  RECORD,
}

/**
 * A push-based decoder of a Mesos RecordIO stream (`<length in ASCII decimal>\n<length bytes>`,
 * repeated). Feed it the stream's chunks as they arrive, whatever their boundaries; each
 * {@link write} returns the records that chunk completed, and {@link end} checks that the stream
 * stopped on a record boundary.
 *
 * A record that lies within one chunk is returned as a view of that chunk (no copy), so it keeps
 * the chunk's memory alive and changes if the chunk is modified. A record split across chunks is
 * copied into a buffer allocated once its length is known.
 *
 * The first malformed byte fails the decoder: that call throws a {@link RecordIoError} (records
 * completed earlier in the same chunk are dropped with it) and every later {@link write} or
 * {@link end} throws the same error, since the stream cannot be resynchronised.
 */
export class RecordIoDecoder {
  private readonly maxRecordBytes: number;
  private state = ReadState.LENGTH;
  /** Absolute stream offset of the first byte of the chunk being decoded. */
  private chunkOffset = 0;
  /** Absolute stream offset of the first digit of the current record's length prefix. */
  private recordOffset = 0;
  private lengthDigits = 0;
  private recordLength = 0;
  /** The record being assembled from several chunks, and how many bytes of it have arrived. */
  private partial: Buffer | null = null;
  private partialFilled = 0;
  private failure: RecordIoError | null = null;

  /**
   * @param options limits; see {@link RecordIoDecoderOptions}.
   * @throws RangeError if `maxRecordBytes` is not an integer from 0 to
   *   `buffer.constants.MAX_LENGTH`.
   */
  constructor(options: RecordIoDecoderOptions = {}) {
    this.maxRecordBytes = validateMaxRecordBytes(
      options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
    );
  }

  /**
   * True unless the bytes written so far end exactly on a record boundary, that is, when a length
   * prefix or a record has been started but not finished. Always true after a failure.
   */
  get hasPartialRecord(): boolean {
    return this.failure !== null || this.state === ReadState.RECORD || this.lengthDigits > 0;
  }

  /**
   * Decodes the next chunk of the stream.
   * @param chunk the next bytes of the stream; any length, including 0.
   * @returns the records completed by this chunk, in stream order (views of `chunk` where
   *   possible).
   * @throws RecordIoError with code `INVALID_LENGTH` or `RECORD_TOO_LARGE` if the stream is
   *   malformed, or the earlier error if the decoder has already failed.
   */
  write(chunk: Uint8Array): Buffer[] {
    if (this.failure !== null) throw this.failure;
    const data = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const records: Buffer[] = [];
    let pos = 0;
    while (pos < data.length) {
      switch (this.state) {
        case ReadState.LENGTH:
          pos = this.readLength(data, pos, records);
          break;
        case ReadState.RECORD:
          pos = this.readRecord(data, pos, records);
          break;
      }
    }
    this.chunkOffset += data.length;
    return records;
  }

  /**
   * Declares the end of the stream.
   * @throws RecordIoError with code `TRUNCATED` (and the decoder fails) if the stream ended inside
   *   a length prefix or a record, or the earlier error if the decoder has already failed.
   */
  end(): void {
    if (this.failure !== null) throw this.failure;
    const offset = this.chunkOffset;
    if (this.state === ReadState.RECORD) {
      throw this.fail(
        RecordIoErrorCode.TRUNCATED,
        offset,
        `RecordIO stream ended at offset ${offset} after ${this.partialFilled} of the ` +
          `${this.recordLength} bytes of the record whose length prefix is at offset ` +
          `${this.recordOffset}`,
      );
    }
    if (this.lengthDigits > 0) {
      throw this.fail(
        RecordIoErrorCode.TRUNCATED,
        offset,
        `RecordIO stream ended at offset ${offset} inside the length prefix at offset ` +
          `${this.recordOffset}; expected more digits or '\\n'`,
      );
    }
  }

  /** Consumes length prefix bytes from `pos` on; returns the position after the last one used. */
  private readLength(data: Buffer, pos: number, records: Buffer[]): number {
    for (; pos < data.length; pos++) {
      const byte = data[pos];
      if (byte === LF) return this.finishLength(data, pos, records);
      if (byte < DIGIT_0 || byte > DIGIT_9) {
        const expected = this.lengthDigits === 0 ? 'an ASCII digit' : "an ASCII digit or '\\n'";
        throw this.invalidLength(pos, `expected ${expected}, found ${describeByte(byte)}`);
      }
      if (this.lengthDigits === MAX_LENGTH_DIGITS) {
        throw this.invalidLength(
          pos,
          `expected '\\n' after at most ${MAX_LENGTH_DIGITS} digits, found ${describeByte(byte)}`,
        );
      }
      if (this.lengthDigits === 0) this.recordOffset = this.chunkOffset + pos;
      this.lengthDigits++;
      // Beyond 2^53 this loses precision, but such a length is rejected as too large anyway.
      this.recordLength = this.recordLength * 10 + (byte - DIGIT_0);
    }
    return pos;
  }

  /** Handles the `\n` at `pos` that ends a length prefix; returns the position after it. */
  private finishLength(data: Buffer, pos: number, records: Buffer[]): number {
    if (this.lengthDigits === 0) {
      throw this.invalidLength(pos, `expected an ASCII digit, found ${describeByte(data[pos])}`);
    }
    if (this.recordLength > this.maxRecordBytes) {
      const declared = Number.isSafeInteger(this.recordLength)
        ? `${this.recordLength} bytes`
        : `more than ${Number.MAX_SAFE_INTEGER} bytes`;
      throw this.fail(
        RecordIoErrorCode.RECORD_TOO_LARGE,
        this.recordOffset,
        `RecordIO record at offset ${this.recordOffset} declares ${declared}, ` +
          `more than maxRecordBytes (${this.maxRecordBytes})`,
      );
    }
    if (this.recordLength === 0) {
      records.push(EMPTY_RECORD);
      this.startNextRecord();
    } else {
      this.state = ReadState.RECORD;
    }
    return pos + 1;
  }

  /** Consumes record bytes from `pos` on; returns the position after the last one used. */
  private readRecord(data: Buffer, pos: number, records: Buffer[]): number {
    const available = data.length - pos;
    if (this.partial === null) {
      if (available >= this.recordLength) {
        const end = pos + this.recordLength;
        records.push(data.subarray(pos, end));
        this.startNextRecord();
        return end;
      }
      this.partial = Buffer.allocUnsafe(this.recordLength);
    }
    const count = Math.min(available, this.recordLength - this.partialFilled);
    data.copy(this.partial, this.partialFilled, pos, pos + count);
    this.partialFilled += count;
    if (this.partialFilled === this.recordLength) {
      records.push(this.partial);
      this.startNextRecord();
    }
    return pos + count;
  }

  private startNextRecord(): void {
    this.state = ReadState.LENGTH;
    this.lengthDigits = 0;
    this.recordLength = 0;
    this.partial = null;
    this.partialFilled = 0;
  }

  private invalidLength(pos: number, problem: string): RecordIoError {
    const offset = this.chunkOffset + pos;
    return this.fail(
      RecordIoErrorCode.INVALID_LENGTH,
      offset,
      `Invalid RecordIO length prefix at offset ${offset}: ${problem}`,
    );
  }

  private fail(code: RecordIoErrorCode, offset: number, message: string): RecordIoError {
    this.failure = new RecordIoError(code, offset, message);
    this.partial = null;
    return this.failure;
  }
}

/**
 * Decodes a RecordIO byte stream, such as a Node `Readable` or a fetch response body, into its
 * records. Stopping the iteration early stops (returns) the source.
 * @param source the stream's chunks, with any boundaries.
 * @param options limits; see {@link RecordIoDecoderOptions}.
 * @returns the records in stream order, as described for {@link RecordIoDecoder.write}.
 * @throws RecordIoError when the stream is malformed, or with code `TRUNCATED` when it ends
 *   inside a record.
 */
export async function* decodeRecordStream(
  source: AsyncIterable<Uint8Array>,
  options?: RecordIoDecoderOptions,
): AsyncGenerator<Buffer, void, undefined> {
  const decoder = new RecordIoDecoder(options);
  for await (const chunk of source) {
    yield* decoder.write(chunk);
  }
  decoder.end();
}

function validateMaxRecordBytes(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > constants.MAX_LENGTH) {
    throw new RangeError(
      `maxRecordBytes must be an integer from 0 to ${constants.MAX_LENGTH}, got ${value}`,
    );
  }
  return value;
}

/** `'x' (0x78)` for printable ASCII, `0x0d` otherwise. */
function describeByte(byte: number): string {
  const hex = `0x${byte.toString(16).padStart(2, '0')}`;
  if (byte === LF) return `'\\n' (${hex})`;
  return byte >= 0x20 && byte < 0x7f ? `'${String.fromCharCode(byte)}' (${hex})` : hex;
}

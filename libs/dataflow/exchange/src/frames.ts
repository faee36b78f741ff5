import { ExchangeError, ExchangeErrorCode } from './errors';

/**
 * The kind byte of a frame. A buffer is a sequence of whole frames:
 * `kind (uint8) | payload length (uint32 BE) | payload`.
 */
export enum FrameKind {
  RECORD = 0,
  /** Payload: the timestamp as a float64 BE, in milliseconds. */
  WATERMARK = 1,
  /** Empty payload; the last frame of a subpartition. */
  END_OF_PARTITION = 2,
  /** Opaque payload; reserved for checkpoint barriers. */
  BARRIER = 3,
}

/** Bytes of a frame's header: the kind and the payload length. */
export const FRAME_HEADER_BYTES = 5;
const WATERMARK_PAYLOAD_BYTES = 8;
/** The largest payload a frame can declare. */
export const MAX_FRAME_PAYLOAD_BYTES = 0xffff_ffff;

/** An in-band control event: travels between records, in order. */
export type ExchangeEvent =
  | { readonly kind: 'watermark'; readonly timestamp: number }
  | { readonly kind: 'end-of-partition' }
  | { readonly kind: 'barrier'; readonly payload: Buffer };

/**
 * What a consumer reads: a record (its bytes, opaque to the exchange) or an event. Records are
 * plain `Buffer`s, so that reading a record allocates nothing beyond its view.
 */
export type ExchangeElement = Buffer | ExchangeEvent;

/** True for a record, false for an event. */
export function isRecord(element: ExchangeElement): element is Buffer {
  return Buffer.isBuffer(element);
}

const END_OF_PARTITION: ExchangeEvent = Object.freeze({ kind: 'end-of-partition' });
const EMPTY = Buffer.alloc(0);

/**
 * Packs frames into buffers of a fixed capacity, as Flink's BufferBuilder: append until a frame
 * does not fit, then {@link finish} hands out the filled buffer and starts a new one. A frame
 * larger than the capacity gets a buffer of its own ({@link encodeFrame}).
 */
export class BufferBuilder {
  private buffer: Buffer;
  private position = 0;

  /** @param capacity bytes per buffer, at least one frame header. */
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < FRAME_HEADER_BYTES) {
      throw new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, `The buffer size must be an integer >= ${FRAME_HEADER_BYTES}, not ${capacity}`);
    }
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  /** Bytes appended since the last {@link finish}. */
  get size(): number {
    return this.position;
  }

  get isEmpty(): boolean {
    return this.position === 0;
  }

  /** Appends a frame if it fits in what is left of the buffer; returns whether it did. */
  tryAppend(kind: FrameKind, payload: Uint8Array): boolean {
    const end = this.position + FRAME_HEADER_BYTES + payload.length;
    if (end > this.capacity) return false;
    const buffer = this.buffer;
    let position = this.position;
    buffer[position] = kind;
    buffer.writeUInt32BE(payload.length, position + 1);
    position += FRAME_HEADER_BYTES;
    if (payload.length > 0) buffer.set(payload, position);
    this.position = end;
    return true;
  }

  /** Drops what was appended since the last {@link finish}. */
  discard(): void {
    this.position = 0;
  }

  /**
   * Hands out the bytes appended so far and starts over. A buffer filled less than half is
   * copied out (so that a flush timeout does not pin a whole buffer for a few records) and its
   * memory reused; otherwise it is handed out as is and a new one allocated.
   */
  finish(): Buffer {
    const size = this.position;
    this.position = 0;
    if (size < this.capacity >> 1) return Buffer.from(this.buffer.subarray(0, size));
    const full = this.buffer.subarray(0, size);
    this.buffer = Buffer.allocUnsafe(this.capacity);
    return full;
  }
}

/** One frame in a buffer of its own. */
export function encodeFrame(kind: FrameKind, payload: Uint8Array): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD_BYTES) {
    throw new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, `A frame payload holds at most ${MAX_FRAME_PAYLOAD_BYTES} bytes, not ${payload.length}`);
  }
  const buffer = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  buffer[0] = kind;
  buffer.writeUInt32BE(payload.length, 1);
  buffer.set(payload, FRAME_HEADER_BYTES);
  return buffer;
}

/** The payload of a watermark frame. */
export function watermarkPayload(timestamp: number): Buffer {
  if (typeof timestamp !== 'number' || Number.isNaN(timestamp)) {
    throw new ExchangeError(ExchangeErrorCode.INVALID_ARGUMENT, `A watermark needs a numeric timestamp, not ${String(timestamp)}`);
  }
  const payload = Buffer.allocUnsafe(WATERMARK_PAYLOAD_BYTES);
  payload.writeDoubleBE(timestamp, 0);
  return payload;
}

/** The frame kind and payload of an event, for appending it. */
export function eventFrame(event: ExchangeEvent): { kind: FrameKind; payload: Uint8Array } {
  switch (event.kind) {
    case 'watermark':
      return { kind: FrameKind.WATERMARK, payload: watermarkPayload(event.timestamp) };
    case 'end-of-partition':
      return { kind: FrameKind.END_OF_PARTITION, payload: EMPTY };
    case 'barrier':
      return { kind: FrameKind.BARRIER, payload: event.payload };
  }
}

/**
 * Decodes the whole frames of `buffer` into `out` (records as views of `buffer`, no copy).
 * @returns `out`
 * @throws ExchangeError FRAMING at the first malformed frame, naming its offset.
 */
export function decodeFrames(buffer: Buffer, out: ExchangeElement[] = []): ExchangeElement[] {
  const length = buffer.length;
  let position = 0;
  while (position < length) {
    if (position + FRAME_HEADER_BYTES > length) {
      throw framing(`A frame header at offset ${position} is cut off: the buffer has ${length} bytes`);
    }
    const kind = buffer[position] as FrameKind;
    const payloadLength = buffer.readUInt32BE(position + 1);
    const start = position + FRAME_HEADER_BYTES;
    const end = start + payloadLength;
    if (end > length) {
      throw framing(`The frame at offset ${position} declares ${payloadLength} payload bytes but the buffer has ${length - start} left`);
    }
    switch (kind) {
      case FrameKind.RECORD:
        out.push(buffer.subarray(start, end));
        break;
      case FrameKind.WATERMARK:
        if (payloadLength !== WATERMARK_PAYLOAD_BYTES) {
          throw framing(`The watermark frame at offset ${position} has ${payloadLength} payload bytes, not ${WATERMARK_PAYLOAD_BYTES}`);
        }
        out.push({ kind: 'watermark', timestamp: buffer.readDoubleBE(start) });
        break;
      case FrameKind.END_OF_PARTITION:
        if (payloadLength !== 0) throw framing(`The end-of-partition frame at offset ${position} has a payload`);
        if (end !== length) throw framing(`The end-of-partition frame at offset ${position} is not the last frame of its buffer`);
        out.push(END_OF_PARTITION);
        break;
      case FrameKind.BARRIER:
        out.push({ kind: 'barrier', payload: buffer.subarray(start, end) });
        break;
      default:
        throw framing(`Unknown frame kind ${buffer[position]} at offset ${position}`);
    }
    position = end;
  }
  return out;
}

function framing(message: string): ExchangeError {
  return new ExchangeError(ExchangeErrorCode.FRAMING, message);
}

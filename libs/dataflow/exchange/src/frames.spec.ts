import { ExchangeErrorCode, isExchangeError } from './errors';
import { BufferBuilder, decodeFrames, encodeFrame, eventFrame, FRAME_HEADER_BYTES, FrameKind, isRecord, type ExchangeElement } from './frames';

function framingError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isExchangeError(error, ExchangeErrorCode.FRAMING)) return error.message;
    throw error;
  }
  throw new Error('expected a FRAMING error');
}

describe('frames', () => {
  it('round-trips records and events in order', () => {
    const builder = new BufferBuilder(1024);
    const watermark = eventFrame({ kind: 'watermark', timestamp: 1_763_900_000_123 });
    const barrier = eventFrame({ kind: 'barrier', payload: Buffer.from([7, 8]) });
    expect(builder.tryAppend(FrameKind.RECORD, Buffer.from('a'))).toBe(true);
    expect(builder.tryAppend(watermark.kind, watermark.payload)).toBe(true);
    expect(builder.tryAppend(FrameKind.RECORD, Buffer.alloc(0))).toBe(true);
    expect(builder.tryAppend(barrier.kind, barrier.payload)).toBe(true);
    expect(builder.tryAppend(FrameKind.END_OF_PARTITION, Buffer.alloc(0))).toBe(true);
    const elements = decodeFrames(builder.finish());
    expect(elements).toEqual<ExchangeElement[]>([
      Buffer.from('a'),
      { kind: 'watermark', timestamp: 1_763_900_000_123 },
      Buffer.alloc(0),
      { kind: 'barrier', payload: Buffer.from([7, 8]) },
      { kind: 'end-of-partition' },
    ]);
    expect(elements.map(isRecord)).toEqual([true, false, true, false, false]);
    expect(builder.isEmpty).toBe(true);
  });

  it('keeps infinite watermarks', () => {
    const frame = eventFrame({ kind: 'watermark', timestamp: Number.POSITIVE_INFINITY });
    expect(decodeFrames(encodeFrame(frame.kind, frame.payload))).toEqual([{ kind: 'watermark', timestamp: Number.POSITIVE_INFINITY }]);
    expect(() => eventFrame({ kind: 'watermark', timestamp: Number.NaN })).toThrow(/numeric timestamp/);
  });

  it('refuses a frame that does not fit and packs up to the capacity exactly', () => {
    const builder = new BufferBuilder(2 * (FRAME_HEADER_BYTES + 10));
    const record = Buffer.alloc(10, 1);
    expect(builder.tryAppend(FrameKind.RECORD, record)).toBe(true);
    expect(builder.tryAppend(FrameKind.RECORD, record)).toBe(true);
    expect(builder.size).toBe(builder.capacity);
    expect(builder.tryAppend(FrameKind.RECORD, Buffer.alloc(0))).toBe(false);
    expect(decodeFrames(builder.finish())).toEqual([record, record]);
  });

  it('copies a buffer filled less than half and hands out a fuller one as is', () => {
    const builder = new BufferBuilder(100);
    builder.tryAppend(FrameKind.RECORD, Buffer.alloc(10));
    const small = builder.finish();
    expect(small.length).toBe(15);
    expect(small.buffer.byteLength).toBeLessThan(100 + 8192);
    builder.tryAppend(FrameKind.RECORD, Buffer.alloc(60, 2));
    const large = builder.finish();
    builder.tryAppend(FrameKind.RECORD, Buffer.alloc(60, 3));
    // The handed-out buffer is not overwritten by later appends.
    expect(decodeFrames(large)).toEqual([Buffer.alloc(60, 2)]);
  });

  it('returns records as views of the buffer', () => {
    const buffer = encodeFrame(FrameKind.RECORD, Buffer.from('xyz'));
    const [record] = decodeFrames(buffer) as Buffer[];
    expect(record.buffer).toBe(buffer.buffer);
  });

  it('rejects malformed buffers with the offset', () => {
    expect(framingError(() => decodeFrames(Buffer.from([0, 0, 0])))).toMatch(/header at offset 0 is cut off/);
    expect(framingError(() => decodeFrames(Buffer.from([0, 0, 0, 0, 9, 1])))).toMatch(/offset 0 declares 9 payload bytes/);
    expect(framingError(() => decodeFrames(Buffer.from([9, 0, 0, 0, 0])))).toMatch(/Unknown frame kind 9 at offset 0/);
    expect(framingError(() => decodeFrames(Buffer.from([1, 0, 0, 0, 1, 0])))).toMatch(/watermark frame at offset 0 has 1 payload bytes/);
    expect(framingError(() => decodeFrames(Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0, 0])))).toMatch(/not the last frame/);
    expect(framingError(() => decodeFrames(Buffer.from([2, 0, 0, 0, 1, 0])))).toMatch(/end-of-partition frame at offset 0 has a payload/);
  });

  it('validates the buffer size', () => {
    expect(() => new BufferBuilder(4)).toThrow(/buffer size/);
  });
});

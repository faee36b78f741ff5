import { Readable } from 'node:stream';
import { decodeRecordStream, type RecordIoDecoderOptions } from './decoder';
import { encodeRecords } from './encoder';
import { RecordIoError, RecordIoErrorCode } from './recordio-error';

async function* chunksOf(...chunks: string[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield Buffer.from(chunk, 'latin1');
}

/** Collects the records of `source` as strings, and the error that ended it, if any. */
async function collect(
  source: AsyncIterable<Uint8Array>,
  options?: RecordIoDecoderOptions,
): Promise<{ records: string[]; error: unknown }> {
  const records: string[] = [];
  try {
    for await (const record of decodeRecordStream(source, options)) records.push(record.toString());
  } catch (error) {
    return { records, error };
  }
  return { records, error: undefined };
}

describe('decodeRecordStream', () => {
  it('yields the records of a stream chunked at arbitrary points', async () => {
    const result = await collect(chunksOf('2', '0\n{"type":"HEARTBEAT"}0\n3\na', 'bc', '1\nd'));

    expect(result).toEqual({ records: ['{"type":"HEARTBEAT"}', '', 'abc', 'd'], error: undefined });
  });

  it('reads a Node Readable', async () => {
    const stream = Readable.from([encodeRecords(['one', 'two']), encodeRecords(['three'])]);

    expect(await collect(stream)).toEqual({ records: ['one', 'two', 'three'], error: undefined });
  });

  it('throws TRUNCATED when the stream ends inside a record, after the complete ones', async () => {
    const { records, error } = await collect(chunksOf('3\nabc5\nhe', 'l'));

    expect(records).toEqual(['abc']);
    expect(error).toBeInstanceOf(RecordIoError);
    expect(error).toMatchObject({ code: RecordIoErrorCode.TRUNCATED, offset: 10 });
  });

  it('throws INVALID_LENGTH at its offset after the records of earlier chunks', async () => {
    const { records, error } = await collect(chunksOf('3\nabc', '1\nd', 'oops'));

    expect(records).toEqual(['abc', 'd']);
    expect(error).toBeInstanceOf(RecordIoError);
    expect(error).toMatchObject({ code: RecordIoErrorCode.INVALID_LENGTH, offset: 8 });
  });

  it('applies maxRecordBytes', async () => {
    const { records, error } = await collect(chunksOf('2\nab', '3\nabc'), { maxRecordBytes: 2 });

    expect(records).toEqual(['ab']);
    expect(error).toMatchObject({ code: RecordIoErrorCode.RECORD_TOO_LARGE, offset: 4 });
  });

  it('stops the source when the consumer stops early', async () => {
    let finished = false;
    let pulled = 0;
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          pulled++;
          yield Buffer.from('1\nx');
        }
      } finally {
        finished = true;
      }
    }

    const records: string[] = [];
    for await (const record of decodeRecordStream(source())) {
      records.push(record.toString());
      if (records.length === 3) break;
    }

    expect(records).toEqual(['x', 'x', 'x']);
    expect(pulled).toBe(3);
    expect(finished).toBe(true);
  });
});

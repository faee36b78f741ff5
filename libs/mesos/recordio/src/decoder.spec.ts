import { constants } from 'node:buffer';
import { DEFAULT_MAX_RECORD_BYTES, RecordIoDecoder, type RecordIoDecoderOptions } from './decoder';
import { encodeRecord, encodeRecords } from './encoder';
import { RecordIoError, RecordIoErrorCode } from './recordio-error';

/** Records with every shape that matters: empty, containing `\n` and digits, UTF-8, all bytes. */
const RECORDS: Buffer[] = [
  Buffer.from('{"type":"HEARTBEAT"}'),
  Buffer.alloc(0),
  Buffer.from('line\nwith 12\n digits'),
  Buffer.from('ünïcödé ✓'),
  Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
  Buffer.alloc(0),
];
const STREAM = encodeRecords(RECORDS);

const SMALL_RECORDS = ['{"type":"HEARTBEAT"}', '', 'a\nb', '0123456789'].map((r) => Buffer.from(r));
const SMALL_STREAM = encodeRecords(SMALL_RECORDS);

/** Writes every chunk to a fresh decoder, ends it, and returns all records as hex. */
function decodeAll(chunks: Uint8Array[], options?: RecordIoDecoderOptions): string[] {
  const decoder = new RecordIoDecoder(options);
  const records = chunks.flatMap((chunk) => decoder.write(chunk));
  decoder.end();
  return records.map((record) => record.toString('hex'));
}

function hex(records: Buffer[]): string[] {
  return records.map((record) => record.toString('hex'));
}

/** Cuts `data` at the given ascending positions (possibly equal, giving empty chunks). */
function splitAt(data: Buffer, points: number[]): Buffer[] {
  const bounds = [0, ...points, data.length];
  return bounds.slice(1).map((end, i) => data.subarray(bounds[i], end));
}

/** Runs `fn`, which must throw a RecordIoError, and returns that error. */
function recordIoErrorOf(fn: () => unknown): RecordIoError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RecordIoError);
    return error as RecordIoError;
  }
  throw new Error('expected a RecordIoError, but nothing was thrown');
}

function bytes(text: string): Buffer {
  return Buffer.from(text, 'latin1');
}

describe('RecordIoDecoder', () => {
  describe('framing', () => {
    it('decodes the example of the Mesos documentation', () => {
      expect(decodeAll([bytes('20\n{"type":"HEARTBEAT"}')])).toEqual([
        bytes('{"type":"HEARTBEAT"}').toString('hex'),
      ]);
    });

    it('decodes many records from one chunk, in order', () => {
      expect(decodeAll([STREAM])).toEqual(hex(RECORDS));
    });

    it('decodes the same records for every single split point', () => {
      for (let point = 0; point <= STREAM.length; point++) {
        const records = decodeAll(splitAt(STREAM, [point]));
        expect({ point, records }).toEqual({ point, records: hex(RECORDS) });
      }
    });

    it('decodes the same records for every pair of split points of a small stream', () => {
      let pairs = 0;
      for (let first = 0; first <= SMALL_STREAM.length; first++) {
        for (let second = first; second <= SMALL_STREAM.length; second++) {
          const records = decodeAll(splitAt(SMALL_STREAM, [first, second]));
          expect({ first, second, records }).toEqual({
            first,
            second,
            records: hex(SMALL_RECORDS),
          });
          pairs++;
        }
      }
      expect(pairs).toBe(((SMALL_STREAM.length + 1) * (SMALL_STREAM.length + 2)) / 2);
    });

    it('decodes the same records when fed one byte at a time', () => {
      const chunks = Array.from(STREAM, (byte) => Buffer.of(byte));
      expect(decodeAll(chunks)).toEqual(hex(RECORDS));
    });

    it('returns each record from the write that completes it', () => {
      const decoder = new RecordIoDecoder();
      expect(hex(decoder.write(bytes('1')))).toEqual([]);
      expect(hex(decoder.write(bytes('2')))).toEqual([]);
      expect(hex(decoder.write(bytes('\n')))).toEqual([]);
      expect(hex(decoder.write(bytes('hello ')))).toEqual([]);
      expect(decoder.write(bytes('world!5\nab')).map(String)).toEqual(['hello world!']);
      expect(decoder.write(bytes('cde0\n')).map(String)).toEqual(['abcde', '']);
      expect(decoder.hasPartialRecord).toBe(false);
    });

    it('decodes empty records, alone and in a row', () => {
      expect(decodeAll([bytes('0\n')])).toEqual(['']);
      expect(decodeAll([bytes('0\n0\n0\n')])).toEqual(['', '', '']);
      expect(decodeAll([bytes('0'), bytes('\n0'), bytes('\n')])).toEqual(['', '']);
    });

    it('accepts leading zeros up to 20 digits', () => {
      expect(decodeAll([bytes('00000000000000000003\nabc')])).toEqual([
        bytes('abc').toString('hex'),
      ]);
    });

    it('ignores empty chunks', () => {
      const decoder = new RecordIoDecoder();
      expect(decoder.write(Buffer.alloc(0))).toEqual([]);
      expect(decoder.write(bytes('3\na')).length).toBe(0);
      expect(decoder.write(new Uint8Array(0))).toEqual([]);
      expect(decoder.write(bytes('bc')).map(String)).toEqual(['abc']);
    });

    it('decodes a large record split in uneven pieces between other records', () => {
      const large = Buffer.alloc(3 * 1024 * 1024 + 7);
      for (let i = 0; i < large.length; i++) large[i] = (i * 31 + (i >> 8)) & 0xff;
      const records = [Buffer.from('before'), large, Buffer.from('after')];
      const stream = encodeRecords(records);
      const chunks: Buffer[] = [];
      for (let start = 0; start < stream.length; start += 65_521) {
        chunks.push(stream.subarray(start, start + 65_521));
      }

      const decoder = new RecordIoDecoder();
      const decoded = chunks.flatMap((chunk) => decoder.write(chunk));
      decoder.end();

      expect(decoded.length).toBe(3);
      expect(decoded[0].toString()).toBe('before');
      expect(decoded[1].length).toBe(large.length);
      expect(decoded[1].equals(large)).toBe(true);
      expect(decoded[2].toString()).toBe('after');
    });

    it('accepts a plain Uint8Array view into a larger buffer', () => {
      const backing = new Uint8Array(32).fill(0x21);
      backing.set(bytes('3\nabc1\nd'), 5);
      const view = new Uint8Array(backing.buffer, 5, 8);

      expect(new RecordIoDecoder().write(view).map(String)).toEqual(['abc', 'd']);
    });
  });

  describe('memory', () => {
    it('returns a record that lies within one chunk as a view of that chunk', () => {
      const chunk = encodeRecords(['abc', 'de']);
      const [first, second] = new RecordIoDecoder().write(chunk);

      expect(first.buffer).toBe(chunk.buffer);
      expect(first.byteOffset).toBe(chunk.byteOffset + 2);
      expect(second.buffer).toBe(chunk.buffer);
      expect(second.byteOffset).toBe(chunk.byteOffset + 7);
      chunk[2] = 0x41;
      expect(first.toString()).toBe('Abc');
    });

    it('copies a record split across chunks into a buffer of exactly its length', () => {
      const head = bytes('5\nab');
      const tail = bytes('cde');
      const decoder = new RecordIoDecoder();
      decoder.write(head);
      const [record] = decoder.write(tail);

      expect(record.toString()).toBe('abcde');
      expect(record.length).toBe(5);
      head.fill(0x21);
      tail.fill(0x21);
      expect(record.toString()).toBe('abcde');
    });
  });

  describe('errors', () => {
    it('rejects a non-digit at the start of a length prefix, at its absolute offset', () => {
      const decoder = new RecordIoDecoder();
      expect(decoder.write(bytes('3\nabc')).map(String)).toEqual(['abc']);
      const error = recordIoErrorOf(() => decoder.write(bytes(' 5\nhello')));

      expect(error.code).toBe(RecordIoErrorCode.INVALID_LENGTH);
      expect(error.offset).toBe(5);
      expect(error.message).toBe(
        "Invalid RecordIO length prefix at offset 5: expected an ASCII digit, found ' ' (0x20)",
      );
      expect(error.name).toBe('RecordIoError');
    });

    it('rejects leading garbage such as an HTTP error page', () => {
      const error = recordIoErrorOf(() => new RecordIoDecoder().write(bytes('<html>')));

      expect(error.code).toBe(RecordIoErrorCode.INVALID_LENGTH);
      expect(error.offset).toBe(0);
      expect(error.message).toBe(
        "Invalid RecordIO length prefix at offset 0: expected an ASCII digit, found '<' (0x3c)",
      );
    });

    it('rejects a non-digit inside a length prefix split across chunks', () => {
      const decoder = new RecordIoDecoder();
      decoder.write(bytes('2\nab1'));
      decoder.write(bytes('2'));
      const error = recordIoErrorOf(() => decoder.write(bytes('x\n')));

      expect(error.code).toBe(RecordIoErrorCode.INVALID_LENGTH);
      expect(error.offset).toBe(6);
      expect(error.message).toBe(
        "Invalid RecordIO length prefix at offset 6: expected an ASCII digit or '\\n', found 'x' (0x78)",
      );
    });

    it('rejects CRLF after the length', () => {
      const error = recordIoErrorOf(() => new RecordIoDecoder().write(bytes('5\r\nhello')));

      expect(error.code).toBe(RecordIoErrorCode.INVALID_LENGTH);
      expect(error.offset).toBe(1);
      expect(error.message).toBe(
        "Invalid RecordIO length prefix at offset 1: expected an ASCII digit or '\\n', found 0x0d",
      );
    });

    it('rejects an empty length prefix', () => {
      const error = recordIoErrorOf(() => new RecordIoDecoder().write(bytes('3\nabc\n3\nabc')));

      expect(error.code).toBe(RecordIoErrorCode.INVALID_LENGTH);
      expect(error.offset).toBe(5);
      expect(error.message).toBe(
        "Invalid RecordIO length prefix at offset 5: expected an ASCII digit, found '\\n' (0x0a)",
      );
    });

    it('rejects a 21st digit at its offset, before any newline arrives', () => {
      const decoder = new RecordIoDecoder();
      decoder.write(bytes('0\n'));
      decoder.write(bytes('0'.repeat(15)));
      const error = recordIoErrorOf(() => decoder.write(bytes('1'.repeat(10))));

      expect(error.code).toBe(RecordIoErrorCode.INVALID_LENGTH);
      expect(error.offset).toBe(22);
      expect(error.message).toBe(
        "Invalid RecordIO length prefix at offset 22: expected '\\n' after at most 20 digits, found '1' (0x31)",
      );
    });

    it('rejects a length over maxRecordBytes at the offset of its prefix, before its data', () => {
      const decoder = new RecordIoDecoder({ maxRecordBytes: 10 });
      expect(decoder.write(bytes('10\n0123456789')).map(String)).toEqual(['0123456789']);
      decoder.write(bytes('1'));
      const error = recordIoErrorOf(() => decoder.write(bytes('1\n')));

      expect(error.code).toBe(RecordIoErrorCode.RECORD_TOO_LARGE);
      expect(error.offset).toBe(13);
      expect(error.message).toBe(
        'RecordIO record at offset 13 declares 11 bytes, more than maxRecordBytes (10)',
      );
    });

    it('rejects a length beyond 2^53 as too large', () => {
      const decoder = new RecordIoDecoder();
      const error = recordIoErrorOf(() => decoder.write(bytes(`${'9'.repeat(20)}\n`)));

      expect(error.code).toBe(RecordIoErrorCode.RECORD_TOO_LARGE);
      expect(error.offset).toBe(0);
      expect(error.message).toBe(
        'RecordIO record at offset 0 declares more than 9007199254740991 bytes, ' +
          `more than maxRecordBytes (${DEFAULT_MAX_RECORD_BYTES})`,
      );
    });

    it('uses 64 MiB as the default limit', () => {
      expect(DEFAULT_MAX_RECORD_BYTES).toBe(64 * 1024 * 1024);
      const decoder = new RecordIoDecoder();
      expect(decoder.write(bytes(`${DEFAULT_MAX_RECORD_BYTES}\n`))).toEqual([]);
      const error = recordIoErrorOf(() =>
        new RecordIoDecoder().write(bytes(`${DEFAULT_MAX_RECORD_BYTES + 1}\n`)),
      );
      expect(error.code).toBe(RecordIoErrorCode.RECORD_TOO_LARGE);
    });

    it('throws for a failing chunk even if it completed records before the bad byte', () => {
      const decoder = new RecordIoDecoder();
      const error = recordIoErrorOf(() => decoder.write(bytes('1\na1\nb?')));

      expect(error.code).toBe(RecordIoErrorCode.INVALID_LENGTH);
      expect(error.offset).toBe(6);
    });

    it('stays failed: every later write and end throws the same error', () => {
      const decoder = new RecordIoDecoder();
      const error = recordIoErrorOf(() => decoder.write(bytes('3\nabcx')));

      expect(recordIoErrorOf(() => decoder.write(encodeRecord('valid')))).toBe(error);
      expect(recordIoErrorOf(() => decoder.write(Buffer.alloc(0)))).toBe(error);
      expect(recordIoErrorOf(() => decoder.end())).toBe(error);
      expect(decoder.hasPartialRecord).toBe(true);
    });

    it('rejects invalid maxRecordBytes options', () => {
      for (const maxRecordBytes of [-1, 1.5, Number.NaN, constants.MAX_LENGTH + 1]) {
        expect(() => new RecordIoDecoder({ maxRecordBytes })).toThrow(RangeError);
      }
      expect(() => new RecordIoDecoder({ maxRecordBytes: -1 })).toThrow(
        `maxRecordBytes must be an integer from 0 to ${constants.MAX_LENGTH}, got -1`,
      );
      expect(decodeAll([bytes('0\n')], { maxRecordBytes: 0 })).toEqual(['']);
    });
  });

  describe('end of stream', () => {
    it('accepts an end on a record boundary, including an empty stream', () => {
      const fresh = new RecordIoDecoder();
      expect(fresh.hasPartialRecord).toBe(false);
      expect(() => fresh.end()).not.toThrow();

      const decoder = new RecordIoDecoder();
      decoder.write(STREAM);
      expect(decoder.hasPartialRecord).toBe(false);
      expect(() => decoder.end()).not.toThrow();
    });

    it('reports a stream that ends inside a length prefix', () => {
      const decoder = new RecordIoDecoder();
      decoder.write(bytes('1\na12'));
      expect(decoder.hasPartialRecord).toBe(true);
      const error = recordIoErrorOf(() => decoder.end());

      expect(error.code).toBe(RecordIoErrorCode.TRUNCATED);
      expect(error.offset).toBe(5);
      expect(error.message).toBe(
        "RecordIO stream ended at offset 5 inside the length prefix at offset 3; expected more digits or '\\n'",
      );
    });

    it('reports a stream that ends right after a length prefix', () => {
      const decoder = new RecordIoDecoder();
      decoder.write(bytes('5\n'));
      expect(decoder.hasPartialRecord).toBe(true);
      const error = recordIoErrorOf(() => decoder.end());

      expect(error.code).toBe(RecordIoErrorCode.TRUNCATED);
      expect(error.offset).toBe(2);
      expect(error.message).toBe(
        'RecordIO stream ended at offset 2 after 0 of the 5 bytes of the record whose length prefix is at offset 0',
      );
    });

    it('reports a stream that ends inside a record, and then stays failed', () => {
      const decoder = new RecordIoDecoder();
      decoder.write(bytes('2\nab10\n'));
      decoder.write(bytes('abc'));
      const error = recordIoErrorOf(() => decoder.end());

      expect(error.code).toBe(RecordIoErrorCode.TRUNCATED);
      expect(error.offset).toBe(10);
      expect(error.message).toBe(
        'RecordIO stream ended at offset 10 after 3 of the 10 bytes of the record whose length prefix is at offset 4',
      );
      expect(recordIoErrorOf(() => decoder.write(bytes('defghij')))).toBe(error);
    });

    it('reports truncation at every cut of a stream that is not a record boundary', () => {
      const boundaries = new Set<number>();
      let offset = 0;
      for (const record of SMALL_RECORDS) {
        boundaries.add(offset);
        offset += encodeRecord(record).length;
      }
      boundaries.add(offset);

      for (let cut = 0; cut <= SMALL_STREAM.length; cut++) {
        const decoder = new RecordIoDecoder();
        decoder.write(SMALL_STREAM.subarray(0, cut));
        const truncated = !boundaries.has(cut);
        expect({ cut, hasPartialRecord: decoder.hasPartialRecord }).toEqual({
          cut,
          hasPartialRecord: truncated,
        });
        if (truncated) {
          const error = recordIoErrorOf(() => decoder.end());
          expect({ cut, code: error.code, offset: error.offset }).toEqual({
            cut,
            code: RecordIoErrorCode.TRUNCATED,
            offset: cut,
          });
        } else {
          expect(() => decoder.end()).not.toThrow();
        }
      }
    });
  });
});

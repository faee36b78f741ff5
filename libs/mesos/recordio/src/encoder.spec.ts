import { RecordIoDecoder } from './decoder';
import { encodeRecord, encodeRecords } from './encoder';

describe('encodeRecord', () => {
  it('frames the example of the Mesos documentation', () => {
    expect(encodeRecord('{"type":"HEARTBEAT"}').toString()).toBe('20\n{"type":"HEARTBEAT"}');
  });

  it('counts UTF-8 bytes, not UTF-16 code units', () => {
    const framed = encodeRecord('é✓');
    expect(framed.toString('utf8')).toBe('5\né✓');
    expect(framed.length).toBe(7);
  });

  it('frames bytes unchanged, including a plain Uint8Array', () => {
    expect(encodeRecord(Uint8Array.of(0x00, 0x0a, 0xff)).toString('hex')).toBe('330a000aff');
    expect(encodeRecord(Buffer.from('abc')).toString()).toBe('3\nabc');
  });

  it('frames an empty record', () => {
    expect(encodeRecord('').toString()).toBe('0\n');
    expect(encodeRecord(new Uint8Array(0)).toString()).toBe('0\n');
  });
});

describe('encodeRecords', () => {
  it('frames records back to back, from any iterable', () => {
    function* records(): Generator<string | Uint8Array> {
      yield 'a';
      yield '';
      yield Buffer.from('bc');
    }
    expect(encodeRecords(records()).toString()).toBe('1\na0\n2\nbc');
    expect(encodeRecords([]).length).toBe(0);
  });

  it('round-trips through the decoder', () => {
    const records = ['{"type":"SUBSCRIBED"}', '', '12\n34', 'ünïcödé', 'x'.repeat(100_000)];
    const decoder = new RecordIoDecoder();
    const decoded = decoder.write(encodeRecords(records)).map((record) => record.toString('utf8'));
    decoder.end();

    expect(decoded).toEqual(records);
  });
});

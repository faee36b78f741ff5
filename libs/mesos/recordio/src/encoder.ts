/**
 * Frames one record as RecordIO: its length in bytes in ASCII decimal, `\n`, then its bytes.
 * @param record the record; a string is encoded as UTF-8 and its length counted in bytes.
 * @returns a new buffer holding the framed record.
 */
export function encodeRecord(record: Uint8Array | string): Buffer {
  const isString = typeof record === 'string';
  const length = isString ? Buffer.byteLength(record, 'utf8') : record.byteLength;
  const prefix = `${length}\n`;
  const framed = Buffer.allocUnsafe(prefix.length + length);
  framed.write(prefix, 0, 'latin1');
  if (isString) framed.write(record, prefix.length, 'utf8');
  else framed.set(record, prefix.length);
  return framed;
}

/**
 * Frames several records back to back into one buffer, e.g. for a single write.
 * @param records the records, framed as by {@link encodeRecord}.
 * @returns a new buffer holding the framed records in order.
 */
export function encodeRecords(records: Iterable<Uint8Array | string>): Buffer {
  return Buffer.concat(Array.from(records, (record) => encodeRecord(record)));
}

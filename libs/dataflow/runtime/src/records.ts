// What flows between operators and between subtasks.
import type { KeyValue } from '@mesoflow/dataflow-api';
import { RuntimeError, RuntimeErrorCode } from './errors';

/** One record: the user value, its event timestamp once assigned, and its key once keyed. */
export interface StreamRecord {
  readonly value: unknown;
  /** Event time in ms; set by TIMESTAMPS_WATERMARKS and by windows (window end - 1). */
  readonly timestamp?: number;
  /** Set by KEY_BY; HASH edges partition by it and keyed operators group by it. */
  readonly key?: KeyValue;
}

/** An element of a channel: a record, a watermark, or the end of the channel's input. */
export type StreamElement =
  | { readonly kind: 'record'; readonly record: StreamRecord }
  | { readonly kind: 'watermark'; readonly timestamp: number }
  | { readonly kind: 'end' };

/**
 * The watermark that means "no more event time will come" (Flink's Long.MAX_VALUE). A safe
 * integer, so it survives JSON and the exchange's frames unchanged.
 */
export const MAX_WATERMARK = Number.MAX_SAFE_INTEGER;

interface EncodedRecord {
  v?: unknown;
  t?: number;
  k?: KeyValue;
}

/**
 * A record as opaque bytes for the exchange (UTF-8 JSON). Values must be JSON values: what JSON
 * cannot carry (undefined fields, Dates, Maps) arrives the way JSON.parse gives it back.
 */
export function encodeRecord(record: StreamRecord): Buffer {
  const encoded: EncodedRecord = { v: record.value };
  if (record.timestamp !== undefined) encoded.t = record.timestamp;
  if (record.key !== undefined) encoded.k = record.key;
  return Buffer.from(JSON.stringify(encoded), 'utf8');
}

/** The record `encodeRecord` made; throws `DECODE_FAILED` for other bytes. */
export function decodeRecord(bytes: Uint8Array): StreamRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (cause) {
    throw new RuntimeError(RuntimeErrorCode.DECODE_FAILED, `${bytes.length} bytes are not an encoded record`, undefined, { cause });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RuntimeError(RuntimeErrorCode.DECODE_FAILED, `${bytes.length} bytes are not an encoded record (not an object)`);
  }
  const { v, t, k } = parsed as EncodedRecord;
  if (t !== undefined && typeof t !== 'number') {
    throw new RuntimeError(RuntimeErrorCode.DECODE_FAILED, `An encoded record has a timestamp that is not a number`);
  }
  const record: { value: unknown; timestamp?: number; key?: KeyValue } = { value: v };
  if (t !== undefined) record.timestamp = t;
  if (k !== undefined) record.key = k;
  return record;
}

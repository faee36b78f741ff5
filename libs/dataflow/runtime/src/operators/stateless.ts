// MAP, FLAT_MAP, FILTER and KEY_BY: one record in, records out, nothing held.
import type { KeyValue } from '@mesoflow/dataflow-api';
import type { StreamRecord } from '../records';
import { ForwardingOperator } from './operator';

// The timestamp rides along (Flink keeps it through stateless operators); the key does not,
// since a map's output is no longer keyed.
function withValue(record: StreamRecord, value: unknown): StreamRecord {
  return record.timestamp === undefined ? { value } : { value, timestamp: record.timestamp };
}

/** MAP: one output per input. */
export class MapOperator extends ForwardingOperator {
  private readonly fn = this.ctx.userFunction('MAP');

  processRecord(record: StreamRecord): void {
    const value = this.ctx.apply(record.key, this.fn, record.value);
    this.out.collect(withValue(record, value));
  }
}

/** FLAT_MAP: any number of outputs per input; the iterable is drained inside the user call, since a generator runs user code as it is iterated. */
export class FlatMapOperator extends ForwardingOperator {
  private readonly fn = this.ctx.userFunction('FLAT_MAP');

  processRecord(record: StreamRecord): void {
    const result = this.ctx.apply(record.key, this.fn, record.value);
    const values = Array.isArray(result) ? (result as unknown[]) : this.ctx.apply(record.key, Array.from, result);
    for (const value of values) this.out.collect(withValue(record, value));
  }
}

/** FILTER: the records for which the predicate is truthy, unchanged. */
export class FilterOperator extends ForwardingOperator {
  private readonly fn = this.ctx.userFunction('FILTER');

  processRecord(record: StreamRecord): void {
    if (this.ctx.apply(record.key, this.fn, record.value)) this.out.collect(record);
  }
}

/** KEY_BY: attaches the selector's key; the HASH edge after it partitions by that key. */
export class KeyByOperator extends ForwardingOperator {
  private readonly fn = this.ctx.userFunction('KEY_BY');
  private readonly keyOf = (value: unknown): KeyValue => checkedKey(this.fn(value));

  processRecord(record: StreamRecord): void {
    const key = this.ctx.apply(undefined, this.keyOf, record.value);
    this.out.collect(record.timestamp === undefined ? { value: record.value, key } : { value: record.value, timestamp: record.timestamp, key });
  }
}

// The key must hash the same in every process, so only what canonicalKey can render exactly.
const scalar = (v: unknown): boolean => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

function checkedKey(key: unknown): KeyValue {
  if (scalar(key) || (Array.isArray(key) && key.every(scalar))) return key as KeyValue;
  throw new TypeError(`A key must be a string, a finite number, a boolean or an array of them, got ${JSON.stringify(key) ?? typeof key}`);
}

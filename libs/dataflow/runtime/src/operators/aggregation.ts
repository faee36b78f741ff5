// How REDUCE/SUM (running, per key) and WINDOW_REDUCE/WINDOW_SUM (per key and window) fold a
// record into their state. The state is also what they emit.
import type { KeyValue } from '@mesoflow/dataflow-api';
import { RuntimeError, RuntimeErrorCode } from '../errors';
import type { OperatorContext } from './operator';

/** Folds one value into the state (undefined for a key's or window's first value). */
export type Aggregation = (state: unknown, value: unknown, key: KeyValue) => unknown;

/** A reduce: the first value, then `fn(state, value)`. */
export function reduceAggregation(ctx: OperatorContext, kind: 'REDUCE' | 'WINDOW_REDUCE'): Aggregation {
  const fn = ctx.userFunction(kind);
  return (state, value) => (state === undefined ? value : fn(state, value));
}

/**
 * A sum: of a selector's value as `[key, sum]`, or of a field (property name or tuple index)
 * in a copy of the first record, Flink's `sum(field)` (the other fields are the first record's).
 * With `privateState` (nothing sees a state before its last update: a batch aggregate or a
 * combiner), a field sum updates its copy in place instead of copying per record.
 */
export function sumAggregation(ctx: OperatorContext, privateState = false): Aggregation {
  const selector = ctx.sumSelector();
  if (selector !== undefined) {
    return (state, value, key) => {
      const previous = state === undefined ? 0 : (state as [KeyValue, number])[1];
      return [key, previous + numeric(selector(value), selectorResult)];
    };
  }
  const field = ctx.spec.sum?.field ?? '';
  if (field === '') {
    throw new RuntimeError(RuntimeErrorCode.INVALID_JOB, `Operator '${ctx.name}' (${ctx.id}) is a sum with neither a field nor a selector`);
  }
  if (privateState) {
    // Only the first value is copied: the state is emitted only after its last update.
    const index = /^\d+$/.test(field) ? Number(field) : -1;
    return (state, value) => {
      if (state === undefined) return withField(value, field, fieldOf(value, field));
      // A tuple's field: the common case (sum(1)), read and written without the general path.
      if (index >= 0 && Array.isArray(state) && Array.isArray(value)) {
        const tuple = state as unknown[];
        const previous = tuple[index];
        const added: unknown = (value as unknown[])[index];
        if (typeof previous === 'number' && typeof added === 'number' && !Number.isNaN(added)) {
          tuple[index] = previous + added;
          return tuple;
        }
      }
      return setField(state, field, fieldOf(state, field) + fieldOf(value, field));
    };
  }
  return (state, value) => {
    const base = state === undefined ? value : state;
    const previous = state === undefined ? 0 : fieldOf(state, field);
    return withField(base, field, previous + fieldOf(value, field));
  };
}

function setField(record: unknown, field: string, sum: number): unknown {
  if (Array.isArray(record)) record[Number(field)] = sum;
  else (record as Record<string, unknown>)[field] = sum;
  return record;
}

const selectorResult = (): string => 'the sum selector result';

// The message is built only on failure: these run once per record.
function numeric(value: unknown, what: () => string): number {
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`${what()} is not a number: ${JSON.stringify(value)}`);
  return value;
}

function fieldOf(record: unknown, field: string): number {
  if (typeof record !== 'object' || record === null) throw new TypeError(`Cannot sum field '${field}' of ${JSON.stringify(record)}`);
  const value: unknown = Array.isArray(record) ? record[Number(field)] : (record as Record<string, unknown>)[field];
  return typeof value === 'number' && !Number.isNaN(value) ? value : numeric(value, () => `Field '${field}' of ${JSON.stringify(record)}`);
}

// A copy, never the record itself: the previous aggregate has already been emitted downstream.
function withField(record: unknown, field: string, sum: number): unknown {
  if (Array.isArray(record)) {
    const copy: unknown[] = [...(record as unknown[])];
    copy[Number(field)] = sum;
    return copy;
  }
  return { ...(record as Record<string, unknown>), [field]: sum };
}

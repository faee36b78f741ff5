// Keyed state without rendering every key: a Map already tells 1, "1" and true apart, so only
// tuple keys need their canonical text.
import type { KeyValue } from '@mesoflow/dataflow-api';
import { canonicalKey } from './hash';

/** A map from record keys (`KeyValue`) to per-key state, in first-set order per kind of key. */
export class KeyedMap<V> {
  private readonly scalars = new Map<string | number | boolean, V>();
  private readonly tuples = new Map<string, V>();

  get size(): number {
    return this.scalars.size + this.tuples.size;
  }

  get(key: KeyValue): V | undefined {
    return Array.isArray(key) ? this.tuples.get(canonicalKey(key)) : this.scalars.get(key as string | number | boolean);
  }

  set(key: KeyValue, value: V): void {
    if (Array.isArray(key)) this.tuples.set(canonicalKey(key), value);
    else this.scalars.set(key as string | number | boolean, value);
  }

  /** Every value, scalar keys first. */
  *values(): IterableIterator<V> {
    yield* this.scalars.values();
    yield* this.tuples.values();
  }

  clear(): void {
    this.scalars.clear();
    this.tuples.clear();
  }
}

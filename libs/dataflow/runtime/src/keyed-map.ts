// Keyed state without rendering every key: a Map already tells 1, "1" and true apart, so only
// tuple keys need their canonical text. A scalar key's value sits in the map itself: one lookup
// per record, no entry object to reach it through.
import type { KeyValue } from '@mesoflow/dataflow-api';
import { canonicalKey } from './hash';

/** A map from record keys (`KeyValue`) to per-key state, in first-set order per kind of key. */
export class KeyedMap<V> {
  private readonly scalars = new Map<string | number | boolean, V>();
  /** By canonical text; the key itself is kept for {@link entries}. */
  private readonly tuples = new Map<string, { readonly key: KeyValue; value: V }>();

  get size(): number {
    return this.scalars.size + this.tuples.size;
  }

  get(key: KeyValue): V | undefined {
    return Array.isArray(key) ? this.tuples.get(canonicalKey(key))?.value : this.scalars.get(key as string | number | boolean);
  }

  set(key: KeyValue, value: V): void {
    if (!Array.isArray(key)) {
      this.scalars.set(key as string | number | boolean, value);
      return;
    }
    const text = canonicalKey(key);
    const entry = this.tuples.get(text);
    if (entry === undefined) this.tuples.set(text, { key, value });
    else entry.value = value;
  }

  /** Every key with its value, scalar keys first. */
  *entries(): IterableIterator<[KeyValue, V]> {
    yield* this.scalars.entries();
    for (const { key, value } of this.tuples.values()) yield [key, value];
  }

  clear(): void {
    this.scalars.clear();
    this.tuples.clear();
  }
}

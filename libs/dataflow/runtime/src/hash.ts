// Key hashing that every process and every run agrees on: TaskManagers route a key to a
// subtask independently, so the hash may depend only on the key's value.
import type { KeyValue } from '@mesoflow/dataflow-api';

/** MurmurHash3 x86 32-bit of `data`, as an unsigned integer. */
export function murmur3(data: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = data.length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  // The 1 to 3 trailing bytes (the reference's fall-through switch, written without one).
  const tail = data.length & 3;
  if (tail > 0) {
    let k = 0;
    for (let i = tail - 1; i >= 0; i--) k ^= data[blocks + i] << (8 * i);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The canonical text of a key: its JSON. Keys are strings, numbers, booleans or arrays of them
 * (`KeyValue`), whose JSON is the same in every JavaScript process. Also the identity of a key
 * in keyed state, so `1` and `"1"` stay different keys.
 */
export function canonicalKey(key: KeyValue): string {
  return JSON.stringify(key);
}

/** The key group of `key` (Flink: hash % max parallelism); key groups are the unit of state. */
export function keyGroupOf(key: KeyValue, maxParallelism: number): number {
  return murmur3(Buffer.from(canonicalKey(key), 'utf8')) % maxParallelism;
}

/** The subtask that owns `keyGroup` (Flink's contiguous key-group ranges). */
export function subtaskOfKeyGroup(keyGroup: number, maxParallelism: number, parallelism: number): number {
  return Math.floor((keyGroup * parallelism) / maxParallelism);
}

/** The subtask of a consumer with `parallelism` subtasks that receives `key`. */
export function subtaskForKey(key: KeyValue, maxParallelism: number, parallelism: number): number {
  return subtaskOfKeyGroup(keyGroupOf(key, maxParallelism), maxParallelism, parallelism);
}

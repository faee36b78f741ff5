import { mesos } from '@mesoflow/proto';

/** An inclusive range of integers, e.g. ports `[31000-31009]`. */
export interface Range {
  begin: number;
  end: number;
}

/** Copies, sorts and merges overlapping or adjacent ranges; inverted ranges are dropped. */
export function normalizeRanges(ranges: readonly Range[]): Range[] {
  const sorted = ranges.filter((r) => r.end >= r.begin).map((r) => ({ begin: r.begin, end: r.end }));
  sorted.sort((a, b) => a.begin - b.begin);
  const merged: Range[] = [];
  for (const range of sorted) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range.begin <= last.end + 1) {
      if (range.end > last.end) last.end = range.end;
    } else {
      merged.push(range);
    }
  }
  return merged;
}

/** How many integers the ranges hold. */
export function rangesSize(ranges: readonly Range[]): number {
  let size = 0;
  for (const range of ranges) size += range.end - range.begin + 1;
  return size;
}

/**
 * Removes the lowest `count` integers from `ranges` (sorted, non-overlapping, mutated in place:
 * a partly used range keeps its upper part) and returns them as ranges. Takes fewer when the
 * ranges hold fewer.
 */
export function takeLowest(ranges: Range[], count: number): Range[] {
  const taken: Range[] = [];
  let left = count;
  while (left > 0 && ranges.length > 0) {
    const first = ranges[0];
    const size = first.end - first.begin + 1;
    if (size <= left) {
      taken.push({ begin: first.begin, end: first.end });
      ranges.shift();
      left -= size;
    } else {
      taken.push({ begin: first.begin, end: first.begin + left - 1 });
      first.begin += left;
      left = 0;
    }
  }
  return taken;
}

/** Lists every integer of the ranges, in order. */
export function expandRanges(ranges: readonly Range[]): number[] {
  const values: number[] = [];
  appendRangeValues(ranges, values);
  return values;
}

/** Appends every integer of the ranges, in order, to `values`; returns how many were appended. */
export function appendRangeValues(ranges: readonly Range[], values: number[]): number {
  const before = values.length;
  for (let i = 0; i < ranges.length; i++) {
    const end = ranges[i].end;
    for (let v = ranges[i].begin; v <= end; v++) values.push(v);
  }
  return values.length - before;
}

/** Formats ranges the way Mesos logs them: `[31000-31005, 31010-31010]`. */
export function formatRanges(ranges: readonly Range[]): string {
  return `[${ranges.map((r) => `${r.begin}-${r.end}`).join(', ')}]`;
}

/** Reads the ranges of a RANGES value (absent ⇒ empty). */
export function rangesOf(value: mesos.v1.Value.Ranges.$Properties | null | undefined): Range[] {
  return (value?.range ?? []).map((r) => ({ begin: Number(r.begin), end: Number(r.end) }));
}

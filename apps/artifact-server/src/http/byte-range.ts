/** The bytes `start..end` (both inclusive) of a file. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * What a `Range` header asks of a file of `size` bytes:
 * - `none`: no header, a unit other than bytes, a malformed value, or several ranges; the
 *   whole file is sent with 200 (RFC 9110 lets a server ignore Range; we do not serve
 *   multipart/byteranges, which fetchers do not use);
 * - `unsatisfiable`: a single range starting at or beyond the end (416);
 * - `range`: one satisfiable range (206), its end clipped to the file.
 */
export type RangeRequest = { kind: 'none' } | { kind: 'unsatisfiable' } | { kind: 'range'; range: ByteRange };

const NONE: RangeRequest = { kind: 'none' };
const UNSATISFIABLE: RangeRequest = { kind: 'unsatisfiable' };
const SINGLE_RANGE = /^bytes=[ \t]*(\d*)-(\d*)[ \t]*$/i;

/** Parses a `Range` header value against a file of `size` bytes (see {@link RangeRequest}). */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return NONE;
  const match = SINGLE_RANGE.exec(header);
  if (!match) return NONE;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return NONE;
  if (first.length > 15 || last.length > 15) return first === '' ? NONE : UNSATISFIABLE;
  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return UNSATISFIABLE;
    return { kind: 'range', range: { start: Math.max(0, size - length), end: size - 1 } };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return NONE;
  if (start >= size) return UNSATISFIABLE;
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: 'range', range: { start, end } };
}

// SOURCE_TEXT_FILE's input splits: subtask i of n reads the lines that start in its n-th of the
// file's bytes (Flink's FileInputFormat splits), so parallel readers share the reading, not
// just the records.
import { open, type FileHandle } from 'node:fs/promises';
import type { Emit } from './sources';

/** Bytes read per call by default: large enough that the per-call cost vanishes. */
const CHUNK_BYTES = 1 << 20;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;

/** The byte range `[start, end)` of split `index` of `splits` in a file of `size` bytes. */
export function splitRange(size: number, index: number, splits: number): { readonly start: number; readonly end: number } {
  return { start: Math.floor((size * index) / splits), end: Math.floor((size * (index + 1)) / splits) };
}

async function byteAt(file: FileHandle, position: number): Promise<number> {
  const one = Buffer.alloc(1);
  const { bytesRead } = await file.read(one, 0, 1, position);
  return bytesRead === 1 ? one[0] : -1;
}

/**
 * Emits every line (without `\n` or `\r\n`) whose first byte lies in split `index` of `splits`
 * of the file at `path`, in file order. A line belongs to the split its first byte is in, so a
 * split that starts inside a line leaves that line to the split before it, and the last line a
 * split owns is read to its end even past the split. Lines are UTF-8.
 */
export async function readTextFileSplit(
  path: string,
  index: number,
  splits: number,
  emit: Emit,
  signal: AbortSignal,
  chunkBytes = CHUNK_BYTES,
): Promise<void> {
  const file = await open(path, 'r');
  try {
    const { start, end } = splitRange((await file.stat()).size, index, splits);
    // Skipping the tail of a line that began in the split before this one.
    let skipping = start > 0 && (await byteAt(file, start - 1)) !== NEWLINE;
    let lineStart = start;
    let position = start;
    let carry: Buffer | undefined;
    const chunk = Buffer.allocUnsafe(chunkBytes);
    const line = (bytes: Buffer, from: number, to: number): string => {
      let text = carry === undefined ? bytes.toString('utf8', from, to) : Buffer.concat([carry, bytes.subarray(from, to)]).toString('utf8');
      carry = undefined;
      if (text.charCodeAt(text.length - 1) === CARRIAGE_RETURN) text = text.slice(0, -1);
      return text;
    };
    while (!signal.aborted && (skipping || lineStart < end)) {
      const { bytesRead } = await file.read(chunk, 0, chunkBytes, position);
      if (bytesRead === 0) {
        // The last line of the file, without a newline after it.
        if (!skipping && carry !== undefined) await emit(line(chunk, 0, 0));
        return;
      }
      let from = 0;
      for (let at = chunk.indexOf(NEWLINE, 0); at !== -1 && at < bytesRead; at = chunk.indexOf(NEWLINE, from)) {
        if (skipping) {
          skipping = false;
          carry = undefined;
        } else {
          const pending = emit(line(chunk, from, at));
          // Only a full output makes the source wait; otherwise lines go out without a tick each.
          if (pending !== undefined) await pending;
          if (signal.aborted) return;
        }
        from = at + 1;
        lineStart = position + from;
        if (lineStart >= end) return;
      }
      if (from < bytesRead) {
        const rest = Buffer.from(chunk.subarray(from, bytesRead));
        carry = carry === undefined ? rest : Buffer.concat([carry, rest]);
      }
      position += bytesRead;
    }
  } finally {
    await file.close();
  }
}

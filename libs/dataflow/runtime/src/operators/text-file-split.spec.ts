import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTextFileSplit, splitRange } from './text-file-split';

const folder = mkdtempSync(join(tmpdir(), 'text-file-split-'));

async function linesOf(text: string, splits: number, chunkBytes: number): Promise<string[][]> {
  const path = join(folder, 'input.txt');
  writeFileSync(path, text);
  const perSplit: string[][] = [];
  for (let index = 0; index < splits; index++) {
    const lines: string[] = [];
    await readTextFileSplit(path, index, splits, (line) => void lines.push(line as string), new AbortController().signal, chunkBytes);
    perSplit.push(lines);
  }
  return perSplit;
}

/** What readline gives for the whole file: the reference. */
function reference(text: string): string[] {
  const lines = text.split('\n').map((line) => line.replace(/\r$/, ''));
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

describe('readTextFileSplit', () => {
  const texts: Record<string, string> = {
    'a trailing newline': 'alpha\nbeta\ngamma\n',
    'no trailing newline': 'alpha\nbeta\ngamma',
    'empty lines': '\n\nx\n\n',
    'CRLF line ends': 'one\r\ntwo\r\nthree\r\n',
    'one long line': `${'w'.repeat(100)}\nshort\n`,
    'multi-byte characters': 'grüße\nnaïve café\n日本語のテキスト\n',
    'an empty file': '',
  };

  it.each(Object.entries(texts))('reads every line of a file with %s exactly once, in order, over 1 to 7 splits', async (_, text) => {
    for (const splits of [1, 2, 3, 7]) {
      // Chunks of 3 bytes split lines and multi-byte characters across reads.
      for (const chunkBytes of [3, 16, 1 << 20]) {
        const perSplit = await linesOf(text, splits, chunkBytes);
        expect(perSplit.flat()).toEqual(reference(text));
      }
    }
  });

  it('gives each split the lines that start in its byte range', async () => {
    // 10 lines of 10 bytes: splits of 50 bytes each own 5 lines.
    const text = Array.from({ length: 10 }, (_, i) => `line-${String(i).padStart(3, '0')}`).join('\n') + '\n';
    expect(await linesOf(text, 2, 7)).toEqual([
      ['line-000', 'line-001', 'line-002', 'line-003', 'line-004'],
      ['line-005', 'line-006', 'line-007', 'line-008', 'line-009'],
    ]);
  });

  it('splits the bytes evenly', () => {
    expect([0, 1, 2].map((i) => splitRange(10, i, 3))).toEqual([
      { start: 0, end: 3 },
      { start: 3, end: 6 },
      { start: 6, end: 10 },
    ]);
  });

  it('stops when the signal aborts', async () => {
    const path = join(folder, 'abort.txt');
    writeFileSync(path, 'a\nb\nc\n');
    const controller = new AbortController();
    const lines: unknown[] = [];
    await readTextFileSplit(path, 0, 1, (line) => {
      lines.push(line);
      controller.abort();
      return undefined;
    }, controller.signal);
    expect(lines).toEqual(['a']);
  });
});

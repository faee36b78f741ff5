// Generated text for the WordCount benchmarks: seeded, so every run counts the same words.
import { seededRandom } from '@mesoflow/testing';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { once } from 'node:events';

/** Words drawn with a Zipf-like skew from a vocabulary of this many, as in natural text. */
const VOCABULARY = 20_000;
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function vocabulary(random: () => number): string[] {
  const words = new Set<string>();
  while (words.size < VOCABULARY) {
    const length = 2 + Math.floor(random() * 9);
    let word = '';
    for (let i = 0; i < length; i++) word += LETTERS[Math.floor(random() * LETTERS.length)];
    words.add(Math.floor(random() * 8) === 0 ? word[0].toUpperCase() + word.slice(1) : word);
  }
  return [...words];
}

/**
 * Writes at least `bytes` of lines of 6 to 14 words with some punctuation to `path`, unless a
 * file of that size from the same seed is already there.
 */
export async function writeWordText(path: string, bytes: number, seed = 20_261_123): Promise<void> {
  if (existsSync(path) && statSync(path).size >= bytes) return;
  const random = seededRandom(seed);
  const words = vocabulary(random);
  const out = createWriteStream(path);
  let written = 0;
  while (written < bytes) {
    const lines: string[] = [];
    for (let n = 0; n < 1000; n++) {
      const count = 6 + Math.floor(random() * 9);
      const line: string[] = [];
      // random() ** 3 skews toward the first words: a few are very common, most are rare.
      for (let i = 0; i < count; i++) line.push(words[Math.floor(random() ** 3 * words.length)]);
      lines.push(`${line.join(random() < 0.1 ? ', ' : ' ')}${random() < 0.3 ? '.' : ''}`);
    }
    const chunk = `${lines.join('\n')}\n`;
    written += Buffer.byteLength(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

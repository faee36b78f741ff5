/**
 * Test programs for the TaskManager, one module selected by `--mode` (the TaskManager passes
 * `program_args` as process.argv): `word-count` (Flink's WordCount with a collect sink),
 * `failing` (its reduce throws on the key "to"), `unbounded` (a rate-limited generator),
 * `paced` (the same generator bounded: 600 records in about 3 s), `fail-once` (WordCount whose tokenizer throws once: the subtask that first creates the file
 * `<--marker>/failed` throws, every later run counts undisturbed).
 */
import { StreamExecutionEnvironment } from '@mesoflow/dataflow-api';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

export const LINES: readonly string[] = [
  'To be, or not to be,--that is the question:--',
  "Whether 'tis nobler in the mind to suffer",
  'The slings and arrows of outrageous fortune',
  'Or to take arms against a sea of troubles,',
  'And by opposing end them?--To die,--to sleep,--',
  'No more; and by a sleep to say we end',
];

export function words(line: string): string[] {
  return line.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}

// `args` explicitly: under Jest, node:util reads the real process.argv, not the test's.
const { values } = parseArgs({ args: process.argv.slice(2), options: { mode: { type: 'string' }, marker: { type: 'string' } }, strict: false });
const mode = typeof values.mode === 'string' ? values.mode : 'word-count';
const marker = typeof values.marker === 'string' ? join(values.marker, 'failed') : '';

/** True for the first caller only, across processes and attempts: it creates the marker file. */
function firstToFail(): boolean {
  try {
    writeFileSync(marker, 'failed once', { flag: 'wx' });
    return true;
  } catch {
    return false;
  }
}

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setParallelism(2);
if (mode === 'unbounded' || mode === 'paced') {
  env
    .generate((index: number): [string, number] => [`word${index % 5}`, 1], mode === 'paced' ? { count: 600, ratePerSecond: 200 } : { ratePerSecond: 200 })
    .keyBy(([word]) => word)
    .sum(1)
    .name('Count')
    .collect();
} else {
  const pairs = env
    .fromCollection(LINES)
    .flatMap((line: string) => {
      // After some records went out, so that the failed attempt has collected some already.
      if (mode === 'fail-once' && line.startsWith('And by opposing') && firstToFail()) throw new Error('the first attempt fails once');
      return words(line).map((word): [string, number] => [word, 1]);
    })
    .name('Tokenizer')
    .keyBy(([word]) => word);
  if (mode === 'failing') {
    pairs
      .reduce((total, next) => {
        if (total[0] === 'to') throw new Error(`cannot count '${total[0]}'`);
        return [total[0], total[1] + next[1]];
      })
      .name('Explode')
      .collect();
  } else {
    pairs.sum(1).name('Count').collect();
  }
}

env.execute(`test-${mode}`).catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

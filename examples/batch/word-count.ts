/**
 * WordCount, Flink's first example: splits lines into lower-case words and keeps a running count
 * per word. Every update is emitted, as in Flink's streaming WordCount, so the last line printed
 * for a word holds its total.
 *
 *   bin/mesoflow run examples/batch/word-count.ts [--input text.txt] [--output counts] [--execution-mode batch]
 *
 * Without `--input` it counts a few built-in lines; without `--output` it prints. With
 * `--execution-mode batch` (or `automatic`), as in Flink's example, each word is emitted once
 * with its final count, and counts are pre-aggregated before they cross the network.
 */
import { StreamExecutionEnvironment, type RuntimeExecutionMode } from '@mesoflow/dataflow-api';
import { parseArgs } from 'node:util';

/** The text counted when no `--input` is given (Hamlet, as in Flink's example). */
export const DEFAULT_LINES: readonly string[] = [
  'To be, or not to be,--that is the question:--',
  "Whether 'tis nobler in the mind to suffer",
  'The slings and arrows of outrageous fortune',
  'Or to take arms against a sea of troubles,',
  'And by opposing end them?--To die,--to sleep,--',
  'No more; and by a sleep to say we end',
];

/** The words of `line`: lower-case runs of letters, digits and apostrophes. */
export function words(line: string): string[] {
  return line.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];
}

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { input: { type: 'string' }, output: { type: 'string' }, 'execution-mode': { type: 'string' } },
  strict: false,
});
const input = typeof values.input === 'string' ? values.input : undefined;
const output = typeof values.output === 'string' ? values.output : undefined;
const mode = typeof values['execution-mode'] === 'string' ? values['execution-mode'] : 'streaming';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setRuntimeMode(mode.toUpperCase() as RuntimeExecutionMode);
const lines = input === undefined ? env.fromCollection(DEFAULT_LINES) : env.readTextFile(input);
const counts = lines
  .flatMap((line: string) => words(line).map((word): [string, number] => [word, 1]))
  .name('Tokenizer')
  .keyBy(([word]) => word)
  .sum(1)
  .name('Count');
if (output === undefined) counts.print();
else counts.writeAsText(output);

env.execute('WordCount').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

// A program file as a user writes it, loaded by the specs as a host would: once in plan mode,
// once in runtime mode. `finished` settles only in an attached plan-mode run.
import { StreamExecutionEnvironment } from '../environment';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
const counts = env
  .fromCollection(['to be or not to be'])
  .flatMap((line: string) => line.split(' ').map((word): [string, number] => [word, 1]))
  .keyBy(([word]) => word)
  .sum(1);
counts.print();
const results = counts.collect();

/** The collected counts, once the job has run. */
export const finished: Promise<readonly [string, number][]> = env.execute('WordCount').then(() => results.values());

// The program bundle the end-to-end spec submits. The client plans it (plan mode); the
// TaskManagers load it from its path (runtime mode) with the submission's program arguments:
// `--mode word-count` (default): Flink's WordCount with a collect sink; `--mode unbounded`: a
// rate-limited generator that runs until canceled.
import { StreamExecutionEnvironment } from '@mesoflow/dataflow-api';

const mode = process.argv.includes('unbounded') ? 'unbounded' : 'word-count';
const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setParallelism(2);
const lines =
  mode === 'unbounded'
    ? env.generate((index: number) => `word${index % 5}`, { ratePerSecond: 100 })
    : env.fromCollection(['to be or not to be', 'that is the question']);
lines
  .flatMap((line: string) => line.split(' ').map((word): [string, number] => [word, 1]))
  .keyBy(([word]) => word)
  .sum(1)
  .collect();
env.execute(mode === 'unbounded' ? 'Unbounded' : 'WordCount').catch((error: unknown) => {
  process.stderr.write(`The program failed: ${String(error)}\n`);
});

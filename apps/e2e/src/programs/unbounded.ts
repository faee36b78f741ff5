// A job that runs until it is canceled: a rate-limited generator into a keyed sum, printed.
import { StreamExecutionEnvironment } from '@mesoflow/dataflow-api';

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env
  .generate((index: number): [string, number] => [`word${index % 5}`, 1], { ratePerSecond: 50 })
  .keyBy(([word]) => word)
  .sum(1)
  .print();
env.execute('Unbounded').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

// The fault suite's job: a bounded BATCH job whose result is known and whose completion leaves a
// trace outside the cluster. `--records` numbers go through a slow map (`--record-ms` each, so a
// fault can land while the job runs), are summed per key (n % 4), and each final sum is appended to
// `<--effects>/<--tag>.effects` before it is collected. A BATCH sum emits only once its input is
// complete, so an execution that ran to its end writes exactly 4 lines there: 8 lines mean the job
// completed twice. `--tag` and `--effects` are program arguments, so one planned graph serves every
// submission (TaskManagers run the program with the submission's arguments).
import { StreamExecutionEnvironment } from '@mesoflow/dataflow-api';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { tag: { type: 'string' }, effects: { type: 'string' }, records: { type: 'string' }, 'record-ms': { type: 'string' } },
  strict: false,
});
const text = (value: string | boolean | undefined, fallback: string): string => (typeof value === 'string' ? value : fallback);
const tag = text(values.tag, 'untagged');
const effects = text(values.effects, '.');
const records = Number(text(values.records, '200'));
const recordMs = Number(text(values['record-ms'], '10'));
// A synchronous pause (map functions are synchronous) that keeps the job busy without spinning. It
// blocks the TaskManager's event loop, heartbeats included, so keep records x record-ms small.
const pause = new Int32Array(new SharedArrayBuffer(4));

const env = StreamExecutionEnvironment.getExecutionEnvironment();
env.setRuntimeMode('BATCH');
env.setRestartStrategy({ attempts: 20, delayMs: 500 });
env
  .generate((n: number) => n, { count: records })
  .name('Numbers')
  .map((n: number): [number, number] => {
    Atomics.wait(pause, 0, 0, recordMs);
    return [n % 4, n];
  })
  .name('Slow')
  .keyBy(([key]) => key)
  .sum(1)
  .name('Sums')
  .map((sum: [number, number]) => {
    appendFileSync(join(effects, `${tag}.effects`), `${JSON.stringify(sum)}\n`);
    return sum;
  })
  .name('Effects')
  .collect();

env.execute('CountedSums').catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

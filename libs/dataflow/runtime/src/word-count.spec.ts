import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StreamExecutionEnvironment } from '@mesoflow/dataflow-api';
import { mesoflow } from '@mesoflow/proto';
import { runJobLocally } from './local/executor';
import { compileProgram, operatorIdNamed } from './testing/programs';

const TEXT = ['To be, or not to be,', 'that is the question:', 'Whether tis nobler in the mind to suffer'];
const EXPECTED = {
  to: 3, be: 2, or: 1, not: 1, that: 1, is: 1, the: 2, question: 1,
  whether: 1, tis: 1, nobler: 1, in: 1, mind: 1, suffer: 1,
};

const tokenize = (line: string): [string, number][] =>
  line
    .toLowerCase()
    .split(/\W+/)
    .filter((word) => word !== '')
    .map((word): [string, number] => [word, 1]);

function wordCount(env: StreamExecutionEnvironment): void {
  const counts = env.fromCollection(TEXT).flatMap(tokenize).keyBy(([word]) => word).sum(1);
  counts.collect();
}

/** The last running count of each word: the final count, since a key's updates arrive in order. */
function finalCounts(values: readonly unknown[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [word, count] of values as [string, number][]) counts[word] = count;
  return counts;
}

describe('WordCount', () => {
  it.each([1, 2, 4])('gives the exact counts with parallelism %i', async (parallelism) => {
    const program = await compileProgram(wordCount, parallelism);
    const result = await runJobLocally(program.graph, program.functions);
    expect(result.status).toBe('FINISHED');
    const values = result.collected.get(operatorIdNamed(program, 'Sink: Collect')) ?? [];
    expect(finalCounts(values)).toEqual(EXPECTED);
    // A rolling sum emits every update: one output per word occurrence.
    expect(values).toHaveLength(Object.values(EXPECTED).reduce((a, b) => a + b, 0));
  });

  it("prints 'subtask> record' when parallel and just the record otherwise", async () => {
    const lines: string[] = [];
    const parallel = await compileProgram((env) => {
      env.fromCollection(TEXT).flatMap(tokenize).keyBy(([word]) => word).sum(1).print();
    }, 2);
    await runJobLocally(parallel.graph, parallel.functions, { stdout: (line) => lines.push(line) });
    expect(lines).toHaveLength(18);
    expect(lines).toContainEqual(expect.stringMatching(/^[12]> \["to",3\]$/));

    const single: string[] = [];
    const serial = await compileProgram((env) => {
      env.fromCollection(['a', 'b']).print();
    }, 1);
    await runJobLocally(serial.graph, serial.functions, { stdout: (line) => single.push(line) });
    expect(single).toEqual(['a', 'b']);
  });

  it('reads lines from a text file and writes one file per subtask', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesoflow-runtime-'));
    const input = join(dir, 'in.txt');
    writeFileSync(input, `${TEXT.join('\n')}\n`);
    const output = join(dir, 'out');
    const program = await compileProgram((env) => {
      env.readTextFile(input).flatMap(tokenize).keyBy(([word]) => word).sum(1).writeAsText(output);
    }, 2);
    const result = await runJobLocally(program.graph, program.functions);
    expect(result.status).toBe('FINISHED');
    expect(readdirSync(output).sort()).toEqual(['1', '2']);
    const lines = readdirSync(output).flatMap((file) => readFileSync(join(output, file), 'utf8').split('\n').filter((l) => l !== ''));
    expect(finalCounts(lines.map((line) => JSON.parse(line) as unknown))).toEqual(EXPECTED);
  });

  describe('in BATCH mode', () => {
    it.each([1, 2, 4])('emits each word once, with its final count, at parallelism %i', async (parallelism) => {
      const program = await compileProgram((env) => {
        env.setRuntimeMode('BATCH');
        wordCount(env);
      }, parallelism);
      const result = await runJobLocally(program.graph, program.functions);
      expect(result.status).toBe('FINISHED');
      const values = (result.collected.get(operatorIdNamed(program, 'Sink: Collect')) ?? []) as [string, number][];
      expect(Object.fromEntries(values)).toEqual(EXPECTED);
      expect(values).toHaveLength(Object.keys(EXPECTED).length);
    });

    it('combines a reduce and a selector sum correctly too', async () => {
      const program = await compileProgram((env) => {
        env.setRuntimeMode('AUTOMATIC');
        const pairs = env.fromCollection(TEXT).flatMap(tokenize);
        pairs.keyBy(([word]) => word).reduce((a, b): [string, number] => [a[0], a[1] + b[1]]).name('Reduce').collect().name('Reduced');
        pairs.keyBy(([word]) => word).sum(([, one]) => one * 10).collect().name('Summed');
      }, 3);
      expect(program.graph.config?.runtime_mode).toBe(mesoflow.dataflow.v1.RuntimeMode.BATCH);
      const result = await runJobLocally(program.graph, program.functions);
      expect(Object.fromEntries((result.collected.get(operatorIdNamed(program, 'Reduced')) ?? []) as [string, number][])).toEqual(EXPECTED);
      const tens = Object.fromEntries(Object.entries(EXPECTED).map(([word, n]) => [word, n * 10]));
      expect(Object.fromEntries((result.collected.get(operatorIdNamed(program, 'Summed')) ?? []) as [string, number][])).toEqual(tens);
    });
  });
});

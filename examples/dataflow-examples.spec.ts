// The dataflow examples run whole, in runtime mode, on the in-process reference executor
// (runJobLocally) at parallelism 1 and 2, and their output is checked against what the example's
// own definition of the input says it must be. Running them on TaskManagers launched through
// Mesos comes with the TaskManager (see the open issue); both must print the same.
import { loadRuntimeProgram } from '@mesoflow/dataflow-api';
import { runJobLocally } from '@mesoflow/dataflow-runtime';

/** Runs a program module, fresh, at `parallelism`; returns what its sinks printed. */
async function printedBy(load: () => unknown, parallelism: number): Promise<string[]> {
  const program = await loadRuntimeProgram(load, { defaultParallelism: parallelism });
  const lines: string[] = [];
  const result = await runJobLocally(program.graph, program.functions, { stdout: (line) => lines.push(line) });
  expect(result.status).toBe('FINISHED');
  return lines;
}

/** A printed line without the `N> ` subtask prefix a parallel sink adds. */
const record = (line: string): unknown => JSON.parse(line.replace(/^\d+> /, ''));

describe('examples/batch/word-count.ts', () => {
  it.each([1, 2])('ends with the total of every word at parallelism %i', async (parallelism) => {
    let words: ((line: string) => string[]) | undefined;
    let text: readonly string[] = [];
    const lines = await printedBy(
      () =>
        jest.isolateModules(() => {
          ({ words, DEFAULT_LINES: text } = jest.requireActual<typeof import('./batch/word-count')>('./batch/word-count'));
        }),
      parallelism,
    );
    const expected = new Map<string, number>();
    for (const word of text.flatMap((line) => words?.(line) ?? [])) expected.set(word, (expected.get(word) ?? 0) + 1);
    const last = new Map<string, number>();
    for (const [word, count] of lines.map(record) as Array<[string, number]>) last.set(word, count);

    expect(Object.fromEntries(last)).toEqual(Object.fromEntries(expected));
    expect(last.get('to')).toBe(7);
    // Every update is printed, as Flink's streaming WordCount does.
    expect(lines).toHaveLength([...expected.values()].reduce((a, b) => a + b, 0));
  });
});

describe('examples/batch/word-count.ts --execution-mode batch', () => {
  it('prints each word once, with its total', async () => {
    let words: ((line: string) => string[]) | undefined;
    let text: readonly string[] = [];
    const argv = process.argv;
    let lines: string[];
    try {
      // The program reads its arguments from process.argv, as a TaskManager sets them.
      process.argv = [argv[0], 'word-count.js', '--execution-mode', 'batch'];
      lines = await printedBy(
        () =>
          jest.isolateModules(() => {
            ({ words, DEFAULT_LINES: text } = jest.requireActual<typeof import('./batch/word-count')>('./batch/word-count'));
          }),
        2,
      );
    } finally {
      process.argv = argv;
    }
    const expected = new Map<string, number>();
    for (const word of text.flatMap((line) => words?.(line) ?? [])) expected.set(word, (expected.get(word) ?? 0) + 1);
    const printed = lines.map(record) as Array<[string, number]>;
    expect(Object.fromEntries(printed)).toEqual(Object.fromEntries(expected));
    expect(printed).toHaveLength(expected.size);
  });
});

describe('examples/streaming/window-join.ts', () => {
  it.each([1, 2])('joins grades and salaries per name in 2 s windows at parallelism %i', async (parallelism) => {
    let example: typeof import('./streaming/window-join') | undefined;
    const lines = await printedBy(
      () =>
        jest.isolateModules(() => {
          example = jest.requireActual<typeof import('./streaming/window-join')>('./streaming/window-join');
        }),
      parallelism,
    );
    if (!example) throw new Error('the example did not load');
    const { grade, salary } = example;
    // The definition of the join, straight: same name, same 2,000 ms window.
    const grades = Array.from({ length: 60 }, (_, i) => grade(i, 3));
    const salaries = Array.from({ length: 60 }, (_, i) => salary(i, 3));
    const expected = grades
      .flatMap((g) => salaries.filter((s) => s.name === g.name && Math.floor(s.time / 2000) === Math.floor(g.time / 2000)).map((s) => [g.name, g.grade, s.salary]))
      .map((row) => JSON.stringify(row))
      .sort();

    expect(expected.length).toBeGreaterThan(20);
    expect(lines.map((line) => JSON.stringify(record(line))).sort()).toEqual(expected);
  });
});

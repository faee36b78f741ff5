import type { JobRecord } from '@mesoflow/dispatcher-submissions';
import { decodeJobGraph } from '@mesoflow/dataflow-api';
import type { JobGraphView } from '@mesoflow/web-api';
import { GRAPH } from '../testing/job-service-client';
import { filterJobs, jobDetailView, jobGraphView, jobProgressOf, jobsByState, parseJobFilter, taskViews, timelineOf } from './job-views';
import { SubmittedGraphs } from './submitted-graphs';

const JOB_ID = 'a'.repeat(32);

function record(overrides: Partial<JobRecord> = {}): JobRecord {
  return { jobId: JOB_ID, submissionId: 's-1', jobName: 'WordCount', state: 'ACCEPTED', submittedAt: 1_000, attempts: 0, cancelRequested: false, ...overrides };
}

const GRAPH_VIEW: JobGraphView = {
  vertices: [
    { id: 'src', name: 'Source: Collection', parallelism: 1, maxParallelism: 128, operators: [{ id: 'src', name: 'Source: Collection', kind: 'SOURCE_COLLECTION' }] },
    { id: 'sum', name: 'Sum -> Collect', parallelism: 2, maxParallelism: 128, operators: [] },
  ],
  edges: [{ source: 'src', target: 'sum', partitioning: 'HASH' }],
};

describe('the job graph view', () => {
  it('names operator kinds and partitionings as the proto does, vertices in graph order', () => {
    const view = jobGraphView(decodeJobGraph(GRAPH));
    expect(view.vertices.length).toBeGreaterThan(1);
    expect(view.vertices[0]).toMatchObject({ parallelism: 1, operators: [expect.objectContaining({ kind: 'SOURCE_COLLECTION' })] });
    expect(view.vertices.flatMap((vertex) => vertex.operators.map((operator) => operator.kind))).toEqual(expect.arrayContaining(['FLAT_MAP', 'KEY_BY', 'SUM', 'SINK_COLLECT']));
    expect(view.edges.map((edge) => edge.partitioning)).toContain('HASH');
    const ids = new Set(view.vertices.map((vertex) => vertex.id));
    for (const edge of view.edges) expect(ids.has(edge.source) && ids.has(edge.target)).toBe(true);
  });

  it('is read once per job, the least recently used forgotten first, and absent for unknown jobs and bytes that do not decode', async () => {
    const loads: string[] = [];
    const stored: Record<string, Uint8Array> = { a: GRAPH, b: Uint8Array.from([0xff, 0xff, 0xff]), c: GRAPH, d: GRAPH };
    const graphs = new SubmittedGraphs((jobId) => {
      loads.push(jobId);
      return Promise.resolve(stored[jobId]);
    }, 2);
    expect((await graphs.get('a'))?.vertices.length).toBeGreaterThan(0);
    expect(await graphs.get('b')).toBeUndefined();
    expect(await graphs.get('a')).toBeDefined();
    expect(await graphs.get('unknown')).toBeUndefined();
    expect(await graphs.get('c')).toBeDefined();
    expect(loads).toEqual(['a', 'b', 'unknown', 'c']);
    // 'b' was the least recently used of the two kept: it is read again, 'c' is not.
    await graphs.get('b');
    await graphs.get('c');
    expect(loads).toEqual(['a', 'b', 'unknown', 'c', 'b']);
  });
});

describe('the job master progress', () => {
  it('keeps only well-formed entries of what a job master reported', () => {
    const progress = jobProgressOf({
      phase: 'running',
      tasks: { RUNNING: 2 },
      taskList: [{ vertexId: 'sum', subtask: 0, attempt: 1, state: 'RUNNING', recordsIn: 10, taskManagerId: 'taskmanager-00001' }, { vertexId: 'sum', state: 'RUNNING' }, 'junk'],
      timeline: [{ atMs: 5, state: 'deploying' }, { atMs: 'x', state: 'running' }],
      exceptions: [{ atMs: 7, message: 'boom', vertexId: 'sum', keyJson: '"to"' }, { message: 'no time' }],
    });
    expect(progress).toEqual({
      taskList: [{ vertexId: 'sum', subtask: 0, attempt: 1, state: 'RUNNING', recordsIn: 10, taskManagerId: 'taskmanager-00001' }],
      timeline: [{ atMs: 5, state: 'deploying' }],
      exceptions: [{ atMs: 7, message: 'boom', vertexId: 'sum', keyJson: '"to"' }],
    });
    // What job masters wrote before the task list: no tasks, no phases, no exceptions.
    expect(jobProgressOf({ jobMasterState: 'RUNNING', phase: 'running', restarts: 0, tasks: { RUNNING: 3 } })).toEqual({});
    expect(jobProgressOf('running')).toEqual({});
  });

  it('groups tasks by vertex in graph order, then subtask, the latest attempt of each, named from the graph', () => {
    const tasks = taskViews(
      [
        { vertexId: 'sum', subtask: 1, attempt: 0, state: 'FAILED' },
        { vertexId: 'sum', subtask: 0, attempt: 1, state: 'RUNNING', recordsIn: 4, recordsInPerSecond: 2 },
        { vertexId: 'src', subtask: 0, attempt: 1, state: 'FINISHED' },
        { vertexId: 'sum', subtask: 1, attempt: 1, state: 'DEPLOYING' },
        { vertexId: 'gone', subtask: 0, attempt: 1, state: 'RUNNING' },
      ],
      GRAPH_VIEW,
    );
    expect(tasks.map((task) => [task.vertexId, task.subtask, task.state])).toEqual([
      ['src', 0, 'FINISHED'],
      ['sum', 0, 'RUNNING'],
      ['sum', 1, 'DEPLOYING'],
      ['gone', 0, 'RUNNING'],
    ]);
    expect(tasks[1]).toEqual({ vertexId: 'sum', vertexName: 'Sum -> Collect', subtask: 0, parallelism: 2, attempt: 1, state: 'RUNNING', recordsIn: 4, recordsInPerSecond: 2 });
    expect(tasks[3]).toMatchObject({ vertexName: 'gone', parallelism: 0 });
  });

  it('merges the job state changes with the job master phases, oldest first, a state before phases at the same time', () => {
    const ended = record({ state: 'FAILED', startedAt: 2_000, endedAt: 9_000, attempts: 2, failure: "Operator 'Map' failed" });
    expect(
      timelineOf(ended, [
        { atMs: 2_000, state: 'waiting-for-slots' },
        { atMs: 3_000, state: 'running' },
        { atMs: 8_000, state: 'restarting', detail: 'task failed' },
      ]),
    ).toEqual([
      { atMs: 1_000, state: 'ACCEPTED' },
      { atMs: 2_000, state: 'RUNNING', detail: 'attempt 2' },
      { atMs: 2_000, state: 'waiting-for-slots' },
      { atMs: 3_000, state: 'running' },
      { atMs: 8_000, state: 'restarting', detail: 'task failed' },
      { atMs: 9_000, state: 'FAILED', detail: "Operator 'Map' failed" },
    ]);
    expect(timelineOf(record(), [])).toEqual([{ atMs: 1_000, state: 'ACCEPTED' }]);
  });

  it('makes the job page: exceptions newest first with vertex names, results of a finished job', () => {
    const finished = record({
      state: 'FINISHED',
      startedAt: 2_000,
      endedAt: 3_000,
      attempts: 1,
      progress: { exceptions: [{ atMs: 1, message: 'old', vertexId: 'src' }, { atMs: 2, message: 'new', vertexId: 'sum', subtask: 1, operatorId: 'op', operatorName: 'Sum' }] },
      result: { collected: { sink: ['["be",2]'] } },
    });
    const view = jobDetailView(finished, GRAPH_VIEW);
    expect(view).toMatchObject({ jobId: JOB_ID, state: 'FINISHED', startedAtMs: 2_000, endedAtMs: 3_000, failure: '', graph: GRAPH_VIEW, tasks: [] });
    expect(view.exceptions).toEqual([
      { atMs: 2, message: 'new', vertexName: 'Sum -> Collect', subtask: 1, operatorId: 'op', operatorName: 'Sum' },
      { atMs: 1, message: 'old', vertexName: 'Source: Collection' },
    ]);
    expect(view.results).toEqual([{ operatorId: 'sink', records: ['["be",2]'] }]);
    const accepted = jobDetailView(record(), undefined);
    expect(accepted).not.toHaveProperty('graph');
    expect(accepted).toMatchObject({ startedAtMs: 0, endedAtMs: 0, results: [], exceptions: [] });
  });
});

describe('the jobs list filter', () => {
  it('takes state, q and limit, with a default limit of 50', () => {
    expect(parseJobFilter({})).toEqual({ limit: 50 });
    expect(parseJobFilter({ state: 'RUNNING', q: 'Word', limit: '500' })).toEqual({ state: 'RUNNING', q: 'Word', limit: 500 });
    expect(parseJobFilter({ state: '', q: '', limit: '' })).toEqual({ limit: 50 });
  });

  it('names the parameter, the value and what was expected', () => {
    expect(parseJobFilter({ state: 'DONE' })).toEqual({ error: "state: 'DONE' is not a job state; expected one of ACCEPTED, RUNNING, FINISHED, FAILED, CANCELED" });
    expect(parseJobFilter({ limit: '501' })).toEqual({ error: "limit: '501' is not a whole number from 1 to 500" });
    expect(parseJobFilter({ limit: '0' })).toEqual({ error: "limit: '0' is not a whole number from 1 to 500" });
    expect(parseJobFilter({ limit: '1e2' })).toEqual({ error: "limit: '1e2' is not a whole number from 1 to 500" });
    expect(parseJobFilter({ limit: ['1', '2'] })).toEqual({ error: 'limit: given 2 times; expected it at most once' });
    expect(parseJobFilter({ q: 'x'.repeat(201) })).toEqual({ error: 'q: 201 characters; expected at most 200' });
  });

  it('matches the state and a part of the name in any case or of the id, newest first, at most limit', () => {
    const jobs = [
      record({ jobId: 'c'.repeat(32), jobName: 'WindowJoin', state: 'RUNNING' }),
      record({ jobId: 'b'.repeat(32), jobName: 'WordCount', state: 'FAILED' }),
      record({ jobId: `${'d'.repeat(16)}${'e'.repeat(16)}`, jobName: 'WordCount', state: 'RUNNING' }),
    ];
    const ids = (query: Parameters<typeof filterJobs>[1]) => filterJobs(jobs, query).map((job) => job.jobId[0]);
    expect(ids({ limit: 50 })).toEqual(['c', 'b', 'd']);
    expect(ids({ limit: 50, state: 'RUNNING' })).toEqual(['c', 'd']);
    expect(ids({ limit: 50, q: 'wordc' })).toEqual(['b', 'd']);
    expect(ids({ limit: 50, q: 'eeee' })).toEqual(['d']);
    expect(ids({ limit: 1, q: 'word', state: 'RUNNING' })).toEqual(['d']);
    expect(ids({ limit: 2 })).toEqual(['c', 'b']);
    expect(jobsByState(jobs)).toEqual({ ACCEPTED: 0, RUNNING: 2, FINISHED: 0, FAILED: 1, CANCELED: 0 });
  });
});

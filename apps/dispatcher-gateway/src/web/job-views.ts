// The job views of /api/v1 from what the queue stores: the job record, the job master's progress
// JSON (jobs/job-progress.ts) and the submitted job graph. Pure functions of plain data.
import type { JobRecord, JsonValue } from '@mesoflow/dispatcher-submissions';
import { mesoflow } from '@mesoflow/proto';
import { JOB_STATES, jobMatches, type ExceptionView, type JobDetailView, type JobGraphView, type JobFilter, type JobStateName, type JobSummaryView, type TaskView, type TimelineEntry } from '@mesoflow/web-api';
import type { JobProgress, TaskException, TaskProgress } from '../jobs/job-progress';
import { collectedResults } from '../jobs/job-view';

const v1 = mesoflow.dataflow.v1;

/** The most jobs one list answers, and how far back the overview and filters look. */
export const MAX_JOBS_LIMIT = 500;
export const DEFAULT_JOBS_LIMIT = 50;

/** A row of the job list. */
export function jobSummaryView(record: JobRecord): JobSummaryView {
  return {
    jobId: record.jobId,
    submissionId: record.submissionId,
    jobName: record.jobName,
    state: record.state,
    submittedAtMs: record.submittedAt,
    startedAtMs: record.startedAt ?? 0,
    endedAtMs: record.endedAt ?? 0,
    attempts: record.attempts,
    failure: record.failure ?? '',
    cancelRequested: record.cancelRequested,
  };
}

/** The job graph as the UI draws it: enum values by their proto names, unset fields as proto3's defaults. */
export function jobGraphView(graph: mesoflow.dataflow.v1.JobGraph): JobGraphView {
  return {
    vertices: graph.vertices.map((vertex) => ({
      id: vertex.id ?? '',
      name: vertex.name ?? '',
      parallelism: vertex.parallelism ?? 0,
      maxParallelism: vertex.max_parallelism ?? 0,
      operators: (vertex.operators ?? []).map((operator) => ({ id: operator.id ?? '', name: operator.name ?? '', kind: enumName(v1.OperatorKind, operator.kind) })),
    })),
    edges: graph.edges.map((edge) => ({
      source: edge.source_vertex_id ?? '',
      target: edge.target_vertex_id ?? '',
      partitioning: enumName(v1.Partitioning, edge.partitioning),
    })),
  };
}

/** The name of a protobufjs enum value (its enum objects map numbers back to names), or the number. */
function enumName(names: { readonly [value: number]: string | undefined }, value: number | null | undefined): string {
  return names[value ?? 0] ?? String(value);
}

type JsonObject = { [key: string]: JsonValue };

function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function count(value: JsonValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function objects(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** `{ key: value }` when the value is there, so optional fields stay absent rather than undefined. */
function present<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * The job master's progress as {@link JobProgress}, read field by field: it comes from Redis as
 * JSON, written by whichever job master version ran the job, so anything missing or of another
 * type is left out instead of trusted.
 */
export function jobProgressOf(json: JsonValue | undefined): Partial<JobProgress> {
  if (!isObject(json)) return {};
  const tasks: TaskProgress[] = objects(json['taskList']).flatMap((task) => {
    const vertexId = text(task['vertexId']);
    const subtask = count(task['subtask']);
    const state = text(task['state']);
    if (vertexId === undefined || subtask === undefined || state === undefined) return [];
    return [
      {
        vertexId,
        subtask,
        attempt: count(task['attempt']) ?? 0,
        state,
        ...present('taskManagerId', text(task['taskManagerId'])),
        ...present('recordsIn', count(task['recordsIn'])),
        ...present('recordsOut', count(task['recordsOut'])),
        ...present('recordsInPerSecond', count(task['recordsInPerSecond'])),
        ...present('recordsOutPerSecond', count(task['recordsOutPerSecond'])),
      },
    ];
  });
  const timeline = objects(json['timeline']).flatMap((entry) => {
    const atMs = count(entry['atMs']);
    const state = text(entry['state']);
    return atMs === undefined || state === undefined ? [] : [{ atMs, state, ...present('detail', text(entry['detail'])) }];
  });
  const exceptions: TaskException[] = objects(json['exceptions']).flatMap((entry) => {
    const atMs = count(entry['atMs']);
    const message = text(entry['message']);
    if (atMs === undefined || message === undefined) return [];
    return [
      {
        atMs,
        message,
        ...present('vertexId', text(entry['vertexId'])),
        ...present('subtask', count(entry['subtask'])),
        ...present('operatorId', text(entry['operatorId'])),
        ...present('operatorName', text(entry['operatorName'])),
        ...present('keyJson', text(entry['keyJson'])),
      },
    ];
  });
  return {
    ...(Array.isArray(json['taskList']) ? { taskList: tasks } : {}),
    ...(Array.isArray(json['timeline']) ? { timeline } : {}),
    ...(Array.isArray(json['exceptions']) ? { exceptions } : {}),
  };
}

/**
 * The tasks of the current attempt, in graph order (vertices as the graph lists them, then by
 * subtask), one per subtask: a report may still hold an earlier attempt of a restarted subtask.
 */
export function taskViews(tasks: readonly TaskProgress[], graph: JobGraphView | undefined): TaskView[] {
  const latest = new Map<string, TaskProgress>();
  for (const task of tasks) {
    const key = `${task.vertexId}\u0000${task.subtask}`;
    const seen = latest.get(key);
    if (seen === undefined || task.attempt >= seen.attempt) latest.set(key, task);
  }
  const order = new Map(graph?.vertices.map((vertex, index) => [vertex.id, index]) ?? []);
  const vertices = new Map(graph?.vertices.map((vertex) => [vertex.id, vertex]) ?? []);
  const rank = (vertexId: string): number => order.get(vertexId) ?? Number.MAX_SAFE_INTEGER;
  return [...latest.values()]
    .sort((a, b) => rank(a.vertexId) - rank(b.vertexId) || a.vertexId.localeCompare(b.vertexId) || a.subtask - b.subtask)
    .map((task) => {
      const vertex = vertices.get(task.vertexId);
      return {
        vertexId: task.vertexId,
        vertexName: vertex?.name ?? task.vertexId,
        subtask: task.subtask,
        parallelism: vertex?.parallelism ?? 0,
        attempt: task.attempt,
        state: task.state,
        ...present('taskManagerId', task.taskManagerId),
        ...present('recordsIn', task.recordsIn),
        ...present('recordsOut', task.recordsOut),
        ...present('recordsInPerSecond', task.recordsInPerSecond),
        ...present('recordsOutPerSecond', task.recordsOutPerSecond),
      };
    });
}

/** The job's own state changes, from the times its record keeps. */
function stateChanges(record: JobRecord): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ atMs: record.submittedAt, state: 'ACCEPTED' }];
  if (record.startedAt !== undefined) {
    entries.push({ atMs: record.startedAt, state: 'RUNNING', ...(record.attempts > 1 ? { detail: `attempt ${record.attempts}` } : {}) });
  }
  if (record.endedAt !== undefined && record.state !== 'ACCEPTED' && record.state !== 'RUNNING') {
    entries.push({ atMs: record.endedAt, state: record.state, ...present('detail', record.failure === '' ? undefined : record.failure) });
  }
  return entries;
}

/**
 * The job's state changes and its job master's phases in one list, oldest first; at equal times
 * a job state comes before the phases it led to (RUNNING before `waiting-for-slots`).
 */
export function timelineOf(record: JobRecord, phases: readonly TimelineEntry[]): TimelineEntry[] {
  const states = stateChanges(record);
  // Array.prototype.sort is stable, so ties keep states first, and phases in their reported order.
  return [...states, ...phases].sort((a, b) => a.atMs - b.atMs);
}

/** Task failures, newest first, with the vertex named from the graph. */
export function exceptionViews(exceptions: readonly TaskException[], graph: JobGraphView | undefined): ExceptionView[] {
  const names = new Map(graph?.vertices.map((vertex) => [vertex.id, vertex.name]) ?? []);
  return [...exceptions]
    .sort((a, b) => b.atMs - a.atMs)
    .map((exception) => ({
      atMs: exception.atMs,
      message: exception.message,
      ...present('vertexName', exception.vertexId === undefined ? undefined : (names.get(exception.vertexId) ?? exception.vertexId)),
      ...present('subtask', exception.subtask),
      ...present('operatorId', exception.operatorId),
      ...present('operatorName', exception.operatorName),
      ...present('keyJson', exception.keyJson),
    }));
}

/** One job's page: the summary, its graph when it decodes, and what its job master reported. */
export function jobDetailView(record: JobRecord, graph: JobGraphView | undefined): JobDetailView {
  const progress = jobProgressOf(record.progress);
  return {
    ...jobSummaryView(record),
    ...present('graph', graph),
    tasks: taskViews(progress.taskList ?? [], graph),
    timeline: timelineOf(record, progress.timeline ?? []),
    exceptions: exceptionViews(progress.exceptions ?? [], graph),
    results: record.state === 'FINISHED' ? collectedResults(record.result) : [],
  };
}

/** What `GET /api/v1/jobs` was asked for, checked: the shared filter and how many at most. */
export type JobListQuery = JobFilter & { readonly limit: number };

/** Query values as Fastify parses them: a repeated parameter is an array. */
export type QueryValue = string | string[] | undefined;

const MAX_QUERY_LENGTH = 200;

/**
 * The filter of a jobs request.
 * @returns the filter, or the first bad parameter with its value and what was expected.
 */
export function parseJobFilter(query: { state?: QueryValue; q?: QueryValue; limit?: QueryValue }): JobListQuery | { error: string } {
  for (const name of ['state', 'q', 'limit'] as const) {
    const value = query[name];
    if (Array.isArray(value)) return { error: `${name}: given ${value.length} times; expected it at most once` };
  }
  const { state, q, limit } = query as { state?: string; q?: string; limit?: string };
  let filter: JobListQuery = { limit: DEFAULT_JOBS_LIMIT };
  if (state !== undefined && state !== '') {
    if (!(JOB_STATES as readonly string[]).includes(state)) return { error: `state: '${state}' is not a job state; expected one of ${JOB_STATES.join(', ')}` };
    filter = { ...filter, state: state as JobStateName };
  }
  if (q !== undefined && q !== '') {
    if (q.length > MAX_QUERY_LENGTH) return { error: `q: ${q.length} characters; expected at most ${MAX_QUERY_LENGTH}` };
    filter = { ...filter, q };
  }
  if (limit !== undefined && limit !== '') {
    const value = /^\d{1,6}$/.test(limit) ? Number(limit) : Number.NaN;
    if (!(value >= 1 && value <= MAX_JOBS_LIMIT)) return { error: `limit: '${limit}' is not a whole number from 1 to ${MAX_JOBS_LIMIT}` };
    filter = { ...filter, limit: value };
  }
  return filter;
}

/** True when the filter narrows the list, so more jobs than `limit` must be looked at. */
export function narrows(filter: JobListQuery): boolean {
  return filter.state !== undefined || filter.q !== undefined;
}

/** The jobs matching the filter (as the browser filters the `jobs` topic), newest first as given, at most `limit`. */
export function filterJobs(records: readonly JobRecord[], query: JobListQuery): JobSummaryView[] {
  return records
    .map(jobSummaryView)
    .filter((job) => jobMatches(job, query))
    .slice(0, query.limit);
}

/** How many of the jobs are in each state. */
export function jobsByState(records: readonly JobRecord[]): Record<JobStateName, number> {
  const counts = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobStateName, number>;
  for (const record of records) counts[record.state] += 1;
  return counts;
}

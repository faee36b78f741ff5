// Where the views live, and how the browser follows them without reloading: Server-Sent Events
// on `GET /api/v1/events?topic=…&topic=…`. For each topic the gateway sends one event at once and
// another whenever the view changed (checked about once a second); the event's name is the topic
// and its data the view's JSON, exactly what the topic's GET answers.
import type { JobStateName, JobSummaryView } from './views';

export const API_BASE = '/api/v1';

/** What a browser can follow. `job:<jobId>` is one job's JobDetailView; `jobs` the newest 50 JobSummaryViews. */
export type LiveTopic = 'overview' | 'jobs' | 'taskmanagers' | 'mesos' | `job:${string}`;

const JOB_ID = /^[0-9a-f]{32}$/;

/** The GET path of each view. */
export const apiPaths = {
  overview: `${API_BASE}/overview`,
  jobs: (filter: { state?: JobStateName; q?: string; limit?: number } = {}): string => {
    const query = new URLSearchParams();
    if (filter.state !== undefined) query.set('state', filter.state);
    if (filter.q !== undefined && filter.q !== '') query.set('q', filter.q);
    if (filter.limit !== undefined) query.set('limit', String(filter.limit));
    const text = query.toString();
    return `${API_BASE}/jobs${text === '' ? '' : `?${text}`}`;
  },
  job: (jobId: string): string => `${API_BASE}/jobs/${encodeURIComponent(jobId)}`,
  /** POST, with `Authorization: Bearer <token>` when the overview says `authRequired`. */
  cancelJob: (jobId: string): string => `/jobs/${encodeURIComponent(jobId)}/cancel`,
  taskManagers: `${API_BASE}/taskmanagers`,
  mesos: `${API_BASE}/mesos`,
  config: `${API_BASE}/config`,
  events: (topics: readonly LiveTopic[]): string => `${API_BASE}/events?${topics.map((topic) => `topic=${encodeURIComponent(topic)}`).join('&')}`,
} as const;

/**
 * The topics of an events request, checked.
 * @returns the topics, or the first bad one with what was expected.
 */
export function parseTopics(values: readonly string[]): { topics: LiveTopic[] } | { error: string } {
  if (values.length === 0) return { error: 'topic: none given; expected one or more of overview, jobs, taskmanagers, mesos, job:<job id>' };
  const topics: LiveTopic[] = [];
  for (const value of values) {
    if (value === 'overview' || value === 'jobs' || value === 'taskmanagers' || value === 'mesos') topics.push(value);
    else if (value.startsWith('job:') && JOB_ID.test(value.slice(4))) topics.push(value as `job:${string}`);
    else return { error: `topic: '${value}' is not a topic; expected overview, jobs, taskmanagers, mesos or job:<32 hex characters>` };
  }
  return { topics: [...new Set(topics)] };
}

/** What the jobs list can be narrowed to: `state` and `q` of `GET /api/v1/jobs`. */
export interface JobFilter {
  readonly state?: JobStateName;
  /** A part of the job's name, any case, or of its id; empty matches every job. */
  readonly q?: string;
}

/**
 * Whether a job passes the jobs list's filter. The gateway answers `GET /api/v1/jobs` with it, and
 * the browser applies it to the unfiltered `jobs` topic, so both agree on which jobs a filter shows.
 */
export function jobMatches(job: JobSummaryView, filter: JobFilter): boolean {
  if (filter.state !== undefined && job.state !== filter.state) return false;
  const q = filter.q?.trim().toLowerCase() ?? '';
  return q === '' || job.jobName.toLowerCase().includes(q) || job.jobId.includes(q);
}

import { apiPaths, jobMatches, parseTopics } from './live';
import type { JobSummaryView } from './views';

describe('the live API', () => {
  it('takes known topics and one job per job topic, each once', () => {
    const jobId = 'a'.repeat(32);
    expect(parseTopics(['overview', `job:${jobId}`, 'overview'])).toEqual({ topics: ['overview', `job:${jobId}`] });
  });

  it('names the first bad topic and what was expected', () => {
    expect(parseTopics([])).toEqual({ error: 'topic: none given; expected one or more of overview, jobs, taskmanagers, mesos, job:<job id>' });
    expect(parseTopics(['jobs', 'job:xyz'])).toEqual({ error: "topic: 'job:xyz' is not a topic; expected overview, jobs, taskmanagers, mesos or job:<32 hex characters>" });
  });

  it('builds the paths the gateway serves', () => {
    expect(apiPaths.jobs({ state: 'RUNNING', q: 'word count', limit: 20 })).toBe('/api/v1/jobs?state=RUNNING&q=word+count&limit=20');
    expect(apiPaths.jobs()).toBe('/api/v1/jobs');
    expect(apiPaths.events(['overview', 'job:ab'])).toBe('/api/v1/events?topic=overview&topic=job%3Aab');
  });

  it('filters jobs by state and by a part of the name in any case or of the id', () => {
    const job: JobSummaryView = {
      jobId: 'b'.repeat(32),
      submissionId: 's1',
      jobName: 'WordCount',
      state: 'RUNNING',
      submittedAtMs: 1,
      startedAtMs: 2,
      endedAtMs: 0,
      attempts: 1,
      failure: '',
      cancelRequested: false,
    };
    expect(jobMatches(job, {})).toBe(true);
    expect(jobMatches(job, { state: 'RUNNING', q: ' wordc ' })).toBe(true);
    expect(jobMatches(job, { q: 'count' })).toBe(true);
    expect(jobMatches(job, { q: 'bbbb' })).toBe(true);
    expect(jobMatches(job, { state: 'FAILED' })).toBe(false);
    expect(jobMatches(job, { q: 'join' })).toBe(false);
  });
});
